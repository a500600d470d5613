"""Benchmark of the read pages at 1, 10 and 30 times the real portfolio.

    .venv/bin/python bench/pages.py                     # temporary SQLite files
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/bench --reset

Builds the synthetic portfolio of bench/synthetic.py (startups drawn from the real distributions). For each
scale (the database emptied and filled again), prints for each page the median server time over N
requests through the test client, the number of SQL statements of one request and the time spent in the
database, next to a bare page rendering the same DSFR layout with no database work. There is no page cache:
every request is the « cold » one, the first reader after a write.
Targets (issue 11): each page at 10x within 10x the bare page, and its SQL time at 30x at most 1.5x its SQL
time at 1x; at most 10 statements. Pages beyond are flagged. « Mon espace » (issue 12) is measured at the
10x scale for a person with 200 startups against its own bound on SQL statements (MAX_ESPACE_QUERIES).
The whole audit trail (/audit, as an admin) is measured last at each scale, with 20 events per startup
(AUDIT_EVENTS_PER_STARTUP: 8,800 to 264,000 events), against the same targets.
"""

import argparse
import collections
import concurrent.futures
import dataclasses
import datetime as dt
import multiprocessing
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from werkzeug.exceptions import MethodNotAllowed, NotFound  # noqa: E402

import timed_sqlite  # noqa: E402  (bench/timed_sqlite.py)
from core import clock  # noqa: E402
from core.db import db, insert_rows  # noqa: E402
from startups.models import Event, PhasePeriod, Startup  # noqa: E402
# The synthetic portfolio and the benches' application (bench/synthetic.py).
from synthetic import BARE_URL, Profile, build_portfolio, load_profile, make_app, prepare_database  # noqa: E402, F401

MAX_RATIO = 10.0  # the page at 10x, over the bare page
MAX_SQL_GROWTH = 1.5  # the page's SQL time at 30x, over its SQL time at 1x
MAX_QUERIES = 10
SCALES = (1, 10, 30)
# « Mon espace » (issue 12): a person holding every role on ESPACE_STARTUPS startups, staff of the largest
# incubator and admin; a page of its own, never cached, its statements bounded whatever that number.
ESPACE_STARTUPS = 200
# The whole audit trail (/audit, admins), read at each scale with AUDIT_EVENTS_PER_STARTUP events per startup
# (8,800 to 264,000: the log grows with every write and import, whatever the portfolio's size).
AUDIT_EVENTS_PER_STARTUP = 20
AUDIT_PAGES = (("/audit (admin)", "/audit"), ("/audit?objet=committee", "/audit?objet=committee"))
MAX_ESPACE_QUERIES = 20
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")



# --- Measuring --------------------------------------------------------------------------------------------

def common_word(missions: list[str]) -> str:
    words = collections.Counter(w for m in missions for w in re.findall(r"[a-zà-ÿ]{7,}", m.lower()))
    return "données" if words["données"] else (words.most_common(1)[0][0] if words else "service")


def pages_to_measure(app, profile: Profile) -> list[tuple[str, str]]:
    """(label, url) of each page; the ids are the heaviest ones (largest incubator, most frequent sponsor,
    the startup with the longest history)."""
    with app.app_context():
        startup_id = db.session.execute(
            sa.select(Startup.id)
            .order_by((sa.select(sa.func.count()).where(PhasePeriod.startup_id == Startup.id).scalar_subquery()
                       + sa.select(sa.func.count()).where(Event.startup_id == Startup.id).scalar_subquery()).desc(),
                      Startup.id)
            .limit(1)
        ).scalar_one()
    incubator_id = profile.incubator_weights.most_common(1)[0][0]
    organisation_id = (profile.sponsor_weights.most_common(1) or [(next(iter(profile.organisations)), 0)])[0][0]
    word = common_word(profile.missions)
    return [
        ("/startups", "/startups"),
        ("/startups?phase=construction", "/startups?phase=construction"),
        (f"/startups?q={word}", f"/startups?q={word}"),
        ("/startups?committee=overdue", "/startups?committee=overdue"),
        ("/startups?sort=phase", "/startups?sort=phase"),
        ("/startups?sort=phase_start", "/startups?sort=phase_start"),
        ("/startups?sort=phase_start&order=desc", "/startups?sort=phase_start&order=desc"),
        ("/startups?sort=incubator", "/startups?sort=incubator"),
        ("/startups/<id>", f"/startups/{startup_id}"),
        ("/incubators", "/incubators"),
        ("/incubators/<id>", f"/incubators/{incubator_id}"),
        ("/organisations", "/organisations"),
        ("/organisations/<id>", f"/organisations/{organisation_id}"),
        ("/api/v1/startups", "/api/v1/startups"),
    ]


def espace_person(today: dt.date) -> tuple[int, int]:
    """The person of « Mon espace »: intrapreneur, coach and sponsor of ESPACE_STARTUPS startups, staff of the
    largest incubator, admin; each startup with a committee planned in three weeks. (id, session_version)."""
    from committees.models import Committee, CommitteeKind, CommitteeStatus
    from users.models import IncubatorStaff, Membership, Person, StartupRole

    person = Person(name="Personne du banc", email="banc.espace@example.gouv.fr", is_admin=True)
    db.session.add(person)
    db.session.flush()
    ids = db.session.scalars(sa.select(Startup.id).where(Startup.archived_at.is_(None))
                             .order_by(Startup.id).limit(ESPACE_STARTUPS)).all()
    incubator_id = db.session.scalar(sa.select(Startup.incubator_id).where(Startup.incubator_id.is_not(None))
                                     .group_by(Startup.incubator_id).order_by(sa.func.count().desc()).limit(1))
    scheduled_at = dt.datetime.combine(today + dt.timedelta(days=21), dt.time(13), tzinfo=dt.timezone.utc)
    db.session.execute(sa.insert(Membership), [
        {"person_id": person.id, "startup_id": startup_id, "role": role, "starts_on": today - dt.timedelta(days=365)}
        for startup_id in ids for role in (StartupRole.INTRAPRENEUR, StartupRole.COACH, StartupRole.SPONSOR)])
    db.session.execute(sa.insert(Committee), [
        {"startup_id": startup_id, "kind": CommitteeKind.SEMESTRIAL, "status": CommitteeStatus.PLANNED,
         "scheduled_at": scheduled_at} for startup_id in ids])
    if incubator_id:
        db.session.add(IncubatorStaff(person_id=person.id, incubator_id=incubator_id,
                                      starts_on=today - dt.timedelta(days=365)))
    db.session.commit()
    return person.id, person.session_version


def add_audit_trail(count: int, today: dt.date, seed: int) -> tuple[int, int]:
    """`count` events of the audit trail over the last year, of the actions and kinds of object the application
    records, and an admin to read them: (id, session_version) of the admin."""
    from audit.models import AuditEvent
    from users.models import Person

    admin = Person(name="Admin du banc", email="banc.audit@example.gouv.fr", is_admin=True)
    db.session.add(admin)
    db.session.flush()
    draw = random.Random(seed)
    kinds = [("startup.updated", "startup"), ("startup.phase_changed", "startup"), ("event.created", "event"),
             ("committee.planned", "committee"), ("committee.decided", "committee"), ("indicator.submitted", "indicator"),
             ("person.created", "person"), ("convention.updated", "convention"), ("order.created", "order")]
    ids = db.session.scalars(sa.select(Startup.id)).all()
    start = dt.datetime.combine(today, dt.time(18), tzinfo=dt.timezone.utc)
    rows = []
    for n in range(count):
        action, object_type = draw.choice(kinds)
        rows.append({"at": start - dt.timedelta(seconds=n * 365 * 86400 // max(count, 1)), "actor_id": admin.id,
                     "action": action, "object_type": object_type, "object_id": str(n), "startup_id": draw.choice(ids),
                     "before": {"comment": f"avant {n}"}, "after": {"comment": f"après {n}"}, "visibility": "standard"})
    insert_rows(db.session.connection(), AuditEvent.__table__, rows)
    db.session.commit()
    return admin.id, admin.session_version


def route_exists(app, url: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(url.split("?", 1)[0], method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    return True


@dataclasses.dataclass
class Measure:
    status: int
    ms: float  # median server time of a request
    sql_ms: float  # median time spent in the database driver: executing, and on SQLite fetching the rows
    queries: int  # SQL statements of one request
    requests: int  # requests measured (fewer than asked for a very slow page, to keep the bench short)
    statements: list  # (milliseconds, SQL) of the last request
    bare_ms: float = 0.0  # median of the bare page, requested just before each request of this page


def measure(app, client, url: str, repeat: int, budget_seconds: float = 6.0) -> Measure:
    """The page as every reader gets it (no page cache). The bare page is requested just before each
    request of the page, so that both are timed under the same load of the machine."""
    with app.app_context():
        engine = db.engine
    statements, sql_seconds, timed = [], [], []

    def before(conn, cursor, statement, parameters, context, executemany):
        # Transaction control is not a query (core/sqlite.py issues an explicit BEGIN on SQLite).
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        sql_seconds.append(time.perf_counter() - conn.info.pop("bench_started"))
        timed.append((sql_seconds[-1] * 1000, statement))

    status = client.get(url).status_code  # warm-up: template compilation, connections
    started = time.perf_counter()
    client.get(url)
    repeat = max(3, min(repeat, int(budget_seconds / (time.perf_counter() - started))))
    timings, sql_timings, bare_timings = [], [], []
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(BARE_URL)
            bare_timings.append((time.perf_counter() - started) * 1000)
            statements.clear()
            sql_seconds.clear()
            timed.clear()
            timed_sqlite.FETCH_SECONDS[0] = 0.0
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            sql_timings.append((sum(sql_seconds) + timed_sqlite.FETCH_SECONDS[0]) * 1000)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return Measure(status, statistics.median(timings), statistics.median(sql_timings), len(statements), repeat,
                   list(timed), statistics.median(bare_timings))


# --- Main ---------------------------------------------------------------------------------------------------

def measure_scale(database_url: str, args, profile: Profile, scale: int, reset: bool) -> dict:
    """{label: Measure} of every page on a portfolio `scale` times the real one."""
    started = time.perf_counter()
    app = make_app(database_url)
    prepare_database(app, reset)
    today = clock.today()
    with app.app_context():
        rows = build_portfolio(profile, profile.startups * scale, today, args.seed)
        backend = db.engine.dialect.name
        db.session.remove()
    print(f"Base : {backend}, portefeuille x{scale} : " + ", ".join(f"{n} {what}" for what, n in rows.items())
          + f" — construit en {time.perf_counter() - started:.1f} s", flush=True)
    client = app.test_client()
    results = {"bare": measure(app, client, BARE_URL, args.repeat)}
    assert results["bare"].status == 200, f"la page nue répond {results['bare'].status}"
    for label, url in pages_to_measure(app, profile):
        if route_exists(app, url):
            results[label] = measure(app, client, url, args.repeat)
    if route_exists(app, "/audit"):  # last: the client is then logged in as an admin
        with app.app_context():
            admin_id, session_version = add_audit_trail(AUDIT_EVENTS_PER_STARTUP * rows["startups"], today, args.seed)
            db.session.remove()
        with client.session_transaction() as session:
            session["person_id"], session["session_version"] = admin_id, session_version
        for label, url in AUDIT_PAGES:
            results[label] = measure(app, client, url, args.repeat)
    with app.app_context():
        db.engine.dispose()
    return results


def measure_espace(database_url: str, args) -> Measure | None:
    """« Mon espace » of a person with ESPACE_STARTUPS startups, on the database measure_scale built (in a
    process of its own: see run())."""
    app = make_app(database_url)
    if not route_exists(app, "/espace/"):
        return None
    client = app.test_client()
    client.get(BARE_URL)
    with app.app_context():
        person_id, session_version = espace_person(clock.today())
        db.session.remove()
    with client.session_transaction() as session:
        session["person_id"], session["session_version"] = person_id, session_version
    result = measure(app, client, "/espace/", args.repeat)
    with app.app_context():
        db.engine.dispose()
    return result


def in_own_process(function, *arguments):
    """function(*arguments) in a fresh process; (result, None), or (None, why) when the process died.

    A process of its own per measure: one application per process, as in service. Under Python 3.11 the
    interpreter crashed here with a segmentation fault until core/collector.py (README, Benchmarks): a dead
    process is reported, never waited for (multiprocessing.Pool waits forever for a dead worker)."""
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            return pool.submit(function, *arguments).result(), None
        except concurrent.futures.process.BrokenProcessPool:
            return None, "le processus de mesure s'est arrêté brutalement (erreur de segmentation de l'interpréteur ?)"


def run(database_url: str | None, args) -> int:
    started = time.perf_counter()
    profile = load_profile()
    print(f"Distributions : {profile.source} ({profile.startups} startups réelles)")
    scales = sorted(set(args.scales))
    low, middle, high = scales[0], (10 if 10 in scales else scales[len(scales) // 2]), scales[-1]
    by_scale, espace, espace_failure = {}, None, None
    with tempfile.TemporaryDirectory(prefix="jalons-bench-") as folder:
        for index, scale in enumerate(scales):
            url = database_url or "sqlite:///" + str(Path(folder) / f"bench-{scale}.sqlite3")
            by_scale[scale], failure = in_own_process(measure_scale, url, args, profile, scale, args.reset or index > 0)
            if failure:
                sys.exit(f"Portefeuille x{scale} : {failure}.")
            if scale == middle:
                espace, espace_failure = in_own_process(measure_espace, url, args)
    print(f"\nMédiane sur {args.repeat} requêtes par page (n : moins pour une page très lente), par le client de "
          "test, après 2 requêtes de chauffe ; aucune page n'est gardée d'une requête à l'autre. ms : temps de la "
          "requête ; SQL : temps passé dans la base ; x nue : rapport à la page nue (base.html sans base de "
          "données), demandée juste avant chaque requête de la page.\n")
    header = (f"{'page':<30} {'req.':>4} │ {f'x{low} ms':>8} {'SQL':>6} │ {f'x{middle} ms':>9} {'x nue':>6} {'SQL':>6} │"
              f" {f'x{high} ms':>9} {'SQL':>6} │ {f'SQL x{high}/x{low}':>11}  ")
    print(header)
    print("-" * (len(header) + 30))
    bare = {scale: by_scale[scale]["bare"] for scale in scales}
    print(f"{'page nue':<30} {0:>4} │ {bare[low].ms:>8.1f} {0:>6.1f} │ {bare[middle].ms:>9.1f} {1:>6.2f} {0:>6.1f} │"
          f" {bare[high].ms:>9.1f} {0:>6.1f} │")
    flagged = 0
    for label in (label for label in by_scale[low] if label != "bare"):
        one, ten, thirty = by_scale[low][label], by_scale[middle][label], by_scale[high][label]
        ratio = ten.ms / ten.bare_ms
        growth = thirty.sql_ms / one.sql_ms if one.sql_ms else float("inf")
        flags = [f"HTTP {m.status}" for m in (one, ten, thirty) if m.status != 200][:1]
        if ratio > MAX_RATIO:
            flags.append(f"x{middle} > {MAX_RATIO:g}x la page nue")
        if growth > MAX_SQL_GROWTH:
            flags.append(f"SQL x{high} > {MAX_SQL_GROWTH:g}x SQL x{low}")
        if max(one.queries, ten.queries, thirty.queries) > MAX_QUERIES:
            flags.append(f"> {MAX_QUERIES} requêtes")
        flagged += bool(flags)
        print(f"{label:<30} {thirty.queries:>4} │ {one.ms:>8.1f} {one.sql_ms:>6.1f} │ {ten.ms:>9.1f} {ratio:>6.2f}"
              f" {ten.sql_ms:>6.1f} │ {thirty.ms:>9.1f} {thirty.sql_ms:>6.1f} │ {growth:>11.2f}  "
              + ("⚠ " + ", ".join(flags) if flags else "ok"))
        if args.statements:
            for ms, statement in thirty.statements:
                print(f"{'':<30} {ms:>9.1f}  {' '.join(statement.split())[:110]}")
    if espace_failure:
        flagged += 1
        print(f"{f'/espace/ ({ESPACE_STARTUPS} startups)':<30} {'':>4} │ {'':>15} │ ⚠ {espace_failure}")
    if espace is not None:
        flags = [f"HTTP {espace.status}"] if espace.status != 200 else []
        if espace.queries > MAX_ESPACE_QUERIES:
            flags.append(f"> {MAX_ESPACE_QUERIES} requêtes")
        flagged += bool(flags)
        print(f"{f'/espace/ ({ESPACE_STARTUPS} startups)':<30} {espace.queries:>4} │ {'':>15} │ {espace.ms:>9.1f}"
              f" {espace.ms / espace.bare_ms:>6.2f} {espace.sql_ms:>6.1f} │ {'':>16} │ {'':>11}  "
              + ("⚠ " + ", ".join(flags) if flags else "ok"))
    print(f"\nCibles : chaque page à x{middle} sous {MAX_RATIO:g}x la page nue, son temps SQL à x{high} sous "
          f"{MAX_SQL_GROWTH:g}x celui à x{low}, et au plus {MAX_QUERIES} requêtes SQL. "
          f"{'Toutes les pages tiennent les cibles.' if not flagged else f'{flagged} page(s) hors cible.'}"
          f" Durée totale : {time.perf_counter() - started:.0f} s.")
    return 1 if flagged and args.strict else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL (ou autre) à utiliser ; par défaut un fichier SQLite temporaire")
    parser.add_argument("--reset", action="store_true", help="effacer la base donnée par --database-url si elle n'est pas vide")
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES),
                        help="tailles du portefeuille, en multiples du réel (1 10 30)")
    parser.add_argument("--repeat", type=int, default=50, help="requêtes mesurées par page (50)")
    parser.add_argument("--seed", type=int, default=2026, help="graine du tirage aléatoire")
    parser.add_argument("--statements", action="store_true", help="détailler le temps de chaque instruction SQL")
    parser.add_argument("--strict", action="store_true", help="code de sortie 1 si une page est hors cible")
    args = parser.parse_args(argv)
    return run(args.database_url, args)


if __name__ == "__main__":
    sys.exit(main())
