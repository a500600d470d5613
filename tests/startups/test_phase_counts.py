"""The phase counts kept per incubator and sponsor (startups.models.PhaseCount) always equal what counting
the portfolio gives, through every change that moves them, in the transaction of the change."""

import sqlalchemy as sa

from core import clock
from core.db import db
from startups import jobs, queries
from startups.models import PhaseCount, PhasePeriod, cache_is_fresh
from startups.phases import Phase
from tests.factories import d, make_incubator, make_organisation, make_startup

TODAY = d("2026-11-27")


def kept() -> dict:
    rows = db.session.execute(sa.select(PhaseCount.scope, PhaseCount.scope_id, PhaseCount.phase, PhaseCount.startups))
    return {(scope, scope_id, phase): n for scope, scope_id, phase, n in rows if n}


def counted() -> dict:
    """The same figures, counted from the startups as the pages did before (the ranked periods)."""
    db.session.info["startups.cache_fresh"] = (TODAY, False)  # count from the periods, not from the kept rows
    try:
        result = {}
        for incubator_id, counts in queries.count_by_phase_per_incubator(TODAY).items():
            result.update({("incubator", incubator_id, p.value if p else ""): n for p, n in counts.items()})
        for organisation_id, counts in queries.count_by_phase_per_sponsor(TODAY).items():
            result.update({("sponsor", organisation_id, p.value if p else ""): n for p, n in counts.items()})
        return result
    finally:
        db.session.info.pop("startups.cache_fresh", None)


def without_no_incubator(figures: dict) -> dict:
    return {key: n for key, n in figures.items() if not (key[0] == "incubator" and key[1] == "")}


def test_the_kept_counts_follow_every_change_in_the_same_transaction(clock_on):
    clock_on(TODAY)
    dinum, sante = make_organisation("dinum", name="DINUM"), make_organisation("sante", name="Santé")
    a, b = make_incubator("a", name="A"), make_incubator("b", name="B")
    one = make_startup("un", incubator=a, sponsors=[dinum], phases=[("investigation", d("2026-01-01"))])
    two = make_startup("deux", incubator=a, sponsors=[dinum, sante], phases=[("construction", d("2026-02-01"))])
    make_startup("trois", incubator=b, phases=[("investigation", d("2027-02-01"))])  # not started: no phase
    db.session.flush()
    assert cache_is_fresh(TODAY)
    assert without_no_incubator(kept()) == counted()
    assert queries.count_by_phase(TODAY) == {Phase.INVESTIGATION: 1, Phase.CONSTRUCTION: 1, None: 1}

    two.incubator = b  # a move
    db.session.flush()
    assert without_no_incubator(kept()) == counted()
    one.sponsors = [sante]  # a change of sponsors
    db.session.flush()
    assert without_no_incubator(kept()) == counted()
    db.session.add(PhasePeriod(startup=one, position=5, phase=Phase.ACCELERATION, start_on=d("2026-10-01"),
                               effective_start_on=d("2026-10-01")))  # a change of phase
    db.session.flush()
    assert without_no_incubator(kept()) == counted()
    assert queries.count_by_phase(TODAY, sponsor_id="sante") == {Phase.ACCELERATION: 1, Phase.CONSTRUCTION: 1}
    two.archived_at = clock.now()  # an archiving
    db.session.flush()
    assert without_no_incubator(kept()) == counted()
    assert queries.count_by_phase(TODAY, incubator_id="b") == {None: 1}


def test_the_nightly_job_recounts_when_a_planned_phase_starts(clock_on):
    clock_on(TODAY)
    incubator = make_incubator("a", name="A")
    make_startup("futur", incubator=incubator, phases=[("investigation", d("2026-11-28"))])
    db.session.flush()
    assert queries.count_by_phase(TODAY, incubator_id="a") == {None: 1}
    tomorrow = clock_on(d("2026-11-28"))
    assert not cache_is_fresh(tomorrow)  # the day changed: counted from the periods until the job runs
    assert queries.count_by_phase(tomorrow, incubator_id="a") == {Phase.INVESTIGATION: 1}
    jobs.refresh_current_phases(today=tomorrow)
    assert cache_is_fresh(tomorrow)
    assert kept()[("incubator", "a", "investigation")] == 1
    assert queries.count_by_phase(tomorrow, incubator_id="a") == {Phase.INVESTIGATION: 1}
