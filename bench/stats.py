"""Benchmark of /stats at 1x and 10x the portfolio: its time and its SQL statements.

    .venv/bin/python bench/stats.py                    # temporary SQLite files
    .venv/bin/python bench/stats.py --database-url postgresql://postgres@127.0.0.1:5432/bench --reset

For each scale, builds the synthetic portfolio of bench/synthetic.py (real distributions) and the money of
bench/conventions.py (every convention published), then gives every active startup a committee held
every six months over the last two years with its decision, most signed off, and a North Star indicator
with monthly values over the same two years, most entered in time. Prints the median time of a request
to /stats (there is no page cache: every request computes its figures), the number of SQL
statements and the time spent in the database, unfiltered and filtered by an incubator. Target (issue
13): the same number of statements at every scale.
"""

import datetime as dt
import importlib.util
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ (this script's folder) after the application: bench/conventions.py must not hide the package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"] + [str(ROOT / "bench")]

import sqlalchemy as sa  # noqa: E402

# The packages named like bench/conventions.py and this script, imported first (bench/ on the path would hide them).
import conventions.models  # noqa: E402, F401
import stats.models  # noqa: E402, F401
import stats.views  # noqa: E402, F401

import pages  # noqa: E402  (bench/pages.py: the measure of a page)
import synthetic  # noqa: E402  (bench/synthetic.py: the synthetic portfolio)
from committees.models import Committee, CommitteeKind, CommitteeStatus, Decision, DecisionKind, SignOff  # noqa: E402
from core import clock  # noqa: E402
from core.db import db  # noqa: E402
from indicators.models import Category, Indicator, IndicatorValue  # noqa: E402
from indicators.queries import month_shift  # noqa: E402
from startups.models import Startup  # noqa: E402
from startups.phases import ACTIVE_PHASES  # noqa: E402

# bench/conventions.py shares its name with the application's package: load it under another name.
_spec = importlib.util.spec_from_file_location("bench_conventions", ROOT / "bench" / "conventions.py")
bench_conventions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_conventions)

UTC = dt.timezone.utc


def build_follow_up(today: dt.date, seed: int) -> dict:
    """Committees with decisions and indicators with values for every active startup, in bulk INSERTs."""
    rng = random.Random(seed)
    active = list(db.session.scalars(
        sa.select(Startup.id).where(Startup.cached_phase.in_(ACTIVE_PHASES)).order_by(Startup.id)))
    committees, decisions, indicators, values = [], [], [], []
    committee_id = indicator_id = 1
    first_month = month_shift(dt.date(today.year, today.month, 1), -24)
    for startup_id in active:
        held = today - dt.timedelta(days=rng.randint(20, 200))
        while held > today - dt.timedelta(days=730):
            committees.append({"id": committee_id, "startup_id": startup_id, "kind": CommitteeKind.SEMESTRIAL,
                               "status": CommitteeStatus.SIGNED_OFF, "held_on": held, "duration_minutes": 50,
                               "ical_sequence": 0, "version": 1, "created_at": clock.now(), "updated_at": clock.now()})
            decided = dt.datetime.combine(held, dt.time(15), UTC)
            signed = rng.random() < 0.9
            decisions.append({"committee_id": committee_id, "kind": rng.choice(list(DecisionKind)), "decided_at": decided,
                              "sign_off": SignOff.SIGNED if signed else SignOff.PENDING,
                              "signed_at": decided + dt.timedelta(days=rng.randint(1, 20)) if signed else None})
            committee_id += 1
            held -= dt.timedelta(days=rng.randint(150, 220))
        indicators.append({"id": indicator_id, "startup_id": startup_id, "name": "Usagers actifs", "category": Category.NORTH_STAR,
                           "is_north_star": True, "direction": "higher", "frequency": "monthly", "kind": "manual",
                           "allow_negative": False, "is_mandatory": False, "position": 0,
                           "created_at": dt.datetime.combine(first_month, dt.time(), UTC)})
        month = first_month
        while month < dt.date(today.year, today.month, 1):
            if rng.random() < 0.85:
                late = rng.random() < 0.2
                entered = dt.datetime.combine(month_shift(month, 3 if late else 1) + dt.timedelta(days=rng.randint(0, 20)),
                                              dt.time(9), UTC)
                values.append({"indicator_id": indicator_id, "period_start": month, "value": rng.randint(10, 10_000),
                               "entered_at": min(entered, clock.now())})
            month = month_shift(month, 1)
        indicator_id += 1
    for table, rows in ((Committee.__table__, committees), (Decision.__table__, decisions),
                        (Indicator.__table__, indicators), (IndicatorValue.__table__, values)):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(table), rows[start:start + 5000])
    db.session.commit()
    return {"comités": len(committees), "indicateurs": len(indicators), "valeurs": len(values)}


def run_scale(database_url: str, scale: int, args) -> list[tuple]:
    started = time.perf_counter()
    profile = synthetic.load_profile()
    app = synthetic.make_app(database_url)
    synthetic.prepare_database(app, args.reset)
    today = clock.today()
    with app.app_context():
        rows = synthetic.build_portfolio(profile, profile.startups * scale, today, args.seed)
        rows |= bench_conventions.build_money(today, args.seed)
        rows |= build_follow_up(today, args.seed)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        incubator = db.session.execute(
            sa.select(Startup.incubator_id, sa.func.count()).where(Startup.incubator_id.is_not(None))
            .group_by(Startup.incubator_id).order_by(sa.func.count().desc()).limit(1)).one()
        backend = db.engine.dialect.name
        db.session.remove()
    print(f"x{scale} ({backend}) : " + ", ".join(f"{n} {what}" for what, n in rows.items())
          + f" — construit en {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    results = []
    for label, url in (("/stats/", "/stats/"),
                       (f"/stats/?incubator=… ({incubator[1]} startups)", f"/stats/?incubator={incubator[0]}")):
        results.append((scale, label, pages.measure(app, client, url, args.repeat, budget_seconds=30)))
    with app.app_context():
        db.engine.dispose()
    return results


def main(argv=None) -> int:
    args = bench_conventions.scale_arguments(__doc__.split("\n\n")[0], 10, argv)
    results = bench_conventions.over_scales(args, run_scale)
    print(f"\n{'échelle':<8} {'page':<42} {'HTTP':>4} {'ms':>9} {'req.':>5} {'SQL ms':>9}")
    for scale, label, measure in results:
        print(f"x{scale:<7} {label:<42} {measure.status:>4} {measure.ms:>9.1f} {measure.queries:>5} {measure.sql_ms:>9.1f}")
    counts = {measure.queries for _, label, measure in results if label == "/stats/"}
    same = len(counts) == 1
    print("\nNombre d'instructions SQL " + ("identique à toutes les échelles." if same else "variable selon l'échelle : à corriger."))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
