"""Uploaded PDFs: what counts as one (by its content, not its name or announced type), the name offered on
download, and sizes as people read them. Shared by every area that stores PDFs (presentations, conventions)."""

import re
import unicodedata

PDF_CONTENT_TYPE = "application/pdf"


def is_pdf(data: bytes) -> bool:
    """A PDF by its content: the %PDF-n.n header at the start, and a cross-reference pointer and the
    %%EOF marker near the end (incremental updates may leave a few bytes after it)."""
    if not re.match(rb"%PDF-[12]\.\d", data[:16]):
        return False
    tail = data[-2048:]
    return b"%%EOF" in tail and b"startxref" in tail


def clean_filename(filename: str | None, fallback: str = "document") -> str:
    """The name shown and offered on download: no path, no control characters, ends in .pdf."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    name = name.strip(". ") or fallback
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    if len(name) > 200:
        name = name[:196] + ".pdf"
    return name


def size_fr(size: int) -> str:
    """« 1,4 Mo », « 820 ko »."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, round(size / 1024))} ko"
