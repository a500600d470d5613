"""core.db.distinct_values: the distinct values of an indexed column, read from its index one value at a time
(a recursive query), are those of a DISTINCT, in order, NULL left out; on SQLite the plan seeks the index
instead of scanning the table."""

import sqlalchemy as sa

from audit.models import AuditEvent
from audit.services import record
from core.db import db, distinct_values


def test_the_distinct_values_of_an_indexed_column_are_those_of_a_distinct_in_order():
    assert distinct_values(AuditEvent.action) == []
    for n, (action, kind) in enumerate([("startup.updated", "startup"), ("event.created", "event"),
                                        ("startup.updated", "startup"), ("zèbre.créé", "élément"),
                                        ("Capital.first", "startup"), ("event.created", "event")]):
        record(action, kind, str(n))
    db.session.flush()
    for column in (AuditEvent.action, AuditEvent.object_type, AuditEvent.startup_id):
        expected = db.session.scalars(sa.select(column).where(column.is_not(None)).distinct().order_by(column)).all()
        assert distinct_values(column) == expected
    assert distinct_values(AuditEvent.startup_id) == []  # only NULLs
    assert set(distinct_values(AuditEvent.object_type)) == {"event", "startup", "élément"}


def test_on_sqlite_the_values_are_read_by_seeking_the_index_not_by_scanning_the_table():
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", seen)
    try:
        distinct_values(AuditEvent.object_type)
    finally:
        sa.event.remove(connection, "before_cursor_execute", seen)
    [(statement, parameters)] = [s for s in statements if "distinct_object_type" in s[0]]
    plan = " ".join(row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    # The first value, then each next one: a seek of the index past the last value found.
    assert "SEARCH audit_events USING COVERING INDEX ix_audit_events_object_type_at (object_type>?)" in plan, plan
