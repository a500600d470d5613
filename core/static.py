"""Static files: served by WhiteNoise, compressed, cached for a year when their URL names their content.

- `url_for('static', filename=...)` adds `?v=<hash of the file's content>` (hashed once per file and per
  process: a deployment restarts the processes). A request whose `v` is the file's current hash gets
  `Cache-Control: public, max-age=31536000, immutable`; any other request for a static file gets
  `max-age=UNVERSIONED_MAX_AGE` and revalidates with WhiteNoise's ETag / Last-Modified (a 304).
- The DSFR's CSS refers to its fonts and icons by relative URLs, which cannot carry the hash: they get the
  unversioned day, not the year, so that a DSFR upgrade reaches every browser within a day.
- Compression: WhiteNoise sends `file.gz` (or `file.br`) beside `file` to a browser that accepts it.
  `make assets` writes them for static/vendor/ (`python -m whitenoise.compress`); jalons.css and jalons.js
  are edited by hand and small, so they are not pre-compressed (a stale .gz would hide an edit).
- WhiteNoise answers before Flask, so the security headers that Flask-Talisman puts on Flask's responses
  (core/security.py) are copied onto static responses here, over HTTP and over HTTPS (HSTS).
"""

import hashlib
import os
from urllib.parse import parse_qs

from flask import Flask
from whitenoise import WhiteNoise

PREFIX = "/static/"
VERSIONED_CACHE_CONTROL = "public, max-age=31536000, immutable"
UNVERSIONED_MAX_AGE = 24 * 3600
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                    "Permissions-Policy", "Strict-Transport-Security")


def init_app(app: Flask) -> None:
    """Before ProxyFix wraps the application: the scheme a proxy forwarded decides HSTS here too."""
    versions = _Versions(app.static_folder)
    app.extensions["jalons.static_versions"] = versions

    @app.url_defaults
    def _version(endpoint, values):
        if endpoint == "static" and "v" not in values and values.get("filename"):
            version = versions.get(values["filename"])
            if version:
                values["v"] = version

    app.wsgi_app = StaticFiles(app, versions)


class _Versions:
    """The hash of each static file's content, computed the first time a page names the file."""

    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        self.hashes: dict[str, str | None] = {}

    def get(self, filename: str) -> str | None:
        if filename not in self.hashes:
            path = os.path.realpath(os.path.join(self.root, filename))
            version = None
            if path.startswith(self.root + os.sep) and os.path.isfile(path):
                with open(path, "rb") as file:
                    version = hashlib.sha256(file.read()).hexdigest()[:12]
            self.hashes[filename] = version
        return self.hashes[filename]


class StaticFiles:
    def __init__(self, app: Flask, versions: _Versions):
        self.app = app
        self.versions = versions
        # Outside production the files are looked up at each request: an edited jalons.css shows at once.
        self.whitenoise = WhiteNoise(app.wsgi_app, root=app.static_folder, prefix=PREFIX,
                                     max_age=UNVERSIONED_MAX_AGE,
                                     autorefresh=app.config["JALONS_ENV"] != "production")
        self._headers: dict[bool, list[tuple[str, str]]] = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.whitenoise(environ, start_response)
        filename = path[len(PREFIX):]
        given = parse_qs(environ.get("QUERY_STRING", "")).get("v", [None])[0]
        versioned = given is not None and given == self.versions.get(filename)
        secure = environ.get("wsgi.url_scheme") == "https" or environ.get("HTTP_X_FORWARDED_PROTO") == "https"
        extra = self.security_headers(secure)

        def start(status, headers, exc_info=None):
            if not status.startswith(("200", "206", "304")):
                return start_response(status, headers, exc_info)  # Flask's 404, already secured
            names = {name.lower() for name, _ in extra}
            headers = [(k, v) for k, v in headers if k.lower() not in names]
            if versioned:
                headers = [(k, v) for k, v in headers if k.lower() != "cache-control"]
                headers.append(("Cache-Control", VERSIONED_CACHE_CONTROL))
            return start_response(status, headers + extra, exc_info)

        return self.whitenoise(environ, start)

    def security_headers(self, secure: bool) -> list[tuple[str, str]]:
        """Talisman's headers for a response over HTTP or HTTPS, computed once by Talisman itself."""
        if secure not in self._headers:
            talisman = self.app.extensions["talisman"]
            base_url = "https://localhost" if secure else "http://localhost"
            with self.app.test_request_context(PREFIX, base_url=base_url):
                response = self.app.response_class()
                talisman._set_response_headers(response)
            self._headers[secure] = [(name, response.headers[name]) for name in SECURITY_HEADERS
                                     if name in response.headers]
        return self._headers[secure]
