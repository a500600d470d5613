"""SQLite connections that count the time SQLite spends producing rows, for bench/pages.py.

pysqlite's execute() runs a statement only up to its first row; SQLite finds the others while the rows are
fetched. Timing execute() alone (SQLAlchemy's before/after_cursor_execute) therefore misses the work of a
statement that scans while it returns rows (an index read in order until a page is full, a search): this
connection's cursors add the time of their fetches to FETCH_SECONDS, which the bench adds to the time of
the executes. PostgreSQL's driver receives every row within execute(): nothing to add there.
"""

import sqlite3
import time

import sqlalchemy as sa

FETCH_SECONDS = [0.0]


def _timed(fetch):
    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return fetch(self, *args, **kwargs)
        finally:
            FETCH_SECONDS[0] += time.perf_counter() - started
    return timed


class TimedCursor(sqlite3.Cursor):
    fetchone = _timed(sqlite3.Cursor.fetchone)
    fetchmany = _timed(sqlite3.Cursor.fetchmany)
    fetchall = _timed(sqlite3.Cursor.fetchall)


class TimedConnection(sqlite3.Connection):
    def cursor(self, factory=TimedCursor):
        return super().cursor(factory)


def timing_fetches(engine_options: dict, database_url: str) -> dict:
    """The application's engine options, with TimedConnection on SQLite."""
    if sa.make_url(database_url).get_backend_name() == "sqlite":
        engine_options.setdefault("connect_args", {})["factory"] = TimedConnection
    return engine_options
