"""The backup and restore of the README's Deploying section, once, on PostgreSQL: `pg_dump -Fc` of a
database migrated and loaded by the real commands, `pg_restore` into an empty one, the same rows after.

Uses two scratch databases with unique names on the test server, dropped at the end: never the test
database itself, which other runs may share."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "tests" / "fixtures" / "betagouv" / "2026-08"

pytestmark = pytest.mark.skipif(
    os.environ.get("JALONS_TEST_BACKEND") != "postgresql" or not shutil.which("pg_dump"),
    reason="sauvegarde pg_dump / pg_restore : seulement sur PostgreSQL (JALONS_TEST_BACKEND=postgresql), "
           "avec les outils clients de PostgreSQL",
)


@pytest.fixture
def scratch_databases():
    """Two new empty databases on the test server; yields their libpq URLs, drops them at the end."""
    server = sa.engine.make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    suffix = secrets.token_hex(4)
    names = [f"jalons_backup_{suffix}", f"jalons_restore_{suffix}"]
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield [server.set(database=name).set(drivername="postgresql").render_as_string(hide_password=False)
               for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def flask(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JALONS_ENV": "development", "DATABASE_URL": url, "FLASK_APP": "wsgi",
           "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def snapshot(url: str) -> dict:
    engine = sa.create_engine(sa.engine.make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            counts = {t: connection.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}
            startups = connection.execute(sa.text(
                "SELECT id, name, incubator_id, updated_at FROM startups ORDER BY id")).all()
            version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    return {"counts": counts, "startups": startups, "version": version}


def test_a_pg_dump_restores_into_an_empty_database(scratch_databases, tmp_path):
    source, target = scratch_databases
    for args in (("db", "upgrade"), ("grids", "seed"), ("import-betagouv", str(SNAPSHOT), "--today", "2026-11-27")):
        result = flask(source, *args)
        assert result.returncode in (0, 1), result.stderr  # 1: fiches of the snapshot rejected, on purpose
    backup = tmp_path / "jalons.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={backup}", source], check=True, timeout=120)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(backup)], check=True,
                   timeout=120)
    before, after = snapshot(source), snapshot(target)
    assert before["counts"]["startups"] > 100 and before["counts"]["audit_events"] > 0
    assert after == before
    # The restored database is one the application accepts as current.
    health = flask(target, "db", "current")
    assert health.returncode == 0 and before["version"] in health.stdout
