"""The text search of the portfolio by trigram index on SQLite too

Revision ID: 0028_search_sqlite_trigrams
Revises: 0027_search_trigrams

What 0027 gave PostgreSQL, for SQLite (a laptop's database): an FTS5 table of the startups' folded name
and mission (Startup.search_text) with the trigram tokenizer (SQLite 3.34 and later), whose MATCH finds
the startups containing a text of three characters or more without reading every startup
(startups.queries._searched; the LIKE is kept after it, so the results are those of the scan). It holds no
copy of the text: its rows are the startups' own (external content, by rowid), kept by three triggers on
startups in the transaction of each insert, change of search_text and delete.

A startup's rowid may change when the file is VACUUMed (its primary key is a string): the nightly job
rebuilds the index (startups.jobs.refresh_current_phases), and until then a search may miss a startup,
never show a wrong one. A migration that recreates the startups table (Alembic's batch mode) drops the
triggers: tests/startups/test_queries.py checks that the index follows every change after all migrations.

Where SQLite has no FTS5 or no trigram tokenizer, the migration says so and goes on: searches stay exact,
only slower (the table's absence is checked at the first search of each request).
"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028_search_sqlite_trigrams'
down_revision = '0027_search_trigrams'
branch_labels = None
depends_on = None

TABLE = "startups_search"  # core.db.SCHEMA_EXTRAS: it and its shadow tables are not described by the models
TRIGGERS = {
    "startups_search_insert": f"""AFTER INSERT ON startups BEGIN
        INSERT INTO {TABLE} (rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
    "startups_search_delete": f"""AFTER DELETE ON startups BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    END""",
    "startups_search_update": f"""AFTER UPDATE OF search_text ON startups BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
        INSERT INTO {TABLE} (rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
}


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # A table left behind by a database emptied of the models' tables only: derived data, made again (else its
    # « already exists » would pass for a SQLite without FTS5, and the triggers would not be made).
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_text, content='startups', "
                                 "content_rowid='rowid', tokenize='trigram')")
    except sa.exc.OperationalError as error:
        logging.getLogger("alembic").warning(
            "Index FTS5 à trigrammes indisponible dans ce SQLite (%s) : la recherche de startups reste exacte, "
            "sans index.", str(error.orig).strip())
        return
    for name, body in TRIGGERS.items():
        bind.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
    bind.exec_driver_sql(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
