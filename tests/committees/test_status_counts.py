"""The counts per committee status kept beside the phase counts (committees.due: PhaseCount scope COMMITTEE)
always equal what counting the portfolio gives, through every kind of write that moves a due date or a
phase, in the transaction of the write; they are read only when they hold for today, and the nightly jobs
count them again for the new day. The committee filter of the lists and of the API reads them."""

import sqlalchemy as sa

from committees import decisions, jobs, services
from committees.due import CommitteeDueStatus, kept_counts_with_status, with_status
from committees.models import CommitteeKind, DecisionKind
from core import clock
from core.db import db
from startups import jobs as startup_jobs
from startups import services as startup_services
from startups.importer import import_directory
from startups.models import EventKind
from startups.phases import Phase
from startups.queries import PortfolioFilters, count_by_phase
from tests.committees.lifecycle import cast, paris
from tests.factories import d, make_startup

TODAY = d("2026-11-27")


def kept(today=TODAY) -> dict:
    db.session.flush()
    return {status: kept_counts_with_status(today, status) for status in CommitteeDueStatus}


def counted(today=TODAY) -> dict:
    """The same figures counted from the committees, events and periods (the kept columns left aside)."""
    db.session.flush()
    db.session.info["startups.cache_fresh"] = (today, False)
    db.session.info["startups.dues_fresh"] = (today, False)
    try:
        return {status: count_by_phase(today, PortfolioFilters(within=with_status(today, status)))
                for status in CommitteeDueStatus}
    finally:
        db.session.info.pop("startups.cache_fresh", None)
        db.session.info.pop("startups.dues_fresh", None)


def test_the_kept_counts_per_status_follow_every_change_in_the_same_transaction(clock_on, tmp_path):
    clock_on(TODAY)
    c = cast(phases=[("investigation", d("2026-03-01"))])  # due 2026-09-01: overdue
    other = make_startup("autre", phases=[("construction", d("2026-01-15"))])  # overdue
    make_startup("bientot", phases=[("construction", d("2026-06-15"))])  # due 2026-12-15: within 45 days
    make_startup("loin", phases=[("investigation", d("2026-10-01"))])  # due 2027-04-01: on time
    make_startup("fin", phases=[("abandon", d("2026-01-15"))])  # no committee due
    assert kept() == counted()
    assert kept()[CommitteeDueStatus.OVERDUE] == {Phase.INVESTIGATION: 1, Phase.CONSTRUCTION: 1}

    committee = services.plan_committee(c.startup, kind=CommitteeKind.SEMESTRIAL,
                                        scheduled_at=paris("2026-11-20"), place="Ségur", video_link=None,
                                        chair=c.coach, actor=c.coach, now=paris("2026-10-01"))  # planned
    assert kept() == counted()
    services.mark_held(committee, actor=c.coach, today=TODAY,  # held: due 2027-05-20, on time
                       convention_reason="La coach a présidé, la DINUM était excusée.")
    assert kept() == counted() and kept()[CommitteeDueStatus.OVERDUE] == {Phase.CONSTRUCTION: 1}
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, actor=c.coach, now=clock.now(),
                              envelope_eur=1000, team_size=3, hypotheses="H", success_criteria="S",
                              next_committee_on=d("2027-05-20"))
    decisions.sign_off(committee, actor=c.sponsor, now=clock.now())
    assert kept() == counted()

    startup_services.change_phase(other, phase=Phase.ACCELERATION, starts_on=d("2026-11-01"), reason="Décidé",
                                  actor=None, today=TODAY)  # a new phase: a new due date, another phase counted
    assert kept() == counted() and kept()[CommitteeDueStatus.OVERDUE] == {}
    startup_services.add_event(other, kind=EventKind.COMMITTEE, happened_on=d("2026-11-10"), comment=None,
                               actor=None, today=TODAY, records_committees=True)  # a committee of the timeline
    assert kept() == counted()
    other.archived_at = clock.now()  # archived: counted nowhere
    assert kept() == counted()
    other.archived_at = None  # restored
    assert kept() == counted()
    startup_services.change_phase(other, phase=Phase.ABANDON, starts_on=d("2026-11-20"), reason="Arrêt",
                                  actor=None, today=TODAY)  # a terminal phase: no committee due any more
    assert kept() == counted()

    fiche = tmp_path / "importee.md"
    fiche.write_text("---\ntitle: Importée\nphases:\n  - name: investigation\n    start: 2026-02-01\n---\n",
                     encoding="utf-8")
    import_directory(tmp_path, TODAY)  # a new startup inserted without the ORM: overdue
    assert kept() == counted() and kept()[CommitteeDueStatus.OVERDUE] == {Phase.INVESTIGATION: 1}
    fiche.write_text("---\ntitle: Importée\nphases:\n  - name: investigation\n    start: 2026-02-01\n"
                     "  - name: construction\n    start: 2026-08-01\n---\n", encoding="utf-8")
    import_directory(tmp_path, TODAY)  # a re-import changing its phases: due 2027-02-01, on time
    assert kept() == counted() and kept()[CommitteeDueStatus.OVERDUE] == {}


def test_they_are_read_only_for_their_day_and_the_nightly_jobs_count_them_again(clock_on):
    clock_on(TODAY)
    make_startup("bientot", phases=[("construction", d("2026-06-15"))])  # due 2026-12-15
    make_startup("futur", phases=[("investigation", d("2026-11-28"))])  # starts tomorrow
    assert kept()[CommitteeDueStatus.DUE45] == {Phase.CONSTRUCTION: 1}
    later = clock_on(d("2026-12-16"))  # « bientot » is overdue from today on, « futur » has started
    assert kept(later) == {status: None for status in CommitteeDueStatus}  # yesterday's: not read
    startup_jobs.refresh_current_phases(today=later)
    assert kept(later) == {status: None for status in CommitteeDueStatus}  # the due dates not yet today's
    jobs.refresh_committee_dues(today=later)
    assert kept(later) == counted(later)
    assert kept(later)[CommitteeDueStatus.OVERDUE] == {Phase.CONSTRUCTION: 1}
    assert kept(later)[CommitteeDueStatus.OK] == {Phase.INVESTIGATION: 1}


def test_the_committee_filter_of_the_list_and_the_api_read_them(client, clock_on):
    clock_on(TODAY)
    for n in range(3):
        make_startup(f"retard-{n}", name=f"Retard {n}", phases=[("construction", d("2025-01-15"))])
    make_startup("a-jour", name="À jour", phases=[("investigation", d("2026-10-01"))])
    db.session.flush()
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/startups?committee=overdue").get_data(as_text=True)
        api = client.get("/api/v1/startups?committee=overdue").get_json()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert "Retard 0" in page and "À jour" not in page
    assert api["meta"]["total"] == 3 and [s["id"] for s in api["data"]] == ["retard-0", "retard-1", "retard-2"]
    counts = [s for s in statements if "count(" in s.lower() and "committee_due_on <" in s]
    assert counts == []  # the counts per phase came from the kept rows, not from counting the portfolio
    assert any("phase_counts" in s for s in statements)
