"""Each startup's kept due date (Startup.committee_due_on) always equals what committees.due computes, through
every kind of write that moves it, in the transaction of the write; the nightly job dates them again."""

import datetime as dt

import sqlalchemy as sa

from committees import decisions, jobs, services
from committees.due import CommitteeDueStatus, committee_due, dues_are_fresh, startups_with_status
from committees.models import CommitteeKind, DecisionKind
from core import clock
from core.db import db
from startups import services as startup_services
from startups.importer import import_directory
from startups.models import EventKind, Startup
from startups.phases import Phase
from tests.committees.lifecycle import cast, paris
from tests.factories import d, make_startup

TODAY = d("2026-11-27")


def kept(column=Startup.committee_due_on) -> dict:
    db.session.flush()
    return dict(db.session.execute(sa.select(Startup.id, column)).all())


def computed(today=TODAY, column="next_committee_due") -> dict:
    """The same values, computed from the committees, events and periods (the exact current-phase rule)."""
    due = committee_due(today, exact=True)
    values = dict(db.session.execute(sa.select(due.c.startup_id, due.c[column])).all())
    return {startup_id: values.get(startup_id) for startup_id in db.session.scalars(sa.select(Startup.id))}


def kept_planned() -> dict:
    return kept(Startup.committee_planned_at)


def computed_planned() -> dict:
    """Each startup's earliest planned committee as committees.due computes it (None without a due date)."""
    return computed(column="next_planned_at")


def test_the_kept_due_dates_follow_every_change_in_the_same_transaction(clock_on, tmp_path):
    clock_on(TODAY)
    c = cast(phases=[("investigation", d("2026-03-01"))])
    other = make_startup("autre", phases=[("construction", d("2026-01-15"))])
    make_startup("fin", phases=[("abandon", d("2026-01-15"))])
    assert kept() == computed() and kept()[c.startup.id] == d("2026-09-01")  # new startups (ORM)
    assert dues_are_fresh(TODAY)

    committee = services.plan_committee(c.startup, kind=CommitteeKind.SEMESTRIAL,
                                        scheduled_at=paris("2026-11-20"), place="Ségur", video_link=None,
                                        chair=c.coach, actor=c.coach, now=paris("2026-10-01"))  # planned
    assert kept() == computed()
    assert kept_planned() == computed_planned() and kept_planned()[c.startup.id] == paris("2026-11-20")
    services.reschedule(committee, kind=committee.kind, scheduled_at=paris("2026-11-20", 10), place="Ségur",
                        video_link=None, chair=c.coach, actor=c.coach, now=paris("2026-10-02"),
                        expected_version=committee.version)  # moved
    assert kept_planned() == computed_planned() and kept_planned()[c.startup.id] == paris("2026-11-20", 10)
    services.mark_held(committee, actor=c.coach, today=TODAY,  # held: the clock starts again
                       convention_reason="La coach a présidé, la DINUM était excusée.")
    assert kept() == computed() and kept()[c.startup.id] == d("2027-05-20")
    assert kept_planned() == computed_planned() and kept_planned()[c.startup.id] is None  # held: none planned
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, actor=c.coach, now=clock.now(),
                              envelope_eur=1000, team_size=3, hypotheses="H", success_criteria="S",
                              next_committee_on=d("2027-05-20"))
    decisions.sign_off(committee, actor=c.sponsor, now=clock.now())  # signed off
    assert kept() == computed() and kept()[c.startup.id] == d("2027-05-20")

    late = services.plan_committee(other, kind=CommitteeKind.SEMESTRIAL, scheduled_at=paris("2026-12-10"),
                                   place="Ségur", video_link=None, chair=None, actor=None, now=clock.now())
    assert kept_planned()["autre"] == paris("2026-12-10")
    services.cancel(late, reason="Reporté", actor=None, now=clock.now())  # cancelled
    assert kept() == computed() and kept()["autre"] == d("2026-07-15")
    assert kept_planned() == computed_planned() and kept_planned()["autre"] is None

    startup_services.change_phase(other, phase=Phase.ACCELERATION, starts_on=d("2026-11-01"), reason="Décidé",
                                  actor=None, today=TODAY)  # a phase change
    assert kept() == computed() and kept()["autre"] == d("2027-05-01")
    startup_services.add_event(other, kind=EventKind.COMMITTEE, happened_on=d("2026-11-10"), comment=None,
                               actor=None, today=TODAY, records_committees=True)  # a committee of the timeline
    assert kept() == computed() and kept()["autre"] == d("2027-05-10")

    other.archived_at = clock.now()  # archived: no committee due
    assert kept() == computed() and kept()["autre"] is None
    other.archived_at = None  # restored
    assert kept() == computed() and kept()["autre"] == d("2027-05-10")

    fiche = tmp_path / "importee.md"
    fiche.write_text("---\ntitle: Importée\nphases:\n  - name: investigation\n    start: 2026-02-01\n"
                     "events:\n  - name: committee\n    date: 2026-04-01\n---\n", encoding="utf-8")
    import_directory(tmp_path, TODAY)  # a new startup, inserted without the ORM
    assert kept() == computed() and kept()["importee"] == d("2026-10-01")
    fiche.write_text("---\ntitle: Importée\nphases:\n  - name: investigation\n    start: 2026-02-01\n"
                     "  - name: construction\n    start: 2026-08-01\n---\n", encoding="utf-8")
    import_directory(tmp_path, TODAY)  # a re-import changing its phases and events
    assert kept() == computed() and kept()["importee"] == d("2027-02-01")
    assert dues_are_fresh(TODAY)


def test_the_nightly_job_dates_them_again_and_the_filters_read_them(clock_on):
    clock_on(TODAY)
    make_startup("bientot", phases=[("construction", d("2026-06-01"))])  # due 2026-12-01: within 45 days
    make_startup("futur", phases=[("investigation", d("2026-11-28"))])  # starts tomorrow
    db.session.flush()
    assert set(db.session.scalars(startups_with_status(TODAY, CommitteeDueStatus.DUE45))) == {"bientot"}
    tomorrow = clock_on(d("2026-11-28"))
    assert not dues_are_fresh(tomorrow)  # the day changed: computed from the committees until the job runs
    assert set(db.session.scalars(startups_with_status(tomorrow, CommitteeDueStatus.OK))) == {"futur"}
    assert jobs.refresh_committee_dues(today=tomorrow) == 2
    assert dues_are_fresh(tomorrow) and jobs.refresh_committee_dues(today=tomorrow) == 0
    assert kept() == computed(tomorrow) and kept()["futur"] == d("2027-05-28")
    assert set(db.session.scalars(startups_with_status(tomorrow, CommitteeDueStatus.OK))) == {"futur"}
    later = clock_on(d("2026-12-02"))
    jobs.refresh_committee_dues(today=later)
    assert set(db.session.scalars(startups_with_status(later, CommitteeDueStatus.OVERDUE))) == {"bientot"}


def test_a_list_page_reads_its_due_dates_from_the_kept_column_as_computed(clock_on):
    """The portfolio's « Prochain comité » column (page_due_rows): from the kept dates when they are today's,
    the same dates, statuses and planned committees as computed; computed when they are not."""
    from committees.due import due_rows, page_due_rows

    clock_on(TODAY)
    c = cast(phases=[("investigation", d("2026-03-01"))])
    make_startup("en-retard", phases=[("construction", d("2025-01-15"))])
    make_startup("bientot", phases=[("construction", d("2026-06-15"))])
    make_startup("fin", phases=[("abandon", d("2026-01-15"))])
    services.plan_committee(c.startup, kind=CommitteeKind.SEMESTRIAL, scheduled_at=paris(str(TODAY + dt.timedelta(days=23))),
                            place="Ségur", video_link=None, chair=c.coach, actor=c.coach, now=paris("2026-10-01"))
    db.session.flush()
    startups = list(db.session.scalars(sa.select(Startup).order_by(Startup.id)))
    assert dues_are_fresh(TODAY)

    def shown(rows):
        return {sid: (r.next_committee_due, r.status, r.next_planned_at) for sid, r in rows.items()}

    from_kept = page_due_rows(TODAY, startups)
    assert shown(from_kept) == shown(due_rows(TODAY, [s.id for s in startups]))
    assert from_kept["en-retard"].status == CommitteeDueStatus.OVERDUE and "fin" not in from_kept
    assert from_kept[c.startup.id].next_planned_at is not None

    later = TODAY + dt.timedelta(days=200)  # the kept dates are not that day's: computed
    assert not dues_are_fresh(later)
    assert shown(page_due_rows(later, startups)) == shown(due_rows(later, [s.id for s in startups]))
    assert page_due_rows(TODAY, []) == {}
