"""The daily reminder job: each reminder leaves exactly once, failures are retried, the command and the
scheduler process run it."""

import datetime as dt
import os
import types

import pytest
import sqlalchemy as sa

from committees import jobs
from committees.jobs import due_reminders, send_reminders
from committees.models import Committee, CommitteeStatus, Decision, Participant, ParticipantRole
from committees.models import Reminder, ReminderKind, ReminderStatus
from core import clock
from core import mail, scheduler
from core.db import db
from startups.kept import refresh_phase_counts
from startups.models import PhasePeriod, Startup
from tests.committees.builders import at, make_committee, make_member, make_person
from tests.committees.smtp import SmtpServer, mail_config, smtp_server  # noqa: F401 (fixtures)
from tests.outbox import database_fails_after, repeated_once, two_runs_at_once
from tests.factories import d, make_startup
from users.models import Membership, Person, StartupRole

TODAY = d("2026-12-11")


def portfolio_in_every_state(prefix: str = "s", count: int = 1) -> int:
    """`count` times: a startup due soon with a coach, a committee 7 days ahead with three participants,
    a held committee without decision, a decision waiting for its sponsor. Returns the e-mails due on
    TODAY (2026-12-11): 1 + (1 + 3) + 1 + 1 = 7 per time."""
    for n in range(count):
        due_soon = make_startup(f"{prefix}-due-{n}", phases=[("construction", d("2026-06-20"))])
        make_member(make_person(f"Coach {prefix}{n}"), due_soon, StartupRole.COACH)
        active = make_startup(f"{prefix}-active-{n}", phases=[("construction", d("2026-09-01"))])
        make_committee(active, CommitteeStatus.PLANNED, scheduled_at=at("2026-12-18"), participants=[
            (make_person(f"Intra {prefix}{n}"), ParticipantRole.INTRAPRENEUR),
            (make_person(f"Sponsor {prefix}{n}"), ParticipantRole.SPONSOR),
            (make_person(f"Coach comité {prefix}{n}"), ParticipantRole.COACH),
        ])
        make_committee(active, CommitteeStatus.HELD, held_on=d("2026-12-01"), chair=make_person(f"Présidente {prefix}{n}"))
        # Reminded to sign off: a current sponsor of the startup (users/permissions.py).
        reviewer = make_person(f"Sponsor décision {prefix}{n}")
        make_member(reviewer, active, StartupRole.SPONSOR)
        make_committee(active, CommitteeStatus.DECIDED, held_on=d("2026-11-20"),
                       decided_at=dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone.utc),
                       participants=[(reviewer, ParticipantRole.SPONSOR)])
    return 7 * count


def reminders() -> list[Reminder]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Reminder).order_by(Reminder.id)))


def test_running_the_job_twice_sends_nothing_the_second_time(smtp_server):
    expected = portfolio_in_every_state()
    assert send_reminders(today=TODAY).sent == expected
    assert len(smtp_server.sink.messages) == expected
    assert send_reminders(today=TODAY).sent == 0
    # The next day the same reminders are still "due" (their windows are open): still nothing new.
    assert send_reminders(today=TODAY + dt.timedelta(days=1)).sent == 0
    assert len(smtp_server.sink.messages) == expected
    assert len({(m["To"], m["Subject"]) for m in smtp_server.sink.messages}) == expected
    rows = reminders()
    assert len(rows) == expected
    assert all(r.status == ReminderStatus.SENT and r.attempts == 1 and r.sent_at is not None for r in rows)


def test_a_batch_of_emails_leaves_through_one_smtp_connection(smtp_server):
    expected = portfolio_in_every_state(count=3)
    assert send_reminders(today=TODAY).sent == expected == 21
    assert len(smtp_server.sink.messages) == expected
    assert smtp_server.sink.connections == 1


def test_a_connection_the_server_drops_is_opened_again_and_the_batch_goes_on(smtp_server):
    """A server that takes 5 messages per connection, then answers 421: each message still leaves once."""
    expected = portfolio_in_every_state(count=2)
    smtp_server.sink.per_connection = 5
    delivery = send_reminders(today=TODAY)
    assert (delivery.sent, delivery.failed, delivery.untried) == (expected, 0, 0)
    ids = [m["Message-ID"] for m in smtp_server.sink.messages]
    assert len(ids) == len(set(ids)) == expected == 14
    assert smtp_server.sink.connections == 3
    assert all(r.status == ReminderStatus.SENT and r.attempts == 1 for r in reminders())


def test_a_connection_lost_for_good_stops_the_batch_and_the_next_run_sends_the_rest(smtp_server, monkeypatch):
    """The server goes away after three e-mails: the fourth is tried on a new connection, which is
    refused; the run stops with that one failed and the others untried, and the next run sends them."""
    expected = portfolio_in_every_state()
    real_send = mail.Connection.send

    def send(connection, message):
        real_send(connection, message)
        if len(smtp_server.sink.messages) == 3:
            smtp_server.stop()
            smtp_server.stop = lambda: None  # stopped for good: the fixture has nothing left to stop

    monkeypatch.setattr(mail.Connection, "send", send)
    delivery = send_reminders(today=TODAY)
    assert (delivery.sent, delivery.failed, delivery.untried) == (3, 1, expected - 4)
    monkeypatch.setattr(mail.Connection, "send", real_send)
    server = SmtpServer(smtp_server.port).start()
    try:
        assert send_reminders(today=TODAY).sent == expected - 3
    finally:
        server.stop()
    ids = [m["Message-ID"] for m in smtp_server.sink.messages + server.sink.messages]
    assert len(ids) == len(set(ids)) == expected


def test_a_rescheduled_committee_is_reminded_again_for_its_new_date(smtp_server):
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    committee = make_committee(startup, scheduled_at=at("2026-12-18"),
                               participants=[(make_person("Iris Intra", email="iris@example.gouv.fr"), ParticipantRole.INTRAPRENEUR)])
    assert send_reminders(today=TODAY).sent == 2  # presentation + pack
    committee.scheduled_at = at("2026-12-16")
    db.session.flush()
    assert send_reminders(today=TODAY).sent == 2
    new_subjects = [m["Subject"] for m in smtp_server.sink.messages[2:]]
    assert len(new_subjects) == 2 and all("16 décembre 2026" in subject for subject in new_subjects)


def test_a_reminder_that_fails_is_kept_with_its_error_and_sent_by_a_later_run(mail_config):
    expected = portfolio_in_every_state()
    # The mail server is down: nothing is sent, nothing is lost.
    assert send_reminders(today=TODAY).sent == 0
    rows = reminders()
    assert len(rows) == expected
    assert not any(r.status == ReminderStatus.SENT for r in rows)
    failed = [r for r in rows if r.status == ReminderStatus.FAILED]
    assert len(failed) == 1 and "ConnectionRefusedError" in failed[0].last_error and failed[0].attempts == 1
    # The run stopped at the first unreachable server: the others wait, untried.
    assert all(r.status == ReminderStatus.PENDING and r.attempts == 0 for r in rows if r not in failed)

    server = SmtpServer(port=mail_config["SMTP_PORT"]).start()
    try:
        assert send_reminders(today=TODAY + dt.timedelta(days=1)).sent == expected
        assert send_reminders(today=TODAY + dt.timedelta(days=1)).sent == 0
        assert len(server.sink.messages) == expected
    finally:
        server.stop()
    rows = reminders()
    assert all(r.status == ReminderStatus.SENT and r.last_error is None for r in rows)
    assert sorted(r.attempts for r in rows) == [1] * (expected - 1) + [2]


def test_a_server_that_refuses_the_messages_fails_each_one_and_they_are_retried(smtp_server):
    expected = portfolio_in_every_state()
    smtp_server.sink.refusing = True
    assert send_reminders(today=TODAY).sent == 0
    rows = reminders()
    assert [r.status for r in rows] == [ReminderStatus.FAILED] * expected
    assert all("451" in r.last_error for r in rows)
    smtp_server.sink.refusing = False
    assert send_reminders(today=TODAY).sent == expected
    assert len(smtp_server.sink.messages) == expected


def test_a_failed_reminder_is_not_sent_once_it_no_longer_applies(mail_config):
    startup = make_startup("s", phases=[("construction", d("2026-09-01"))])
    make_committee(startup, scheduled_at=at("2026-12-18"),
                   participants=[(make_person("Iris Intra"), ParticipantRole.INTRAPRENEUR)])
    send_reminders(today=d("2026-11-27"))  # server down
    server = SmtpServer(port=mail_config["SMTP_PORT"]).start()
    try:
        # The committee has taken place: reminding of it now would make no sense.
        assert send_reminders(today=d("2026-12-19")).sent == 0
        assert server.sink.messages == []
    finally:
        server.stop()
    assert [r.status for r in reminders()] == [ReminderStatus.FAILED]


def test_the_job_loads_a_fixed_number_of_statements_then_a_fixed_number_per_email(smtp_server, count_queries):
    portfolio_in_every_state("small", 1)
    with count_queries() as small:
        assert send_reminders(today=TODAY).sent == 7
    portfolio_in_every_state("large", 6)
    with count_queries() as large:
        assert send_reminders(today=TODAY).sent == 42
    per_email = (len(large) - len(small)) / 35
    assert per_email == int(per_email) and per_email <= 4  # claim, mark sent, and the commit's own


def test_the_due_reminders_are_loaded_in_a_fixed_number_of_statements(count_queries):
    portfolio_in_every_state("a", 2)
    with count_queries() as few:
        assert len(due_reminders(TODAY)) == 14
    portfolio_in_every_state("b", 20)
    with count_queries() as many:
        assert len(due_reminders(TODAY)) == 154
    assert len(many) == len(few)


# --- Two schedulers at once, on PostgreSQL ----------------------------------------------------------

ON_POSTGRESQL = os.environ.get("JALONS_TEST_BACKEND") == "postgresql"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs postgresql: row locks (FOR UPDATE SKIP LOCKED) do not exist on SQLite")
def test_two_runs_at_once_on_postgresql_send_each_reminder_exactly_once(app, smtp_server, monkeypatch):
    """Two runs of the job at the same time, in two threads with their own connections and transactions
    (like two scheduler processes): each reminder reaches the mail server once."""
    test_session = db.session
    # This test needs committed data that other connections see: a session of its own, not the test's
    # rolled-back transaction; everything it creates is deleted at the end.
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            assert db.engine.dialect.name == "postgresql"
            expected = portfolio_in_every_state("concurrent", 3)
            db.session.commit()
        results = two_runs_at_once(app, monkeypatch, lambda: send_reminders(today=TODAY).sent)
        assert sum(results.values()) == expected
        assert min(results.values()) >= 1  # both runs did send: they really ran together
        received = [(m["To"], m["Subject"]) for m in smtp_server.sink.messages]
        assert len(received) == expected
        assert len(set(received)) == expected
        with app.app_context():
            statuses = db.session.scalars(sa.select(Reminder.status)).all()
            assert statuses == [ReminderStatus.SENT] * expected
    finally:
        with app.app_context():
            _delete_committed("concurrent")
            db.session.remove()
        db.session = test_session


def _delete_committed(prefix: str) -> None:
    startup_ids = sa.select(Startup.id).where(Startup.id.like(f"{prefix}-%")).scalar_subquery()
    committee_ids = sa.select(Committee.id).where(Committee.startup_id.in_(startup_ids)).scalar_subquery()
    person_ids = list(db.session.scalars(sa.union(
        sa.select(Participant.person_id).where(Participant.committee_id.in_(committee_ids)),
        sa.select(Committee.chair_id).where(Committee.startup_id.in_(startup_ids), Committee.chair_id.is_not(None)),
        sa.select(Membership.person_id).where(Membership.startup_id.in_(startup_ids)),
    )))
    db.session.execute(sa.delete(Reminder).where(Reminder.startup_id.in_(startup_ids)))
    db.session.execute(sa.delete(Participant).where(Participant.committee_id.in_(committee_ids)))
    db.session.execute(sa.delete(Decision).where(Decision.committee_id.in_(committee_ids)))
    db.session.execute(sa.delete(Committee).where(Committee.startup_id.in_(startup_ids)))
    db.session.execute(sa.delete(Membership).where(Membership.startup_id.in_(startup_ids)))
    db.session.execute(sa.delete(Person).where(Person.id.in_(person_ids)))
    db.session.execute(sa.delete(PhasePeriod).where(PhasePeriod.startup_id.in_(startup_ids)))
    db.session.execute(sa.delete(Startup).where(Startup.id.like(f"{prefix}-%")))
    refresh_phase_counts(db.session)  # a Core delete: the kept phase counts are recounted by hand
    db.session.commit()


# --- The command and the scheduler process ----------------------------------------------------------


def test_flask_committees_remind_sends_the_reminders_of_the_given_day(app, smtp_server):
    portfolio_in_every_state()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["committees", "remind", "--today", "2026-12-11"])
    assert result.exit_code == 0, result.output
    assert "Rappels du 2026-12-11 : 7 e-mail(s) envoyé(s)." in result.output
    result = runner.invoke(args=["committees", "remind", "--today", "2026-12-11"])
    assert "0 e-mail(s) envoyé(s)" in result.output
    assert len(smtp_server.sink.messages) == 7


def test_flask_committees_remind_refuses_a_bad_date_and_a_missing_base_url(app, mail_config):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["committees", "remind", "--today", "27/11/2026"])
    assert result.exit_code == 2
    assert "« 27/11/2026 » n'est pas une date au format AAAA-MM-JJ." in result.output
    for day in ("0001-01-01", "9999-12-31"):
        result = runner.invoke(args=["committees", "remind", "--today", day])
        assert result.exit_code == 2, result.output
        assert "L'année doit être comprise entre 1900 et 2100" in result.output
    mail_config["BASE_URL"] = None
    result = runner.invoke(args=["committees", "remind", "--today", "2026-11-27"])
    assert result.exit_code == 1
    assert "BASE_URL n'est pas défini" in result.output


def test_the_scheduler_stores_the_daily_job_once_in_the_database(tmp_path, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    # Its own database file: the job store's table must not appear in the tests' schema.
    stub = types.SimpleNamespace(config={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/jobs.sqlite3"})
    monkeypatch.setattr(scheduler, "_app", None)
    for _ in range(2):  # a restart replaces the stored job instead of adding one
        instance = scheduler.build(stub, BackgroundScheduler)
        instance.start(paused=True)
        instance.shutdown(wait=False)
    engine = sa.create_engine(stub.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    engine.dispose()
    assert sorted(row.id for row in stored) == [
        "commitments.workshops", "committees.dues", "committees.reminders", "conventions.alerts", "core.sent_forms",
        "donnees.refresh",
        "startups.current_phases",
        "startups.sync"]
    instance = scheduler.build(stub, BackgroundScheduler)
    instance.start(paused=True)
    job = instance.get_job("committees.reminders")
    instance.shutdown(wait=False)
    assert job.func_ref == "core.scheduler:run_job" and job.args == ("committees.reminders",)
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time >= 12 * 3600
    assert (job.next_run_time.hour, job.next_run_time.minute, str(job.next_run_time.tzinfo)) == (7, 0, "Europe/Paris")


def test_a_job_missed_while_no_scheduler_ran_runs_once_when_one_starts_again(tmp_path, monkeypatch, time_machine):
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    stub = types.SimpleNamespace(config={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/jobs.sqlite3"})
    monkeypatch.setattr(scheduler, "_app", None)
    time_machine.move_to(dt.datetime(2027, 1, 12, 20, tzinfo=scheduler.PARIS), tick=False)
    instance = scheduler.build(stub, BackgroundScheduler)  # the scheduler stops on the 12th at 20:00
    instance.start(paused=True)
    instance.shutdown(wait=False)

    time_machine.move_to(dt.datetime(2027, 1, 13, 8, tzinfo=scheduler.PARIS), tick=True)  # restarted at 8:00
    ran, done = [], threading.Event()

    def run_job(job_id, today=None):
        ran.append(job_id)
        if job_id == "committees.reminders":
            done.set()

    monkeypatch.setattr(scheduler, "run_job", run_job)
    instance = scheduler.build(stub, BackgroundScheduler)
    instance.start()
    try:
        assert done.wait(30), "the 7:00 reminders missed while stopped did not run"
    finally:
        instance.shutdown(wait=True)
    # Each job missed since 20:00 the day before, once; none of those still to come today.
    assert sorted(ran) == ["commitments.workshops", "committees.dues", "committees.reminders", "conventions.alerts",
                           "core.sent_forms", "donnees.refresh", "startups.current_phases", "startups.sync"]
    instance = scheduler.build(stub, BackgroundScheduler)
    instance.start(paused=True)
    job = instance.get_job("committees.reminders")
    instance.shutdown(wait=False)
    assert job.next_run_time == dt.datetime(2027, 1, 14, 7, tzinfo=scheduler.PARIS)


def test_the_scheduled_job_runs_the_reminders_in_an_application_context(app, smtp_server, monkeypatch):
    portfolio_in_every_state()
    monkeypatch.setattr(scheduler, "_app", app)
    assert scheduler.run_job("committees.reminders", today=TODAY).sent == 7
    assert len(smtp_server.sink.messages) == 7


# --- One e-mail never stops the others; a crash repeats at most one ---------------------------------


def test_a_name_stored_with_a_line_feed_does_not_stop_the_reminders(smtp_server):
    """Data entered before the forms refused control characters: the header is made of one line."""
    expected = portfolio_in_every_state()
    broken = make_startup("lf", name="Ma\nStartup\r\n\u2028suite", phases=[("construction", d("2026-06-20"))])
    make_member(make_person("Coach LF", email="coach-lf@example.gouv.fr"), broken, StartupRole.COACH)
    delivery = send_reminders(today=TODAY)
    assert (delivery.sent, delivery.failed) == (expected + 1, 0)
    (message,) = smtp_server.sink.to("coach-lf@example.gouv.fr")
    assert message["Subject"].startswith("Ma Startup suite : comité d'investissement à planifier")


def test_an_email_that_cannot_be_built_fails_alone_and_is_retried(smtp_server, monkeypatch):
    expected = portfolio_in_every_state()
    real_compose = jobs.compose

    def compose(due, base_url):
        if due.kind is ReminderKind.RECORD_DECISION:
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        return real_compose(due, base_url)

    monkeypatch.setattr(jobs, "compose", compose)
    delivery = send_reminders(today=TODAY)
    assert (delivery.sent, delivery.failed, delivery.complete) == (expected - 1, 1, False)
    (failed,) = [r for r in reminders() if r.status == ReminderStatus.FAILED]
    assert failed.kind == ReminderKind.RECORD_DECISION and "ValueError: Header values" in failed.last_error
    monkeypatch.setattr(jobs, "compose", real_compose)
    assert send_reminders(today=TODAY).sent == 1
    assert len(smtp_server.sink.messages) == expected


def test_a_database_failure_after_a_send_repeats_only_that_email(smtp_server, monkeypatch):
    """The mail server accepted the third e-mail, then the database fails when it is marked sent: the
    next run sends that one again (with the same Message-ID), and none of the others."""
    expected = portfolio_in_every_state()
    with database_fails_after(monkeypatch, 3, "committee_reminders"):
        send_reminders(today=TODAY)
    assert send_reminders(today=TODAY).sent == expected - 2
    received = smtp_server.sink.messages
    assert len(received) == expected + 1 and repeated_once(received, 2)
    assert all(r.status == ReminderStatus.SENT for r in reminders())


def test_each_reminder_has_a_message_id_derived_from_its_key(smtp_server, mail_config):
    portfolio_in_every_state()
    dues = due_reminders(TODAY)
    sender = mail_config["MAIL_FROM"]
    assert len({jobs.message_id(due, sender) for due in dues}) == len(dues)
    assert [jobs.message_id(due, sender) for due in dues] == [jobs.message_id(due, sender) for due in due_reminders(TODAY)]
    send_reminders(today=TODAY)
    received = {m["Message-ID"] for m in smtp_server.sink.messages}
    assert received == {jobs.message_id(due, sender) for due in dues}
    assert all(i.startswith("<rappel.") and i.endswith("@jalons.beta.gouv.fr>") for i in received)


def test_the_command_fails_and_says_so_when_emails_could_not_leave(app, mail_config):
    portfolio_in_every_state()
    result = app.test_cli_runner().invoke(args=["committees", "remind", "--today", "2026-12-11"])
    assert result.exit_code == 1
    assert "0 e-mail(s) envoyé(s), 1 en échec (nouvel essai au prochain passage), 6 non tenté(s)" in result.output
    assert "des rappels n'ont pas pu partir" in result.output


def test_reminders_failing_for_a_day_are_reported_to_the_administrators(mail_config, caplog):
    portfolio_in_every_state()
    send_reminders(today=TODAY)  # the mail server is down
    now = db.session.scalar(sa.select(sa.func.max(Reminder.last_attempt_at)))
    assert jobs.failing_reminders(now) == 0  # a first failure is not news yet
    db.session.execute(sa.update(Reminder).values(created_at=now - dt.timedelta(days=1, minutes=1)))
    with caplog.at_level("ERROR", logger="committees.jobs"):
        send_reminders(today=TODAY + dt.timedelta(days=1))
    assert jobs.failing_reminders(clock.now()) == 1
    assert "1 reminder(s) have been failing for more than a day" in caplog.text


def test_admins_see_in_mon_espace_the_reminders_failing_for_a_day(client, mail_config):
    from tests.factories import login

    portfolio_in_every_state()
    send_reminders(today=TODAY)  # the mail server is down
    db.session.execute(sa.update(Reminder).values(created_at=clock.now() - dt.timedelta(days=2)))
    coach = db.session.scalar(sa.select(Person).where(Person.name == "Coach s0"))
    login(client, coach)
    assert "ne part plus depuis plus d'un jour" not in client.get("/espace/").text
    admin = make_person("Ada Admin")
    admin.is_admin = True
    db.session.flush()
    login(client, admin)
    assert "1 rappel de comité ne part plus depuis plus d'un jour" in client.get("/espace/").text
