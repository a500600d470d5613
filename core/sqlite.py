"""SQLite: foreign keys on, lower() that knows accents, and pysqlite's transaction handling fixed.

pysqlite opens transactions lazily and ignores BEGIN/SAVEPOINT semantics SQLAlchemy relies on; the
documented fix hands transaction control back to SQLAlchemy, which the rolled-back test transactions
(and any SAVEPOINT) need.
"""

import sqlalchemy as sa


def configure(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        # SQLite's built-in lower() only folds ASCII: « école » would not find « École ». PostgreSQL's does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


def _lower(value):
    return value.lower() if isinstance(value, str) else value
