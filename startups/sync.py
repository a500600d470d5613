"""The daily synchronisation from beta.gouv.fr: update the configured source, import it, keep the run.

The source (`BETAGOUV_SOURCE`) is a checkout of the beta.gouv.fr repository, updated with `git pull
--ff-only`, or a plain folder laid out like its `content/`. The import is `flask import-betagouv`'s, with its
merge rules (nothing decided in Jalons is undone, conflicts reported). Each run is kept (`SyncRun`) and
shown to the admins. A source that cannot be updated or read imports nothing: the site keeps serving the
last good data, and the admins are e-mailed once per series of failures (_alert_once).

A startup whose fiche is gone from a **complete** source (the three folders `_startups`, `_incubators`,
`_organisations`, none of them empty) is archived with that reason, and brought back if its fiche returns;
never more than MAX_ARCHIVED_SHARE of the startups at once (a half-deleted checkout is not the programme
stopping half its startups: the run says so and archives none).
"""

import logging
import os
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from audit.models import AuditEvent
from audit.services import record
from core import clock, mail
from core.db import db
from startups.cli import summary
from startups.importer import IMPORT_ACTOR, KINDS, ImportDirectoryError, find_fiches, import_directory
from startups.models import Startup, SyncRun, SyncStatus
from users.models import Person

log = logging.getLogger(__name__)

GIT_TIMEOUT = 300  # seconds for `git pull`
MAX_ARCHIVED_SHARE = 0.05
ARCHIVE_REASON = "Fiche absente de beta.gouv.fr (synchronisation quotidienne)"
RESTORE_REASON = "Fiche de nouveau présente sur beta.gouv.fr (synchronisation quotidienne)"
SYNC_LOCK = 20260805  # the key of the PostgreSQL advisory lock a run holds (Jalons takes no other)


class SourceError(RuntimeError):
    """The source cannot be updated or read; str() is the French reason."""


def content_folder(source: Path) -> Path:
    return source / "content" if (source / "content").is_dir() else source


def update_source(source: Path) -> str | None:
    """`git pull --ff-only` when the source is a checkout; its commit afterwards (None for a folder)."""
    if not source.is_dir():
        raise SourceError(f"la source {source} n'existe pas ou n'est pas un dossier")
    if not (source / ".git").exists():
        return None
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(source), *args], capture_output=True, text=True,
                                  timeout=GIT_TIMEOUT, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise SourceError(f"git {args[0]} n'a pas répondu en {GIT_TIMEOUT} s") from None
        except OSError as error:
            raise SourceError(f"git introuvable : {error.strerror}") from None
        if done.returncode != 0:
            lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
            detail = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else
                          f"code de sortie {done.returncode}")
            raise SourceError(f"« git {args[0]} » a échoué ({detail})")
        return done.stdout.strip()

    git("pull", "--ff-only", "--quiet")
    return git("rev-parse", "HEAD")[:40]


def run(source: Path) -> SyncRun | None:
    """One synchronisation; the run is committed, and the admins told of a new series of failures. Whatever stops
    it (the source, or any unexpected error of the import or of the database) is a failed run: nothing of
    the import is kept, the run is, with its reason, and the admins are told. None when another
    synchronisation is under way (a second scheduler): that one does the work, this one does nothing."""
    if not _take_turn():
        db.session.rollback()
        log.warning("beta.gouv.fr sync already under way in another process: this run does nothing")
        return None
    started, today = clock.now(), clock.today()
    sync, revision = _new_run(source, started), None
    try:
        sync.revision = revision = update_source(source)
        folder = content_folder(source)
        report = import_directory(folder, today)
        sync.summary = summary(report, folder, today)
        sync.archived, sync.restored, note = _follow_removals(folder, started)
        if note:
            sync.summary += "\n\n" + note
        if report.rejected or report.conflicts or note:
            sync.status = SyncStatus.TO_SETTLE
        sync.finished_at = clock.now()
        db.session.add(sync)
        db.session.commit()
    except (SourceError, ImportDirectoryError) as error:
        sync = _failed(source, started, revision, f"{error}.")
        log.error("beta.gouv.fr sync failed: %s", sync.error)
    except Exception as error:  # a run that stops must still be kept, and the admins told
        log.exception("beta.gouv.fr sync failed unexpectedly")
        detail = str(error).strip()
        detail = f"{type(error).__name__} : {detail.splitlines()[0]}" if detail else type(error).__name__
        sync = _failed(source, started, revision,
                       f"l'import s'est arrêté sur une erreur inattendue ({detail}) ; rien n'en a été enregistré.")
    if sync.status == SyncStatus.FAILED:
        _alert_once(sync)
    return sync


def _take_turn() -> bool:
    """Whether this process may synchronise now. On PostgreSQL, a lock of the transaction (released by its
    commit or rollback) that a second scheduler running the job at the same moment does not get: two `git
    pull` in one checkout at once make git refuse one (a failed run, and the admins e-mailed about a failure
    that is none), and the same fiches would be imported twice at once. SQLite has one writer at a time."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(SYNC_LOCK))))


def _new_run(source: Path, started) -> SyncRun:
    return SyncRun(started_at=started, finished_at=started, source=str(source), status=SyncStatus.OK,
                   summary="", archived=[], restored=[])


def _failed(source: Path, started, revision: str | None, error: str) -> SyncRun:
    """A failed run, committed alone: whatever the import had written is rolled back first."""
    db.session.rollback()
    sync = _new_run(source, started)
    sync.revision, sync.status, sync.error, sync.finished_at = revision, SyncStatus.FAILED, error, clock.now()
    db.session.add(sync)
    db.session.commit()
    return sync


def _follow_removals(folder: Path, now) -> tuple[list[str], list[str], str | None]:
    """Archive the startups whose fiche is gone from a complete source; restore those whose fiche is back."""
    found, _ = find_fiches(folder)
    if not all((folder / kind).is_dir() and found[kind] for kind in KINDS):
        return [], [], None  # a partial source says nothing of the fiches it does not hold
    present = {path.name[: -len(".md")] for path in found["_startups"]}
    imported = db.session.scalars(sa.select(Startup).where(Startup.fiche_history.is_not(None))).all()
    gone = [s for s in imported if s.archived_at is None and s.id not in present]
    live = sum(1 for s in imported if s.archived_at is None)
    if gone and len(gone) > max(1, int(live * MAX_ARCHIVED_SHARE)):
        return [], [], (f"{len(gone)} fiches de startups ont disparu de la source sur {live} : trop pour une "
                        f"mise à jour ordinaire, aucune startup archivée. Vérifiez la source.")
    archived_by_sync = set(db.session.scalars(
        sa.select(AuditEvent.object_id).where(AuditEvent.action == "startup.archived",
                                              AuditEvent.actor_label == IMPORT_ACTOR)
    ))
    back = [s for s in imported if s.archived_at is not None and s.id in present and s.id in archived_by_sync]
    for startup, archived_at, action, reason in (
        [(s, now, "startup.archived", ARCHIVE_REASON) for s in gone]
        + [(s, None, "startup.restored", RESTORE_REASON) for s in back]
    ):
        before = {"archived_at": startup.archived_at}
        startup.archived_at = archived_at
        record(action, "startup", startup.id, actor_label=IMPORT_ACTOR, startup_id=startup.id,
               before=before, after={"archived_at": archived_at}, reason=reason)
    db.session.flush()
    return sorted(s.id for s in gone), sorted(s.id for s in back), None


def _alert_once(sync: SyncRun) -> None:
    """E-mail the admins once per series of failed runs. The claim is the `alerted_at` of the series' first
    run, taken by a conditional UPDATE of that one row and committed before sending, so that two schedulers,
    or a crash, never send it twice. When not one admin could be mailed (the mail server down or refusing),
    the claim is released: the next failed run of the series tries again, instead of the alert being lost."""
    last_good = db.session.scalar(
        sa.select(sa.func.max(SyncRun.id)).where(SyncRun.id < sync.id, SyncRun.status != SyncStatus.FAILED))
    first = db.session.scalar(sa.select(sa.func.min(SyncRun.id)).where(SyncRun.id > (last_good or 0)))
    claimed = db.session.execute(
        sa.update(SyncRun).where(SyncRun.id == first, SyncRun.alerted_at.is_(None)).values(alerted_at=clock.now())
    ).rowcount
    db.session.commit()
    if not claimed:
        return
    base_url = current_app.config.get("BASE_URL") or ""
    admins = db.session.scalars(
        # Active accounts only: an archived admin keeps the flag but has no role (users.permissions.is_admin).
        sa.select(Person).where(Person.is_admin.is_(True), Person.email.is_not(None), Person.archived_at.is_(None),
                                Person.anonymised_at.is_(None)).order_by(Person.id)
    ).all()
    sent = 0
    for admin in admins:
        try:
            mail.send(mail.Mail(
                to=admin.email,
                subject="Jalons : la synchronisation avec beta.gouv.fr échoue",
                body=(f"Bonjour {admin.name},\n\nLa synchronisation quotidienne avec beta.gouv.fr a échoué "
                      f"le {sync.started_at.astimezone(clock.PARIS):%d/%m/%Y à %H:%M} (heure de Paris) :\n\n{sync.error}\n\nLe site continue "
                      f"d'afficher les dernières données importées. Le détail des passages :\n"
                      f"{base_url}/imports\n\nCe message n'est envoyé qu'une fois par série d'échecs.\n"),
            ))
        except OSError as error:  # smtplib's errors included: the log and « Mon espace » still say it
            log.error("sync failure alert to %s not sent: %s", admin.email, error)
        else:
            sent += 1
    if admins and not sent:
        db.session.execute(sa.update(SyncRun).where(SyncRun.id == first).values(alerted_at=None))
        db.session.commit()
        log.error("sync failure alert reached no admin: the next failed run tries again")


def failing_since(now=None):
    """When the current series of failed runs began (None when the last run did not fail)."""
    runs = db.session.execute(
        sa.select(SyncRun.started_at, SyncRun.status).order_by(SyncRun.id.desc()).limit(30)
    ).all()
    since = None
    for started_at, status in runs:
        if status != SyncStatus.FAILED:
            break
        since = started_at
    return since
