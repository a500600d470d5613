"""GET /healthz (core/health.py) and the one log line per request (core/logs.py)."""

import logging

import sqlalchemy as sa

from core import clock
from core.health import migration_heads
from tests.factories import login, make_person


def test_healthz_answers_200_when_the_database_is_at_the_migrations_head(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == sorted(migration_heads())
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_migrations_are_missing(client, session):
    session.execute(sa.text("UPDATE alembic_version SET version_num = '0001_initial'"))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and "flask db upgrade" in body["raison"]
    assert body["database"] == ["0001_initial"]


def test_healthz_answers_503_when_the_database_does_not_answer(client, session, monkeypatch):
    def refused(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(session, "execute", refused)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "database unreachable"
    assert response.get_json()["raison"] == "base de données injoignable"


def test_one_log_line_per_request_with_its_id_duration_status_and_person(client, caplog):
    caplog.set_level(logging.INFO, logger="jalons.requests")
    person = make_person("Journal Connecté")
    login(client, person)
    caplog.clear()
    response = client.get("/users/me", headers={"X-Request-Id": "abc-123"})
    lines = [r.getMessage() for r in caplog.records if r.name == "jalons.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert f"status={response.status_code}" in line and "method=GET" in line and "path=/users/me" in line
    assert "request_id=abc-123" in line and f"person_id={person.id}" in line
    assert float(line.split("duration_ms=")[1].split()[0]) >= 0
    caplog.clear()
    client.get("/pas-ici?x=a b")
    anonymous = [r for r in caplog.records if r.name == "jalons.requests"]
    assert anonymous[0].levelno == logging.INFO and "status=404" in anonymous[0].getMessage()


def test_the_log_lines_leave_out_the_secrets_of_login_links_and_calendar_feeds(client, caplog):
    """A login link and a calendar feed's URL carry their secret in the path: a copy of the logs, like a copy of
    the database (which keeps only their hashes), opens no account and no feed."""
    from committees import services as committees
    from users import services as users

    person = make_person("Journal Secret")
    link = users.issue_login_token(person, now=clock.now())
    feed = committees.calendar_token(person)
    caplog.set_level(logging.INFO, logger="jalons.requests")
    assert client.get(f"/users/login/{link}").status_code == 200
    assert client.get(f"/committees/ical/person/{feed}.ics").status_code == 200
    assert client.get("/users/login/inconnu-mais-secret").status_code == 410
    lines = [r.getMessage() for r in caplog.records if r.name == "jalons.requests"]
    assert len(lines) == 3
    assert all(secret not in line for line in lines for secret in (link, feed, "inconnu-mais-secret"))
    assert "path=/users/login/<token>" in lines[0] and "path=/committees/ical/person/<token>.ics" in lines[1]


def test_an_unexpected_error_is_logged_once_with_its_request_id_and_traceback(app, caplog):
    from app import create_app

    crashing = create_app({"JALONS_ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @crashing.get("/boom")
    def boom():
        raise RuntimeError("une panne")

    boom.permission = "public"
    response = crashing.test_client().get("/boom", headers={"X-Request-Id": "id-500"})
    assert response.status_code == 500 and "id-500" in response.get_data(as_text=True)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "id-500" in errors[0].getMessage() and errors[0].exc_info[0] is RuntimeError
