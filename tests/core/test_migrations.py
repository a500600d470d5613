from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import db


def test_migrations_match_the_models(app):
    """The schema the migrations build is the one the models describe: no forgotten migration."""
    with app.app_context(), db.engine.connect() as connection:
        # As migrations/env.py does: APScheduler's own table is not the application's.
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, *_: not (type_ == "table" and name == "apscheduler_jobs"),
        })
        differences = compare_metadata(context, db.metadata)
    assert differences == []
