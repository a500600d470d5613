"""What Jalons keeps derived from the startups' phase periods, and keeps current: each startup's cached
current phase (and whether it, and the kept committee due dates of committees/due.py, are today's), the
phase counts of the list pages (PhaseCount), and on SQLite the text search's trigram table (kept by the
triggers of migrations/versions/0028_search_sqlite_trigrams.py, rebuilt each night). The flush listeners here refresh both in the transaction that
changes what they derive from; the nightly jobs (startups/jobs.py) refresh them for the new day. Registered
when the startups package is imported (startups/__init__.py).
"""

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core import clock
from core.db import db
from startups.models import PhaseCount, PhasePeriod, Startup, startup_sponsors
from startups.phases import PHASE_RANKS

log = logging.getLogger(__name__)


def phase_rank_sql():
    return sa.case({phase.value: rank for phase, rank in PHASE_RANKS.items()}, value=PhasePeriod.phase, else_=0)


def _ranked_periods(today: dt.date, startup_ids=None):
    """The exact current-phase rule in SQL: each startup's started periods, ranked by latest start, then
    lifecycle rank, then position in the source (the last listed wins); the first of each (of the given
    startups only, when startup_ids is given)."""
    row_number = sa.func.row_number().over(
        partition_by=PhasePeriod.startup_id,
        order_by=(PhasePeriod.effective_start_on.desc(), phase_rank_sql().desc(), PhasePeriod.position.desc()),
    )
    ranked = (
        sa.select(
            PhasePeriod.startup_id,
            PhasePeriod.phase,
            PhasePeriod.effective_start_on.label("start_on"),
            row_number.label("row_number"),
        )
        .where(PhasePeriod.effective_start_on <= today)
    )
    if startup_ids is not None:
        ranked = ranked.where(PhasePeriod.startup_id.in_(startup_ids))
    ranked = ranked.subquery("ranked_periods")
    return (
        sa.select(ranked.c.startup_id, ranked.c.phase, ranked.c.start_on)
        .where(ranked.c.row_number == 1)
        .subquery("current_periods")
    )


def _cached_periods():
    return (
        sa.select(
            Startup.id.label("startup_id"),
            Startup.cached_phase.label("phase"),
            Startup.cached_phase_start_on.label("start_on"),
        )
        .where(Startup.cached_phase.is_not(None))
        .subquery("current_periods")
    )


_FRESH = "startups.cache_fresh"  # session.info key: (day, whether every cached phase is that day's)
_DUES_FRESH = "startups.dues_fresh"  # session.info key: (day, whether every kept committee due date is that day's)
_REFRESHED = "startups.refreshed"  # session.info key: startups refreshed by the flush under way
_COUNTED = "startups.counted"  # session.info key: {startup id: the phase counts it was in before the flush}


def stale(today: dt.date, column=None):
    # Three ranges of the index on the column, not `!= today`, which would read every startup.
    column = Startup.cached_phase_on if column is None else column
    return sa.or_(column.is_(None), column < today, column > today)


def _probe(column):
    return sa.select(Startup.id).where(stale(sa.bindparam("today", type_=sa.Date), column)).limit(1).scalar_subquery()


# Built once, the day a bound parameter: every list page and the API ask it, and building it with its cache
# key cost as much as running it (0.2 ms of 0.5 on PostgreSQL).
_FRESHNESS = sa.select(_probe(Startup.cached_phase_on), _probe(Startup.committee_due_checked_on))


def _probe_freshness(today: dt.date) -> None:
    """One statement, two probes of three index ranges each (it reads no startup when all are fresh): whether
    every cached phase, and every kept committee due date (committees/due.py), is today's. The session
    remembers both answers until a refresh or the end of its transaction."""
    phase, due = db.session.execute(_FRESHNESS, {"today": today}).one()
    db.session.info[_FRESH] = (today, phase is None)
    db.session.info[_DUES_FRESH] = (today, due is None)


def _fresh(key: str, today: dt.date) -> bool:
    """What the session knows of a kept column's freshness on `today`, probed once for both columns."""
    known = db.session.info.get(key)
    if known is None or known[0] != today:
        _probe_freshness(today)
        known = db.session.info[key]
    return known[1]


def cache_is_fresh(today: dt.date) -> bool:
    """Whether every startup's cached phase is the one of `today` (see _probe_freshness)."""
    return _fresh(_FRESH, today)


def committee_dues_fresh(today: dt.date) -> bool:
    """Whether every startup's kept committee due date (committee_due_on) is the one of `today`."""
    return _fresh(_DUES_FRESH, today)


def forget_freshness(session) -> None:
    """What the session knew of the kept columns' freshness no longer holds (a refresh is under way, or the
    transaction ended: another process may have refreshed them, or changed what they derive from, since)."""
    session.info.pop(_FRESH, None)
    session.info.pop(_DUES_FRESH, None)


def current_periods(today: dt.date, exact: bool = False, startup_ids=None):
    """One row per startup with a started period: (startup_id, phase, start_on), by the current-phase rule.

    The same rule as phases.current_period, as a subquery that pages join and group by. When every
    startup's cached phase is today's (kept by refresh_current_phases after each change of periods and
    each night), it reads the cached columns; otherwise (another day asked, the nightly refresh not run
    yet) it ranks the periods: exact, only slower. Reading never writes. exact=True ranks without asking
    whether the cache is fresh (a day in the past, e.g. the statistics' month ends: no statement spent),
    of the startup_ids only when given.
    """
    if exact:
        return _ranked_periods(today, startup_ids)
    return _cached_periods() if cache_is_fresh(today) else _ranked_periods(today)


def refresh_current_phases(session, today: dt.date, startup_ids=None) -> int:
    """Write each startup's current phase on `today` into its cached columns: every startup whose cache is
    not today's, or the given ones. One set-based UPDATE (the periods ranked once, joined to the startups;
    a startup without a started period gets none), leaving the row's version and updated_at alone (the
    cache is not an edit). Returns the number of startups refreshed."""
    table = Startup.__table__
    ids = sorted(startup_ids) if startup_ids is not None else None
    current = _ranked_periods(today, ids)
    target = table.c.id.in_(ids) if ids is not None else stale(today)
    startups = sa.orm.aliased(Startup, name="refreshed")
    fresh = (
        sa.select(startups.id, current.c.phase, current.c.start_on)
        .outerjoin(current, current.c.startup_id == startups.id)
        .where(startups.id.in_(ids) if ids is not None else sa.true())
        .subquery("fresh")
    )
    forget_freshness(session)
    result = session.connection().execute(
        table.update()
        .where(table.c.id == fresh.c.id, target)
        .values(
            cached_phase=fresh.c.phase,
            cached_phase_start_on=fresh.c.start_on,
            cached_phase_on=today,
            updated_at=table.c.updated_at,
            version=table.c.version,
        )
    )
    return result.rowcount


@dataclasses.dataclass(frozen=True)
class FurtherCounts:
    """Counts an area above startups keeps in PhaseCount beside the phase counts (committees.due: the startups
    per committee status), moved by the same deltas in the same flush, recounted with them.

    touched(session): the ids of the startups a flush's pending changes may move in these counts (asked
    before the flush, to hold what they count for, and after it); refresh(session, ids): after the flush,
    the area's kept columns of those startups made current, before they are counted again; scope_id(row,
    today): the scope id a counted startup (a row of counted_in's select) is in, or None; recount(today): a
    select of (scope, scope id, phase, number) rows, as refresh_phase_counts writes them."""

    scope: str
    touched: Callable
    refresh: Callable
    scope_id: Callable
    recount: Callable


_FURTHER: list[FurtherCounts] = []


def keep_further_counts(counts: FurtherCounts) -> None:
    """Register counts of an area above startups (once, when that area is imported)."""
    if all(kept.scope != counts.scope for kept in _FURTHER):
        _FURTHER.append(counts)


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _hold_counted_startups(session, _context, _instances):
    """Before a flush that may move startups between phase counts (their periods, incubator, sponsors or
    archiving change, or what a further count reads: FurtherCounts): what they count for now, read from the
    database, their rows locked on PostgreSQL until the transaction ends, so that the counts' deltas after the
    flush are those of this transaction alone (apply_count_deltas)."""
    ids = _counted_startups(session)
    for further in _FURTHER:
        ids |= further.touched(session) - _new_startups(session)
    if ids:
        held = session.info.setdefault(_COUNTED, {})
        held.update(counted_in(session, ids - held.keys(), lock=True))


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _refresh_after_changes(session, _context):
    """A flush that adds, changes or removes phase periods (or adds startups) refreshes those startups'
    cached phase for today in the same transaction, and makes the session check freshness again; the phase
    counts of the startups it moves (phase, incubator, sponsors, archiving) follow by deltas."""
    touched = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PhasePeriod) and obj.startup_id is not None:
            touched.add(obj.startup_id)
        elif isinstance(obj, Startup) and obj in session.new:
            touched.add(obj.id)
    if touched:
        refresh_current_phases(session, clock.today(), touched)
        session.info.setdefault(_REFRESHED, set()).update(touched)
    moved = set()
    for further in _FURTHER:
        ids = further.touched(session)
        if ids:
            further.refresh(session, ids)
            moved |= ids
    before = session.info.pop(_COUNTED, {})
    new = _new_startups(session)
    for id in (touched | moved) & new:
        before.setdefault(id, frozenset())  # a new startup counted nowhere until now
    if (touched | moved) - new - before.keys():
        # An existing startup whose counts moved but whose earlier state was not held before the flush: its
        # delta cannot be known. Never a wrong count: every count is recounted in this transaction instead.
        log.warning("phase counts recounted: startups moved without their earlier counts held: %s",
                    sorted((touched | moved) - new - before.keys())[:5])
        refresh_phase_counts(session)
        return
    if before:
        apply_count_deltas(session, before, counted_in(session, before))


@sa.event.listens_for(sa.orm.Session, "after_flush_postexec")
def _expire_refreshed(session, _context):
    """Loaded startups must not keep the values the cache had before the refresh (once the flush is over,
    new startups are in the identity map too)."""
    expire_loaded_startups(session, session.info.pop(_REFRESHED, None),
                           ["cached_phase", "cached_phase_start_on", "cached_phase_on"])


def expire_loaded_startups(session, ids, attributes: list[str]) -> None:
    """Expire those attributes of the startups of the session's identity map whose id is in ids. Read from
    the identity keys, never from the objects: an object left expired by an earlier rollback, whose row is
    gone, would be loaded again by reading its id (and its absence raise)."""
    if not ids:
        return
    for key, obj in list(session.identity_map.items()):
        if issubclass(key[0], Startup) and key[1][0] in ids:
            session.expire(obj, attributes)


@sa.event.listens_for(sa.orm.Session, "after_commit")
@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _forget_freshness(session, *_):
    """What the session knew of the cache holds for its transaction only (another process may have
    refreshed it, or changed periods, since); what a flush that failed had read of the counts, neither."""
    forget_freshness(session)
    session.info.pop(_COUNTED, None)
    session.info.pop(_SEARCH_INDEXED, None)


# --- The phase counts of the list pages -----------------------------------------------------------------

def _new_startups(session) -> set[str]:
    return {obj.id for obj in session.new if isinstance(obj, Startup)}


def _counted_startups(session) -> set[str]:
    """The startups already in the database whose phase counts the session's pending changes may move."""
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PhasePeriod):
            startup = obj.startup_id or (obj.startup.id if obj.startup is not None else None)
            if startup is not None:
                ids.add(startup)
        elif isinstance(obj, Startup) and obj not in session.new:
            state = sa.inspect(obj)
            if obj in session.deleted or any(state.attrs[name].history.has_changes() for name in _COUNTED_FIELDS):
                ids.add(obj.id)
    return ids - {o.id for o in session.new if isinstance(o, Startup)}  # a new one counts nowhere yet


_COUNTED_FIELDS = ("incubator_id", "incubator", "archived_at", "sponsors", "periods")


def counted_in(session, startup_ids, lock: bool = False) -> dict[str, frozenset]:
    """{startup id: the phase counts it is in} from the database: (scope, scope id, phase) of its incubator
    and of each sponsor, none when archived (or gone). lock=True locks the startups' rows on PostgreSQL
    (FOR NO KEY UPDATE), as a change of the startup would, so that what is read stays true until commit."""
    ids = sorted(startup_ids)
    if not ids:
        return {}
    table = Startup.__table__
    query = (
        sa.select(table.c.id, table.c.incubator_id, table.c.cached_phase, table.c.archived_at,
                  table.c.committee_due_on, startup_sponsors.c.organisation_id.label("sponsor_id"))
        .outerjoin(startup_sponsors, startup_sponsors.c.startup_id == table.c.id)
        .where(table.c.id.in_(ids))
        .order_by(table.c.id)
    )
    if lock:
        query = query.with_for_update(key_share=True, of=table)
    counted = {id: set() for id in ids}
    today = clock.today()
    for row in session.connection().execute(query):
        if row.archived_at is not None:
            continue
        phase = str(row.cached_phase) if row.cached_phase else ""
        counted[row.id].add((PhaseCount.INCUBATOR, row.incubator_id or "", phase))
        if row.sponsor_id is not None:
            counted[row.id].add((PhaseCount.SPONSOR, row.sponsor_id, phase))
        for further in _FURTHER:
            scope_id = further.scope_id(row, today)
            if scope_id is not None:
                counted[row.id].add((further.scope, scope_id, phase))
    return {id: frozenset(keys) for id, keys in counted.items()}


def apply_count_deltas(session, before: dict, after: dict) -> None:
    """Add to the phase counts what the startups moved from `before` to `after` ({id: keys of counted_in}):
    one upsert adding each key's delta to its row, so that transactions moving different startups at the
    same time each add their own (row locks, taken in key order), never a recount over a snapshot."""
    deltas = defaultdict(int)
    for id in before.keys() | after.keys():
        for key in after.get(id, frozenset()) - before.get(id, frozenset()):
            deltas[key] += 1
        for key in before.get(id, frozenset()) - after.get(id, frozenset()):
            deltas[key] -= 1
    rows = [{"scope": scope, "scope_id": scope_id, "phase": phase, "startups": delta}
            for (scope, scope_id, phase), delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    connection = session.connection()
    table = PhaseCount.__table__
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    connection.execute(insert.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.scope_id, table.c.phase],
        set_={"startups": table.c.startups + insert.excluded.startups},
    ), rows)


def _counts_by_incubator():
    table = Startup.__table__
    return (
        sa.select(sa.literal(PhaseCount.INCUBATOR), sa.func.coalesce(table.c.incubator_id, ""),
                  sa.func.coalesce(sa.type_coerce(table.c.cached_phase, sa.String), ""), sa.func.count())
        .where(table.c.archived_at.is_(None))
        .group_by(table.c.incubator_id, table.c.cached_phase)
    )


def _counts_by_sponsor():
    table = Startup.__table__
    return (
        sa.select(sa.literal(PhaseCount.SPONSOR), startup_sponsors.c.organisation_id,
                  sa.func.coalesce(sa.type_coerce(table.c.cached_phase, sa.String), ""), sa.func.count())
        .join(table, table.c.id == startup_sponsors.c.startup_id)
        .where(table.c.archived_at.is_(None))
        .group_by(startup_sponsors.c.organisation_id, table.c.cached_phase)
    )


def refresh_phase_counts(session, today: dt.date | None = None) -> None:
    """Count again, from the cached phases, the phase counts of every incubator and sponsor, and the further
    counts (FurtherCounts) on `today` (the clock's by default): after the nightly refresh of the cached phases (or of what a further
    count reads), an import's new startups, or rows changed without the ORM. On PostgreSQL the table is locked
    meanwhile: a transaction adding deltas (apply_count_deltas) waits for the recount, or the recount for it,
    so that its delta lands on a count that does not include it."""
    table = PhaseCount.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE phase_counts IN SHARE ROW EXCLUSIVE MODE")
    connection.execute(table.delete())
    columns = [table.c.scope, table.c.scope_id, table.c.phase, table.c.startups]
    connection.execute(table.insert().from_select(columns, _counts_by_incubator()))
    connection.execute(table.insert().from_select(columns, _counts_by_sponsor()))
    for further in _FURTHER:
        connection.execute(table.insert().from_select(columns, further.recount(today or clock.today())))


SEARCH_INDEX = "startups_search"  # SQLite's FTS5 trigram table of the text search (0028_search_sqlite_trigrams)


_SEARCH_INDEXED = "startups.search_indexed"  # session.info key: whether this SQLite database has SEARCH_INDEX


def has_search_index(session) -> bool:
    """Whether the database is SQLite with the text search's trigram table (a SQLite without FTS5 or its
    trigram tokenizer has none: 0028's warning). Asked once per transaction."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    if _SEARCH_INDEXED not in session.info:
        session.info[_SEARCH_INDEXED] = session.execute(
            sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": SEARCH_INDEX}
        ).first() is not None
    return session.info[_SEARCH_INDEXED]


def rebuild_search_index(session) -> None:
    """SQLite: the text search's trigram table rebuilt from the startups' rows (a VACUUM may have renumbered
    them; its triggers keep it current otherwise). Nothing elsewhere."""
    if has_search_index(session):
        session.execute(sa.text(f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}) VALUES ('rebuild')"))
