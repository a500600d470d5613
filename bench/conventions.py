"""Benchmark of the money's pages: the portfolio manager's conventions list and a startup's Financement page,
at 1x and 10x the portfolio.

    .venv/bin/python bench/conventions.py                    # temporary SQLite files
    .venv/bin/python bench/conventions.py --database-url postgresql://postgres@127.0.0.1:5432/bench --reset

For each scale, builds the synthetic portfolio of bench/synthetic.py (real distributions), then gives every
active startup one or two signed conventions (this year's AE/CP, released in two stages) with dozens of
orders each (ORDERS_MIN to ORDERS_MAX per convention), most partly delivered, some invoiced and paid, a few
closed early — in bulk INSERTs. Then prints, for `/conventions/` (as an admin: every convention, the first
page) and `/conventions/startup/<id>` (the startup with the most orders), the median server time over N
requests through the test client, the number of SQL statements of one request and their time (there is no
page cache: every request is what a reader gets). Target (issue 10): a bounded number of SQL statements, the
same at 1x and 10x.
"""

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The project before bench/: bench/conventions.py must not hide the conventions package.
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

import pages  # noqa: E402  (bench/pages.py: the measure of a page)
import synthetic  # noqa: E402  (bench/synthetic.py: the synthetic portfolio)
from conventions.models import (  # noqa: E402
    Activity, Convention, ConventionKind, ConventionYear, Invoice, Order, Release, Resource, ServiceFait,
    convention_startups,
)
from core import clock  # noqa: E402
from core.db import db  # noqa: E402
from startups.kept import refresh_current_phases  # noqa: E402
from startups.models import Organisation, Startup  # noqa: E402
from startups.phases import ACTIVE_PHASES  # noqa: E402
from users.models import Person  # noqa: E402

ORDERS_MIN, ORDERS_MAX = 24, 48
EUR = 100


def build_money(today: dt.date, seed: int) -> dict:
    """One or two conventions per active startup, dozens of orders each; returns row counts."""
    rng = random.Random(seed)
    refresh_current_phases(db.session, today)
    active = list(db.session.scalars(
        sa.select(Startup.id).where(Startup.cached_phase.in_(ACTIVE_PHASES)).order_by(Startup.id)))
    partners = list(db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)))
    year = today.year
    signed = dt.date(year, 1, 15)
    conventions, links, years, releases = [], [], [], []
    next_id = 1
    for startup_id in active:
        for _ in range(rng.choice((1, 1, 2))):
            ae = rng.randint(300, 900) * 1_000 * EUR
            conventions.append({
                "id": next_id, "kind": ConventionKind.DELEGATION, "title": f"Délégation de gestion {startup_id} n° {next_id}",
                "reference": f"BENCH-{next_id:06d}", "partner_id": rng.choice(partners), "ends_on": dt.date(year, 12, 31),
                "partner_signatory": "Secrétaire générale", "partner_signatory_title": "Ordonnateur secondaire",
                "partner_signed_on": signed - dt.timedelta(days=6), "dinum_signatory": "Directrice",
                "dinum_signatory_title": "Directrice", "dinum_signed_on": signed, "chorus_uo": "0335-CCSM-C001",
                "datagouv_url": "https://www.data.gouv.fr/fr/datasets/conventions/",
                "datagouv_published_on": signed + dt.timedelta(days=20), "created_at": clock.now(),
            })
            links.append({"convention_id": next_id, "startup_id": startup_id})
            years.append({"convention_id": next_id, "year": year, "ae_planned_cents": ae, "cp_planned_cents": ae})
            releases += [{"convention_id": next_id, "year": year, "released_on": dt.date(year, 2, 1),
                          "ae_cents": ae // 2, "cp_cents": ae // 2, "created_at": clock.now()},
                         {"convention_id": next_id, "year": year, "released_on": dt.date(year, 6, 1),
                          "ae_cents": ae - ae // 2, "cp_cents": ae - ae // 2, "created_at": clock.now()}]
            next_id += 1
    db.session.execute(sa.insert(Convention.__table__), conventions)
    db.session.execute(sa.insert(convention_startups), links)
    db.session.execute(sa.insert(ConventionYear.__table__), years)
    db.session.execute(sa.insert(Release.__table__), releases)
    orders, services, invoices = [], [], []
    order_id = 1
    last_day = min(today, dt.date(year, 12, 31))
    span = max(1, (last_day - dt.date(year, 2, 1)).days)
    for convention, link, year_row in zip(conventions, links, years):
        count = rng.randint(ORDERS_MIN, ORDERS_MAX)
        each = year_row["ae_planned_cents"] // (count + 1)
        for n in range(count):
            engaged = dt.date(year, 2, 1) + dt.timedelta(days=rng.randint(0, span))
            amount = rng.randint(each // 2, each)
            closed = rng.random() < 0.05
            orders.append({
                "id": order_id, "convention_id": convention["id"], "startup_id": link["startup_id"],
                "number": f"BC-{convention['id']}-{n + 1:03d}", "holder": rng.choice(("Titulaire SAS", "Prestataire SA", "Agence")),
                "amount_cents": amount, "engaged_on": engaged, "activity": rng.choice(list(Activity)),
                "resource": rng.choice(list(Resource)), "created_at": clock.now(),
                "closed_on": last_day if closed else None, "closed_amount_cents": amount // 2 if closed else None,
            })
            delivered = 0
            for part in range(rng.randint(0, 3)):
                on = engaged + dt.timedelta(days=30 * (part + 1))
                if on > last_day:
                    break
                share = amount // 4
                services.append({"order_id": order_id, "amount_cents": share, "delivered_on": on,
                                 "validated_on": on + dt.timedelta(days=3), "created_at": clock.now()})
                delivered += share
            if delivered and rng.random() < 0.7:
                filed = engaged + dt.timedelta(days=35)
                invoices.append({"order_id": order_id, "number": f"F-{order_id}", "amount_cents": delivered,
                                 "filed_on": filed, "paid_on": filed + dt.timedelta(days=25) if filed + dt.timedelta(days=25) <= last_day else None,
                                 "created_at": clock.now()})
            order_id += 1
    for table, rows in ((Order.__table__, orders), (ServiceFait.__table__, services), (Invoice.__table__, invoices)):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(table), rows[start:start + 5000])
    db.session.commit()
    return {"startups actives": len(active), "conventions": len(conventions), "bons de commande": len(orders),
            "services faits": len(services), "factures": len(invoices)}


def run_scale(database_url: str, scale: int, args) -> list[tuple]:
    started = time.perf_counter()
    profile = synthetic.load_profile()
    app = synthetic.make_app(database_url)
    synthetic.prepare_database(app, args.reset)
    today = clock.today()
    with app.app_context():
        rows = synthetic.build_portfolio(profile, profile.startups * scale, today, args.seed)
        rows |= build_money(today, args.seed)
        admin = Person(name="Admin du banc", email="admin-banc@example.gouv.fr", is_admin=True)
        db.session.add(admin)
        db.session.commit()
        busiest = db.session.execute(
            sa.select(Order.startup_id, sa.func.count()).group_by(Order.startup_id)
            .order_by(sa.func.count().desc(), Order.startup_id).limit(1)).one()
        admin_id, version = admin.id, admin.session_version
        backend = db.engine.dialect.name
        db.session.remove()
    print(f"x{scale} ({backend}) : " + ", ".join(f"{n} {what}" for what, n in rows.items())
          + f" — construit en {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    with client.session_transaction() as session:
        session["person_id"] = admin_id
        session["session_version"] = version
    results = []
    for label, url in (("/conventions/", "/conventions/"),
                       (f"/conventions/startup/<id> ({busiest[1]} bons)", f"/conventions/startup/{busiest[0]}")):
        results.append((scale, label, pages.measure(app, client, url, args.repeat)))
    with app.app_context():
        db.engine.dispose()
    return results


def scale_arguments(description: str, repeat: int, argv=None) -> argparse.Namespace:
    """The options of a benchmark run at several scales (bench/conventions.py, bench/stats.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", help="PostgreSQL à utiliser (effacée à chaque échelle : --reset requis) ; "
                                               "par défaut un fichier SQLite temporaire par échelle")
    parser.add_argument("--reset", action="store_true", help="effacer la base donnée par --database-url")
    parser.add_argument("--scales", default="1,10", help="tailles du portefeuille, en multiples du réel (1,10)")
    parser.add_argument("--repeat", type=int, default=repeat, help=f"requêtes mesurées par page ({repeat})")
    parser.add_argument("--seed", type=int, default=2026, help="graine du tirage aléatoire")
    return parser.parse_args(argv)


def over_scales(args: argparse.Namespace, run_scale) -> list:
    """run_scale(database_url, scale, args) at each scale, on the given database or a temporary SQLite file."""
    results = []
    for scale in (int(s) for s in args.scales.split(",")):
        if args.database_url:
            args.reset = True if scale != int(args.scales.split(",")[0]) else args.reset
            results += run_scale(args.database_url, scale, args)
        else:
            with tempfile.TemporaryDirectory(prefix="jalons-bench-") as folder:
                results += run_scale("sqlite:///" + str(Path(folder) / "bench.sqlite3"), scale, args)
    return results


def main(argv=None) -> int:
    args = scale_arguments(__doc__.split("\n\n")[0], 30, argv)
    results = over_scales(args, run_scale)
    print(f"\n{'échelle':<8} {'page':<40} {'HTTP':>4} {'ms':>9} {'req.':>5} {'SQL ms':>7}")
    for scale, label, page in results:
        print(f"x{scale:<7} {label:<40} {page.status:>4} {page.ms:>9.1f} {page.queries:>5} {page.sql_ms:>7.1f}")
    by_page: dict[str, set] = {}
    for scale, label, page in results:
        by_page.setdefault(label.split(" (")[0], set()).add(page.queries)
    same = all(len(counts) == 1 for counts in by_page.values())
    print("\nNombre d'instructions SQL " + ("identique à toutes les échelles." if same else "variable selon l'échelle : à corriger."))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
