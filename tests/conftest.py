"""Test fixtures: one application per session on SQLite (or PostgreSQL with JALONS_TEST_BACKEND=postgresql),
the schema built by the migrations, and each test inside a transaction rolled back at its end.

JALONS_TEST_TODAY=2027-01-13 (or a Paris time, 2027-01-13T23:58) runs the whole suite as if on that day: the
clock (core/clock.py, and every datetime.now/time.time of the process) is moved there, ticking, before the
tests are even collected. CI runs the suite so on dates that broke tests before (.ci/run)."""

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from app import create_app
from core import clock
from core.clock import PARIS
from core.db import db, empty_database

FIXTURES = Path(__file__).parent / "fixtures"
_moved_clock = None


def moved_clock_start(value: str) -> dt.datetime:
    """When a JALONS_TEST_TODAY run starts: the given Paris time, or 10:00 in Paris on the given day (far
    from midnight, so the day does not turn during the run)."""
    start = dt.datetime.fromisoformat(value)
    if "T" not in value and " " not in value:
        start = start.replace(hour=10)
    # In UTC: a ZoneInfo destination would make time-machine change the process's TZ as well.
    return (start.replace(tzinfo=PARIS) if start.tzinfo is None else start).astimezone(dt.timezone.utc)


def pytest_configure(config):
    global _moved_clock
    value = os.environ.get("JALONS_TEST_TODAY")
    if value and _moved_clock is None:
        _moved_clock = time_machine.travel(moved_clock_start(value), tick=True)
        _moved_clock.start()


def pytest_unconfigure(config):
    global _moved_clock
    if _moved_clock is not None:
        _moved_clock.stop()
        _moved_clock = None


def pytest_report_header(config):
    if _moved_clock is not None:
        return f"clock moved to {clock.now().astimezone(PARIS):%Y-%m-%d %H:%M} (Paris) by JALONS_TEST_TODAY"


def database_url(tmp_path_factory) -> str:
    if os.environ.get("JALONS_TEST_BACKEND") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise RuntimeError("JALONS_TEST_BACKEND=postgresql demande TEST_DATABASE_URL")
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "jalons-test.sqlite3")


def reset_schema(app) -> None:
    """An empty database, then the migrations: the tests run on the schema production gets."""
    with app.app_context():
        with db.engine.begin() as connection:
            empty_database(connection)
        upgrade()


class MailWaitingClient(FlaskClient):
    """Waits, after each request, for the e-mails it sends in the background (core/mail.py), so that a test
    reads its outbox as a person would, once the e-mail has left. wait_for_mail = False does not wait."""

    wait_for_mail = True

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if self.wait_for_mail:
            from core import mail

            mail.wait_sent()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({
        "JALONS_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # The client deadline of web requests (core/deadline.py) is tested on its own app with 1 s
        # (tests/core/test_error_pages.py); here, a slow statement on a loaded CI machine is slow, not a 503.
        "DB_CLIENT_TIMEOUT": 60,
    })
    app.test_client_class = MailWaitingClient
    reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's Session.get_bind returns the engine and ignores the session's `bind`: code under
    test that commits would then commit for real on a connection of its own, outside the rolled-back
    transaction. This one always uses the test's connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def session(request, app):
    """Each test in a transaction that is rolled back; code under test may commit (savepoints)."""
    if "browser" in request.keywords:
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionBoundSession}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def clock_on(time_machine):
    """clock_on(day) moves the application's clock to noon in Paris on `day` for the rest of the test
    (ticking: durations still pass)."""

    def move(day: dt.date) -> dt.date:
        time_machine.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=PARIS).astimezone(dt.timezone.utc), tick=True)
        return day

    return move


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting
