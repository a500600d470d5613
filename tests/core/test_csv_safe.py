import csv
import io
import pathlib
import re
from decimal import Decimal

import pytest

from core import csv_safe

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("typed", ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                   "\t=1", "\r=1"])
def test_a_cell_typed_as_a_formula_is_written_as_text(typed):
    buffer = io.StringIO()
    csv_safe.writer(buffer, delimiter=";").writerow([typed, "Texte", None])
    [row] = list(csv.reader(io.StringIO(buffer.getvalue()), delimiter=";"))
    assert row == ["'" + typed, "Texte", ""]
    assert csv_safe.unescape_cell(row[0]) == typed


@pytest.mark.parametrize("number", [-3, 2.5, Decimal("-1.5"), "-2,5", "+4", "-12"])
def test_numbers_stay_numbers(number):
    assert csv_safe.safe_cell(number) == number


def test_every_csv_jalons_writes_goes_through_the_safe_writer():
    """A new CSV export written with csv.writer directly would skip the escaping: this test names it."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in (".venv", "tests", "node_modules", "bench") or path.name == "csv_safe.py":
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
