"""Benchmark of Jalons under faults, as an operator meets them (issue 15).

    .venv/bin/python bench/faults.py            # or: make bench-faults

Starts its own PostgreSQL 15 (initdb in a temporary folder, run as the `postgres` system user, listening
on 127.0.0.1 on a free port: never the machine's server), loads the portfolio of bench/synthetic.py at its
real size with the committees of bench/reminders.py, and serves it with gunicorn in production mode.
Readers (the portfolio, a startup's page, the API) and writers (logged in with a one-time link, adding
events through the real form with its CSRF token) run for a bounded time while the database is
restarted, stopped and frozen. Then the reminder job is killed (-9) mid-batch, cut off from its mail
server mid-batch, has the database restarted under it mid-batch, and is run again; and a backup (pg_dump -Fc) restored onto a fresh database is served by
a second gunicorn and compared page by page.

Prints, per fault: requests failed (and those whose page is not the DSFR one), the longest request,
recovery time (from the database back to the first success of a request started after it), rows
half-written (an event without its audit event or the reverse), writes acknowledged but lost, duplicate
event positions, gunicorn workers replaced; for the reminders, duplicate and lost e-mails (by
Message-ID) and the exit codes. Everything it starts is stopped, and its folders removed, even on error.
All traffic stays on 127.0.0.1. The database, gunicorn and the clients are in bench/fault_rig.py; the faults,
what they are measured by and the report are here.
"""

import argparse
import collections
import datetime as dt
import email
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The project before bench/: bench/conventions.py must not hide the conventions package.
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

import synthetic  # noqa: E402  (bench/synthetic.py: the synthetic portfolio, the benches' application)
import reminders  # noqa: E402  (bench/reminders.py: teams and committees)
from fault_rig import (  # noqa: E402  (bench/fault_rig.py: the database, gunicorn and the clients)
    PAUSE, PG_BIN, READERS, REQUEST_TIMEOUT, VENV_BIN, WRITERS, Gunicorn, Load, Postgres, app_env, cleanup,
    cleanups, free_port, wait_for,
)
from core import clock  # noqa: E402
from core.db import db  # noqa: E402

FAULT_SECONDS = {"stop": 8, "freeze": 35}
SETTLE_SECONDS = 4  # traffic kept after the database is back, to see it recover
RECOVERY_LIMIT = 30
SLOW = 5.0  # seconds: a request longer than this counts as hung


# --- Consistency after a fault ------------------------------------------------------------------------

def consistency(database_url: str, acknowledged: list[str]) -> dict:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        def count(sql: str) -> int:
            return connection.exec_driver_sql(sql).scalar()

        result = {
            "events": count("SELECT count(*) FROM events WHERE starts_with(comment, 'bench ')"),
            "half_written": count(
                "SELECT count(*) FROM events e WHERE starts_with(e.comment, 'bench ') AND NOT EXISTS (SELECT 1 FROM audit_events a "
                "WHERE a.action = 'event.created' AND a.object_type = 'event' AND a.object_id = e.id::text)"
            ) + count(
                "SELECT count(*) FROM audit_events a WHERE a.action = 'event.created' AND NOT EXISTS "
                "(SELECT 1 FROM events e WHERE a.object_id = e.id::text)"
            ),
            "duplicate_positions": count(
                "SELECT count(*) FROM (SELECT startup_id, position FROM events GROUP BY 1, 2 HAVING count(*) > 1) d"),
        }
        saved = set(connection.exec_driver_sql("SELECT comment FROM events WHERE starts_with(comment, 'bench ')").scalars())
    engine.dispose()
    result["lost_writes"] = len(set(acknowledged) - saved)
    return result


# --- Portfolio ----------------------------------------------------------------------------------------

def load_portfolio(database_url: str, today: dt.date) -> dict:
    from users import services as users

    app = synthetic.make_app(database_url)
    synthetic.prepare_database(app, reset=False)
    with app.app_context():
        profile = synthetic.load_profile()
        rows = synthetic.build_portfolio(profile, profile.startups, today, 2026)
        states = reminders.add_committees(today, 2026)
        admin_email = "bench.faults@example.gouv.fr"
        users.create_person(email=admin_email, name="Banc d'essai", organisation_id=None,
                                    is_admin=True, now=clock.now())
        db.session.commit()
        startup_ids = db.session.execute(sa.text("SELECT id FROM startups ORDER BY id LIMIT 20")).scalars().all()
        db.session.remove()
        db.engine.dispose()
    return {"startups": rows["startups"], "events": rows["events"], "people": states["people"],
            "admin": admin_email, "startup_ids": list(startup_ids)}


def login_path(database_url: str, email_address: str) -> str:
    """A one-time link, as an operator gets one (`flask users login-link`): its token is hashed with the
    production SECRET_KEY, which the bench's own app does not have."""
    output = subprocess.run([VENV_BIN / "flask", "users", "login-link", email_address], cwd=ROOT, check=True, text=True,
                            capture_output=True, timeout=60, env=app_env(database_url, "http://127.0.0.1")).stdout
    return urllib.parse.urlsplit(output.strip()).path


# --- Database faults ----------------------------------------------------------------------------------

def summarise(name: str, load: Load, start: float, back: float, end: float, database_url: str,
              workers_before: set[int], gunicorn: Gunicorn) -> dict:
    hits = load.between(start, end)
    failed = [hit for hit in hits if not hit.ok]
    after = [hit for hit in hits if hit.ok and hit.started >= back]
    recovery = (min(hit.ended for hit in after) - back) if after else float("nan")
    figures = {
        "fault": name,
        "requests": len(hits),
        "failed": len(failed),
        "not_dsfr": sum(1 for hit in failed if not hit.dsfr),
        "no_answer": sum(1 for hit in failed if hit.status == 0),
        "statuses": dict(collections.Counter(hit.status for hit in failed)),
        "during": sum(1 for hit in hits if hit.ended < back),
        "median": statistics.median([hit.ended - hit.started for hit in hits]) if hits else 0.0,
        "slow": sum(1 for hit in hits if hit.ended - hit.started > SLOW),
        "longest": max((hit.ended - hit.started for hit in hits), default=0.0),
        "recovery": recovery,
        "writes_ok": sum(1 for hit in hits if hit.client == "writer" and hit.ok and hit.status in (302, 303)),
        "workers_replaced": len(workers_before - gunicorn.workers()),
    }
    figures["raw"] = [f"{hit.status} {hit.path}: {hit.body!r}" for hit in failed if not hit.dsfr][:3]
    figures |= consistency(database_url, load.acknowledged)
    return figures


def run_fault(name: str, postgres: Postgres, load: Load, gunicorn: Gunicorn, since: float | None = None) -> dict:
    """The fault under load. Its requests are counted from `since`, where the previous fault's count ended:
    a request started while the previous figures were computed may meet this fault, and must count."""
    workers = gunicorn.workers()
    start = time.monotonic()
    if name == "restart":
        postgres.stop()
        postgres.start()
    elif name == "stop":
        postgres.stop()
        time.sleep(FAULT_SECONDS["stop"])
        postgres.start()
    elif name == "freeze":
        postgres.freeze()
        time.sleep(FAULT_SECONDS["freeze"])
        postgres.thaw()
    else:
        time.sleep(FAULT_SECONDS["stop"])  # the baseline: the same traffic, no fault
    back = time.monotonic()
    deadline = back + RECOVERY_LIMIT
    while time.monotonic() < deadline and not [h for h in load.between(back, time.monotonic()) if h.ok]:
        time.sleep(0.1)
    time.sleep(SETTLE_SECONDS)
    end = time.monotonic()
    return summarise(name, load, start if since is None else since, back, end, postgres.url, workers, gunicorn) \
        | {"end": end}


# --- Reminders ----------------------------------------------------------------------------------------

class Sink:
    """A local SMTP server that records each message's Message-ID, slowly enough to be cut mid-batch."""

    def __init__(self, port: int, delay: float = 0.03):
        self.port, self.delay = port, delay
        self.ids: list[str] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(self.delay)
        self.ids.append(email.message_from_bytes(envelope.original_content or envelope.content)["Message-ID"])
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        cleanups.append(self.stop)

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def remind(database_url: str, smtp_port: int, today: dt.date) -> subprocess.Popen:
    env = app_env(database_url, "https://jalons.beta.gouv.fr", SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port),
                  SMTP_TIMEOUT="3")
    return subprocess.Popen([VENV_BIN / "flask", "committees", "remind", "--today", today.isoformat()], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def last_line(output: str) -> str:
    """The job's summary, or the exception that ended it."""
    lines = output.strip().splitlines()
    summary = [line for line in lines if line.startswith("Rappels du")]
    exceptions = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Shutdown)\b", line)]
    return (summary or exceptions or lines or [""])[-1][:160]


def run_reminders(postgres: Postgres, today: dt.date) -> dict:
    database_url = postgres.url
    sink = Sink(free_port(8800))
    sink.start()
    figures = {}
    # 1. Killed (-9) in the middle of the batch.
    job = remind(database_url, sink.port, today)
    try:
        wait_for(lambda: len(sink.ids) >= 20, 120, "reminders")
    finally:
        job.kill()
        job.wait(10)
    figures["sent_before_kill"] = len(sink.ids)
    # 2. The mail server goes away in the middle of the next run.
    job = remind(database_url, sink.port, today)
    try:
        wait_for(lambda: len(sink.ids) >= figures["sent_before_kill"] + 20, 120, "reminders")
        sink.stop()
        output, _ = job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait(10)
    figures["exit_code_smtp_cut"] = job.returncode
    figures["message_smtp_cut"] = last_line(output)
    figures["sent_before_cut"] = len(sink.ids)
    # 3. The mail server is back; the database restarts in the middle of the run.
    sink.start()
    job = remind(database_url, sink.port, today)
    try:
        wait_for(lambda: len(sink.ids) >= figures["sent_before_cut"] + 20, 120, "reminders")
        postgres.stop()
        postgres.start()
        output, _ = job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait(10)
    figures["exit_code_db_restart"] = job.returncode
    figures["message_db_restart"] = last_line(output)
    figures["sent_before_db_restart"] = len(sink.ids)
    # 4. The next run sends what was missed.
    job = remind(database_url, sink.port, today)
    output, _ = job.communicate(timeout=300)
    figures["exit_code_after"] = job.returncode
    figures["message_after"] = last_line(output)
    # 5. Once more: nothing left to send.
    job = remind(database_url, sink.port, today)
    job.communicate(timeout=120)
    sink.stop()
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        expected = connection.exec_driver_sql("SELECT count(*) FROM committee_reminders").scalar()
        unsent = connection.exec_driver_sql("SELECT count(*) FROM committee_reminders WHERE status::text NOT IN ('envoye', 'SENT')").scalar()
    engine.dispose()
    received = collections.Counter(sink.ids)
    for crash in ("kill", "db_restart"):  # duplicates repeated across each crash: at most the one in flight
        boundary = figures[f"sent_before_{crash}"]
        figures[f"duplicates_{crash}"] = len(set(sink.ids[:boundary]) & set(sink.ids[boundary:]))
    figures |= {"due": expected, "received": len(sink.ids), "distinct": len(received),
                "duplicates": sum(n - 1 for n in received.values()), "lost": expected - len(received), "unsent": unsent}
    return figures


# --- Backup -------------------------------------------------------------------------------------------

def run_backup(postgres: Postgres, folder: Path, gunicorn: Gunicorn, startup_ids: list[str]) -> dict:
    dump = folder / "jalons.dump"
    subprocess.run([PG_BIN / "pg_dump", "-Fc", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres",
                    "-f", dump, "jalons"], check=True, timeout=120)
    postgres.psql("CREATE DATABASE jalons_restored")
    started = time.monotonic()
    subprocess.run([PG_BIN / "pg_restore", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres",
                    "-d", "jalons_restored", "--no-owner", "--exit-on-error", dump], check=True, timeout=300)
    restore_seconds = time.monotonic() - started
    restored = Gunicorn(postgres.url.rsplit("/", 1)[0] + "/jalons_restored", folder, "gunicorn-restored")
    paths = ["/startups", "/startups?phase=construction", *(f"/startups/{s}" for s in startup_ids[:5]), "/incubators",
             "/organisations", "/api/v1/startups", "/api/v1/startups?page=2"]
    different = []
    try:
        for path in paths:
            original = requests.get(gunicorn.base + path, timeout=REQUEST_TIMEOUT)
            copy = requests.get(restored.base + path, timeout=REQUEST_TIMEOUT)
            # Links are built from BASE_URL, which differs by the port: compare with it taken out.
            if (original.status_code, original.content.replace(gunicorn.base.encode(), b"BASE")) != \
                    (copy.status_code, copy.content.replace(restored.base.encode(), b"BASE")):
                different.append(path)
    finally:
        restored.shutdown()
    return {"dump_bytes": dump.stat().st_size, "restore_seconds": restore_seconds, "pages": len(paths),
            "different": different}


# --- Main ---------------------------------------------------------------------------------------------

def report_fault(figures: dict) -> None:
    print(f"- {figures['fault']:<8} {figures['requests']:>5} requêtes, {figures['failed']:>4} en échec "
          f"({figures['not_dsfr']} hors page DSFR, {figures['no_answer']} sans réponse ; statuts {figures['statuses']}), "
          f"{figures['during']} terminées pendant la panne, médiane {figures['median']:.2f} s, {figures['slow']} de plus de {SLOW:.0f} s (la plus longue {figures['longest']:.1f} s), reprise {figures['recovery']:.2f} s ; "
          f"{figures['writes_ok']} écritures réussies, {figures['half_written']} à moitié écrites, "
          f"{figures['lost_writes']} perdues, {figures['duplicate_positions']} positions en double, "
          f"{figures['workers_replaced']} worker(s) remplacé(s)")


def main(argv=None) -> int:
    if os.geteuid() != 0:
        sys.exit("bench/faults.py lance PostgreSQL sous l'utilisateur système postgres : lancez-le en root.")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logs", type=Path, help="dossier où copier les journaux de gunicorn et de PostgreSQL")
    args = parser.parse_args(argv)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="jalons-faults-"))
    cleanups.append(lambda: shutil.rmtree(folder, ignore_errors=True))
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
        cleanups.append(lambda: [shutil.copy(log, args.logs) for log in folder.glob("*.log")])
    postgres = Postgres(folder)
    postgres.init()
    cleanups.append(postgres.shutdown)
    today = clock.today()
    portfolio = load_portfolio(postgres.url, today)
    print(f"PostgreSQL 15 privé (port {postgres.port}), portefeuille : {portfolio['startups']} startups, "
          f"{portfolio['events']} événements, {portfolio['people']} personnes — prêt en {time.monotonic() - started:.0f} s")
    gunicorn = Gunicorn(postgres.url, folder, "gunicorn")
    tokens = [login_path(postgres.url, portfolio["admin"]) for _ in range(WRITERS)]
    load = Load(gunicorn.base, portfolio["startup_ids"], tokens)
    load.start()
    print(f"gunicorn (2 workers × 4 threads), {READERS} lecteurs et {WRITERS} rédacteurs, pause {PAUSE} s entre deux requêtes\n")
    print("Pannes de la base sous charge :")
    ok = True
    try:
        since = None
        for name in ("none", "restart", "stop", "freeze"):
            figures = run_fault(name, postgres, load, gunicorn, since)
            since = figures["end"]
            report_fault(figures)
            for raw in figures["raw"]:
                print(f"    page brute : {raw}")
            ok &= figures["half_written"] == 0 and figures["lost_writes"] == 0 and figures["not_dsfr"] == 0 \
                and figures["duplicate_positions"] == 0
    finally:
        load.stop()
    for error in load.errors:
        print(f"⚠ {error}")
        ok = False
    # An exception that escaped the application (gunicorn then answers its own raw 500), whoever met it.
    unhandled = (folder / "gunicorn.log").read_text().count("Error handling request")
    print(f"- exceptions sorties de l'application (journal de gunicorn) : {unhandled}")
    ok &= unhandled == 0
    print("\nRappels (tâche tuée en plein lot, serveur SMTP coupé en plein lot, base redémarrée en plein lot, puis relancée) :")
    figures = run_reminders(postgres, today)
    print(f"- {figures['due']} rappels dus ; {figures['sent_before_kill']} reçus avant kill -9 ; "
          f"{figures['sent_before_cut']} reçus avant la coupure SMTP, code de sortie {figures['exit_code_smtp_cut']} "
          f"(« {figures['message_smtp_cut']} ») ; {figures['sent_before_db_restart']} reçus avant le redémarrage de la base, "
          f"code {figures['exit_code_db_restart']} (« {figures['message_db_restart']} ») ; passage suivant : code {figures['exit_code_after']} "
          f"(« {figures['message_after']} »)")
    print(f"- {figures['received']} e-mails reçus, {figures['distinct']} Message-ID distincts : "
          f"{figures['duplicates']} en double ({figures['duplicates_kill']} après le kill -9, "
          f"{figures['duplicates_db_restart']} après le redémarrage de la base), {figures['lost']} perdus, {figures['unsent']} non envoyés en base")
    ok &= figures["lost"] == 0 and figures["duplicates_kill"] <= 1 and figures["duplicates_db_restart"] <= 1 \
        and figures["duplicates"] == figures["duplicates_kill"] + figures["duplicates_db_restart"] and figures["exit_code_smtp_cut"] != 0 \
        and figures["exit_code_db_restart"] != 0
    print("\nSauvegarde restaurée sur une base neuve :")
    figures = run_backup(postgres, folder, gunicorn, portfolio["startup_ids"])
    print(f"- pg_dump -Fc {figures['dump_bytes'] / 1e6:.1f} Mo, restauré en {figures['restore_seconds']:.1f} s ; "
          f"{figures['pages'] - len(figures['different'])}/{figures['pages']} pages anonymes identiques octet pour octet"
          + (f" (différentes : {', '.join(figures['different'])})" if figures["different"] else ""))
    ok &= not figures["different"]
    gunicorn.shutdown()
    print(f"\nDurée totale : {time.monotonic() - started:.0f} s." + ("" if ok else " ⚠ voir les chiffres ci-dessus"))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
