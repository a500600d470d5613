"""core.db.close_session: on PostgreSQL a request's transaction that wrote nothing ends with COMMIT, so that
psycopg keeps its prepared statements; one that wrote anything, or had something pending, loses it as before."""

import os

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import close_session, db
from startups.models import Incubator

ON_POSTGRESQL = os.environ.get("JALONS_TEST_BACKEND") == "postgresql"
pytestmark = pytest.mark.skipif(not ON_POSTGRESQL, reason="needs postgresql: psycopg's prepared statements")

MARK = "test-close-session"


@pytest.fixture
def engine_session(app):
    """A session on the engine itself, as a web request has: not the tests' savepoint on a shared
    connection. What a test writes through it is removed at the end, whatever happened."""
    with app.app_context():
        session = Session(db.engine)
        try:
            yield session
        finally:
            session.close()
            with db.engine.begin() as connection:
                connection.execute(sa.delete(Incubator).where(Incubator.id.like(MARK + "%")))


def prepared_names(session: Session) -> int:
    return len(session.connection().connection.dbapi_connection._prepared._names)


def saved(app, incubator_id: str) -> bool:
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(Incubator.id).where(Incubator.id == incubator_id)) is not None


def read_six_times(session: Session) -> None:
    for _ in range(6):  # psycopg prepares a statement on its fifth run on a connection
        session.execute(sa.select(Incubator.id).where(Incubator.id == "aucun")).all()


def test_a_transaction_that_only_read_keeps_the_prepared_statements(app, engine_session):
    read_six_times(engine_session)
    connection = engine_session.connection().connection.dbapi_connection
    assert prepared_names(engine_session) == 1

    close_session(engine_session)

    assert len(connection._prepared._names) == 1  # the next request on this connection reuses it


def test_a_rollback_forgets_them(app, engine_session):
    read_six_times(engine_session)
    connection = engine_session.connection().connection.dbapi_connection

    engine_session.close()

    assert len(connection._prepared._names) == 0


def test_a_flushed_write_is_rolled_back(app, engine_session):
    engine_session.add(Incubator(id=MARK + "-flushed", name="Écrit sans commit"))
    engine_session.flush()

    close_session(engine_session)

    assert not saved(app, MARK + "-flushed")


def test_a_write_outside_the_orm_is_rolled_back(app, engine_session):
    engine_session.execute(sa.text("INSERT INTO incubators (id, name, version) VALUES (:id, 'Brut', 1)"),
                           {"id": MARK + "-raw"})

    close_session(engine_session)

    assert not saved(app, MARK + "-raw")


def test_a_pending_object_is_not_flushed(app, engine_session):
    read_six_times(engine_session)
    engine_session.add(Incubator(id=MARK + "-pending", name="En attente"))

    close_session(engine_session)

    assert not saved(app, MARK + "-pending")


def test_a_lock_taken_by_a_read_counts_as_a_write(app, engine_session):
    with db.engine.begin() as connection:
        connection.execute(sa.insert(Incubator).values(id=MARK + "-locked", name="Verrouillé"))
    read_six_times(engine_session)
    engine_session.execute(sa.select(Incubator).where(Incubator.id == MARK + "-locked").with_for_update()).all()
    connection = engine_session.connection().connection.dbapi_connection

    close_session(engine_session)

    assert len(connection._prepared._names) == 0  # it ended with the ROLLBACK, as a write does


def test_the_tests_savepoint_is_left_to_the_test(app, session):
    session.execute(sa.text("SELECT 1"))
    connection = session.get_bind()

    close_session(session)

    assert connection.in_transaction()  # the test's own transaction, still to be rolled back
    assert session.get(Incubator, "aucun") is None
