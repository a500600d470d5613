"""The daily alerts of the money: each due alert sent once, to the people they concern."""

import datetime as dt

import pytest
import sqlalchemy as sa

from conventions import jobs, services, spending
from conventions.models import Alert, AlertKind, AlertStatus
from core.db import db
from tests.committees.smtp import mail_config, smtp_server  # noqa: F401 (fixtures)
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.outbox import database_fails_after, repeated_once
from tests.factories import make_membership, make_person


@pytest.fixture(autouse=True)
def base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example.gouv.fr")


@pytest.fixture
def outbox(monkeypatch):
    sent = []
    monkeypatch.setattr("core.mail.send", lambda message: sent.append(message))
    return sent


def kinds(outbox):
    return sorted((m.to, m.subject.split(" — ")[0]) for m in outbox)


def test_engaged_at_80_percent_is_sent_once_to_the_team(app, outbox):
    convention, startup, finance = seed_convention()
    intra = make_person("Inès", email="ines@example.gouv.fr")
    make_membership(intra, startup, "intrapreneur")
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/")
    order(convention, startup, finance, 33_600 * EUR - 1)
    assert jobs.send_alerts(today=dt.date(2024, 9, 2)).sent == 0  # 79,99 %: nothing
    order(convention, startup, finance, 1, number="BC-2")  # exactly 80 %
    assert jobs.send_alerts(today=dt.date(2024, 9, 2)).sent == 1
    assert outbox[-1].to == "ines@example.gouv.fr" and "80 %" in outbox[-1].subject
    assert jobs.send_alerts(today=dt.date(2024, 9, 3)).sent == 0  # the next day: already sent
    order(convention, startup, finance, 8_400 * EUR, number="BC-3")
    assert jobs.send_alerts(today=dt.date(2024, 9, 3)).sent == 1 and "Toutes les AE" in outbox[-1].subject
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert).where(Alert.status == AlertStatus.SENT)) == 2


def test_ending_year_end_and_unpublished_alerts_go_to_dinum_finance(app, outbox):
    convention, startup, finance = seed_convention()
    finance.email = "finance@example.gouv.fr"
    jobs.send_alerts(today=dt.date(2024, 2, 14))  # signed 16 January: 29 days, nothing yet
    assert outbox == []
    jobs.send_alerts(today=dt.date(2024, 2, 15))
    assert [m.subject.split(" — ")[0] for m in outbox] == ["[Jalons] Convention signée non publiée depuis 30 jours"]
    jobs.send_alerts(today=dt.date(2024, 10, 3))  # 89 days before 31 December, 42 000 € not engaged
    subjects = sorted(m.subject.split(" — ")[0] for m in outbox[1:])
    assert subjects == ["[Jalons] Convention qui prend fin dans moins de 90 jours",
                        "[Jalons] Crédits non consommés à signaler avant la mi-novembre"]
    assert jobs.send_alerts(today=dt.date(2024, 10, 4)).sent == 0


def test_a_failed_alert_is_kept_and_sent_by_a_later_run(app, monkeypatch):
    convention, startup, finance = seed_convention()

    def refuse(message):
        raise ConnectionRefusedError("serveur injoignable")

    monkeypatch.setattr("core.mail.send", refuse)
    assert jobs.send_alerts(today=dt.date(2024, 3, 1)).sent == 0
    alert = db.session.scalars(sa.select(Alert)).one()
    assert alert.kind == AlertKind.UNPUBLISHED and alert.status == AlertStatus.FAILED and "injoignable" in alert.last_error
    monkeypatch.setattr("core.mail.send", lambda message: None)
    assert jobs.send_alerts(today=dt.date(2024, 3, 2)).sent == 1


def test_money_running_out_without_a_committee_planned_is_sent_once_a_month(app, outbox):
    convention, startup, finance = seed_convention()
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/")
    coach = make_person("Camille", email="camille@example.gouv.fr")
    make_membership(coach, startup, "coach")
    bc = order(convention, startup, finance, 36_000 * EUR)
    for month in (6, 7, 8):
        spending.record_service_fait(bc, amount_cents=12_000 * EUR, delivered_on=dt.date(2024, month, 10),
                                     actor=finance, today=TODAY)
    # 42 000 € released, 36 000 € delivered: 6 000 € left at 12 000 € a month, about 15 days.
    jobs.send_alerts(today=dt.date(2024, 9, 2))
    running_out = [m for m in outbox if "45 jours" in m.subject]
    assert [m.to for m in running_out] == ["camille@example.gouv.fr"]
    assert "seront épuisés vers le 17 septembre 2024" in running_out[0].body
    jobs.send_alerts(today=dt.date(2024, 9, 20))
    assert len([m for m in outbox if "45 jours" in m.subject]) == 1


# --- The committee reminders' guarantees (core/outbox.py) -----------------------------------------------

UNPUBLISHED_ON = dt.date(2024, 3, 1)  # signed 16 January, not published: an alert to each DINUM finance person


def unpublished_to_five():
    """The seed convention, unpublished on UNPUBLISHED_ON, and five people of DINUM finance (the seed's
    actor and four more): five alerts due."""
    convention, startup, finance = seed_convention()
    for n in range(4):
        make_person(f"Finance {n}", email=f"finance-{n}@example.gouv.fr", is_dinum_finance=True)
    return convention


def alerts() -> list[Alert]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Alert).order_by(Alert.id)))


def test_each_alert_is_sent_once_on_two_runs(app, smtp_server):
    unpublished_to_five()
    first = jobs.send_alerts(today=UNPUBLISHED_ON)
    assert (first.sent, first.failed, first.untried, first.complete) == (5, 0, 0, True)
    assert jobs.send_alerts(today=UNPUBLISHED_ON).sent == 0
    assert jobs.send_alerts(today=UNPUBLISHED_ON + dt.timedelta(days=1)).sent == 0
    received = smtp_server.sink.messages
    assert len(received) == 5 and len({m["To"] for m in received}) == 5
    assert all(a.status == AlertStatus.SENT and a.attempts == 1 for a in alerts())


def test_a_database_failure_after_a_send_repeats_only_that_alert(app, smtp_server, monkeypatch):
    """The mail server accepted the third alert, then the database fails when it is marked sent: the next
    run sends that one again (with the same Message-ID), and none of the others."""
    unpublished_to_five()
    with database_fails_after(monkeypatch, 3, "convention_alerts"):
        jobs.send_alerts(today=UNPUBLISHED_ON)
    assert jobs.send_alerts(today=UNPUBLISHED_ON).sent == 3
    received = smtp_server.sink.messages
    assert len(received) == 6 and repeated_once(received, 2)
    assert all(a.status == AlertStatus.SENT for a in alerts())


def test_each_alert_has_a_message_id_derived_from_its_key(app, smtp_server, mail_config):
    unpublished_to_five()
    dues = jobs.due_alerts(UNPUBLISHED_ON)
    sender = mail_config["MAIL_FROM"]
    ids = [jobs.message_id(due, sender) for due in dues]
    assert len(set(ids)) == len(dues) == 5
    assert ids == [jobs.message_id(due, sender) for due in jobs.due_alerts(UNPUBLISHED_ON)]
    jobs.send_alerts(today=UNPUBLISHED_ON)
    received = {m["Message-ID"] for m in smtp_server.sink.messages}
    assert received == set(ids)
    assert all(i.startswith("<alerte.") and i.endswith("@jalons.beta.gouv.fr>") for i in received)


def test_an_alert_that_cannot_be_built_fails_alone_and_is_retried(app, smtp_server, monkeypatch):
    unpublished_to_five()
    real_compose = jobs.compose

    def compose(due, base_url):
        if due.email == "finance-1@example.gouv.fr":
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        return real_compose(due, base_url)

    monkeypatch.setattr(jobs, "compose", compose)
    delivery = jobs.send_alerts(today=UNPUBLISHED_ON)
    assert (delivery.sent, delivery.failed, delivery.complete) == (4, 1, False)
    (failed,) = [a for a in alerts() if a.status == AlertStatus.FAILED]
    assert "ValueError: Header values" in failed.last_error
    monkeypatch.setattr(jobs, "compose", real_compose)
    assert jobs.send_alerts(today=UNPUBLISHED_ON).sent == 1
    assert len(smtp_server.sink.messages) == 5


def test_an_unreachable_server_stops_the_run_and_leaves_the_rest_untried(app, mail_config):
    unpublished_to_five()  # nothing listens on mail_config's port
    delivery = jobs.send_alerts(today=UNPUBLISHED_ON)
    assert (delivery.sent, delivery.failed, delivery.untried, delivery.unreachable) == (0, 1, 4, True)
    statuses = sorted(a.status for a in alerts())
    assert statuses.count(AlertStatus.FAILED) == 1 and statuses.count(AlertStatus.PENDING) == 4


def test_flask_conventions_alerts_fails_when_emails_could_not_leave(app, mail_config):
    unpublished_to_five()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["conventions", "alerts", "--today", "2024-03-01"])
    assert result.exit_code == 1
    assert "0 e-mail(s) envoyé(s), 1 en échec (nouvel essai au prochain passage), 4 non tenté(s)" in result.output
    assert "des alertes n'ont pas pu partir" in result.output


def test_flask_conventions_alerts_succeeds_when_every_email_left(app, smtp_server):
    unpublished_to_five()
    result = app.test_cli_runner().invoke(args=["conventions", "alerts", "--today", "2024-03-01"])
    assert result.exit_code == 0, result.output
    assert "Alertes des conventions du 2024-03-01 : 5 e-mail(s) envoyé(s)." in result.output
    assert app.test_cli_runner().invoke(args=["conventions", "alerts", "--today", "2024-03-01"]).exit_code == 0
    assert len(smtp_server.sink.messages) == 5


def test_flask_conventions_alerts_refuses_a_day_out_of_range_in_french(app, mail_config):
    for day in ("0001-01-01", "9999-12-31"):
        result = app.test_cli_runner().invoke(args=["conventions", "alerts", "--today", day])
        assert result.exit_code == 2, result.output
        assert "L'année doit être comprise entre 1900 et 2100" in result.output


def test_flask_conventions_alerts_refuses_to_run_without_base_url(app, mail_config, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", None)
    result = app.test_cli_runner().invoke(args=["conventions", "alerts", "--today", "2024-03-01"])
    assert result.exit_code == 1 and "BASE_URL n'est pas défini" in result.output
