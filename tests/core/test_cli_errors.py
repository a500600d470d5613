"""`flask` commands with the database unreachable: one French line on stderr and exit code 4, never
SQLAlchemy's traceback with exit code 1 (which several commands give to rejected or conflicting input)."""

import pytest

from app import create_app
from core.db import db
from core.errors import EXIT_DATABASE_UNAVAILABLE

# Nothing listens on port 1 (every connection refused at once); SQLite cannot open a file in a missing folder.
UNREACHABLE = ("postgresql://postgres@127.0.0.1:1/absente", "sqlite:////nonexistent-jalons-folder/jalons.sqlite3")


@pytest.fixture(autouse=True)
def own_session(session):
    """These applications talk to their own, unreachable, database: not through the test's connection."""
    test_session = db.session
    db.session = db._make_scoped_session({})
    try:
        yield
    finally:
        db.session.remove()
        db.session = test_session


@pytest.fixture(params=UNREACHABLE, ids=("postgresql", "sqlite"))
def unreachable(request, tmp_path):
    app = create_app({"JALONS_ENV": "test", "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": request.param,
                      "DB_CONNECT_TIMEOUT": 1, "BASE_URL": "http://jalons.test", "BETAGOUV_SOURCE": str(tmp_path)})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("args", [
    ["committees", "remind", "--today", "2026-12-07"],
    ["conventions", "alerts", "--today", "2026-12-07"],
    ["sync-betagouv"],
    ["import-betagouv", "demo/betagouv-2026-08"],
    ["users", "login-link", "camille@example.gouv.fr"],
])
def test_a_command_with_the_database_unreachable_says_so_in_one_french_line_and_exits_4(unreachable, args):
    with unreachable.app_context():  # the command runs in the context it finds: the test's application has one
        result = unreachable.test_cli_runner().invoke(args=args)

    assert result.exit_code == EXIT_DATABASE_UNAVAILABLE == 4, (result.output, result.exc_info)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Jalons — base de données injoignable ou sans réponse")
    assert "Traceback" not in result.output


def test_every_command_of_the_application_is_guarded(app):
    def leaves(group):
        for command in group.commands.values():
            yield from leaves(command) if hasattr(command, "commands") else [command]

    unguarded = [c.name for c in leaves(app.cli) if not getattr(c.callback, "guards_database", False)]
    assert unguarded == []
