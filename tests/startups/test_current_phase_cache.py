"""The cached current phase: lists read it when it is today's, rank the periods otherwise; both give the
current-phase rule, and reading never writes."""

import datetime as dt

import pytest
import sqlalchemy as sa

from core.db import db
from startups import jobs
from startups.importer import import_directory
from startups.kept import _cached_periods, _ranked_periods, cache_is_fresh, current_periods
from startups.models import PhasePeriod, Startup
from startups.phases import Phase, resolve_starts
from tests.conftest import FIXTURES
from tests.factories import d, make_startup

DAYS = [d("2020-06-30"), d("2026-08-15"), d("2027-06-01")]


def rows(subquery) -> dict:
    return {r.startup_id: (r.phase, r.start_on) for r in db.session.execute(sa.select(subquery))}


@pytest.mark.parametrize("today", DAYS)
def test_cached_and_ranked_phases_agree_with_the_rule_on_the_real_snapshot(today):
    import_directory(FIXTURES / "betagouv" / "2026-08", today=today)
    jobs.refresh_current_phases(today=today)
    assert cache_is_fresh(today)
    cached, ranked = rows(_cached_periods()), rows(_ranked_periods(today))
    assert cached == ranked
    by_rule = {}
    for startup in db.session.scalars(sa.select(Startup)):
        period = startup.current_period(today)
        if period is not None:
            by_rule[startup.id] = (period.phase, period.effective_start_on)
    assert cached == by_rule


def test_a_change_of_phase_refreshes_the_cache_in_the_same_transaction(clock_on):
    today = clock_on(d("2026-11-27"))
    startup = make_startup("lieu", phases=[("investigation", today - dt.timedelta(days=90))])
    assert db.session.get(Startup, "lieu").cached_phase == Phase.INVESTIGATION
    startup.periods.append(PhasePeriod(position=1, phase=Phase.CONSTRUCTION, start_on=today))
    resolve_starts(startup.periods)
    db.session.flush()
    assert startup.cached_phase == Phase.CONSTRUCTION
    assert rows(current_periods(today))["lieu"] == (Phase.CONSTRUCTION, today)


def test_a_cache_of_another_day_is_not_used_and_the_answer_stays_exact():
    make_startup("futur", phases=[("investigation", d("2026-01-01")), ("construction", d("2026-12-01"))])
    db.session.execute(sa.update(Startup).values(cached_phase_on=d("2026-11-30")))
    # On 1 December the planned construction has started, though the cache (30 November) says otherwise.
    assert not cache_is_fresh(d("2026-12-01"))
    assert rows(current_periods(d("2026-12-01")))["futur"] == (Phase.CONSTRUCTION, d("2026-12-01"))


def test_the_nightly_job_refreshes_once_a_day():
    make_startup("a", phases=[("investigation", d("2026-01-01"))])
    make_startup("b", phases=[("construction", d("2026-01-01"))])
    assert jobs.refresh_current_phases(today=d("2026-12-02")) == 2
    assert jobs.refresh_current_phases(today=d("2026-12-02")) == 0


def test_reading_the_portfolio_never_writes(client, count_queries):
    make_startup("a", phases=[("investigation", d("2026-01-01"))])
    db.session.execute(sa.update(Startup).values(cached_phase_on=d("2020-01-01")))  # stale on purpose
    with count_queries() as statements:
        assert client.get("/startups").status_code == 200
        assert client.get("/api/v1/startups").status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def test_an_import_caches_the_current_phase_of_the_startups_it_creates(clock_on):
    today = clock_on(d("2026-11-27"))
    import_directory(FIXTURES / "betagouv" / "2026-08", today=today)
    assert cache_is_fresh(today)
    assert rows(_cached_periods()) == rows(_ranked_periods(today))


def test_a_refresh_skips_a_loaded_startup_whose_row_is_gone(clock_on):
    """The refreshes expire the loaded startups they changed. A startup left in the session, expired, whose row
    was deleted behind the ORM's back (as a rolled-back transaction leaves it until the garbage collector runs)
    must not be loaded again to learn its id: that load raised ObjectDeletedError in the middle of a flush."""
    today = clock_on(d("2026-11-27"))
    gone = make_startup(name="Disparue")
    db.session.execute(sa.delete(Startup.__table__).where(Startup.id == gone.id))
    db.session.expire(gone)
    other = make_startup(name="Autre", phases=[("investigation", d("2026-01-05"))])
    other.periods[0].phase = Phase.CONSTRUCTION  # refreshes the kept phase and due date of « Autre »
    db.session.flush()
    assert other.cached_phase is Phase.CONSTRUCTION and other.cached_phase_on == today
    assert gone in db.session  # still there, never loaded again
