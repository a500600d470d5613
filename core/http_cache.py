"""Caching over HTTP instead of in the process: what a browser or a reverse proxy may keep, and for how long.

A successful GET whose answer depends on nothing but its URL — an anonymous visitor's page, the API, a
public CSV — carries an ETag (a hash of the body) and `Cache-Control: public, max-age=60`: a proxy or a
browser keeps it a minute, then asks again with `If-None-Match` and gets a bodiless 304 when nothing
changed. Any other answer is `private, no-store`: a logged-in person's page (their buttons, their
history), or one that read or wrote the session (a CSRF token in a form, a flashed message), is never kept
by anyone, nor shared. A view that sets Cache-Control itself keeps its own.

A minute is what a reader may wait to see someone else's change; the person who made it is logged in and
always gets a fresh page.
"""

from flask import Flask, Response, request, session

from core import errors

PUBLIC = "public, max-age=60"
PRIVATE = "private, no-store"


def init_app(app: Flask) -> None:
    app.after_request(cache_headers)


def _anonymous() -> bool:
    """Nothing in the session, before or after the view: the answer is the same for every visitor."""
    return request.environ.get(errors.CURRENT_PERSON) is None and not session and not session.modified


def cache_headers(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or "Cache-Control" in response.headers:
        return response
    if not _anonymous():
        # Any answer to a logged-in person, an error page included (it shows their name in the header).
        response.headers["Cache-Control"] = PRIVATE
        return response
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return response
    response.headers["Cache-Control"] = PUBLIC
    response.add_etag()
    return response.make_conditional(request)
