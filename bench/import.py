"""Time the import of the bundled beta.gouv.fr snapshot (demo/betagouv-2026-08) against parsing it alone.

    .venv/bin/python bench/import.py                  # a new SQLite file per run
    .venv/bin/python bench/import.py --database-url postgresql://postgres@127.0.0.1:5432/bench_import --reset

Each run, in turn: parsing every fiche alone (YAML and checks, no database), the import into an empty
database (schema built by the migrations, not timed; import and commit timed), and a second import over
it (everything unchanged). The three are interleaved, so that a busy machine slows them alike; the ratios
are those of each run, their median printed with the median times and the SQL statements of each import.
As timeit does, each timed step starts after a garbage collection and runs with the collector off: a
full collection (half a second on a loaded machine) would otherwise land in one step or another.
Targets (issue 11): a first import within 3 times the parsing alone, a re-import within 1.5 times.
With --database-url the database is emptied before each run (--reset is needed when it is not empty).
"""

import argparse
import gc
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

import conventions.models  # noqa: E402, F401  (the area, before bench/ is on the path: bench/conventions.py would hide it)
import synthetic  # noqa: E402  (bench/synthetic.py: the synthetic portfolio, the benches' application)
from app import create_app  # noqa: E402
from core import clock  # noqa: E402
from core.db import db  # noqa: E402
from startups import fiches  # noqa: E402
from startups.importer import find_fiches, import_directory  # noqa: E402

FOLDER = ROOT / "demo" / "betagouv-2026-08"
FIRST_TARGET, AGAIN_TARGET = 3.0, 1.5


def parse_all() -> int:
    found, _ = find_fiches(FOLDER)
    loaders = {"_organisations": fiches.load_organisation, "_incubators": fiches.load_incubator, "_startups": fiches.load_startup}
    return sum(1 for kind, files in found.items() for file in files if loaders[kind](file))


def timed(function):
    """(seconds, result) of function(), the garbage collector off (see above)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = function()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def import_and_commit():
    report = import_directory(FOLDER, clock.today())  # as `flask import-betagouv` does
    db.session.commit()
    return report


def timed_import(statements: list) -> tuple[float, object, int]:
    """Import the snapshot and commit; (seconds, report, SQL statements)."""
    db.session.remove()
    before = len(statements)
    seconds, report = timed(import_and_commit)
    return seconds, report, len(statements) - before


def one_run(database_url: str, reset: bool) -> dict:
    app = create_app({"JALONS_ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url})
    synthetic.prepare_database(app, reset)
    logging.disable(logging.WARNING)
    with app.app_context():
        sa.orm.configure_mappers()  # once per process, whatever the import: not counted
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        parse, count = timed(parse_all)
        first, report, first_statements = timed_import(statements)
        assert not report.rejected and report.startups.created == 440, report
        again, report, again_statements = timed_import(statements)
        assert report.startups.unchanged == 440 and report.total("updated") == 0, report
        db.session.remove()
        db.engine.dispose()
    return {"fiches": count, "parse": parse, "first": first, "again": again,
            "first_statements": first_statements, "again_statements": again_statements}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", help="PostgreSQL (ou autre) à utiliser ; par défaut un fichier SQLite neuf par essai")
    parser.add_argument("--reset", action="store_true", help="effacer la base donnée par --database-url si elle n'est pas vide")
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for index in range(args.runs):
            url = args.database_url or f"sqlite:///{folder}/bench-{index}.sqlite3"
            runs.append(one_run(url, args.reset or index > 0))

    def median(key):
        return statistics.median(run[key] for run in runs)

    def ratio(key):
        return statistics.median(run[key] / run["parse"] for run in runs)

    backend = sa.make_url(args.database_url).get_backend_name() if args.database_url else "sqlite"
    first, again = ratio("first"), ratio("again")
    print(f"Snapshot beta.gouv.fr 2026-08 : {runs[0]['fiches']} fiches, {backend}, médiane de {len(runs)} essais")
    print(f"  lecture des fiches seule ({fiches.Loader.__name__})   : {median('parse'):.3f} s")
    print(f"  premier import (base vide, avec commit) : {median('first'):.3f} s  {ratio('first'):4.2f} × la lecture"
          f"  ({median('first_statements'):.0f} requêtes SQL)  cible ≤ {FIRST_TARGET:g} × : "
          f"{'tenue' if first <= FIRST_TARGET else 'MANQUÉE'}")
    print(f"  second import, tout inchangé            : {median('again'):.3f} s  {ratio('again'):4.2f} × la lecture"
          f"  ({median('again_statements'):.0f} requêtes SQL)  cible ≤ {AGAIN_TARGET:g} × : "
          f"{'tenue' if again <= AGAIN_TARGET else 'MANQUÉE'}")
    return 0 if first <= FIRST_TARGET and again <= AGAIN_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
