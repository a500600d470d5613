"""Benchmark of the daily committee reminder job on a portfolio 10 times the real one.

    .venv/bin/python bench/reminders.py                     # temporary SQLite file
    .venv/bin/python bench/reminders.py --database-url postgresql://postgres@127.0.0.1:5432/bench --reset

Builds the synthetic portfolio of bench/synthetic.py (real distributions, 4,400 startups at x10), then gives
the active startups teams (coach, intrapreneur, sponsor) and committees in every state (none yet, to
plan, planned in the coming weeks, held without decision, decided and waiting for the sponsor, signed
off, cancelled). Runs the daily job against a local SMTP server (aiosmtpd, kept in memory), and prints
its time, its SQL statements and the e-mails sent, twice: first with an SMTP connection per e-mail (as
before issue 11), then, the reminders forgotten, with one connection for the run (e-mails per second of
each); then runs it a third time (it must send nothing).
The statements that load the reminders must not grow with the portfolio: only the sending does, by a
fixed number per reminder (each is claimed, sent and marked sent in a transaction of its own).
"""

import argparse
import collections
import contextlib
import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
import unittest.mock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The project before bench/: bench/conventions.py must not hide the conventions package.
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

import synthetic  # noqa: E402  (bench/synthetic.py: the synthetic portfolio, the benches' application)
from committees import jobs  # noqa: E402
from committees.reminders import compose  # noqa: E402
from core import clock, mail  # noqa: E402
from committees.due import committee_due, refresh_committee_dues  # noqa: E402
from committees.models import (  # noqa: E402
    Committee,
    CommitteeKind,
    CommitteeStatus,
    Decision,
    DecisionKind,
    Participant,
    ParticipantRole,
    SignOff,
)
from committees.models import Reminder  # noqa: E402
from core.db import db  # noqa: E402
from startups.kept import refresh_phase_counts  # noqa: E402
from tests.committees.smtp import free_port  # noqa: E402
from users.models import Membership, Person, StartupRole  # noqa: E402

UTC = dt.timezone.utc
# Share of the active startups in each state of their committee in Jalons.
STATES = {
    "none": 40,  # no committee recorded yet (the imported timeline only)
    "to_plan": 5,
    "planned": 25,  # within the next 30 days
    "held": 8,  # held 1 to 20 days ago, no decision yet
    "decided": 8,  # decided 1 to 30 days ago, waiting for the sponsor
    "signed_off": 10,
    "cancelled": 4,
}


class CountingSink:
    """Counts the messages received and the connections that carried them."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.received = 0
        self.peers = set()

    @property
    def connections(self) -> int:
        return len(self.peers)

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        self.peers.add(session.peer)
        return "250 OK"


def paris_time(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), jobs.PARIS).astimezone(UTC)


def add_committees(today: dt.date, seed: int) -> collections.Counter:
    """Teams and committees for every active startup, inserted in a few bulk statements."""
    rng = random.Random(seed)
    due = committee_due(today)
    active = db.session.execute(sa.select(due.c.startup_id).order_by(due.c.startup_id)).scalars().all()
    now = clock.now()
    people, memberships, committees, participants, decisions = [], [], [], [], []
    states = collections.Counter()
    person_id = committee_id = 0

    def person(role: str, startup_id: str) -> int:
        nonlocal person_id
        person_id += 1
        people.append({"id": person_id, "name": f"{role} {startup_id}", "email": f"p{person_id}@example.gouv.fr",
                       "is_admin": False, "created_at": now})
        return person_id

    for startup_id in active:
        team = {}
        for role in (StartupRole.COACH, StartupRole.INTRAPRENEUR, StartupRole.SPONSOR):
            team[role] = person(role.value, startup_id)
            memberships.append({"person_id": team[role], "startup_id": startup_id, "role": role,
                                "starts_on": today - dt.timedelta(days=400), "ends_on": None, "created_at": now})
        state = rng.choices(list(STATES), weights=list(STATES.values()))[0]
        states[state] += 1
        if state == "none":
            continue
        committee_id += 1
        row = {"id": committee_id, "startup_id": startup_id, "kind": CommitteeKind.SEMESTRIAL, "scheduled_at": None,
               "held_on": None, "chair_id": team[StartupRole.COACH], "duration_minutes": 50, "ical_sequence": 0,
               "version": 1, "created_at": now, "updated_at": now}
        if state == "to_plan":
            row["status"] = CommitteeStatus.TO_PLAN
        elif state == "planned":
            row.update(status=CommitteeStatus.PLANNED, scheduled_at=paris_time(today + dt.timedelta(days=rng.randint(0, 30)), 14))
        elif state == "cancelled":
            row.update(status=CommitteeStatus.CANCELLED, scheduled_at=paris_time(today + dt.timedelta(days=rng.randint(-30, 30)), 14))
        else:
            held_on = today - dt.timedelta(days=rng.randint(1, 20) if state == "held" else rng.randint(10, 60))
            row.update(held_on=held_on, scheduled_at=paris_time(held_on, 14), status={
                "held": CommitteeStatus.HELD, "decided": CommitteeStatus.DECIDED, "signed_off": CommitteeStatus.SIGNED_OFF,
            }[state])
            if state != "held":
                decided_at = paris_time(held_on + dt.timedelta(days=rng.randint(0, 5)), 17)
                decisions.append({"committee_id": committee_id, "kind": DecisionKind.CONTINUE, "decided_at": decided_at,
                                  "sign_off": SignOff.SIGNED if state == "signed_off" else SignOff.PENDING,
                                  "envelope_eur": 250_000, "team_size": 4})
        committees.append(row)
        for role, participant_role in ((StartupRole.INTRAPRENEUR, ParticipantRole.INTRAPRENEUR),
                                       (StartupRole.SPONSOR, ParticipantRole.SPONSOR),
                                       (StartupRole.COACH, ParticipantRole.COACH)):
            participants.append({"committee_id": committee_id, "person_id": team[role], "role": participant_role})
        participants.append({"committee_id": committee_id, "person_id": person("portefeuille", startup_id),
                             "role": ParticipantRole.PORTFOLIO_MANAGER})
    for table, rows in ((Person.__table__, people), (Membership.__table__, memberships), (Committee.__table__, committees),
                        (Participant.__table__, participants), (Decision.__table__, decisions)):
        for chunk in range(0, len(rows), 5000):
            db.session.execute(sa.insert(table), rows[chunk:chunk + 5000])
    if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in ("people", "committees"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    # Bulk inserts bypass the flush that keeps the due dates and the counts per committee status current.
    refresh_committee_dues(db.session, today, {row["startup_id"] for row in committees})
    refresh_phase_counts(db.session, today)
    db.session.commit()
    states["people"] = len(people)
    states["participants"] = len(participants)
    return states


def measure_run(app, today: dt.date, *, connection_per_email: bool = False) -> tuple[int, float, list[str]]:
    """Run the daily job; (e-mails sent, seconds, SQL statements). With connection_per_email, each e-mail
    opens an SMTP connection of its own, as before issue 11 (core/mail.connection() made a no-op)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context(), contextlib.ExitStack() as stack:
        if connection_per_email:
            stack.enter_context(unittest.mock.patch.object(mail, "connection", contextlib.nullcontext))
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            started = time.perf_counter()
            sent = jobs.send_reminders(today=today).sent
            elapsed = time.perf_counter() - started
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
    return sent, elapsed, statements


def measure_building(app, today: dt.date) -> tuple[float, float]:
    """E-mails built per second (composed, made a MIME message, flattened to the bytes SMTP sends) for the
    reminders due today: each on its own (as before issue 11), then as a batch does, its headers parsed
    once per batch and per subject (core/mail.build's `shared`). Best of seven, the two interleaved."""
    with app.app_context():
        dues = jobs.due_reminders(today)
        base_url, sender = app.config["BASE_URL"], app.config["MAIL_FROM"]
        db.session.remove()

    def build_all(shared_per_batch: bool) -> float:
        shared = {} if shared_per_batch else None
        started = time.perf_counter()
        for due in dues:
            message = dataclasses.replace(compose(due, base_url), message_id=jobs.message_id(due, sender))
            mail.build(message, sender, shared).as_bytes()
        return len(dues) / (time.perf_counter() - started)

    runs = [(build_all(False), build_all(True)) for _ in range(7)]
    return max(alone for alone, _ in runs), max(batched for _, batched in runs)


def forget_reminders(app) -> None:
    """Delete the reminders recorded, so that the next run sends them all again."""
    with app.app_context():
        db.session.execute(sa.delete(Reminder))
        db.session.commit()
        db.session.remove()


def run(database_url: str, args) -> int:
    started = time.perf_counter()
    today = dt.date.fromisoformat(args.today)
    profile = synthetic.load_profile()
    app = synthetic.make_app(database_url)
    synthetic.prepare_database(app, args.reset)
    with app.app_context():
        rows = synthetic.build_portfolio(profile, profile.startups * args.scale, today, args.seed)
        states = add_committees(today, args.seed)
        backend = db.engine.dialect.name
        with_load = len(jobs.due_reminders(today))
        db.session.remove()
    print(f"Base : {backend}, portefeuille x{args.scale} : {rows['startups']} startups, {rows['events']} événements ; "
          f"{states.pop('people')} personnes, {states.pop('participants')} participations")
    print("Startups actives par état de comité : " + ", ".join(f"{state} {n}" for state, n in states.items()))
    print(f"Rappels dus le {today.isoformat()} : {with_load} — portefeuille construit en {time.perf_counter() - started:.1f} s\n")

    port = free_port()
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_USER=None, SMTP_STARTTLS=False, MAIL_ECHO=False,
                      BASE_URL="https://jalons.beta.gouv.fr")
    try:
        before, before_elapsed, _ = measure_run(app, today, connection_per_email=True)
        before_connections = sink.connections
        forget_reminders(app)
        sink.reset()
        sent, elapsed, statements = measure_run(app, today)
        loads = len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) - sent
        print(f"Une connexion SMTP par e-mail (avant) : {before} e-mails en {before_elapsed:.2f} s, "
              f"{before / before_elapsed:.0f} e-mails/s, {before_connections} connexions")
        print(f"Une connexion SMTP par passage (après) : {sent} e-mails envoyés (reçus par le serveur SMTP : "
              f"{sink.received}) en {elapsed:.2f} s, {sent / elapsed:.0f} e-mails/s, {sink.connections} connexion(s), "
              f"{len(statements)} requêtes SQL ({loads} de chargement, le reste par rappel)")
        received = sink.received
        again, elapsed, statements = measure_run(app, today)
        print(f"2e passage le même jour : {again} e-mail envoyé (reçus : {sink.received - received}) en {elapsed:.2f} s, "
              f"{len(statements)} requêtes SQL")
        with app.app_context():
            by_kind = db.session.execute(sa.select(Reminder.kind, sa.func.count()).group_by(Reminder.kind)).all()
            db.session.remove()
        print("Rappels enregistrés par type : " + ", ".join(f"{kind.label} {n}" for kind, n in by_kind))
        alone, batched = measure_building(app, today)
        print(f"Construction des e-mails seule : {alone:.0f} e-mails/s chacun à part (avant), {batched:.0f} e-mails/s "
              f"en lot, en-têtes communs analysés une fois (après)")
    finally:
        controller.stop()
        with app.app_context():
            db.engine.dispose()
    ok = sent == sink.received - 0 and again == 0
    print(f"\nDurée totale : {time.perf_counter() - started:.0f} s." + ("" if ok else " ⚠ envois en double ou manquants"))
    return 0 if ok else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL (ou autre) à utiliser ; par défaut un fichier SQLite temporaire")
    parser.add_argument("--reset", action="store_true", help="effacer la base donnée par --database-url si elle n'est pas vide")
    parser.add_argument("--scale", type=int, default=10, help="taille du portefeuille, en multiples du réel (10)")
    parser.add_argument("--today", default="2026-11-27", help="le jour du passage (AAAA-MM-JJ)")
    parser.add_argument("--seed", type=int, default=2026, help="graine du tirage aléatoire")
    args = parser.parse_args(argv)
    if args.database_url:
        return run(args.database_url, args)
    with tempfile.TemporaryDirectory() as folder:
        return run(f"sqlite:///{folder}/bench-reminders.sqlite3", args)


if __name__ == "__main__":
    sys.exit(main())
