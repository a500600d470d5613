"""Two schedulers at once on PostgreSQL: each money alert reaches the mail server exactly once (the committee
reminders' guarantee, tests/committees/test_jobs.py, for the alerts of conventions/jobs.py)."""

import datetime as dt
import os

import pytest
import sqlalchemy as sa

from conventions import jobs
from conventions.models import Alert, AlertStatus, Convention, ConventionKind
from core.db import db
from startups.models import Organisation
from tests.committees.smtp import mail_config, smtp_server  # noqa: F401 (fixtures)
from tests.outbox import two_runs_at_once
from users.models import Person

ON_POSTGRESQL = os.environ.get("JALONS_TEST_BACKEND") == "postgresql"
DAY = dt.date(2024, 3, 1)  # signed 16 January, not published: an alert to each person of DINUM finance
PREFIX = "concurrent-alerts"


def committed_unpublished_convention(people: int) -> int:
    """Committed without the services (whose audit events could not be deleted afterwards): a signed
    convention nobody published, and `people` people of DINUM finance."""
    db.session.add(Organisation(id=f"{PREFIX}-csm", name="Conseil supérieur de la magistrature (test)"))
    db.session.flush()
    db.session.add(Convention(kind=ConventionKind.DELEGATION, title=f"{PREFIX} convention", partner_id=f"{PREFIX}-csm",
                              ends_on=dt.date(2026, 12, 31), partner_signed_on=dt.date(2024, 1, 10),
                              dinum_signed_on=dt.date(2024, 1, 16), starts_on=dt.date(2024, 1, 16)))
    for n in range(people):
        db.session.add(Person(name=f"Finance {n}", email=f"{PREFIX}-{n}@example.gouv.fr", is_dinum_finance=True))
    db.session.commit()
    return people


def delete_committed() -> None:
    convention_ids = sa.select(Convention.id).where(Convention.title.like(f"{PREFIX}%")).scalar_subquery()
    db.session.execute(sa.delete(Alert).where(Alert.convention_id.in_(convention_ids)))
    db.session.execute(sa.delete(Convention).where(Convention.title.like(f"{PREFIX}%")))
    db.session.execute(sa.delete(Person).where(Person.email.like(f"{PREFIX}-%")))
    db.session.execute(sa.delete(Organisation).where(Organisation.id.like(f"{PREFIX}-%")))
    db.session.commit()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs postgresql: row locks (FOR UPDATE SKIP LOCKED) do not exist on SQLite")
def test_two_runs_at_once_on_postgresql_send_each_alert_exactly_once(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example.gouv.fr")
    test_session = db.session
    # Committed data that other connections see: a session of its own, not the test's rolled-back transaction.
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            assert db.engine.dialect.name == "postgresql"
            expected = committed_unpublished_convention(6)
        results = two_runs_at_once(app, monkeypatch, lambda: jobs.send_alerts(today=DAY).sent)
        assert sum(results.values()) == expected and min(results.values()) >= 1
        received = [m["To"] for m in smtp_server.sink.messages]
        assert sorted(received) == sorted(f"{PREFIX}-{n}@example.gouv.fr" for n in range(expected))
        with app.app_context():
            assert db.session.scalars(sa.select(Alert.status)).all() == [AlertStatus.SENT] * expected
            assert jobs.send_alerts(today=DAY).sent == 0  # a third run, later: nothing left
    finally:
        with app.app_context():
            delete_committed()
            db.session.remove()
        db.session = test_session
