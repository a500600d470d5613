"""core.db.among_bound: a page's ids bound when a statement built once runs — the same rows as among(),
one statement text whatever the number of ids, and read by the index on both databases."""

import os

import pytest
import sqlalchemy as sa

from core.db import among, among_bound, db
from startups.models import startup_sponsors
from startups.queries import sponsors_of
from tests.factories import d, make_organisation, make_startup

ON_POSTGRESQL = os.environ.get("JALONS_TEST_BACKEND") == "postgresql"

SPONSORED = sa.select(startup_sponsors.c.startup_id, startup_sponsors.c.organisation_id).where(
    among_bound(startup_sponsors.c.startup_id, "ids")).order_by(startup_sponsors.c.startup_id)


def portfolio():
    sponsors = [make_organisation("sponsor-a"), make_organisation("sponsor-b")]
    for index in range(5):
        make_startup(f"s{index}", phases=[("investigation", d("2026-01-01"))], sponsors=sponsors[: index % 3])


def executed(statement, parameters) -> list[tuple[str, object]]:
    """(SQL, parameters) of what the database was given for the statement."""
    sent = []

    def record(conn, cursor, sql, params, context, executemany):
        sent.append((sql, params))

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        db.session.execute(statement, parameters).all()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return sent


def test_the_same_rows_as_among_for_any_number_of_ids():
    portfolio()
    for ids in (["s1"], ["s0", "s2", "s4"], ["s1", "s2", "s3", "aucune"], []):
        bound = db.session.execute(SPONSORED, {"ids": ids}).all()
        inline = db.session.execute(
            sa.select(startup_sponsors.c.startup_id, startup_sponsors.c.organisation_id)
            .where(among(startup_sponsors.c.startup_id, ids)).order_by(startup_sponsors.c.startup_id)).all()
        assert bound == inline, ids
    assert sponsors_of(["s2", "s1"]) == {"s1": sponsors_of(["s1"])["s1"], "s2": sponsors_of(["s2"])["s2"]}
    assert [named.id for named in sponsors_of(["s2"])["s2"]] == ["sponsor-a", "sponsor-b"]  # in the fiche's order


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs postgresql: SQLite is given one parameter per id")
def test_on_postgresql_one_statement_text_whatever_the_number_of_ids():
    """psycopg prepares a statement by its text: one text for every page, one plan kept by PostgreSQL."""
    portfolio()
    one, = executed(SPONSORED, {"ids": ["s1"]})
    three, = executed(SPONSORED, {"ids": ["s1", "s2", "s3"]})
    assert one[0] == three[0] and "ANY" in one[0]


def test_the_database_reads_the_ids_by_the_index():
    portfolio()
    (sql, parameters), = executed(SPONSORED, {"ids": ["s1", "s2"]})
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters))
        assert "SEARCH startup_sponsors" in plan and "= 1" not in sql, plan
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(connection.exec_driver_sql("EXPLAIN " + sql, parameters).scalars())
        assert "Index" in plan, plan
