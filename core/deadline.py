"""A deadline, kept by the client, on each round trip of a web request to PostgreSQL (DB_CLIENT_TIMEOUT).

statement_timeout and lock_timeout are enforced by the server: a server that cannot run (frozen, its host
stalled) never enforces them, and TCP's own timeouts do not fire while the kernel at the other end still
acknowledges the packets. The request would wait on its socket for as long as that lasts. So each round
trip of a web request — a statement, a commit or rollback, the pool's pre-ping — gets DB_CLIENT_TIMEOUT
seconds: past it, a watchdog thread shuts the connection's socket down, the blocked libpq call returns an
error, SQLAlchemy takes it for a dropped connection and discards it from the pool, and the person gets the
French 503 (core/errors.py).

Web requests only: the deadline is set around each request (init_app wraps the WSGI application), and the
scheduler's jobs and the flask commands run without it — a migration or an import may rightly wait longer,
and their statements stay bounded by statement_timeout on a live server. SQLite gets none of this: a file
has no server to hang.
"""

import contextvars
import logging
import os
import socket
import threading
import time

import psycopg
import sqlalchemy as sa
from flask import Flask, g, has_app_context

log = logging.getLogger("jalons.db")

# Seconds each round trip of the current web request may take; None outside web requests.
_seconds: contextvars.ContextVar[float | None] = contextvars.ContextVar("jalons_db_client_timeout", default=None)
TICK = 0.1  # how often the watchdog looks at the round trips in flight: the deadline's precision


class DeadlineConnection(psycopg.Connection):
    """psycopg's connection, whose round trips inside a web request are watched. Every exchange with the
    server (execute, commit, rollback, the pool's ping) goes through wait(), which psycopg does not document:
    the freezing tests of tests/core/test_error_pages.py fail if an upgrade routes round trips elsewhere."""

    cut = False

    def wait(self, gen, *args, **kwargs):
        seconds = _seconds.get()
        if seconds is None:
            return super().wait(gen, *args, **kwargs)
        _watchdog.arm(self, self.pgconn.socket, seconds)
        try:
            return super().wait(gen, *args, **kwargs)
        except psycopg.OperationalError as error:
            if not self.cut:
                raise
            log.warning("no answer from the database within %s s (DB_CLIENT_TIMEOUT): connection cut [request %s]",
                        seconds, g.get("request_id", "-") if has_app_context() else "-")
            raise psycopg.OperationalError(
                f"no answer from the database within {seconds} s (DB_CLIENT_TIMEOUT): connection cut") from error
        finally:
            _watchdog.disarm(self)


class _Watchdog:
    """One thread per process, started at the first round trip it watches: shuts down the socket of any
    connection whose round trip has outlived its deadline. shutdown() wakes the thread blocked in libpq (it
    reads the end of the stream) without closing the descriptor, which stays libpq's to close."""

    def __init__(self):
        self._lock = threading.Lock()
        self._armed: dict[DeadlineConnection, tuple[float, int]] = {}  # connection: (deadline, its socket)
        self._thread: threading.Thread | None = None

    def arm(self, connection: DeadlineConnection, fd: int, seconds: float) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # not yet, or not in this forked process
                self._thread = threading.Thread(target=self._run, name="jalons-db-deadline", daemon=True)
                self._thread.start()
            self._armed[connection] = (time.monotonic() + seconds, fd)

    def disarm(self, connection: DeadlineConnection) -> None:
        with self._lock:
            self._armed.pop(connection, None)

    def _run(self) -> None:
        while True:
            time.sleep(TICK)
            now = time.monotonic()
            with self._lock:
                # Under the lock: the connection's thread cannot disarm, hence not close the socket, meanwhile.
                for connection, (deadline, fd) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[connection]
                        connection.cut = True
                        try:
                            with socket.socket(fileno=os.dup(fd)) as duplicate:
                                duplicate.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass  # already closed: the round trip is failing anyway


_watchdog = _Watchdog()


def init_app(app: Flask, engine: sa.Engine) -> None:
    """On PostgreSQL (psycopg) with DB_CLIENT_TIMEOUT > 0: connections that keep the deadline, and the
    deadline set around each web request (its teardown included, where the session's rollback runs)."""
    seconds = float(app.config.get("DB_CLIENT_TIMEOUT") or 0)
    if seconds <= 0 or engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @sa.event.listens_for(engine, "do_connect")
    def _connect(dialect, connection_record, cargs, cparams):
        return DeadlineConnection.connect(*cargs, **cparams)

    inner = app.wsgi_app

    def with_deadline(environ, start_response):
        token = _seconds.set(seconds)
        try:
            return inner(environ, start_response)
        finally:
            _seconds.reset(token)

    app.wsgi_app = with_deadline
