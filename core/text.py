"""Text folded for searching and sorting: lower case, no accents, single spaces (« École  Numérique »
→ « ecole numerique »), the same on SQLite and PostgreSQL."""

import re
import unicodedata

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: str.splitlines() breaks
# on several of them, and a header or a one-line field must never hold one.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# In a multi-line text: the control characters except line feed, carriage return and tab.
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def fold(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", (text or "").casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def one_line(text: str | None) -> str:
    """The text with every control character (line feeds included) replaced by a space."""
    return CONTROL.sub(" ", text or "")


def control_character(text: str | None, multiline: bool = False) -> str | None:
    """The first control character of the text that it may not hold, described in French (« un retour à
    la ligne », « le caractère U+0000 »), or None."""
    found = (CONTROL_IN_TEXT if multiline else CONTROL).search(text or "")
    if found is None:
        return None
    char = found.group()
    names = {"\n": "un retour à la ligne", "\r": "un retour chariot", "\t": "une tabulation",
             "\u2028": "un séparateur de ligne", "\u2029": "un séparateur de paragraphe"}
    return names.get(char, f"le caractère de contrôle U+{ord(char):04X}")


def contains_pattern(text: str) -> str:
    """A LIKE pattern (with escape "\\") finding text, lower-cased, anywhere: « % » and « _ » typed by a
    person are characters, not wildcards. Compare it with a lower-cased column."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def whole_number(text: str | None, *, at_most: int = 10**18) -> int | None:
    """The number the text writes with the digits 0 to 9 alone (no sign nor other character; spaces around
    it are ignored), None otherwise or beyond at_most. str.isdigit() is not enough: it accepts « ² » or « ٣ »,
    which int() refuses or reads, and thousands of digits, which int() refuses too."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(at_most)):
        return None
    number = int(text)
    return number if number <= at_most else None
