"""Logs: one key=value line per request (method, path, status, duration, request id, person), on stderr.

Under gunicorn and `flask` nothing else configures Python's logging: the root logger gets one stderr
handler at LOG_LEVEL (INFO by default). When something already did (pytest's capture, an operator's own
configuration), it is left alone: the tests' output stays quiet and caplog still sees every record.
Static files are answered by WhiteNoise before Flask (core/static.py), so they have no line here; the
reverse proxy's access log has them.
"""

import logging
import sys
import time

import sqlalchemy as sa
from flask import Flask, g, request

from core import errors

log = logging.getLogger("jalons.requests")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(level: str) -> None:
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%dT%H:%M:%S%z"))
    root.addHandler(handler)
    root.setLevel(level)


def _value(text) -> str:
    """A value on a key=value line: quoted when it holds a space, a quote or an equals sign."""
    text = str(text)
    if text and not any(c in text for c in ' "=\\'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def person_id():
    """The logged-in person's id from what users.permissions already loaded: never a new query (the
    database may be what failed), nor a read of the session (it would add `Vary: Cookie` to the response)."""
    person = request.environ.get(errors.CURRENT_PERSON)
    if person is None:
        return None
    state = sa.inspect(person)
    return state.identity[0] if state.identity else state.dict.get("id")


def register(app: Flask) -> None:
    configure(app.config["LOG_LEVEL"])

    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        fields = {"method": request.method, "path": errors.logged_path(), "status": response.status_code,
                  "duration_ms": f"{duration:.1f}", "request_id": errors.request_id(), "person_id": person_id()}
        line = " ".join(f"{key}={_value(value)}" for key, value in fields.items() if value is not None)
        log.log(logging.WARNING if response.status_code >= 500 else logging.INFO, "request %s", line)
        return response
