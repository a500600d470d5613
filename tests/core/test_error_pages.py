"""The error pages never need the database: with it unreachable, hung or locked, a person gets the French
DSFR page (500, 503 with Retry-After, 409), their name in the header from the session, never a raw page."""

import os
import sqlite3

import pytest
import sqlalchemy as sa

from app import create_app
from core.db import db
from users.permissions import public

POSTGRESQL = os.environ.get("JALONS_TEST_BACKEND") == "postgresql"


def build_app(database_url: str, **config):
    app = create_app({"JALONS_ENV": "test", "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                      "WTF_CSRF_ENABLED": False, **config})

    @app.get("/essai/erreur")
    @public
    def failing():
        raise RuntimeError("boom")

    @app.get("/essai/ecriture")
    @public
    def writing():
        db.session.execute(sa.text("UPDATE organisations SET name = 'essai' WHERE id = 'verrou'"))
        db.session.commit()
        return "ok"

    @app.get("/essai/lent")
    @public
    def slow():
        db.session.execute(sa.text("SELECT pg_sleep(2)"))
        return "ok"

    return app


@pytest.fixture(autouse=True)
def own_session(session):
    """These applications talk to their own database (unreachable, locked, hung): not through the test's
    rolled-back connection, which the session fixture puts in place of db.session."""
    test_session = db.session
    db.session = db._make_scoped_session({})
    try:
        yield
    finally:
        db.session.remove()
        db.session = test_session


def logged_in(client, name="Camille Martin"):
    with client.session_transaction() as s:
        s["person_id"] = 1
        s["person_name"] = name


@pytest.fixture
def unreachable():
    # Nothing listens on port 1: every connection is refused at once.
    app = build_app("postgresql://postgres@127.0.0.1:1/absente", DB_CONNECT_TIMEOUT=1)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("who", ["anonymous", "logged_in"])
def test_with_the_database_unreachable_a_page_gets_the_french_503(unreachable, who):
    client = unreachable.test_client()
    if who == "logged_in":
        logged_in(client)
    response = client.get("/startups")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Service momentanément indisponible" in page and 'class="fr-header"' in page
    assert response.headers["X-Request-Id"] in page
    assert ("Camille Martin" in page) == (who == "logged_in")
    assert ("Se connecter" in page) == (who == "anonymous")


@pytest.mark.parametrize("who", ["anonymous", "logged_in"])
def test_with_the_database_unreachable_the_500_page_is_the_french_one(unreachable, who):
    client = unreachable.test_client()
    if who == "logged_in":
        logged_in(client)
    response = client.get("/essai/erreur")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Erreur inattendue" in page and 'class="fr-header"' in page and "Internal Server Error" not in page
    assert ("Camille Martin" in page) == (who == "logged_in")


def test_with_the_database_unreachable_the_api_answers_a_json_503(unreachable):
    response = unreachable.test_client().get("/api/v1/startups")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "30"


def test_the_unavailable_database_is_logged_with_the_request_id(unreachable, caplog):
    unreachable.test_client().get("/startups", headers={"X-Request-Id": "abc-123"})
    assert any("503" in r.getMessage() and "abc-123" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(POSTGRESQL, reason="SQLite's busy timeout")
def test_a_write_blocked_by_another_gets_a_french_409_on_sqlite(tmp_path):
    path = tmp_path / "verrou.sqlite3"
    app = build_app(f"sqlite:///{path}", DB_LOCK_TIMEOUT_MS=100)
    with app.app_context():
        db.metadata.create_all(db.engine)
        db.session.execute(sa.text("INSERT INTO organisations (id, name, version) VALUES ('verrou', 'a', 1)"))
        db.session.commit()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another request's write, in progress
    try:
        client = app.test_client()
        logged_in(client)
        response = client.get("/essai/ecriture")
    finally:
        other.execute("ROLLBACK")
        other.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Quelqu&#39;un d&#39;autre vient de modifier" in page or "Quelqu'un d'autre vient de modifier" in page
    assert "Camille Martin" in page
    assert app.test_client().get("/essai/ecriture").status_code == 200  # once the other write is done


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's lock and statement timeouts")
def test_a_write_blocked_by_another_gets_a_french_409_on_postgresql():
    app = build_app(os.environ["TEST_DATABASE_URL"], DB_LOCK_TIMEOUT_MS=200)
    engine = sa.create_engine(os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as other:
        other.execute(sa.text("INSERT INTO organisations (id, name, version) VALUES ('verrou', 'a', 1) "
                              "ON CONFLICT (id) DO NOTHING"))
        other.commit()
        other.execute(sa.text("SELECT name FROM organisations WHERE id = 'verrou' FOR UPDATE"))  # holds the row
        response = app.test_client().get("/essai/ecriture")
        other.rollback()
        other.execute(sa.text("DELETE FROM organisations WHERE id = 'verrou'"))  # the shared test database
        other.commit()
    engine.dispose()
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 409
    assert "vient de modifier" in response.get_data(as_text=True)


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's statement timeout")
def test_a_hung_database_gives_a_quick_french_503():
    app = build_app(os.environ["TEST_DATABASE_URL"], DB_STATEMENT_TIMEOUT_MS=100)
    response = app.test_client().get("/essai/lent")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "30"


def test_the_timeouts_reach_the_database_drivers():
    from core.config import load

    postgresql = load("/tmp", {"JALONS_ENV": "test", "SQLALCHEMY_DATABASE_URI": "postgresql://x/y",
                               "DB_CONNECT_TIMEOUT": 3, "DB_STATEMENT_TIMEOUT_MS": 1500, "DB_LOCK_TIMEOUT_MS": 700,
                               "DB_POOL_TIMEOUT": 4})
    options = postgresql["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 3, "options": "-c statement_timeout=1500 -c lock_timeout=700"}
    assert options["pool_timeout"] == 4
    sqlite = load("/tmp", {"JALONS_ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "DB_LOCK_TIMEOUT_MS": 700})
    assert sqlite["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"timeout": 0.7}


def test_a_unique_violation_is_a_409_a_not_null_violation_a_500():
    from core.errors import _is_lock

    def integrity(message):
        return sa.exc.IntegrityError("INSERT …", {}, Exception(message))

    assert _is_lock(integrity('duplicate key value violates unique constraint "uq_committees_slot"'))
    assert _is_lock(integrity("UNIQUE constraint failed: organisations.id"))
    assert not _is_lock(integrity('null value in column "name" violates not-null constraint'))


def test_an_unexpected_error_in_the_api_is_a_json_500_after_a_rollback():
    app = build_app("sqlite://")

    @app.get("/api/v1/essai")
    @public
    def failing_api():
        raise RuntimeError("boom")

    response = app.test_client().get("/api/v1/essai")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert response.json["error"]["message"] == "Une erreur est survenue. L'équipe en a été informée."
