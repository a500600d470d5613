"""PDFs, both ways. Printing a page as PDF with WeasyPrint (the committee pack, a convention's end-of-term
report): a print template extending `_print.html` (its own small stylesheet, the DSFR's Marianne fonts, no
JavaScript), rendered with the fonts folder as its only readable resource — no network, no other file.
Uploaded PDFs (presentations, conventions): what counts as one (by its content, not its name or announced
type), the name offered on download, and sizes as people read them."""

import io
import posixpath
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app, render_template, send_file

PDF_CONTENT_TYPE = "application/pdf"


def fonts_dir() -> Path:
    return Path(current_app.static_folder) / "vendor" / "dsfr" / "fonts"


def font_url(url: str, fonts: Path) -> str:
    """The file URL WeasyPrint may read for url: a file inside fonts (a resolved folder), judged on the path
    as it will be opened — percent-decoded and normalised, so that `%2e%2e/` (`../`) or a symbolic link
    cannot lead out of it. Returns the normalised URL, which is the one fetched; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"resource not allowed in the PDF: {url}")
    path = Path(posixpath.normpath(unquote(parts.path))).resolve()
    if not path.is_relative_to(fonts) or path == fonts:
        raise ValueError(f"resource not allowed in the PDF: {url}")
    return path.as_uri()


def render_pdf(template: str, **context) -> bytes:
    """The template as PDF; it receives `fonts_url`, the folder of the DSFR's fonts, which WeasyPrint may
    read and nothing else."""
    from weasyprint import HTML  # noqa: PLC0415 (heavy import, only when a PDF is asked for)
    from weasyprint.urls import URLFetcher  # noqa: PLC0415

    fonts = fonts_dir().resolve()
    root = fonts.as_uri() + "/"

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            return super().fetch(font_url(url, fonts), headers)

    html = render_template(template, fonts_url=root, **context)
    return HTML(string=html, base_url=root, url_fetcher=FontsOnly(allowed_protocols=("file",))).write_pdf()


def pdf_response(pdf: bytes, filename: str) -> Response:
    """The PDF as a download that no cache keeps (it holds what only its reader may see)."""
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- uploaded PDFs ---------------------------------------------------------------------------------------


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
