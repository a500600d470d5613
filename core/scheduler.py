"""The scheduler process: `flask scheduler` runs APScheduler 3 in the foreground, in its own process.

Never start it inside the web workers (each worker would run every job). Its job store is a table of
the application's database (`apscheduler_jobs`, created by APScheduler itself, outside the Alembic
migrations), so that a job missed while the process was stopped runs when it starts again (within
MISFIRE_GRACE), once (coalesce), and never twice at the same time (max_instances=1).

Areas declare their daily jobs with daily(); a job is `def job(*, today) -> int` (the number of things
it did), run in an application context with today's date in Paris. Jobs are idempotent: two scheduler
processes on one PostgreSQL would both run them, and must not do the work twice (see committees/jobs.py).
"""

import dataclasses
import datetime as dt
import importlib
import logging
import signal
import time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from core import clock, errors

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
# A daily job missed by up to this much (process stopped, machine asleep) still runs when it can.
MISFIRE_GRACE = dt.timedelta(hours=20)
# A job stopped by the database (restarted under it, failing over, unreachable), or by a mail server it could
# not reach (core/outbox.py's Delivery.unreachable), is run again for the same day, RETRY_DELAY later, at most
# RETRIES times: otherwise it waited for the next day, when the reminders and alerts whose last day it was are
# no longer due and never leave. Jobs are idempotent: a run again does not repeat what the stopped one did.
# Kept in memory (RETRY_STORE): the database, the other store, may be what failed.
RETRY_DELAY = dt.timedelta(minutes=10)
RETRIES = 6
RETRY_STORE = "retries"
START_RETRY_SECONDS = 30  # between two tries to reach the database when the scheduler starts


@dataclasses.dataclass(frozen=True)
class DailyJob:
    id: str
    func: str  # "module:function", a job(*, today) -> int
    hour: int
    minute: int
    description: str


JOBS: dict[str, DailyJob] = {}
_app: Flask | None = None
_scheduler = None  # the one build() made, for run_job to add its retries to


def daily(id: str, func: str, *, hour: int, minute: int = 0, description: str = "") -> None:
    """Declare a daily job (at hour:minute, Paris time). Declaring it again replaces it."""
    JOBS[id] = DailyJob(id, func, hour, minute, description)


def _resolve(reference: str):
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def run_job(job_id: str, today: dt.date | None = None, attempt: int = 0) -> int:
    """What the scheduler calls (by reference, so that the job store can hold it): the job in an
    application context, with today's date in Paris; attempt: how many runs for that day the database
    stopped before this one (see RETRY_DELAY)."""
    if _app is None:
        raise RuntimeError("the scheduler's application is not set (run `flask scheduler`)")
    job = JOBS[job_id]
    today = today or clock.today()
    with _app.app_context():
        try:
            done = _resolve(job.func)(today=today)
        except Exception as error:
            log.exception("job %s failed (%s)", job_id, today)
            if errors.is_unavailable(error):
                _retry(job_id, today, attempt + 1, "the database")
            raise
    log.info("job %s (%s): %s", job_id, today, done)
    if getattr(done, "unreachable", False):
        _retry(job_id, today, attempt + 1, "the mail server")
    return done


def _retry(job_id: str, today: dt.date, attempt: int, cause: str) -> None:
    if _scheduler is None:
        return
    if attempt > RETRIES:
        log.error("job %s (%s) stopped by %s %s times: left for its next daily run", job_id, today, cause, attempt)
        return
    run_at = clock.now() + RETRY_DELAY
    _scheduler.add_job("core.scheduler:run_job", trigger="date", run_date=run_at, args=[job_id, today, attempt],
                       id=f"{job_id}.retry", name=f"{JOBS[job_id].description or job_id} (nouvel essai)",
                       jobstore=RETRY_STORE, replace_existing=True)
    log.warning("job %s (%s) stopped by %s: run again at %s (attempt %s of %s)", job_id, today, cause,
                run_at.astimezone(PARIS).strftime("%H:%M"), attempt, RETRIES)


def build(app: Flask, scheduler_class=None):
    """An APScheduler scheduler with its job store in the application's database and the declared jobs
    registered (replace_existing: restarting, or a second process, updates the stored job instead of
    adding one)."""
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    global _app, _scheduler
    _app = app
    scheduler_class = scheduler_class or BlockingScheduler
    store = SQLAlchemyJobStore(url=app.config["SQLALCHEMY_DATABASE_URI"])
    missed = _stored_next_runs(store)
    scheduler = scheduler_class(
        jobstores={"default": store, RETRY_STORE: MemoryJobStore()},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
        },
        timezone=PARIS,
    )
    for job in JOBS.values():
        scheduler.add_job(
            "core.scheduler:run_job",
            trigger=CronTrigger(hour=job.hour, minute=job.minute, timezone=PARIS),
            args=[job.id],
            id=job.id,
            name=job.description or job.id,
            replace_existing=True,
            # Replacing the stored job would compute its next run from now, and drop the run it missed.
            **({"next_run_time": missed[job.id]} if job.id in missed else {}),
        )
    _scheduler = scheduler
    return scheduler


def _stored_next_runs(store) -> dict[str, dt.datetime]:
    """When each job stored by the previous scheduler was to run next: a run missed while no scheduler was
    running is still due when the next one starts (then run once within MISFIRE_GRACE, or skipped)."""
    if not sa.inspect(store.engine).has_table(store.jobs_t.name):
        return {}
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(store.jobs_t.c.id, store.jobs_t.c.next_run_time)).all()
    return {id: dt.datetime.fromtimestamp(moment, PARIS) for id, moment in rows if moment is not None}


def register(app: Flask) -> None:
    """Add `flask scheduler` to the application's commands."""
    import click

    @app.cli.command("scheduler")
    @click.option("--list", "list_only", is_flag=True, help="Affiche les tâches et leur prochaine exécution, sans lancer le planificateur.")
    def scheduler_command(list_only: bool):
        """Lance le planificateur (APScheduler) au premier plan : ses tâches quotidiennes (rappels, alertes, synchronisation beta.gouv.fr, fichiers des données ouvertes).

        Un seul processus suffit, à côté du serveur web ; jamais dans les workers web.
        """
        from flask import current_app

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app_object = current_app._get_current_object()
        if list_only:
            from apscheduler.schedulers.background import BackgroundScheduler

            scheduler = build(app_object, BackgroundScheduler)
            scheduler.start(paused=True)
            for job in scheduler.get_jobs():
                click.echo(f"{job.id} : {job.name} — prochaine exécution {job.next_run_time:%Y-%m-%d %H:%M %Z}")
            scheduler.shutdown(wait=False)
            return

        def stop(signum, frame):
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        scheduler = None
        try:
            scheduler = _build_when_reachable(app_object)
            click.echo(f"Planificateur démarré ({len(JOBS)} tâche(s) quotidienne(s)). Ctrl-C pour l'arrêter.")
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=True)
            click.echo("Planificateur arrêté.")


def _build_when_reachable(app: Flask):
    """build(), once the database answers. The scheduler used to exit when it could not reach it at start;
    under systemd's Restart=on-failure it was started again at once, a few times in a few seconds, then left
    stopped (StartLimitBurst): no reminders, alerts nor sync after the database came back, until someone
    noticed. It now waits, as the web workers outlive a database outage; once started, APScheduler itself
    tries its job store again every few seconds."""
    import click

    while True:
        try:
            return build(app)
        except sa.exc.SQLAlchemyError as error:
            if not errors.is_unavailable(error):
                raise
            cause = str(getattr(error, "orig", None) or error).strip().splitlines()
            click.echo(f"Base de données injoignable : nouvel essai dans {START_RETRY_SECONDS} s "
                       f"({cause[0][:300] if cause else type(error).__name__}).", err=True)
            time.sleep(START_RETRY_SECONDS)
