"""Migration 0010 on existing data: who made each row, the values last imported, duplicate event positions."""

import datetime as dt
import json

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from core.db import db

STATEMENTS = [
    "INSERT INTO incubators (id, name, version) VALUES ('dinum', 'Incubateur DINUM', 1)",
    "INSERT INTO organisations (id, name, version) VALUES ('anct', 'ANCT', 1)",
    # Imported, then renamed in Jalons; and one created in Jalons.
    "INSERT INTO startups (id, name, mission, incubator_id, user_types, themes, techno, created_at, updated_at,"
    " version, search_text, sort_name) VALUES ('importee', 'Nom en Jalons', 'Mission', 'dinum', '[]', '[]', '[]',"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00', 2, '', '')",
    "INSERT INTO startups (id, name, incubator_id, user_types, themes, techno, created_at, updated_at, version,"
    " search_text, sort_name) VALUES ('creee', 'Créée', 'dinum', '[]', '[]', '[]', '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00', 1, '', '')",
    "INSERT INTO startup_sponsors (startup_id, organisation_id, position) VALUES ('importee', 'anct', 0)",
    "INSERT INTO phase_periods (id, startup_id, position, phase, start_on, effective_start_on) VALUES"
    " (1, 'importee', 0, 'investigation', '2025-01-01', '2025-01-01'),"
    " (2, 'importee', 1, 'construction', '2026-03-01', '2026-03-01'),"
    " (3, 'creee', 0, 'investigation', '2026-01-01', '2026-01-01')",
    "INSERT INTO events (id, startup_id, position, kind, happened_on) VALUES"
    " (1, 'importee', 0, 'product_launch', '2025-06-01'), (2, 'importee', 1, 'committee', '2026-02-01'),"
    " (3, 'importee', 1, 'other', '2026-04-01'), (4, 'importee', 1, 'fast', '2026-05-01')",
    # The committee event of a sign-off (held on 1 February 2026).
    "INSERT INTO committees (id, startup_id, kind, status, held_on, duration_minutes, ical_sequence, version,"
    " created_at, updated_at) VALUES (1, 'importee', 'semestriel', 'valide', '2026-02-01', 50, 0, 1,"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
]
AUDIT = [
    ("startup.created", "startup", "creee", None, {"name": "Créée"}),
    ("startup.updated", "startup", "importee", {"name": "Nom de la fiche"}, {"name": "Nom intermédiaire"}),
    ("startup.updated", "startup", "importee", {"name": "Nom intermédiaire"}, {"name": "Nom en Jalons"}),
    ("startup.phase_changed", "startup", "importee", {"phase": "investigation"}, {"phase": "construction",
                                                                                   "period_id": 2}),
    ("event.created", "event", "3", None, {"kind": "other"}),
]


def test_existing_rows_get_their_source_their_imported_values_and_unique_event_positions(tmp_path):
    app = create_app({"JALONS_ENV": "test", "TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/migration.sqlite3"})
    with app.app_context():
        upgrade(revision="0009_data_version")
        with db.engine.begin() as connection:
            for statement in STATEMENTS:
                connection.exec_driver_sql(statement)
            for action, object_type, object_id, before, after in AUDIT:
                connection.execute(sa.text(
                    "INSERT INTO audit_events (at, action, object_type, object_id, startup_id, before, after)"
                    " VALUES (:at, :action, :type, :id, :startup, :before, :after)"
                ), {"at": dt.datetime(2026, 6, 1), "action": action, "type": object_type, "id": object_id,
                    "startup": object_id if object_type == "startup" else "importee",
                    "before": json.dumps(before) if before else None, "after": json.dumps(after)})
        upgrade()
        with db.engine.connect() as connection:
            periods = dict(connection.exec_driver_sql("SELECT id, source FROM phase_periods").all())
            events = connection.exec_driver_sql("SELECT id, position, source FROM events ORDER BY id").all()
            imported = dict(connection.exec_driver_sql("SELECT id, imported_values FROM startups").all())
            organisation = connection.exec_driver_sql("SELECT imported_values FROM organisations").scalar()
            history = dict(connection.exec_driver_sql("SELECT id, fiche_history FROM startups").all())
        db.engine.dispose()
    assert periods == {1: "betagouv", 2: "jalons", 3: "jalons"}
    assert [tuple(row) for row in events] == [
        (1, 0, "betagouv"), (2, 1, "jalons"), (3, 2, "jalons"), (4, 3, "betagouv")]
    assert imported["creee"] is None
    values = json.loads(imported["importee"])
    # The name before the first edit in Jalons is the one the import wrote.
    assert (values["name"], values["mission"], values["sponsor_ids"]) == ("Nom de la fiche", "Mission", ["anct"])
    assert json.loads(organisation) == {"name": "ANCT", "acronym": None, "kind": None, "ministerial_domain": None}
    # Migration 0016: the fiche's history is what the fiches brought; a startup created in Jalons has no fiche.
    assert history["creee"] is None
    assert json.loads(history["importee"]) == {
        "phases": [{"name": "investigation", "start": "2025-01-01", "end": None, "comment": None}],
        "events": [{"name": "product_launch", "date": "2025-06-01", "comment": None},
                   {"name": "fast", "date": "2026-05-01", "comment": None}],
    }
