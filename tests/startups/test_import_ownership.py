"""No import undoes what was decided in Jalons: who owns what between the fiches and Jalons."""

import shutil
from pathlib import Path

import sqlalchemy as sa

from audit.models import AuditEvent
from committees import decisions
from committees.models import DecisionKind
from core.db import db
from startups import services
from startups.import_merge import merge_fields
from startups.importer import IMPORT_ACTOR, import_directory
from startups.models import Event, EventKind, Source, Startup
from startups.phases import Phase
from tests.committees.lifecycle import NOW, Cast, decided, make_staff
from tests.factories import d, make_membership, make_person

SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "betagouv"
TODAY = d("2026-11-27")

FICHE = """---
title: {title}
mission: {mission}
incubator: dinum
sponsors:
  - /organisations/dinum
phases:
  - name: investigation
    start: 2026-03-01
events:
  - name: product_launch
    date: 2026-06-15
{more}---
"""


def write(folder: Path, title="Lieu", mission="Trouver un lieu", more="") -> None:
    (folder / "lieu.md").write_text(FICHE.format(title=title, mission=mission, more=more), encoding="utf-8")


def lieu() -> Startup:
    db.session.expire_all()
    return db.session.get(Startup, "lieu")


def import_actions() -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_label == IMPORT_ACTOR, AuditEvent.startup_id == "lieu")
        .order_by(AuditEvent.id)
    ))


def sign_off_construction(startup: Startup) -> None:
    """A committee on 10 November 2026 moves the startup to construction; the sponsor signs it off."""
    c = Cast(startup=startup, intrapreneur=make_person("Inès Intra"), sponsor=make_person("Sophie Sponsor"),
             coach=make_person("Camille Coach"), head=make_person("Hugo Head"),
             manager=make_person("Paula Portefeuille"), representative=make_person("Rémi Représentant"), outsider=make_person("Olivier Outsider"),
             admin=make_person("Ada Admin", is_admin=True))
    for person, role in ((c.intrapreneur, "intrapreneur"), (c.sponsor, "sponsor"), (c.coach, "coach")):
        make_membership(person, startup, role)
    make_staff(c.head, startup.incubator)
    committee = decided(c, kind=DecisionKind.NEXT_PHASE, next_phase=Phase.CONSTRUCTION)
    decisions.sign_off(committee, actor=c.sponsor, now=NOW)


def test_a_signed_off_phase_change_and_its_committee_event_survive_a_reimport_of_the_same_fiche(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    sign_off_construction(lieu())
    assert lieu().current_phase(TODAY) == Phase.CONSTRUCTION

    report = import_directory(tmp_path, TODAY)

    startup = lieu()
    assert startup.current_phase(TODAY) == Phase.CONSTRUCTION
    assert [(p.phase, p.source) for p in startup.periods] == [
        (Phase.INVESTIGATION, Source.BETAGOUV), (Phase.CONSTRUCTION, Source.JALONS)]
    assert [(e.kind, e.source) for e in startup.events] == [
        (EventKind.PRODUCT_LAUNCH, Source.BETAGOUV), (EventKind.COMMITTEE, Source.JALONS)]
    # Older than Jalons: nothing applied, and said so by name.
    assert report.startups.older == [
        ("lieu.md", "sa dernière date est le 15 juin 2026, Jalons connaît le 10 novembre 2026")]
    assert (report.startups.updated, report.startups.unchanged) == (0, 0)
    assert import_actions() == ["startup.created"]


def test_a_newer_fiche_adds_what_is_new_upstream_and_keeps_what_jalons_made(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    sign_off_construction(lieu())
    # Upstream learnt of the committee (same day: not added twice) and of a later event; the mission changed.
    write(tmp_path, mission="Trouver un lieu, vite", more=(
        "  - name: committee\n    date: 2026-11-10\n  - name: other\n    date: 2026-11-20\n"))

    report = import_directory(tmp_path, TODAY)

    startup = lieu()
    assert report.startups.updated == 1 and report.older == []
    assert startup.mission == "Trouver un lieu, vite"
    assert startup.current_phase(TODAY) == Phase.CONSTRUCTION
    assert [(e.kind, e.happened_on, e.source) for e in startup.events] == [
        (EventKind.PRODUCT_LAUNCH, d("2026-06-15"), Source.BETAGOUV),
        (EventKind.COMMITTEE, d("2026-11-10"), Source.JALONS),
        (EventKind.OTHER, d("2026-11-20"), Source.BETAGOUV),
    ]
    assert len({e.position for e in startup.events}) == 3
    assert report.startups.kept == [("lieu.md", "1 période de phase faite dans Jalons")]
    assert import_actions() == ["startup.created", "startup.updated", "event.created"]
    update = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "startup.updated",
                                                            AuditEvent.actor_label == IMPORT_ACTOR)).one()
    assert (update.before, update.after, update.reason) == (
        {"mission": "Trouver un lieu"}, {"mission": "Trouver un lieu, vite"}, "Fiche lieu.md")

    # The same fiche again: nothing to do, nothing written.
    again = import_directory(tmp_path, TODAY)
    assert again.startups.unchanged == 1
    assert import_actions() == ["startup.created", "startup.updated", "event.created"]


def test_a_field_edited_in_jalons_is_kept_and_a_change_on_both_sides_is_a_conflict(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    services.edit_startup(lieu(), services.StartupData(name="Lieu-dit", incubator_id="dinum",
                                                       mission="Trouver un lieu", sponsor_ids=["dinum"]),
                          expected_version=None, actor=None, now=NOW)

    kept = import_directory(tmp_path, TODAY)
    assert lieu().name == "Lieu-dit"
    assert kept.startups.kept == [("lieu.md", "Nom : modifié dans Jalons, la fiche n'a pas changé")]
    assert kept.conflicts == [] and kept.startups.unchanged == 1

    # Upstream renames it too, and changes the mission that Jalons left alone.
    write(tmp_path, title="Lieu commun", mission="Trouver un lieu commun")
    report = import_directory(tmp_path, TODAY)
    startup = lieu()
    assert (startup.name, startup.mission) == ("Lieu-dit", "Trouver un lieu commun")
    assert report.startups.conflicts == [("lieu.md", "Nom : modifié dans Jalons et dans la fiche")]
    # Reported at every import until both sides agree.
    assert import_directory(tmp_path, TODAY).startups.conflicts == report.startups.conflicts
    services.edit_startup(startup, services.StartupData(name="Lieu commun", incubator_id="dinum",
                                                        mission="Trouver un lieu commun", sponsor_ids=["dinum"]),
                          expected_version=None, actor=None, now=NOW)
    settled = import_directory(tmp_path, TODAY)
    assert settled.conflicts == [] and settled.kept == []


def test_the_three_way_merge_of_fields():
    merge = merge_fields(
        current={"a": "jalons", "b": "same", "c": "old", "d": "jalons", "e": None},
        wanted={"a": "old", "b": "same", "c": "new", "d": "fiche", "e": "fiche"},
        imported={"a": "old", "b": "same", "c": "old", "d": "old"},
    )
    assert merge.apply == {"c": "new", "e": "fiche"}
    assert (merge.kept, merge.conflicts) == (["a"], ["d"])
    assert merge.imported == {"a": "old", "b": "same", "c": "new", "d": "old", "e": "fiche"}
    # Never imported (created in Jalons): what Jalons set is its own.
    assert merge_fields({"a": "jalons", "b": None}, {"a": "fiche", "b": "fiche"}, None).conflicts == ["a"]


def test_a_phase_entered_in_jalons_at_another_date_than_the_fiche_is_a_conflict_kept_as_jalons_has_it(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    services.change_phase(lieu(), phase=Phase.CONSTRUCTION, starts_on=d("2026-09-01"), reason="Comité", actor=None,
                          today=TODAY)
    fiche = FICHE.format(title="Lieu", mission="Trouver un lieu", more="").replace(
        "events:", "  - name: construction\n    start: 2026-09-15\n  - name: acceleration\n    start: 2026-11-01\nevents:")
    (tmp_path / "lieu.md").write_text(fiche, encoding="utf-8")

    report = import_directory(tmp_path, TODAY)

    startup = lieu()
    assert [(p.phase, p.start_on, p.source) for p in sorted(startup.periods, key=lambda p: p.position)] == [
        (Phase.INVESTIGATION, d("2026-03-01"), Source.BETAGOUV),
        (Phase.CONSTRUCTION, d("2026-09-01"), Source.JALONS),
        (Phase.ACCELERATION, d("2026-11-01"), Source.BETAGOUV),
    ]
    assert report.startups.conflicts == [
        ("lieu.md", "phase « Construction » : depuis le 1er septembre 2026 dans Jalons, depuis le 15 septembre 2026 "
                    "dans la fiche")]
    assert report.startups.kept == []


def sign_off(startup: Startup, kind: DecisionKind, next_phase: Phase | None = None) -> None:
    """A committee on 10 November 2026 decides `kind`; the sponsor signs it off."""
    c = Cast(startup=startup, intrapreneur=make_person("Inès Intra"), sponsor=make_person("Sophie Sponsor"),
             coach=make_person("Camille Coach"), head=make_person("Hugo Head"),
             manager=make_person("Paula Portefeuille"), representative=make_person("Rémi Représentant"),
             outsider=make_person("Olivier Outsider"), admin=make_person("Ada Admin", is_admin=True))
    for person, role in ((c.intrapreneur, "intrapreneur"), (c.sponsor, "sponsor"), (c.coach, "coach")):
        make_membership(person, startup, role)
    make_staff(c.head, startup.incubator)
    ends = kind == DecisionKind.STOP
    committee = decided(c, kind=kind, next_phase=next_phase, next_committee_on=None if ends else d("2027-05-10"),
                        envelope_eur=None if ends else 300_000)
    decisions.sign_off(committee, actor=c.sponsor, now=NOW)


def with_periods(folder: Path, periods: str) -> None:
    fiche = FICHE.format(title="Lieu", mission="Trouver un lieu", more="").replace("events:", periods + "events:")
    (folder / "lieu.md").write_text(fiche, encoding="utf-8")


def test_a_fiche_period_after_a_stop_signed_off_in_jalons_does_not_revive_the_startup(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    sign_off(lieu(), DecisionKind.STOP)
    assert lieu().current_phase(TODAY) == Phase.ABANDON_INVESTIGATION
    # Upstream, somebody writes a construction phase after the committee's stop.
    with_periods(tmp_path, "  - name: construction\n    start: 2026-11-20\n")

    report = import_directory(tmp_path, TODAY)

    startup = lieu()
    assert startup.current_phase(TODAY) == Phase.ABANDON_INVESTIGATION
    assert [(p.phase, p.source) for p in sorted(startup.periods, key=lambda p: p.position)] == [
        (Phase.INVESTIGATION, Source.BETAGOUV), (Phase.ABANDON_INVESTIGATION, Source.JALONS)]
    assert report.startups.conflicts == [
        ("lieu.md", "phase « Construction » depuis le 20 novembre 2026 dans la fiche : Jalons a fait passer la "
                    "startup en phase « Investigation non concluante » le 10 novembre 2026, seul·e un·e "
                    "administrateur·rice peut revenir en arrière")]
    assert "phase_period.created" not in import_actions()


def test_a_fiche_period_going_back_from_a_phase_signed_off_in_jalons_is_a_conflict_a_later_one_is_added(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    sign_off(lieu(), DecisionKind.NEXT_PHASE, Phase.CONSTRUCTION)
    # Upstream: back to investigation after the committee (refused), then on to acceleration (a later phase).
    with_periods(tmp_path, "  - name: investigation\n    start: 2026-11-15\n"
                           "  - name: acceleration\n    start: 2026-11-25\n")

    report = import_directory(tmp_path, TODAY)

    startup = lieu()
    assert [(p.phase, p.start_on, p.source) for p in sorted(startup.periods, key=lambda p: p.position)] == [
        (Phase.INVESTIGATION, d("2026-03-01"), Source.BETAGOUV),
        (Phase.CONSTRUCTION, d("2026-11-10"), Source.JALONS),
        (Phase.ACCELERATION, d("2026-11-25"), Source.BETAGOUV),
    ]
    assert startup.current_phase(d("2026-11-20")) == Phase.CONSTRUCTION
    assert [what for _, what in report.startups.conflicts] == [
        "phase « Investigation » depuis le 15 novembre 2026 dans la fiche : Jalons a fait passer la startup en "
        "phase « Construction » le 10 novembre 2026, seul·e un·e administrateur·rice peut revenir en arrière"]


def test_a_period_deleted_in_jalons_is_not_brought_back(tmp_path):
    write(tmp_path, more="  - name: other\n    date: 2026-07-01\n")
    fiche = (tmp_path / "lieu.md").read_text(encoding="utf-8").replace(
        "events:", "  - name: construction\n    start: 2026-04-01\n  - name: construction\n    start: 2026-05-01\nevents:")
    (tmp_path / "lieu.md").write_text(fiche, encoding="utf-8")
    import_directory(tmp_path, TODAY)
    duplicate = lieu().periods[1]
    services.delete_period(duplicate, reason="Saisie en double", actor=None, expected=None)

    report = import_directory(tmp_path, TODAY)

    assert [p.start_on for p in lieu().periods] == [d("2026-03-01"), d("2026-05-01")]
    assert report.startups.kept == [("lieu.md", "1 période supprimée ou corrigée dans Jalons")]
    assert report.startups.unchanged == 1


def test_a_period_corrected_in_jalons_is_not_brought_back_as_it_was(tmp_path):
    """An admin corrects the phase of the current period (its date unchanged), then its date: the fiche that
    still lists the period as it was adds it neither as it was first, nor as it was in between."""
    write(tmp_path, more="  - name: other\n    date: 2026-07-01\n")
    fiche = (tmp_path / "lieu.md").read_text(encoding="utf-8").replace(
        "events:", "  - name: transfere\n    start: 2026-09-01\nevents:")
    (tmp_path / "lieu.md").write_text(fiche, encoding="utf-8")
    import_directory(tmp_path, TODAY)
    period = lieu().periods[1]
    services.edit_period(period, phase=Phase.ABANDON, start_on=d("2026-09-01"), end_on=None, comment=None,
                         reason="Abandonnée, pas transférée", actor=None, expected=None)
    report = import_directory(tmp_path, TODAY)
    assert [(p.phase, p.start_on) for p in lieu().periods] == [
        (Phase.INVESTIGATION, d("2026-03-01")), (Phase.ABANDON, d("2026-09-01"))]
    assert lieu().current_phase(TODAY) == Phase.ABANDON
    assert report.startups.kept == [("lieu.md", "1 période de phase faite dans Jalons"),
                                    ("lieu.md", "1 période supprimée ou corrigée dans Jalons")]

    services.edit_period(lieu().periods[1], phase=Phase.ABANDON, start_on=d("2026-09-10"), end_on=None,
                         comment=None, reason="Date exacte", actor=None, expected=None)
    (tmp_path / "lieu.md").write_text(fiche.replace("name: transfere", "name: abandon"), encoding="utf-8")
    import_directory(tmp_path, TODAY)
    assert [(p.phase, p.start_on) for p in lieu().periods] == [
        (Phase.INVESTIGATION, d("2026-03-01")), (Phase.ABANDON, d("2026-09-10"))]


def test_an_event_corrected_in_jalons_is_not_brought_back_as_it_was(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    [event] = lieu().events
    services.edit_event(event, kind=EventKind.PRODUCT_LAUNCH, happened_on=d("2026-06-25"), comment=None, actor=None,
                        today=TODAY, expected=None)
    write(tmp_path, more="  - name: other\n    date: 2026-07-01\n")  # newer than Jalons: not an older fiche
    report = import_directory(tmp_path, TODAY)
    assert [(e.kind, e.happened_on) for e in lieu().events] == [
        (EventKind.PRODUCT_LAUNCH, d("2026-06-25")), (EventKind.OTHER, d("2026-07-01"))]
    assert ("lieu.md", "1 événement supprimé ou corrigé dans Jalons") in report.startups.kept


def test_an_event_added_in_jalons_after_the_fiche_makes_the_fiche_older(tmp_path):
    write(tmp_path)
    import_directory(tmp_path, TODAY)
    services.add_event(lieu(), kind=EventKind.NATIONAL_IMPACT, happened_on=d("2026-10-01"), comment=None,
                       actor=None, today=TODAY)
    write(tmp_path, mission="Autre mission")
    report = import_directory(tmp_path, TODAY)
    assert lieu().mission == "Trouver un lieu"
    assert [name for name, _ in report.startups.older] == ["lieu.md"]
    assert [e.kind for e in lieu().events] == [EventKind.PRODUCT_LAUNCH, EventKind.NATIONAL_IMPACT]


def test_the_2019_sample_over_the_2026_snapshot_changes_no_current_phase():
    import_directory(SNAPSHOTS / "2026-08", TODAY)
    phases = dict(db.session.execute(sa.select(Startup.id, Startup.cached_phase)).all())
    events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))

    report = import_directory(SNAPSHOTS / "2019-01-01", TODAY)

    db.session.expire_all()
    after = dict(db.session.execute(sa.select(Startup.id, Startup.cached_phase)).all())
    assert {id: after[id] for id in phases} == phases
    assert {id: db.session.get(Startup, id).current_phase(TODAY) for id in phases} == phases
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events
    # Every startup the 2026 snapshot knew is reported older, by name; the others are new.
    older = {name.removeprefix("_startups/").removesuffix(".md") for name, _ in report.startups.older}
    known = {path.stem for path in (SNAPSHOTS / "2019-01-01" / "_startups").glob("*.md")} & set(phases)
    assert older == known and older
    assert report.startups.created == 46 - len(known)
    assert report.startups.updated == 0
