"""The phase counts kept per incubator and sponsor (startups.models.PhaseCount) always equal what counting
the portfolio gives, through every change that moves them, in the transaction of the change."""

import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core import clock
from core.db import db
from startups import jobs, queries
from startups.kept import cache_is_fresh, refresh_phase_counts
from startups.models import Incubator, Organisation, PhaseCount, PhasePeriod, Startup
from startups.phases import Phase
from tests.factories import d, make_incubator, make_organisation, make_startup

TODAY = d("2026-11-27")


def kept() -> dict:
    """The counts per incubator and sponsor (those per committee status: tests/committees/test_status_counts.py)."""
    rows = db.session.execute(sa.select(PhaseCount.scope, PhaseCount.scope_id, PhaseCount.phase, PhaseCount.startups)
                              .where(PhaseCount.scope.in_([PhaseCount.INCUBATOR, PhaseCount.SPONSOR])))
    return {(scope, scope_id, phase): n for scope, scope_id, phase, n in rows if n}


def counted(*, as_pages_read_them: bool = False) -> dict:
    """The same figures, counted from the startups as the pages did before (the ranked periods); or, with
    as_pages_read_them, as /incubators and /organisations read the kept rows (one packed row per scope id)."""
    if not as_pages_read_them:
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
    assert counted(as_pages_read_them=True) == counted()  # two phases in one packed row
    two.archived_at = clock.now()  # an archiving
    db.session.flush()
    assert without_no_incubator(kept()) == counted()
    assert counted(as_pages_read_them=True) == counted()
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


WRITERS = 6


def test_writers_moving_different_startups_at_once_neither_wait_for_each_other_nor_lose_a_count(app, clock_on):
    """On PostgreSQL, six writers, each in its own thread and transaction, move six startups at the same
    moment. The first moves a startup of another incubator and sponsor, and keeps its transaction open until
    every other writer has committed: the counts are no table lock that every move waits for. The five
    others move startups of one incubator and sponsor (to another incubator, other sponsors, a new phase,
    the archive): they change the same count rows, so each waits for the row locks of the one before, and
    none loses the others' deltas. After all commits the kept counts equal a count of the portfolio."""
    if app.extensions["sqlalchemy"].engine.dialect.name != "postgresql":
        pytest.skip("needs postgresql: SQLite lets one writer at a time")
    clock_on(TODAY)
    test_session = db.session
    db.session = db._make_scoped_session({})  # committed data that the writers' connections see
    ids = [f"cc-{n}" for n in range(WRITERS)]
    try:
        with app.app_context():
            dinum, sante = make_organisation("cc-dinum", name="DINUM"), make_organisation("cc-sante", name="Santé")
            a, b = make_incubator("cc-a", name="A"), make_incubator("cc-b", name="B")
            make_incubator("cc-c", name="C")
            for id in ids[1:]:
                make_startup(id, incubator=a, sponsors=[dinum], phases=[("investigation", d("2026-01-01"))])
            make_startup(ids[0], incubator=b, sponsors=[sante], phases=[("construction", d("2026-01-01"))])
            db.session.commit()
        loaded, others_done = threading.Barrier(WRITERS, timeout=30), threading.Event()
        committed, errors = [], []

        def move(n):
            try:
                with app.app_context():
                    db.session.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
                    startup = db.session.get(Startup, ids[n])
                    assert startup.sponsors and startup.periods
                    loaded.wait()
                    if n == 0:
                        startup.incubator_id = "cc-c"
                    elif n == 1:
                        startup.incubator_id = "cc-b"
                    elif n == 2:
                        startup.sponsors = [db.session.get(Organisation, "cc-sante")]
                    elif n == 3:
                        startup.sponsors.append(db.session.get(Organisation, "cc-sante"))
                    elif n == 4:
                        startup.periods.append(PhasePeriod(position=1, phase=Phase.ACCELERATION,
                                                           start_on=d("2026-06-01"), effective_start_on=d("2026-06-01")))
                    else:
                        startup.archived_at = clock.now()
                    db.session.flush()
                    if n == 0:  # the others commit while this transaction holds its deltas
                        assert others_done.wait(timeout=30), "the other writers waited for this one"
                    db.session.commit()
                    committed.append(n)
                    if len(committed) == WRITERS - 1 and 0 not in committed:
                        others_done.set()
            except Exception as error:  # reported by the main thread
                errors.append(error)
                others_done.set()
            finally:
                with app.app_context():
                    db.session.remove()

        threads = [threading.Thread(target=move, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == [] and sorted(committed) == list(range(WRITERS)) and committed[-1] == 0
        with app.app_context():
            ours = {key: n for key, n in kept().items() if key[1].startswith("cc-")}
            assert ours == {key: n for key, n in counted().items() if key[1].startswith("cc-")}
            assert ours == {("incubator", "cc-a", "investigation"): 2, ("incubator", "cc-a", "acceleration"): 1,
                            ("incubator", "cc-b", "investigation"): 1, ("incubator", "cc-c", "construction"): 1,
                            ("sponsor", "cc-dinum", "investigation"): 2, ("sponsor", "cc-dinum", "acceleration"): 1,
                            ("sponsor", "cc-sante", "investigation"): 2, ("sponsor", "cc-sante", "construction"): 1}
    finally:
        with app.app_context():
            db.session.execute(sa.delete(AuditEvent).where(AuditEvent.startup_id.in_(ids)))
            db.session.execute(sa.delete(Startup).where(Startup.id.in_(ids)))
            db.session.execute(sa.delete(Incubator).where(Incubator.id.in_(["cc-a", "cc-b", "cc-c"])))
            db.session.execute(sa.delete(Organisation).where(Organisation.id.in_(["cc-dinum", "cc-sante"])))
            refresh_phase_counts(db.session)  # Core deletes: the kept phase counts are recounted by hand
            db.session.commit()
            db.session.remove()
        db.session = test_session
