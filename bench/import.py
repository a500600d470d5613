"""Time the import of the bundled beta.gouv.fr snapshot (demo/betagouv-2026-08).

    .venv/bin/python bench/import.py [--runs 5]

Prints the median, over the runs, of: parsing every fiche alone (no database), the import into a fresh
SQLite database (schema built by the migrations, not timed; import and commit timed), and a second run
over the same database (everything unchanged).
"""

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from core.db import db  # noqa: E402
from startups import fiches  # noqa: E402
from startups.importer import find_fiches, import_directory  # noqa: E402

FOLDER = ROOT / "demo" / "betagouv-2026-08"
TODAY = dt.date(2026, 11, 27)


def parse_all() -> int:
    found, _ = find_fiches(FOLDER)
    loaders = {"_organisations": fiches.load_organisation, "_incubators": fiches.load_incubator, "_startups": fiches.load_startup}
    return sum(1 for kind, files in found.items() for file in files if loaders[kind](file))


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    parse_times, import_times, rerun_times = [], [], []
    count = 0
    for _ in range(runs):
        parse_time, count = timed(parse_all)
        parse_times.append(parse_time)
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            app = create_app({
                "JALONS_ENV": "development",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            })
            with app.app_context():
                upgrade()

                def import_and_commit():
                    report = import_directory(FOLDER, TODAY)
                    db.session.commit()
                    return report

                import_time, report = timed(import_and_commit)
                assert not report.rejected and report.startups.created == 440, report
                rerun_time, report = timed(import_and_commit)
                assert report.startups.unchanged == 440 and report.total("updated") == 0
                import_times.append(import_time)
                rerun_times.append(rerun_time)
                db.session.remove()
                db.engine.dispose()

    print(f"Snapshot beta.gouv.fr 2026-08 : {count} fiches, médiane de {runs} essais")
    print(f"  lecture des fiches seule (YAML, {fiches.Loader.__name__}) : {statistics.median(parse_times):.2f} s")
    print(f"  import dans une base SQLite neuve (avec commit)        : {statistics.median(import_times):.2f} s")
    print(f"  second import, tout inchangé                           : {statistics.median(rerun_times):.2f} s")


if __name__ == "__main__":
    main()
