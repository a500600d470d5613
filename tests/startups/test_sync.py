"""The daily synchronisation from beta.gouv.fr, against a real git repository made in the test."""

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core import scheduler
from core.db import db
from startups import sync
from startups.models import Startup, SyncRun, SyncStatus
from tests.factories import d, login, make_person
from tests.startups.test_import_ownership import FICHE

TODAY = d("2026-11-27")

STARTUP = FICHE.replace("{more}", "")  # the fiche of the ownership tests, without more events


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org",
                               "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.org",
                               "HOME": str(folder), "PATH": "/usr/bin:/bin"}).stdout.strip()


def write(upstream: Path, id: str, title: str | None = None, mission: str = "Une mission", text: str | None = None):
    (upstream / "content" / "_startups" / f"{id}.md").write_text(
        text if text is not None else STARTUP.format(title=title or id.capitalize(), mission=mission), encoding="utf-8")


def commit(upstream: Path, message: str) -> str:
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", message)
    return git(upstream, "rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path):
    """A beta.gouv.fr repository with three startups, an incubator and an organisation."""
    repo = tmp_path / "beta.gouv.fr"
    for kind in ("_startups", "_incubators", "_organisations"):
        (repo / "content" / kind).mkdir(parents=True)
    (repo / "content" / "_incubators" / "dinum.md").write_text("---\ntitle: Incubateur DINUM\n---\n", encoding="utf-8")
    (repo / "content" / "_organisations" / "dinum.md").write_text("---\nname: DINUM\n---\n", encoding="utf-8")
    for id in ("alpha", "beta", "gamma"):
        write(repo, id)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "Fiches")
    return repo


@pytest.fixture
def checkout(tmp_path, upstream, app, monkeypatch):
    folder = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(upstream), str(folder))
    monkeypatch.setitem(app.config, "BETAGOUV_SOURCE", str(folder))
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example.gouv.fr")
    return folder


@pytest.fixture
def outbox(monkeypatch):
    sent = []
    monkeypatch.setattr("core.mail.send", lambda message: sent.append(message))
    return sent


def startup(id: str) -> Startup | None:
    db.session.expire_all()
    return db.session.get(Startup, id)


def test_the_nightly_job_pulls_imports_and_keeps_the_run(app, upstream, checkout, clock_on):
    clock_on(TODAY)
    assert "startups.sync" in scheduler.JOBS
    first = sync.run(checkout)
    assert first.status == SyncStatus.OK and first.revision == git(upstream, "rev-parse", "HEAD")
    assert {s.id for s in db.session.scalars(sa.select(Startup))} == {"alpha", "beta", "gamma"}

    # Upstream: a mission changed, a new startup, one deleted, one broken fiche.
    write(upstream, "alpha", mission="Une mission précisée")
    write(upstream, "delta")
    (upstream / "content" / "_startups" / "gamma.md").unlink()
    write(upstream, "epsilon", text="---\ntitle: [Epsilon\n---\n")
    head = commit(upstream, "Mises à jour")

    assert scheduler._resolve(scheduler.JOBS["startups.sync"].func)(today=TODAY) == 0
    run = db.session.scalars(sa.select(SyncRun).order_by(SyncRun.id.desc())).first()
    assert (run.status, run.revision, run.archived, run.restored) == (SyncStatus.TO_SETTLE, head, ["gamma"], [])
    assert "epsilon.md" in run.summary and "YAML illisible" in run.summary
    assert startup("alpha").mission == "Une mission précisée"
    assert startup("delta") is not None and startup("epsilon") is None
    assert startup("gamma").archived_at is not None
    archived = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "startup.archived")).one()
    assert (archived.object_id, archived.reason) == ("gamma", sync.ARCHIVE_REASON)

    # The fiche comes back: the startup too.
    write(upstream, "gamma")
    commit(upstream, "Gamma revient")
    back = sync.run(checkout)
    assert back.restored == ["gamma"] and startup("gamma").archived_at is None


def test_a_failing_source_imports_nothing_tells_the_admins_once_and_says_so_to_them(
        app, client, upstream, checkout, outbox, clock_on):
    clock_on(TODAY)
    admin = make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True)
    make_person("Olivier", email="olivier@example.gouv.fr")
    # An admin whose account is archived is told nothing: archived people have no role.
    make_person("Ancien Admin", email="ancien@example.gouv.fr", is_admin=True,
                archived_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    assert sync.run(checkout).status == SyncStatus.OK
    git(checkout, "remote", "set-url", "origin", str(upstream.parent / "disparu"))

    failed = sync.run(checkout)
    again = sync.run(checkout)

    assert failed.status == again.status == SyncStatus.FAILED
    assert failed.error.startswith("« git pull » a échoué (fatal: ") and failed.summary == ""
    assert [(m.to, m.subject) for m in outbox] == [
        ("ada@example.gouv.fr", "Jalons : la synchronisation avec beta.gouv.fr échoue")]
    assert "a échoué le 27/11/2026 à 12:" in outbox[0].body and "(heure de Paris)" in outbox[0].body  # noon in Paris
    assert {s.id for s in db.session.scalars(sa.select(Startup))} == {"alpha", "beta", "gamma"}  # last good data
    login(client, admin)
    espace = client.get("/espace/").get_data(as_text=True)
    assert "La synchronisation avec beta.gouv.fr échoue depuis le 27 novembre 2026" in espace
    page = client.get("/imports")
    assert page.status_code == 200 and "En échec" in page.get_data(as_text=True)

    git(checkout, "remote", "set-url", "origin", str(upstream))
    assert sync.run(checkout).status == SyncStatus.OK
    assert "échoue depuis" not in client.get("/espace/").get_data(as_text=True)
    # A new series of failures is told again, once.
    git(checkout, "remote", "set-url", "origin", str(upstream.parent / "disparu"))
    sync.run(checkout)
    assert len(outbox) == 2


def test_a_failure_alert_the_mail_server_refused_is_sent_by_the_next_failed_run_once(
        app, upstream, checkout, clock_on, monkeypatch):
    clock_on(TODAY)
    make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True)
    assert sync.run(checkout).status == SyncStatus.OK
    git(checkout, "remote", "set-url", "origin", str(upstream.parent / "disparu"))
    sent = []

    def unreachable(message):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("core.mail.send", unreachable)
    first = sync.run(checkout)  # the alert cannot leave: the mail server is down
    monkeypatch.setattr("core.mail.send", lambda message: sent.append(message))
    second = sync.run(checkout)  # the mail server is back, the source still fails
    third = sync.run(checkout)

    assert first.status == second.status == third.status == SyncStatus.FAILED
    assert [(m.to, m.subject) for m in sent] == [
        ("ada@example.gouv.fr", "Jalons : la synchronisation avec beta.gouv.fr échoue")]


@pytest.mark.skipif(os.environ.get("JALONS_TEST_BACKEND") != "postgresql",
                    reason="two schedulers at once: PostgreSQL's advisory lock (SQLite has one writer at a time)")
def test_a_second_scheduler_does_nothing_while_a_run_is_under_way(app, upstream, checkout, outbox, clock_on):
    clock_on(TODAY)
    make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True)
    write(upstream, "alpha", mission="Une mission précisée")
    head = commit(upstream, "Mise à jour")
    with db.engine.connect() as other:  # the first scheduler's run, under way
        assert other.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(sync.SYNC_LOCK)))
        assert sync.run(checkout) is None
        assert scheduler._resolve(scheduler.JOBS["startups.sync"].func)(today=TODAY) == 0
        other.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncRun)) == 0 and outbox == []
    assert git(checkout, "rev-parse", "HEAD") != head and startup("alpha") is None  # neither pulled nor imported

    assert sync.run(checkout).status == SyncStatus.OK  # once it is over, the next run does the work
    assert startup("alpha").mission == "Une mission précisée"


def test_bad_new_fiches_are_rejected_alone_and_the_rest_synchronised(app, upstream, checkout, clock_on):
    """On PostgreSQL the new startups of a first run are written by COPY: a NUL or an amount beyond the
    column once stopped the whole run there, and no run was kept."""
    clock_on(TODAY)
    write(upstream, "nul", text=STARTUP.format(title='"Nom\\0avec NUL"', mission="M"))
    write(upstream, "montant", text=STARTUP.format(title="Montant", mission="M").replace(
        "incubator: dinum\n", "incubator: dinum\nfast:\n  promotion: 12\n  montant: 3000000000\n"))
    commit(upstream, "Deux fiches fautives")

    run = sync.run(checkout)

    assert run.status == SyncStatus.TO_SETTLE and run.error is None
    assert "  - _startups/nul.md : « title » doit tenir sur une ligne" in run.summary
    assert "  - _startups/montant.md : « fast.montant » : la valeur doit être comprise entre" in run.summary
    assert {s.id for s in db.session.scalars(sa.select(Startup))} == {"alpha", "beta", "gamma"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncRun)) == 1


def test_an_unexpected_error_fails_the_run_keeps_it_and_tells_the_admins(
        app, client, upstream, checkout, outbox, clock_on, monkeypatch):
    clock_on(TODAY)
    admin = make_person("Ada Admin", email="ada@example.gouv.fr", is_admin=True)
    assert sync.run(checkout).status == SyncStatus.OK
    write(upstream, "delta")
    commit(upstream, "Delta")
    real_import = sync.import_directory

    def crashing(folder, today):
        real_import(folder, today)  # delta written, then something nobody foresaw
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(sync, "import_directory", crashing)
    failed = sync.run(checkout)

    assert failed.status == SyncStatus.FAILED and failed.id is not None
    assert failed.error == ("l'import s'est arrêté sur une erreur inattendue (OverflowError : Python int too large "
                            "to convert to SQLite INTEGER) ; rien n'en a été enregistré.")
    assert failed.revision == git(upstream, "rev-parse", "HEAD")
    assert startup("delta") is None  # nothing of the import kept: the site serves the last good data
    assert [(m.to, m.subject) for m in outbox] == [
        ("ada@example.gouv.fr", "Jalons : la synchronisation avec beta.gouv.fr échoue")]
    assert "erreur inattendue (OverflowError" in outbox[0].body
    login(client, admin)
    page = client.get("/imports").get_data(as_text=True)
    assert "En échec" in page and "erreur inattendue" in page


def test_a_partial_source_archives_nothing_and_a_mass_disappearance_is_refused(app, upstream, tmp_path, clock_on):
    clock_on(TODAY)
    shutil.rmtree(upstream / ".git")  # a plain folder, laid out like beta.gouv.fr: nothing to pull
    assert sync.run(upstream).status == SyncStatus.OK
    only_one = tmp_path / "une-fiche"
    only_one.mkdir()
    (only_one / "alpha.md").write_text(STARTUP.format(title="Alpha", mission="M"), encoding="utf-8")
    assert sync.run(only_one).archived == []

    for id in ("beta", "gamma"):
        (upstream / "content" / "_startups" / f"{id}.md").unlink()
    refused = sync.run(upstream)
    assert refused.status == SyncStatus.TO_SETTLE and refused.archived == []
    assert "aucune startup archivée" in refused.summary
    assert startup("beta").archived_at is None


def test_the_runs_page_is_for_admins_only(app, client, checkout, clock_on):
    clock_on(TODAY)
    login(client, make_person("Olivier", email="olivier@example.gouv.fr"))
    assert client.get("/imports").status_code == 403


def test_the_command_without_a_source_says_so(app, monkeypatch):
    monkeypatch.setitem(app.config, "BETAGOUV_SOURCE", None)
    result = app.test_cli_runner().invoke(args=["sync-betagouv"])
    assert result.exit_code == 2 and "BETAGOUV_SOURCE n'est pas défini" in result.output
