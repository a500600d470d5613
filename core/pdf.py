"""Printing a page as PDF with WeasyPrint (the committee pack, a convention's end-of-term report): a print
template extending `_print.html` (its own small stylesheet, the DSFR's Marianne fonts, no JavaScript),
rendered with the fonts folder as its only readable resource — no network, no other file."""

import io
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app, render_template, send_file


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
