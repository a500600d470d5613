"""core.db.among: `column IN values`, written on PostgreSQL as one array parameter."""

import sqlalchemy as sa

from core.db import among, db
from startups.models import Startup
from tests.factories import make_startup


def ids_among(values) -> list[str]:
    return list(db.session.scalars(sa.select(Startup.id).where(among(Startup.id, values)).order_by(Startup.id)))


def test_it_finds_what_in_finds(session):
    for name in ("alpha", "beta", "gamma"):
        make_startup(name)
    session.flush()

    assert ids_among([]) == []
    assert ids_among(["beta"]) == ["beta"]
    assert ids_among(["gamma", "alpha", "absente"]) == ["alpha", "gamma"]
    assert ids_among(iter(["beta", "beta"])) == ["beta"]
    # The same statement, cached, with other values: each run reads its own.
    assert ids_among(["alpha"]) == ["alpha"]


def test_one_statement_whatever_the_number_of_values(app):
    def sql(values):
        statement = sa.select(Startup.id).where(among(Startup.id, values), Startup.name != "x")
        return str(statement.compile(dialect=db.engine.dialect))

    if db.engine.dialect.name == "postgresql":
        assert sql(["a"]) == sql(["a", "b", "c"])
        assert "= ANY (" in sql(["a"])
    else:
        assert "IN (__[POSTCOMPILE" in sql(["a"])
