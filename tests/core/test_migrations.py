import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import db, described_by_models


# SQLite cannot reflect an index on expressions: Alembic says so, and core.db.described_by_models leaves them out.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index",
                            "ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_the_models(app):
    """The schema the migrations build is the one the models describe: no forgotten migration."""
    with app.app_context(), db.engine.connect() as connection:
        # As migrations/env.py does: APScheduler's own table and the search's trigram index are left out.
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": described_by_models})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_security_migration_hashes_existing_calendar_tokens_so_their_feeds_keep_working(tmp_path):
    """0010_security replaces each stored feed token by its hash in place: calendars already subscribed to
    a feed URL still get it, and the database no longer holds the secret."""
    import hashlib

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from users.services import hash_token

    app = create_app({"JALONS_ENV": "test", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0009_data_version")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO people (id, name, email, is_admin, created_at) "
                "VALUES (1, 'Abonnée', 'abonnee@example.gouv.fr', false, '2026-11-27 08:00:00.000000')"))
            connection.execute(sa.text(
                "INSERT INTO committee_calendar_tokens (person_id, token, created_at) "
                "VALUES (1, 'ancien-jeton-en-clair', '2026-11-27 08:00:00.000000')"))
        upgrade(revision="0010_security")
        with db.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT token_hash FROM committee_calendar_tokens")).scalar_one()
            version = connection.execute(sa.text("SELECT session_version FROM people")).scalar_one()
        assert stored == hashlib.sha256(b"ancien-jeton-en-clair").hexdigest()
        # What committees.services.person_for_token looks up for the token of the feed URL.
        assert stored == hash_token("ancien-jeton-en-clair")
        assert version == 0
        db.session.remove()
        db.engine.dispose()


def test_the_committee_due_migration_dates_existing_startups_as_the_application_does(tmp_path):
    """0023_committee_due fills each startup's kept due date from its cached phase, held committees and
    committee events, as committees.due would (archived and terminal startups: none)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"JALONS_ENV": "test", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0022_phase_counts")
        with db.engine.begin() as connection:
            for id, phase, start, archived in (("a", "construction", "2026-03-01", None),
                                               ("b", "investigation", "2026-01-31", None),
                                               ("c", "abandon", "2026-01-01", None),
                                               ("d", "construction", "2026-01-01", "2026-11-01 08:00:00.000000")):
                connection.execute(sa.text(
                    "INSERT INTO startups (id, name, user_types, themes, techno, created_at, updated_at, version, "
                    "cached_phase, cached_phase_start_on, cached_phase_on, archived_at, search_text, sort_name) "
                    "VALUES (:id, :id, '[]', '[]', '[]', '2026-01-01 08:00:00.000000', '2026-01-01 08:00:00.000000', "
                    "1, :phase, :start, '2026-11-27', :archived, '', '')"),
                    {"id": id, "phase": phase, "start": start, "archived": archived})
            connection.execute(sa.text(
                "INSERT INTO events (startup_id, position, kind, happened_on, source) VALUES "
                "('a', 0, 'committee', '2026-06-15', 'betagouv'), ('a', 1, 'committee', '2026-12-15', 'betagouv')"))
        upgrade(revision="0023_committee_due")
        with db.engine.connect() as connection:
            kept = dict(connection.execute(sa.text("SELECT id, committee_due_on FROM startups")).all())
        # a: the committee of June (December's is not held yet); b: clamped to the end of the month.
        assert kept == {"a": "2026-12-15", "b": "2026-07-31", "c": None, "d": None}
        db.session.remove()
        db.engine.dispose()


def test_the_committee_status_counts_migration_counts_as_the_application_does(tmp_path):
    """0031_committee_status_counts counts the startups per committee status and phase on today's date, as
    the nightly recount of committees.due would (archived startups and those with no committee due: none)."""
    import datetime as dt

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from core import clock
    from startups.kept import refresh_phase_counts

    app = create_app({"JALONS_ENV": "test", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    today = clock.today()
    with app.app_context():
        upgrade(revision="0030_sponsor_sort_name")
        with db.engine.begin() as connection:
            for id, phase, due, archived in (("retard", "construction", today - dt.timedelta(days=100), None),
                                             ("retard-2", "construction", today - dt.timedelta(days=1), None),
                                             ("bientot", "investigation", today + dt.timedelta(days=45), None),
                                             ("loin", "investigation", today + dt.timedelta(days=46), None),
                                             ("fin", "abandon", None, None),
                                             ("archivee", "construction", today - dt.timedelta(days=5),
                                              "2026-11-01 08:00:00.000000")):
                connection.execute(sa.text(
                    "INSERT INTO startups (id, name, user_types, themes, techno, created_at, updated_at, version, "
                    "cached_phase, cached_phase_on, committee_due_on, committee_due_checked_on, archived_at, "
                    "search_text, sort_name) VALUES (:id, :id, '[]', '[]', '[]', '2026-01-01 08:00:00.000000', "
                    "'2026-01-01 08:00:00.000000', 1, :phase, :today, :due, :today, :archived, '', '')"),
                    {"id": id, "phase": phase, "due": due, "today": today, "archived": archived})
        upgrade(revision="0031_committee_status_counts")

        def committee_rows():
            with db.engine.connect() as connection:
                return set(connection.execute(sa.text(
                    "SELECT scope_id, phase, startups FROM phase_counts WHERE scope = 'committee'")).all())

        migrated = committee_rows()
        assert migrated == {("overdue", "construction", 2), ("due45", "investigation", 1), ("ok", "investigation", 1)}
        refresh_phase_counts(db.session, today)
        db.session.commit()
        assert committee_rows() == migrated
        db.session.remove()
        db.engine.dispose()


def test_a_database_emptied_then_migrated_again_has_its_whole_schema_and_a_search_index_that_follows(tmp_path):
    """empty_database (the tests' and the benches' reset) drops what the models do not describe too, and 0028
    makes its FTS5 table again if one was left behind: an FTS5 table left there made 0028 take the trigram
    tokenizer for missing, so that its triggers were not created again and the text search found nothing (its
    MATCH, then the LIKE, on an index never filled)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from core.db import empty_database
    from startups.models import Startup

    app = create_app({"JALONS_ENV": "test", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'reset.sqlite3'}"})
    with app.app_context():
        upgrade()
        for _ in range(2):
            with db.engine.begin() as connection:
                empty_database(connection)
            upgrade()
        # Emptied of the models' tables only, as the tests and the benches once did: 0028 makes the index again.
        with db.engine.begin() as connection:
            db.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE alembic_version")
        upgrade()
        with db.engine.begin() as connection:
            triggers = connection.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'startups\\_search\\_%' "
                "ESCAPE '\\' ORDER BY name")).scalars().all()
            assert triggers == ["startups_search_delete", "startups_search_insert", "startups_search_update"]
            with sa.orm.Session(bind=connection) as session:
                session.add(Startup(id="donnees-ouvertes", name="Données ouvertes", mission="Ouvrir les données."))
                session.flush()
            found = connection.execute(sa.text(
                "SELECT startups.id FROM startups_search JOIN startups ON startups.rowid = startups_search.rowid "
                "WHERE startups_search MATCH '\"donnees\"'")).scalars().all()
        assert found == ["donnees-ouvertes"]
        db.engine.dispose()


def test_the_invoice_numbers_migration_stops_on_a_number_twice_on_one_order_and_changes_nothing(tmp_path, capsys):
    """0037_invoice_numbers adds the unique index only where it holds; otherwise it names the invoices to
    correct, in French, and leaves them as they are."""
    import contextlib
    import sqlite3

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"JALONS_ENV": "test", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0036_sent_forms")
        # Written by sqlite3 itself, without the foreign keys the application turns on: no order 12 is needed.
        with contextlib.closing(sqlite3.connect(tmp_path / "migrated.sqlite3")) as raw, raw:
            raw.executemany("INSERT INTO convention_invoices (order_id, number, amount_cents, filed_on, created_at) "
                            "VALUES (12, ?, 100, ?, '2026-11-27 08:00:00.000000')",
                            [("F-7", "2024-04-05"), ("F-7", "2024-04-06"), ("F-8", "2024-04-06")])
        with pytest.raises(SystemExit):  # flask db upgrade logs the error and exits 1
            upgrade(revision="0037_invoice_numbers")
        assert "bon de commande 12, facture n° F-7 (2 fois). Corrigez-les" in capsys.readouterr().err
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM convention_invoices")).scalar_one() == 3
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0036_sent_forms"
            connection.execute(sa.text("DELETE FROM convention_invoices WHERE filed_on = '2024-04-06' AND number = 'F-7'"))
            connection.commit()
        upgrade(revision="0037_invoice_numbers")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0037_invoice_numbers"
        db.session.remove()
        db.engine.dispose()
