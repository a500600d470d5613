"""CSV that spreadsheet software cannot run (CSV injection, OWASP « CSV Injection »).

Excel, LibreOffice and Google Sheets run a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: a startup or indicator name typed as `=HYPERLINK(…)` would run on the
computer of whoever opens the export. Every CSV Jalons writes goes through writer() below, which puts an
apostrophe in front of such text cells, as OWASP recommends: spreadsheets show the text as typed. Numbers
(int, float, Decimal, and text that is only a signed number such as `-2,5`) stay numbers.
"""

import csv
import re
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value):
    """value as a cell no spreadsheet runs as a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """A cell read back from a CSV Jalons wrote (its apostrophe kept by a text editor): the text as typed."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class SafeWriter:
    """csv.writer whose every cell goes through safe_cell()."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, **kwargs) -> SafeWriter:
    return SafeWriter(stream, **kwargs)
