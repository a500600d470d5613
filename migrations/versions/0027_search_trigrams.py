"""The text search of the portfolio by trigram index on PostgreSQL

Revision ID: 0027_search_trigrams
Revises: 0026_open_files

A search (`/startups?q=…`, the API's `q`) is a LIKE '%…%' over the folded name and mission
(Startup.search_text), which a B-tree index cannot serve: PostgreSQL read every startup to count the
matches per phase. A GIN index of the column's trigrams (the pg_trgm extension, « trusted » since
PostgreSQL 13: the database's owner may create it) answers the same LIKE from the index, for any search of
three characters or more; the results are the same. On SQLite, nothing (no such index).

When the extension cannot be created (a managed server that does not offer it), the migration says so
and goes on without the index: searches stay exact, only slower.
"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_search_trigrams'
down_revision = '0026_open_files'
branch_labels = None
depends_on = None

INDEX = "ix_startups_search_text_trgm"  # core.db.SCHEMA_EXTRAS: not described by the models


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        logging.getLogger("alembic").warning(
            "Extension pg_trgm indisponible (%s) : la recherche de startups reste exacte, sans index.",
            str(error.orig).strip().splitlines()[0])
        return
    op.create_index(INDEX, "startups", ["search_text"], postgresql_using="gin",
                    postgresql_ops={"search_text": "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
