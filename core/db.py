"""The SQLAlchemy base and the Flask-SQLAlchemy extension every area's models use, and what the database
needs said per backend: SQLite's unindexed column, PostgreSQL's array of ids (among), the end of a request's
transaction (close_session), bulk inserts (insert_rows)."""

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.ext.compiler
import sqlalchemy.orm
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, registry


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite too (SQLite has no timezone type)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: Jalons stores timezone-aware UTC datetimes only")
            value = value.astimezone(dt.timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class Base(DeclarativeBase):
    registry = registry(
        type_annotation_map={
            dt.datetime: UTCDateTime(),
            # Enums (StrEnums) are stored as their value, in a plain string column (no native enum type).
            enum.Enum: sa.Enum(enum.Enum, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e]),
        }
    )
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)


# What the migrations make that the models do not describe, left out of the comparison of the two
# (migrations/env.py, tests/core/test_migrations.py): APScheduler's own table, and the trigram indexes of the
# text search: on PostgreSQL an index (0027_search_trigrams), on SQLite an FTS5 table and the shadow tables
# SQLite keeps for it (0028_search_sqlite_trigrams).
SCHEMA_EXTRAS = {("table", "apscheduler_jobs"), ("index", "ix_startups_search_text_trgm"), ("table", "startups_search"),
                 *(("table", f"startups_search_{shadow}") for shadow in ("data", "idx", "docsize", "config"))}


def empty_database(connection) -> None:
    """Everything the migrations made, dropped, so that they can run again on an empty database (the tests'
    and the benches' schema): on PostgreSQL the public schema; on SQLite the models' tables and the
    SCHEMA_EXTRAS too — an FTS5 table left behind would make 0028 take the trigram tokenizer for missing and
    leave the text search without its triggers, finding nothing."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
        return
    db.metadata.drop_all(connection)
    for type_, name in sorted(SCHEMA_EXTRAS):  # the FTS5 table before its shadow tables, which go with it
        if type_ == "table":
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def described_by_models(object, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: whether a schema object is compared with the models. An index on expressions
    written as SQL text (the lists' orders, startups.models) is described by the models but not compared:
    PostgreSQL gives its expressions back rewritten (casts, ELSE NULL), SQLite not at all. Tests read it in
    the lists' plans instead (tests/startups/test_queries.py)."""
    model = compare_to if reflected else object
    if type_ == "index" and model is not None and any(isinstance(e, sa.TextClause) for e in model.expressions):
        return False
    return (type_, name) not in SCHEMA_EXTRAS


class unindexed(sa.sql.expression.ColumnElement):  # noqa: N801 (used as a function, as SQL functions are)
    """`column`, with SQLite told not to read it by an index (unary `+`, SQLite's documented way): for a
    GROUP BY over a few values, such as the counts per phase, where SQLite walks the whole index of that
    column and looks up every row rather than use the index of the WHERE (the committee filter's range:
    8 ms instead of 1 at 30×) or scan the table in order (a text search: 9.6 ms instead of 3.8).
    PostgreSQL's planner chooses by its statistics: the column unchanged there."""

    inherit_cache = True
    _traverse_internals = [("column", sa.sql.visitors.InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@sa.ext.compiler.compiles(unindexed)
def _unindexed(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@sa.ext.compiler.compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def distinct_values(column) -> list:
    """The distinct non-NULL values of an indexed column, in order, read from its index one seek per value (a
    « loose index scan », as a recursive query): a DISTINCT reads every row, and neither database skips through an
    index by itself. For a column of a table that grows without bound and holds few values (the audit trail's
    actions and kinds of object: 55 ms each at 300,000 events on PostgreSQL, against one seek per value)."""
    first = sa.select(column).where(column.is_not(None)).order_by(column).limit(1).scalar_subquery()
    values = sa.select(first.label("value")).cte(f"distinct_{column.name}", recursive=True)
    following = sa.select(column).where(column > values.c.value).order_by(column).limit(1).scalar_subquery()
    values = values.union_all(sa.select(following).where(values.c.value.is_not(None)))
    return db.session.scalars(sa.select(values.c.value).where(values.c.value.is_not(None)).order_by(values.c.value)).all()


def among(column, values) -> sa.ColumnElement[bool]:
    """`column IN values`, for a page's ids. On PostgreSQL `column = ANY(:values)`: one array parameter, so
    that the statement is the same whatever the number of values and PostgreSQL keeps one plan for it
    (psycopg prepares a statement run five times on a connection; see close_session). With one parameter
    per value, PostgreSQL planned the statement again at each request: the sponsors of a page of 50
    startups, 0.77 ms against 0.39. SQLite keeps IN, which it reads by its index."""
    values = list(values)
    if db.engine.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=sa.ARRAY(column.type)))
    return column.in_(values)


class among_bound(sa.sql.expression.ColumnElement):  # noqa: N801 (used as a function, as SQL functions are)
    """among(column, …) with its values bound when the statement runs (`execute(statement, {name: ids})`),
    so that the statement can be built once: `column = ANY(:name)` on PostgreSQL, `column IN (:name)`
    expanded on SQLite. Building a page's statement and its cache key at each request cost about a third of
    running it on PostgreSQL."""

    inherit_cache = True
    _traverse_internals = [("column", sa.sql.visitors.InternalTraversal.dp_clauseelement),
                           ("name", sa.sql.visitors.InternalTraversal.dp_string)]
    type = sa.Boolean()
    _is_implicitly_boolean = True  # a condition, as `column IN …` is: SQLite must not be given `(…) = 1`

    def __init__(self, column, name: str):
        self.column = column
        self.name = name


@sa.ext.compiler.compiles(among_bound)
def _among_bound(element, compiler, **kw):
    return compiler.process(element.column.in_(sa.bindparam(element.name, expanding=True)), **kw)


@sa.ext.compiler.compiles(among_bound, "postgresql")
def _among_bound_postgresql(element, compiler, **kw):
    values = sa.bindparam(element.name, type_=sa.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(values), **kw)


def close_session(session: sa.orm.Session) -> None:
    """Close a web request's session. On PostgreSQL, a transaction that wrote nothing ends with COMMIT rather
    than ROLLBACK: the same for the data, but psycopg forgets its prepared statements at every ROLLBACK, so
    that each request planned its statements again (psycopg prepares a statement run five times on a
    connection). The server says whether the transaction wrote (no transaction id assigned: no row written,
    locked or created, whichever way the statement came); the COMMIT is the driver's own, below the session:
    nothing pending in the session is flushed and no e-mail queued on it leaves. What a COMMIT keeps and a
    ROLLBACK undoes without writing — a NOTIFY, a plain SET — Jalons' requests do not use (SET LOCAL ends
    with the transaction either way). A session on a connection whose transaction it did not begin (the
    tests' savepoints) is closed as before."""
    try:
        bind = session.get_bind()
    except sa.exc.UnboundExecutionError:
        bind = None
    if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql" and session.in_transaction():
        connection = session.connection()
        if not connection.in_nested_transaction() and connection.exec_driver_sql(
                "SELECT pg_current_xact_id_if_assigned() IS NULL").scalar():
            try:
                connection.connection.dbapi_connection.commit()
            except Exception:
                # SQLAlchemy does not see the driver's own COMMIT fail: the connection, lost or cut by the
                # deadline (core/deadline.py), is discarded here, so that closing does not try it again.
                connection.invalidate()
                raise
    session.close()


def insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows of one table, all with the same keys, as an executemany INSERT would (the columns'
    Python defaults filled in for the keys left out, server defaults applied by the database; None is SQL
    NULL, also in a JSON column, as the ORM's bulk insert leaves it). On PostgreSQL in one COPY, whose rows
    the server loads in bulk: psycopg's executemany runs one INSERT per row, and the 3,100 rows of a first
    import of the snapshot were most of its database time that way. Elsewhere, executemany."""
    if not rows:
        return
    given = rows[0].keys()
    defaults = {column.name: column.default for column in table.columns
                if column.name not in given and column.default is not None and not column.default.is_sequence}
    if connection.dialect.name != "postgresql" or any(d.is_clause_element for d in defaults.values()):
        connection.execute(table.insert(), rows)
        return
    names = [*given, *defaults]
    process = [table.c[name].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
               for name in names]
    columns = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in names)
    statement = f"COPY {connection.dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    with connection.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            # SQLAlchemy wraps a callable default to take the execution context: Jalons' defaults read none.
            values = [*(row[name] for name in given),
                      *(default.arg if default.is_scalar else default.arg(None) for default in defaults.values())]
            copy.write_row([value if processor is None or value is None else processor(value)
                            for processor, value in zip(process, values)])
