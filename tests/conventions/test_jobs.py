"""The daily alerts of the money: each due alert sent once, to the people BUDGETS.md names."""

import datetime as dt

import pytest
import sqlalchemy as sa

from conventions import jobs, services
from conventions.models import Alert, AlertKind, AlertStatus
from core.db import db
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.factories import make_membership, make_person


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
    assert jobs.send_alerts(today=dt.date(2024, 9, 2)) == 0  # 79,99 %: nothing
    order(convention, startup, finance, 1, number="BC-2")  # exactly 80 %
    assert jobs.send_alerts(today=dt.date(2024, 9, 2)) == 1
    assert outbox[-1].to == "ines@example.gouv.fr" and "80 %" in outbox[-1].subject
    assert jobs.send_alerts(today=dt.date(2024, 9, 3)) == 0  # the next day: already sent
    order(convention, startup, finance, 8_400 * EUR, number="BC-3")
    assert jobs.send_alerts(today=dt.date(2024, 9, 3)) == 1 and "Toutes les AE" in outbox[-1].subject
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
    assert jobs.send_alerts(today=dt.date(2024, 10, 4)) == 0


def test_a_failed_alert_is_kept_and_sent_by_a_later_run(app, monkeypatch):
    convention, startup, finance = seed_convention()

    def refuse(message):
        raise ConnectionRefusedError("serveur injoignable")

    monkeypatch.setattr("core.mail.send", refuse)
    assert jobs.send_alerts(today=dt.date(2024, 3, 1)) == 0
    alert = db.session.scalars(sa.select(Alert)).one()
    assert alert.kind == AlertKind.UNPUBLISHED and alert.status == AlertStatus.FAILED and "injoignable" in alert.last_error
    monkeypatch.setattr("core.mail.send", lambda message: None)
    assert jobs.send_alerts(today=dt.date(2024, 3, 2)) == 1


def test_money_running_out_without_a_committee_planned_is_sent_once_a_month(app, outbox):
    convention, startup, finance = seed_convention()
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/")
    coach = make_person("Camille", email="camille@example.gouv.fr")
    make_membership(coach, startup, "coach")
    bc = order(convention, startup, finance, 36_000 * EUR)
    for month in (6, 7, 8):
        services.record_service_fait(bc, amount_cents=12_000 * EUR, delivered_on=dt.date(2024, month, 10),
                                     actor=finance, today=TODAY)
    # 42 000 € released, 36 000 € delivered: 6 000 € left at 12 000 € a month, about 15 days.
    jobs.send_alerts(today=dt.date(2024, 9, 2))
    running_out = [m for m in outbox if "45 jours" in m.subject]
    assert [m.to for m in running_out] == ["camille@example.gouv.fr"]
    assert "seront épuisés vers le 17 septembre 2024" in running_out[0].body
    jobs.send_alerts(today=dt.date(2024, 9, 20))
    assert len([m for m in outbox if "45 jours" in m.subject]) == 1
