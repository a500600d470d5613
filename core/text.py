"""Text folded for searching and sorting: lower case, no accents, single spaces (« École  Numérique »
→ « ecole numerique »), the same on SQLite and PostgreSQL."""

import unicodedata


def fold(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", (text or "").casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
