"""The scheduler process when the database fails under a job: the job is run again the same day."""

import datetime as dt
import types

import pytest
import sqlalchemy as sa

from core import clock, outbox, scheduler

TODAY = dt.date(2026, 12, 7)
runs = []


def stopped_by_the_database(*, today):
    runs.append(today)
    raise sa.exc.OperationalError("UPDATE reminders …", {}, Exception("terminating connection due to administrator command"))


def failing_otherwise(*, today):
    raise ValueError("un bogue")


def mail_server_unreachable(*, today):
    runs.append(today)
    return outbox.Delivery(sent=2, failed=1, untried=3, unreachable=True)


def mail_server_refusing_one(*, today):
    return outbox.Delivery(sent=2, failed=1)


@pytest.fixture
def instance(tmp_path, monkeypatch, app):
    from apscheduler.schedulers.background import BackgroundScheduler

    # Its own database file: the job store's table must not appear in the tests' schema.
    stub = types.SimpleNamespace(config={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/jobs.sqlite3"})
    monkeypatch.setattr(scheduler, "_scheduler", None)
    monkeypatch.setattr(scheduler, "_app", None)
    built = scheduler.build(stub, BackgroundScheduler)
    built.start(paused=True)
    monkeypatch.setattr(scheduler, "_app", app)
    for name in ("stopped_by_the_database", "failing_otherwise", "mail_server_unreachable", "mail_server_refusing_one"):
        monkeypatch.setitem(scheduler.JOBS, f"essai.{name}",
                            scheduler.DailyJob(f"essai.{name}", f"tests.core.test_scheduler:{name}", 7, 0, "Essai"))
    runs.clear()
    yield built
    built.shutdown(wait=False)


def test_a_job_the_database_stopped_runs_again_for_the_same_day_ten_minutes_later(instance):
    with pytest.raises(sa.exc.OperationalError):
        scheduler.run_job("essai.stopped_by_the_database", today=TODAY)

    retry = instance.get_job("essai.stopped_by_the_database.retry")
    assert retry.args == ("essai.stopped_by_the_database", TODAY, 1)
    assert dt.timedelta(minutes=9) < retry.next_run_time - clock.now() <= dt.timedelta(minutes=10)
    with pytest.raises(sa.exc.OperationalError):
        retry.func(*retry.args)  # the database is still down: once more, for the same day
    assert instance.get_job("essai.stopped_by_the_database.retry").args == ("essai.stopped_by_the_database", TODAY, 2)
    assert runs == [TODAY, TODAY]


def test_the_retries_stop_after_an_hour_and_a_bug_is_not_retried(instance):
    with pytest.raises(sa.exc.OperationalError):
        scheduler.run_job("essai.stopped_by_the_database", TODAY, scheduler.RETRIES)
    assert instance.get_job("essai.stopped_by_the_database.retry") is None
    with pytest.raises(ValueError):
        scheduler.run_job("essai.failing_otherwise", today=TODAY)
    assert instance.get_job("essai.failing_otherwise.retry") is None


def test_a_job_the_mail_server_stopped_runs_again_for_the_same_day_a_refused_message_waits_for_tomorrow(instance):
    assert scheduler.run_job("essai.mail_server_unreachable", today=TODAY).untried == 3
    retry = instance.get_job("essai.mail_server_unreachable.retry")
    assert retry.args == ("essai.mail_server_unreachable", TODAY, 1)
    assert dt.timedelta(minutes=9) < retry.next_run_time - clock.now() <= dt.timedelta(minutes=10)

    scheduler.run_job("essai.mail_server_refusing_one", today=TODAY)
    assert instance.get_job("essai.mail_server_refusing_one.retry") is None


def test_the_scheduler_started_with_the_database_down_waits_for_it_instead_of_exiting(app, monkeypatch):
    builds, slept, started = [], [], []

    class Started:
        running = False

        def start(self):
            started.append(True)

    def build(app_object, scheduler_class=None):
        builds.append(app_object)
        if len(builds) < 3:
            raise sa.exc.OperationalError("SELECT …", {}, Exception("connection refused"))
        return Started()

    monkeypatch.setattr(scheduler, "build", build)
    monkeypatch.setattr(scheduler.time, "sleep", slept.append)
    monkeypatch.setattr(scheduler.signal, "signal", lambda *args: None)
    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == 0, result.output
    assert len(builds) == 3 and slept == [30, 30] and started == [True]
    assert result.stderr.count("Base de données injoignable : nouvel essai dans 30 s (connection refused).") == 2
