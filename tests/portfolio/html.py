"""Reading the pages' HTML the way a user (or a screen reader) would, with the standard library."""

import html
import re
from html.parser import HTMLParser


class Outline(HTMLParser):
    """Headings, title, table captions and the text of the page."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.title = ""
        self.h1: list[str] = []
        self.captions: list[str] = []
        self.text: list[str] = []
        self._capture: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "h1", "caption"):
            self._capture, self._buffer = tag, []

    def handle_endtag(self, tag):
        if tag == self._capture:
            value = " ".join("".join(self._buffer).split())
            {"title": lambda: setattr(self, "title", value), "h1": lambda: self.h1.append(value),
             "caption": lambda: self.captions.append(value)}[tag]()
            self._capture = None

    def handle_data(self, data):
        if self._capture:
            self._buffer.append(data)
        self.text.append(data)


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    parser.full_text = " ".join(" ".join(parser.text).split())
    return parser


def text(page: str) -> str:
    """The visible text of a page, whitespace collapsed (for « contains » assertions)."""
    return outline(page).full_text


def row_names(page: str) -> list[str]:
    """The startup names of the table rows, in order."""
    return [html.unescape(name) for name in re.findall(r'<th scope="row"><a href="/startups/[^"]*">([^<]*)</a></th>', page)]
