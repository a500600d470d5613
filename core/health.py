"""GET /healthz, for the platform's and the proxy's checks: 200 when the database answers and its schema is
at the migrations' head, 503 otherwise, with the reason in French and English. Public, JSON, never cached."""

import os

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask

from core import errors
from core.db import db

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def migration_heads() -> set[str]:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return set(ScriptDirectory.from_config(config).get_heads())


def register(app: Flask) -> None:
    heads = migration_heads()  # read once: the migrations ship with the code, they change with a deployment

    def healthz():
        try:
            db.session.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            errors.rollback_quietly()
            return _answer(503, "base de données injoignable", "database unreachable")
        try:
            current = set(db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        except sa.exc.SQLAlchemyError:
            errors.rollback_quietly()
            current = set()
        if current != heads:
            return _answer(503, "migrations non appliquées : lancez « flask db upgrade »",
                           "migrations not applied: run `flask db upgrade`",
                           database=sorted(current), code=sorted(heads))
        return _answer(200, "ok", "ok", database=sorted(current))

    healthz.permission = "public"
    app.add_url_rule("/healthz", "healthz", healthz)


def _answer(status: int, raison: str, reason: str, **details):
    body = {"status": "ok" if status == 200 else "error", "raison": raison, "reason": reason, **details}
    return errors.app_json(body, status, {"Cache-Control": "no-store"})
