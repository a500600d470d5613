"""Import of folders of fiches: the real snapshots, re-runs in place, and bad files rejected alone."""

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.bounds import Range
from core.db import db
from startups import fiches
from startups import importer as importer_module
from startups.importer import ImportDirectoryError, import_directory
from startups.models import Event, Incubator, Organisation, PhasePeriod, Startup
from startups.phases import Phase
from startups.queries import PortfolioFilters, filtered_startups
from tests.factories import d

SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "betagouv"
TODAY = d("2026-11-27")

GOOD = "---\ntitle: {title}\nincubator: dinum\nsponsors:\n  - /organisations/dinum\nphases:\n  - name: investigation\n    start: 2024-01-01\n---\n"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def ids(model) -> set:
    return set(db.session.scalars(sa.select(model.id)))


def outcome(report) -> dict:
    return {name: (k.created, k.updated, k.unchanged, len(k.rejected)) for name, k in report.kinds.items()}


def test_the_2026_snapshot_imports_fully():
    report = import_directory(SNAPSHOTS / "2026-08", TODAY)
    assert outcome(report) == {"organisations": (142, 0, 0, 0), "incubators": (23, 0, 0, 0), "startups": (440, 0, 0, 0)}
    assert (count(Startup), count(Incubator)) == (440, 23)
    # Referenced without a fiche: the owner of the menj incubator, a sponsor of 1-eleve-1-stage.
    assert report.placeholders == [("organisation", "menj"), ("organisation", "particulier-masque")]
    assert count(Organisation) == 144
    assert db.session.get(Organisation, "menj").name == "menj"
    # Files without .md are left aside and reported.
    assert report.skipped == ["_organisations/Préfecture", "_organisations/idfm"]
    assert db.session.get(Organisation, "Préfecture") is None
    assert sum(report.by_phase.values()) == 440
    assert report.by_phase[Phase.OPERE] == 8
    assert None not in report.by_phase


@pytest.mark.parametrize("snapshot, startups, placeholders", [
    ("2019-01-01", 46, {"incubator": 5}),
    ("2021-01-01", 123, {"incubator": 11, "organisation": 42}),
    ("2023-01-01", 255, {"incubator": 18, "organisation": 69}),
])
def test_each_older_sample_imports_fully_into_an_empty_database(snapshot, startups, placeholders):
    report = import_directory(SNAPSHOTS / snapshot, TODAY)
    assert outcome(report)["startups"] == (startups, 0, 0, 0)
    assert report.rejected == []
    kinds = {}
    for kind, _ in report.placeholders:
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds == placeholders
    assert count(Startup) == startups
    assert sum(report.by_phase.values()) == startups


def test_inline_sponsors_of_2021_create_their_organisation_and_keep_an_existing_one(tmp_path):
    shutil.copytree(SNAPSHOTS / "2026-08" / "_organisations", tmp_path / "_organisations")
    import_directory(tmp_path, TODAY)
    before = db.session.get(Organisation, "dinum").name
    import_directory(SNAPSHOTS / "2021-01-01", TODAY)
    assert db.session.get(Organisation, "dinum").name == before
    clara = db.session.get(Startup, "clara")
    assert [o.id for o in clara.sponsors] == ["pe"]
    assert db.session.get(Organisation, "pe").name == "Pôle Emploi"


def test_the_imported_periods_follow_the_current_phase_rule_in_python_and_in_sql():
    import_directory(SNAPSHOTS / "2026-08", TODAY)
    expected = {
        "clara": Phase.TRANSFERE,
        "fichiers": Phase.CONSTRUCTION,
        "chauffage-urbain": Phase.ACCELERATION,
        "signaux-faibles": Phase.ACCELERATION,
        "data.etat": Phase.CONSTRUCTION,
        "api-telerecours": Phase.INVESTIGATION,
    }
    in_sql = {s.id: phase for s, phase, _ in db.session.execute(filtered_startups(PortfolioFilters(), TODAY))}
    for id, phase in expected.items():
        assert db.session.get(Startup, id).current_phase(TODAY) == phase
        assert in_sql[id] == phase
    data_etat = db.session.get(Startup, "data.etat")
    assert [p.is_planned(TODAY) for p in data_etat.periods] == [False, False, True]
    assert db.session.get(Startup, "api-telerecours").current_phase(d("2026-08-15")) is None


def test_legacy_fiches_keep_their_original_phase_name():
    import_directory(SNAPSHOTS / "2023-01-01", TODAY)
    clara = db.session.get(Startup, "clara")
    assert [(p.phase, p.source_name) for p in clara.periods][-2:] == [(Phase.TRANSFERE, "success"), (Phase.ABANDON, "alumni")]
    assert clara.current_phase(d("2023-01-01")) == Phase.ABANDON


def test_sponsors_incubators_events_and_links_are_stored():
    import_directory(SNAPSHOTS / "2026-08", TODAY)
    bat_id = db.session.get(Startup, "bat-id")
    assert [o.id for o in bat_id.sponsors] == ["ademe", "cstb", "dgaln", "dhup", "dinum", "ign", "sgpe"]
    ecobalyse = db.session.get(Startup, "ecobalyse")
    assert [i.id for i in ecobalyse.incubators] == ["mtes", "ademe"]
    stage = db.session.get(Startup, "1-eleve-1-stage")
    assert (stage.fast_promotion, stage.fast_amount, stage.incubator.id) == (15, 120000, "MEN")
    assert stage.link == "https://1eleve1stage.education.gouv.fr"
    assert db.session.get(Startup, "données-et-territoires") is not None
    assert count(Event) == 394


def test_a_first_import_runs_a_few_statements_whatever_the_number_of_fiches(count_queries):
    """Written in batches: one flush, one INSERT per table, one refresh of the current phase, the audit
    events in one INSERT; not a flush and an UPDATE per startup."""
    with count_queries() as statements:
        report = import_directory(SNAPSHOTS / "2026-08", TODAY)
    assert report.startups.created == 440 and report.rejected == []
    assert len(statements) < 40
    assert count(AuditEvent) == 142 + 23 + 2 + 440  # organisations, incubators, two placeholders, startups


def test_a_second_run_changes_nothing_and_writes_nothing(count_queries):
    import_directory(SNAPSHOTS / "2026-08", TODAY)
    db.session.flush()
    period_ids = set(db.session.scalars(sa.select(PhasePeriod.id)))
    event_ids = set(db.session.scalars(sa.select(Event.id)))
    updated_at = dict(db.session.execute(sa.select(Startup.id, Startup.updated_at)).all())
    with count_queries() as statements:
        report = import_directory(SNAPSHOTS / "2026-08", TODAY)
    assert outcome(report) == {"organisations": (0, 0, 142, 0), "incubators": (0, 0, 23, 0), "startups": (0, 0, 440, 0)}
    assert report.placeholders == []
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert len(statements) < 15  # the rows read once as plain rows, no startup loaded as an object
    assert set(db.session.scalars(sa.select(PhasePeriod.id))) == period_ids
    assert set(db.session.scalars(sa.select(Event.id))) == event_ids
    assert dict(db.session.execute(sa.select(Startup.id, Startup.updated_at)).all()) == updated_at
    assert (count(Startup), count(Organisation), count(Incubator)) == (440, 144, 23)


def test_a_changed_fiche_is_updated_in_place(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(SNAPSHOTS / "2026-08", folder)
    import_directory(folder, TODAY)
    clara_periods = [p.id for p in db.session.get(Startup, "clara").periods]
    other_periods = [p.id for p in db.session.get(Startup, "fichiers").periods]

    fiche = folder / "_startups" / "data.etat.md"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("start: 2027-05-01", "start: 2026-10-01"), encoding="utf-8")
    organisation = folder / "_organisations" / "acoss.md"
    organisation.write_text(organisation.read_text(encoding="utf-8").replace("ACOSS\n", "Urssaf Caisse nationale\n"), encoding="utf-8")
    report = import_directory(folder, TODAY)

    assert outcome(report) == {"organisations": (0, 1, 141, 0), "incubators": (0, 0, 23, 0), "startups": (0, 1, 439, 0)}
    data_etat = db.session.get(Startup, "data.etat")
    assert data_etat.current_phase(TODAY) == Phase.ACCELERATION
    assert data_etat.periods[2].start_on == d("2026-10-01")
    assert db.session.get(Organisation, "acoss").acronym == "Urssaf Caisse nationale"
    assert [p.id for p in db.session.get(Startup, "clara").periods] == clara_periods
    assert [p.id for p in db.session.get(Startup, "fichiers").periods] == other_periods
    assert count(Startup) == 440


def test_periods_and_events_added_or_removed_are_updated(tmp_path):
    (tmp_path / "s.md").write_text(
        "---\ntitle: Essai\nphases:\n  - name: investigation\n    start: 2024-01-01\n"
        "events:\n  - name: committee\n    date: 2024-02-01\n  - name: other\n    date: 2024-03-01\n---\n",
        encoding="utf-8",
    )
    import_directory(tmp_path, TODAY)
    (tmp_path / "s.md").write_text(
        "---\ntitle: Essai\nphases:\n  - name: investigation\n    start: 2024-01-01\n"
        "  - name: construction\n    start: 2024-06-01\nevents:\n  - name: committee\n    date: 2024-02-01\n---\n",
        encoding="utf-8",
    )
    report = import_directory(tmp_path, TODAY)
    assert outcome(report)["startups"] == (0, 1, 0, 0)
    startup = db.session.get(Startup, "s")
    assert [p.phase for p in startup.periods] == [Phase.INVESTIGATION, Phase.CONSTRUCTION]
    assert [e.kind.value for e in startup.events] == ["committee"]
    assert count(Event) == 1


BAD_FILES = {
    "yaml-casse.md": ("---\ntitle: [Essai\nincubator: nouvel-incubateur\n---\n", "YAML illisible"),
    "phase-inconnue.md": ("---\ntitle: Essai\nincubator: nouvel-incubateur\nphases:\n  - name: incubation\n---\n", "phase inconnue « incubation »"),
    "date-fausse.md": ("---\ntitle: Essai\nincubator: nouvel-incubateur\nphases:\n  - name: investigation\n    start: le 3 mai\n---\n", "date invalide"),
    "sans-en-tete.md": ("title: Essai\n", "pas d'en-tête YAML"),
}


def test_bad_files_are_rejected_alone_with_their_name_and_reason(tmp_path):
    for name in ("bonne-1.md", "bonne-2.md"):
        (tmp_path / name).write_text(GOOD.format(title=name), encoding="utf-8")
    for name, (text, _) in BAD_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = import_directory(tmp_path, TODAY)
    assert outcome(report)["startups"] == (2, 0, 0, 4)
    reasons = dict(report.rejected)
    assert set(reasons) == set(BAD_FILES)
    for name, (_, reason) in BAD_FILES.items():
        assert reason in reasons[name]
    assert ids(Startup) == {"bonne-1", "bonne-2"}
    # Nothing of the bad files: not even the incubator they name.
    assert db.session.get(Incubator, "nouvel-incubateur") is None


def test_a_file_the_database_refuses_is_rolled_back_alone(tmp_path, monkeypatch):
    (tmp_path / "bonne.md").write_text(GOOD.format(title="Bonne"), encoding="utf-8")
    (tmp_path / "refusee.md").write_text(GOOD.format(title="Refusée").replace("dinum", "autre-incubateur", 1), encoding="utf-8")
    original = importer_module._Importer.apply_startup

    def failing(self, data, notes, reason):
        result = original(self, data, notes, reason)
        if data.id == "refusee":
            db.session.flush()
            raise sa.exc.IntegrityError("INSERT …", {}, Exception("contrainte violée"))
        return result

    monkeypatch.setattr(importer_module._Importer, "apply_startup", failing)
    report = import_directory(tmp_path, TODAY)
    assert report.rejected == [("refusee.md", "refusée par la base de données : contrainte violée")]
    assert ids(Startup) == {"bonne"}
    assert db.session.get(Incubator, "autre-incubateur") is None
    assert report.placeholders == [("incubator", "dinum"), ("organisation", "dinum")]


def write_bad_new_fiches(folder: Path) -> None:
    """The good fiche and three the database would refuse or publish raw, all new (a first import: on
    PostgreSQL, new startups are written by COPY)."""
    (folder / "bonne-fiche.md").write_text(GOOD.format(title="Bonne fiche"), encoding="utf-8")
    text = GOOD.format(title="Montant").replace("incubator: dinum\n", "incubator: dinum\nfast:\n  promotion: 12\n  montant: 3000000000\n")
    (folder / "montant.md").write_text(text, encoding="utf-8")
    (folder / "nul.md").write_text(GOOD.format(title='"Nom\\0avec NUL"'), encoding="utf-8")
    (folder / "echappement.md").write_text(GOOD.format(title='"Ctl\\e[31mRouge\\a"'), encoding="utf-8")


def test_a_bad_new_fiche_is_rejected_alone_with_the_field_and_the_rest_imported(tmp_path):
    write_bad_new_fiches(tmp_path)
    report = import_directory(tmp_path, TODAY)
    assert outcome(report)["startups"] == (1, 0, 0, 3)
    reasons = dict(report.rejected)
    assert reasons["montant.md"].startswith("« fast.montant » : la valeur doit être comprise entre 0")
    assert reasons["nul.md"] == "« title » doit tenir sur une ligne : il ne peut pas contenir le caractère de contrôle U+0000"
    assert reasons["echappement.md"] == ("« title » doit tenir sur une ligne : il ne peut pas contenir le caractère de "
                                         "contrôle U+001B")
    assert ids(Startup) == {"bonne-fiche"}
    db.session.commit()  # what the command does at its end: nothing left half-written
    assert db.session.get(Startup, "bonne-fiche").name == "Bonne fiche"


def test_the_command_imports_the_good_fiches_beside_the_bad_ones(app, tmp_path):
    write_bad_new_fiches(tmp_path)
    result = app.test_cli_runner().invoke(args=["import-betagouv", str(tmp_path), "--today", "2026-11-27"])
    assert result.exit_code == 1, result.output  # some rejected, none crashed
    assert "Fiches rejetées (3)" in result.output
    assert "  - nul.md : « title » doit tenir sur une ligne" in result.output
    assert ids(Startup) == {"bonne-fiche"}


@pytest.mark.parametrize("first_import", [True, False], ids=["new-startup", "existing-startup"])
def test_a_value_the_database_refuses_unwrapped_rejects_its_fiche_alone(tmp_path, monkeypatch, first_import):
    """Were a value beyond a column to pass the fiche's checks, the driver's own error (psycopg's COPY of new
    startups, sqlite3's OverflowError) rejects that fiche alone, as SQLAlchemy's errors do."""
    monkeypatch.setattr(fiches, "FAST_AMOUNT", Range(0, 10**30))
    fiche = GOOD.format(title="Trop").replace("incubator: dinum\n", "incubator: dinum\nfast:\n  montant: {amount}\n")
    (tmp_path / "bonne.md").write_text(GOOD.format(title="Bonne"), encoding="utf-8")
    (tmp_path / "trop.md").write_text(fiche.format(amount=1000), encoding="utf-8")
    if not first_import:
        import_directory(tmp_path, TODAY)
        (tmp_path / "bonne.md").write_text(GOOD.format(title="Bonne, renommée"), encoding="utf-8")
    (tmp_path / "trop.md").write_text(fiche.format(amount=10**20), encoding="utf-8")
    report = import_directory(tmp_path, TODAY)
    [(name, reason)] = report.rejected
    assert name == "trop.md" and reason.startswith("refusée par la base de données : ")
    assert db.session.get(Startup, "bonne").name == ("Bonne" if first_import else "Bonne, renommée")
    assert (db.session.get(Startup, "trop") is None) if first_import else db.session.get(Startup, "trop").fast_amount == 1000


def test_a_file_name_the_pages_would_not_find_is_rejected_and_every_imported_page_is_reachable(client, tmp_path):
    for id in ("Part'âge", "mon service", "mon\u00a0service"):
        (tmp_path / f"{id}.md").write_text(GOOD.format(title="Essai"), encoding="utf-8")
    report = import_directory(tmp_path, TODAY)
    assert report.rejected == [("mon\u00a0service.md", "le nom du fichier « mon\u00a0service.md » ne peut pas servir "
                                "d'identifiant : il contient le caractère non imprimable U+00A0 (la page de la fiche "
                                "serait introuvable)")]
    assert ids(Startup) == {"Part'âge", "mon service"}
    for id in ids(Startup):
        assert client.get(f"/startups/{quote(id)}").status_code == 200
        assert client.get(f"/api/v1/startups/{quote(id)}").status_code == 200


def test_a_folder_of_startup_fiches_only_creates_placeholders_for_what_they_name(tmp_path):
    (tmp_path / "seule.md").write_text(GOOD.format(title="Seule"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("pas une fiche", encoding="utf-8")
    report = import_directory(tmp_path, TODAY)
    assert outcome(report)["startups"] == (1, 0, 0, 0)
    assert report.skipped == ["notes.txt"]
    assert db.session.get(Incubator, "dinum").name == "dinum"


@pytest.mark.parametrize("make, reason", [
    (lambda p: p / "absent", "n'existe pas"),
    (lambda p: (p / "fichier.md").write_text("x") and p / "fichier.md", "n'est pas un dossier"),
    (lambda p: p, "aucune fiche .md"),
])
def test_an_unreadable_folder_is_refused_as_a_whole(tmp_path, make, reason):
    with pytest.raises(ImportDirectoryError, match=reason):
        import_directory(make(tmp_path), TODAY)
