"""The error pages never need the database: with it unreachable, hung or locked, a person gets the French
DSFR page (500, 503 with Retry-After, 409), their name in the header from the session, never a raw page."""

import os
import socket
import sqlite3
import threading
import time

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


class FreezableProxy:
    """A TCP proxy to the test's PostgreSQL that can freeze: it keeps every connection open and stops
    forwarding, as a server stopped by SIGSTOP whose kernel still acknowledges packets (statement_timeout
    cannot fire, TCP's timeouts neither). New connections are accepted, and wait, as in a listen backlog."""

    def __init__(self, url: str):
        target = sa.engine.make_url(url)
        self.upstream = (target.host or "127.0.0.1", target.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = target.set(host="127.0.0.1", port=self.listener.getsockname()[1]).render_as_string(False)
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.freeze_at: bytes | None = None  # freeze_on()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, destination in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, destination), daemon=True).start()

    def _pump(self, source, destination):
        try:
            while data := source.recv(65536):
                if self.freeze_at is not None and self.freeze_at in data:
                    self.freeze_at = None
                    self.freeze()
                self.forwarding.wait()
                destination.sendall(data)
        except OSError:
            pass
        self._shut(source, destination)

    @staticmethod
    def _shut(*sockets):
        for end in sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def freeze(self, at_most: float = 10):
        """Frozen until thaw(), or for at_most seconds: a regression fails the test instead of hanging it."""
        self.forwarding.clear()
        timer = threading.Timer(at_most, self.thaw)
        timer.daemon = True
        timer.start()

    def freeze_on(self, sent: bytes):
        """Freeze when a client next sends these bytes (a statement's text), before they reach the server."""
        self.freeze_at = sent

    def thaw(self):
        self.forwarding.set()

    def drop(self):
        """Every connection closed by the server's side, as a database restarting does."""
        self._shut(*self.sockets)

    def close(self):
        self.thaw()
        self.listener.close()
        self.drop()
        for end in self.sockets:
            end.close()


@pytest.fixture
def proxy():
    proxy = FreezableProxy(os.environ["TEST_DATABASE_URL"])
    yield proxy
    proxy.close()


def through(proxy, **config):
    return build_app(proxy.url, DB_CLIENT_TIMEOUT=1, DB_CONNECT_TIMEOUT=1, **config)


@pytest.mark.skipif(not POSTGRESQL, reason="a PostgreSQL server to freeze")
def test_a_database_frozen_during_a_request_gives_the_french_503_within_the_client_timeout(proxy, caplog):
    app = through(proxy)

    @app.get("/essai/gel")
    @public
    def freezing():
        db.session.execute(sa.text("SELECT 1"))
        proxy.freeze()  # the server stops between two statements of the request
        db.session.execute(sa.text("SELECT 2"))
        return "ok"

    started = time.monotonic()
    response = app.test_client().get("/essai/gel", headers={"X-Request-Id": "gel-1"})
    elapsed = time.monotonic() - started
    with app.app_context():
        db.engine.dispose()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert elapsed < 5  # DB_CLIENT_TIMEOUT=1; the proxy thaws after 10 s if the deadline is not kept
    assert response.headers["Retry-After"] == "30"
    assert "Service momentanément indisponible" in page and 'class="fr-header"' in page and "gel-1" in page
    assert any("503" in r.getMessage() and "gel-1" in r.getMessage() and "DB_CLIENT_TIMEOUT" in r.getMessage()
               for r in caplog.records)


@pytest.mark.skipif(not POSTGRESQL, reason="a PostgreSQL server to freeze")
def test_a_frozen_database_answers_each_request_with_the_503_and_the_pool_recovers_when_it_thaws(proxy):
    app = through(proxy)
    client = app.test_client()
    assert client.get("/startups").status_code == 200  # a connection now waits in the pool
    proxy.freeze()
    started = time.monotonic()
    frozen = client.get("/startups")  # the pool's pre-ping is cut, then the new connection times out
    elapsed = time.monotonic() - started
    proxy.thaw()
    after = client.get("/startups")
    with app.app_context():
        db.engine.dispose()
    assert frozen.status_code == 503 and 'class="fr-header"' in frozen.get_data(as_text=True)
    assert elapsed < 8  # DB_CLIENT_TIMEOUT=1 + DB_CONNECT_TIMEOUT (psycopg's least: 2 s)
    assert after.status_code == 200  # the cut connection was discarded, not handed out again


@pytest.mark.skipif(not POSTGRESQL, reason="a PostgreSQL server to freeze")
def test_outside_web_requests_a_slow_database_is_waited_for(proxy):
    """The scheduler's jobs and the flask commands have no client deadline: a database that stalls longer
    than DB_CLIENT_TIMEOUT delays them, without failing them."""
    app = through(proxy)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT 1")) == 1
        proxy.freeze(at_most=1.5)
        assert db.session.scalar(sa.text("SELECT 2")) == 2
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(not POSTGRESQL, reason="a PostgreSQL server to freeze")
@pytest.mark.parametrize("at", ["statement", "commit"])
def test_a_database_frozen_after_the_last_statement_does_not_turn_the_page_into_a_raw_500(proxy, at):
    """The closing statement cut by the deadline leaves a connection lost: the session must then be let go
    without another round trip (Flask-SQLAlchemy's own teardown would try a rollback on it and raise)."""
    app = through(proxy)

    @app.get("/essai/gel-fin")
    @public
    def frozen_at_the_end():
        db.session.execute(sa.text("SELECT 1"))
        # The server stops at the request's closing COMMIT (core.db.close_session: the driver's own, which
        # SQLAlchemy does not see fail), or at its closing statement when the COMMIT is not the first.
        proxy.freeze_on(b"COMMIT" if at == "commit" else b"pg_current_xact_id")
        return "ok"

    response = app.test_client().get("/essai/gel-fin")  # the test client raises what gunicorn answers as a raw 500
    proxy.thaw()
    after = app.test_client().get("/startups")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 200
    assert after.status_code == 200  # the cut connection was not handed out again


@pytest.mark.skipif(not POSTGRESQL, reason="a PostgreSQL server that drops its connections")
def test_a_connection_lost_after_the_last_statement_does_not_turn_the_page_into_a_raw_500(proxy):
    app = through(proxy)

    @app.get("/essai/perdue")
    @public
    def lost():
        db.session.execute(sa.text("SELECT 1"))
        proxy.drop()  # the database restarts before the request's closing rollback
        return "ok"

    response = app.test_client().get("/essai/perdue")  # the test client raises what gunicorn answers as a raw 500
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 200


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
