"""Indicators asked for every month (issue 12): the request on the first working day of the month, the
reminders at D+7 and D+14 while values are missing, each once, through the committee reminders' machinery."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from committees.jobs import first_working_day, indicator_requests, indicator_step, send_reminders
from committees.models import Reminder, ReminderKind, ReminderStatus
from core.db import db
from indicators.models import Category, Indicator, IndicatorKind, IndicatorReporting, IndicatorValue, Reporting
from tests.committees.builders import make_member, make_person
from tests.committees.smtp import mail_config, smtp_server  # noqa: F401 (fixtures)
from tests.factories import d, make_startup
from users.models import StartupRole

CREATED = dt.datetime(2026, 1, 10, 9, tzinfo=dt.timezone.utc)


def indicator(startup, name="Usagers", kind=IndicatorKind.MANUAL, created_at=CREATED) -> Indicator:
    item = Indicator(startup=startup, name=name, category=Category.USED, kind=kind, created_at=created_at)
    db.session.add(item)
    db.session.flush()
    return item


def enter(item: Indicator, month: str, value="10") -> None:
    db.session.add(IndicatorValue(indicator_id=item.id, period_start=d(month), value=Decimal(value)))
    db.session.commit()


@pytest.fixture
def team():
    """A startup with one indicator entered by hand (values up to March 2026) and its intrapreneur."""
    startup = make_startup("s", name="Ma Startup", phases=[("construction", d("2026-04-01"))])
    make_member(make_person("Ines Intra"), startup, StartupRole.INTRAPRENEUR)
    usagers = indicator(startup)
    for month in ("2026-01-01", "2026-02-01", "2026-03-01"):
        enter(usagers, month)
    db.session.commit()
    return startup, usagers


def kinds_sent() -> list[tuple[ReminderKind, dt.date]]:
    db.session.expire_all()
    return [(r.kind, r.target_on) for r in db.session.scalars(
        sa.select(Reminder).where(Reminder.status == ReminderStatus.SENT).order_by(Reminder.id))]


def test_the_request_day_is_the_first_working_day_of_the_month():
    assert first_working_day(d("2026-05-01")) == d("2026-05-04")  # 1 May is a holiday, then a weekend
    assert first_working_day(d("2026-08-01")) == d("2026-08-03")  # a month starting on a Saturday
    assert first_working_day(d("2026-06-01")) == d("2026-06-01")
    assert indicator_step(d("2026-05-01")) is None
    assert indicator_step(d("2026-05-03")) is None
    assert indicator_step(d("2026-05-04")) is ReminderKind.INDICATORS_REQUEST
    assert indicator_step(d("2026-05-10")) is ReminderKind.INDICATORS_REQUEST
    assert indicator_step(d("2026-05-11")) is ReminderKind.INDICATORS_REMINDER_7
    assert indicator_step(d("2026-05-18")) is ReminderKind.INDICATORS_REMINDER_14
    assert indicator_step(d("2026-05-31")) is ReminderKind.INDICATORS_REMINDER_14


def test_asked_on_the_first_working_day_reminded_at_d7_and_d14_once_each(team, smtp_server):
    startup, usagers = team
    enter(usagers, "2026-04-01")  # April is in: May asks for nothing
    assert send_reminders(today=d("2026-05-04")).sent == 0
    sent_by_day = {}
    for day in ("2026-06-01", "2026-06-01", "2026-06-02", "2026-06-07", "2026-06-08", "2026-06-09",
                "2026-06-14", "2026-06-15", "2026-06-16", "2026-06-30"):
        sent_by_day[day] = sent_by_day.get(day, 0) + send_reminders(today=d(day)).sent
    assert sent_by_day == {"2026-06-01": 1, "2026-06-02": 0, "2026-06-07": 0, "2026-06-08": 1, "2026-06-09": 0,
                           "2026-06-14": 0, "2026-06-15": 1, "2026-06-16": 0, "2026-06-30": 0}
    assert kinds_sent() == [(ReminderKind.INDICATORS_REQUEST, d("2026-05-01")),
                            (ReminderKind.INDICATORS_REMINDER_7, d("2026-05-01")),
                            (ReminderKind.INDICATORS_REMINDER_14, d("2026-05-01"))]
    assert all(m["To"] == smtp_server.sink.messages[0]["To"] for m in smtp_server.sink.messages)
    request = smtp_server.sink.messages[0]
    assert request["Subject"] == "Ma Startup : les indicateurs de mai 2026 sont à saisir"
    assert "https://" in request.get_content() and "/indicators/s/values?fin=2026-05" in request.get_content()
    assert "rappel" in smtp_server.sink.messages[1]["Subject"]


def test_may_first_is_a_holiday_so_the_request_waits_for_monday(team, smtp_server):
    assert send_reminders(today=d("2026-05-01")).sent == 0
    assert send_reminders(today=d("2026-05-03")).sent == 0
    assert send_reminders(today=d("2026-05-04")).sent == 1
    assert kinds_sent() == [(ReminderKind.INDICATORS_REQUEST, d("2026-04-01"))]


def test_stopped_when_the_values_are_in(team, smtp_server):
    startup, usagers = team
    assert send_reminders(today=d("2026-05-04")).sent == 1
    enter(usagers, "2026-04-01")
    assert send_reminders(today=d("2026-05-11")).sent == 0
    assert send_reminders(today=d("2026-05-18")).sent == 0
    assert kinds_sent() == [(ReminderKind.INDICATORS_REQUEST, d("2026-04-01"))]


def test_computed_archived_and_newer_indicators_are_not_asked_for(team, smtp_server):
    startup, usagers = team
    enter(usagers, "2026-04-01")
    indicator(startup, "Coût par utilisation", kind=IndicatorKind.COST_PER_USE)
    archived = indicator(startup, "Ancien")
    archived.archived_at = CREATED
    indicator(startup, "Nouveau", created_at=dt.datetime(2026, 5, 2, 9, tzinfo=dt.timezone.utc))
    db.session.commit()
    assert indicator_requests(d("2026-05-04")) == []
    # Every value entered by hand counts: one indicator among two missing is enough to ask.
    indicator(startup, "Démarches")
    db.session.commit()
    assert [r.kind for r in indicator_requests(d("2026-05-04"))] == [ReminderKind.INDICATORS_REQUEST]


def test_a_missed_day_is_caught_up_with_the_latest_step_only(team, smtp_server):
    assert send_reminders(today=d("2026-05-12")).sent == 1
    assert kinds_sent() == [(ReminderKind.INDICATORS_REMINDER_7, d("2026-04-01"))]


def test_quarterly_startups_are_asked_in_the_month_after_each_quarter(team, smtp_server):
    startup, usagers = team
    db.session.add(IndicatorReporting(startup_id=startup.id, frequency=Reporting.QUARTERLY))
    db.session.commit()
    assert send_reminders(today=d("2026-05-04")).sent == 0
    assert send_reminders(today=d("2026-06-01")).sent == 0
    assert send_reminders(today=d("2026-07-01")).sent == 1  # a Wednesday
    assert kinds_sent() == [(ReminderKind.INDICATORS_REQUEST, d("2026-04-01"))]
    message = smtp_server.sink.messages[0]
    assert "avril 2026 à juin 2026" in message["Subject"]
    assert "/indicators/s/values?fin=2026-06" in message.get_content()


def test_startups_reporting_never_are_never_asked(team, smtp_server):
    startup, _ = team
    db.session.add(IndicatorReporting(startup_id=startup.id, frequency=Reporting.NONE))
    db.session.commit()
    assert send_reminders(today=d("2026-05-04")).sent == 0
    assert send_reminders(today=d("2026-07-01")).sent == 0


def test_ended_startups_are_not_asked(smtp_server):
    startup = make_startup("fin", phases=[("construction", d("2025-12-01")), ("abandon", d("2026-03-01"))])
    make_member(make_person("Ines Intra"), startup, StartupRole.INTRAPRENEUR)
    indicator(startup)
    db.session.commit()
    assert indicator_requests(d("2026-05-04")) == []
