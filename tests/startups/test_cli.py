"""`flask import-betagouv` and `flask load-demo` through Flask's CLI runner: summary and exit status."""

from pathlib import Path

import sqlalchemy as sa

from core.db import db
from startups import services
from startups.models import Startup
from startups.phases import Phase
from tests.factories import d

SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "betagouv"


def startups() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Startup))


def test_an_import_without_rejection_exits_0_with_a_french_summary(app):
    result = app.test_cli_runner().invoke(args=["import-betagouv", str(SNAPSHOTS / "2026-08"), "--today", "2026-11-27"])
    assert result.exit_code == 0, result.output
    assert "créées" in result.output and "mises à jour" in result.output and "inchangées" in result.output
    assert "Startups par phase actuelle au 27 novembre 2026" in result.output
    assert "Opéré au sein du réseau" in result.output
    assert "organisation particulier-masque" in result.output
    assert "_organisations/Préfecture" in result.output
    assert startups() == 440


def test_a_second_import_reports_everything_unchanged(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["import-betagouv", str(SNAPSHOTS / "2019-01-01"), "--today", "2019-01-01"])
    result = runner.invoke(args=["import-betagouv", str(SNAPSHOTS / "2019-01-01"), "--today", "2019-01-01"])
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("Startups "))
    assert line.split()[1:] == ["0", "0", "46", "0", "0"]
    assert "Startups par phase actuelle au 1er janvier 2019" in result.output


def test_rejected_files_exit_1_and_are_listed_with_their_reason(app, tmp_path):
    (tmp_path / "bonne.md").write_text("---\ntitle: Bonne\n---\n", encoding="utf-8")
    (tmp_path / "mauvaise.md").write_text("---\ntitle: Mauvaise\nphases:\n  - name: incubation\n---\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-betagouv", str(tmp_path), "--today", "2026-11-27"])
    assert result.exit_code == 1
    assert "mauvaise.md : phase n°1 : phase inconnue « incubation »" in result.output
    assert "Aucune phase commencée" in result.output
    assert [s.id for s in db.session.scalars(sa.select(Startup))] == ["bonne"]


def test_an_unreadable_folder_exits_2(app, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["import-betagouv", str(tmp_path / "absent")])
    assert missing.exit_code == 2
    assert "n'existe pas" in missing.output
    (tmp_path / "fiche.md").write_text("---\ntitle: Seule\n---\n", encoding="utf-8")
    not_a_folder = runner.invoke(args=["import-betagouv", str(tmp_path / "fiche.md")])
    assert not_a_folder.exit_code == 2
    assert "n'est pas un dossier" in not_a_folder.output
    empty = tmp_path / "vide"
    empty.mkdir()
    no_fiche = runner.invoke(args=["import-betagouv", str(empty)])
    assert no_fiche.exit_code == 2
    assert "aucune fiche .md" in no_fiche.output
    assert startups() == 0


def test_a_today_outside_1900_2100_is_refused_in_french_before_anything_is_imported(app):
    from startups.models import Startup

    for year in ("0001", "9999"):
        result = app.test_cli_runner().invoke(args=["import-betagouv", str(SNAPSHOTS / "2026-08"), "--today", f"{year}-01-01"])
        assert result.exit_code == 2, result.output
        assert "L'année doit être comprise entre 1900 et 2100" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Startup)) == 0


def test_load_demo_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["load-demo"])
    assert first.exit_code == 0, first.output
    assert startups() == 440
    second = runner.invoke(args=["load-demo"])
    assert second.exit_code == 0
    assert "déjà" in second.output
    assert startups() == 440


FICHE = "---\ntitle: {title}\nincubator: dinum\nphases:\n  - name: investigation\n    start: 2026-03-01\n---\n"


def test_conflicts_exit_1_and_older_fiches_are_named_with_their_reason(app, tmp_path):
    runner = app.test_cli_runner()
    for id in ("edite", "avance"):
        (tmp_path / f"{id}.md").write_text(FICHE.format(title=id.capitalize()), encoding="utf-8")
    assert runner.invoke(args=["import-betagouv", str(tmp_path), "--today", "2026-11-27"]).exit_code == 0
    edited = db.session.get(Startup, "edite")
    services.edit_startup(edited, services.StartupData(name="Édité dans Jalons", incubator_id="dinum"),
                          expected_version=None, actor=None, now=edited.updated_at)
    services.change_phase(db.session.get(Startup, "avance"), phase=Phase.CONSTRUCTION, starts_on=d("2026-10-01"),
                          reason="Comité", actor=None, today=d("2026-11-27"))
    db.session.commit()
    (tmp_path / "edite.md").write_text(FICHE.format(title="Renommé en amont"), encoding="utf-8")

    result = runner.invoke(args=["import-betagouv", str(tmp_path), "--today", "2026-11-27"])

    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("Startups "))
    assert line.split()[1:] == ["0", "0", "1", "1", "0"]
    assert "Conflits (1), gardés comme dans Jalons :\n  - edite.md : Nom : modifié dans Jalons et dans la fiche" in result.output
    assert ("Fiches plus anciennes que Jalons (1), rien n'en a été appliqué :\n  - avance.md : sa dernière date est le "
            "1er mars 2026, Jalons connaît le 1er octobre 2026") in result.output
    assert db.session.get(Startup, "edite").name == "Édité dans Jalons"


def test_a_database_lost_during_the_import_stops_it_with_exit_code_4_not_fiches_rejected(app, monkeypatch):
    from startups import importer

    def restarted(connection, table, rows):
        raise sa.exc.OperationalError("COPY startups …", {}, Exception("terminating connection due to administrator command"))

    monkeypatch.setattr(importer, "insert_rows", restarted)
    result = app.test_cli_runner().invoke(args=["import-betagouv", str(SNAPSHOTS / "2026-08"), "--today", "2026-11-27"])

    assert result.exit_code == 4, result.output
    assert result.stderr.strip().splitlines() == [
        "Jalons — base de données injoignable ou sans réponse, la commande s'est arrêtée (relancez-la quand la "
        "base répondra) : terminating connection due to administrator command"]
    assert "rejetées" not in result.output
    assert startups() == 0
