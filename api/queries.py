"""Batch loaders of the API: data fetched for a whole list of objects at once.

Each loader has the signature loader(objects, ctx) expected by api.schema.Context.loaded, and runs a fixed
number of SQL statements (one, or two for the due dates) whatever the number of objects. The startups of the
list are read as columns (startup_rows), not as ORM objects.
"""

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from conventions.queries import fast_grants_by_startup, published_by_startup
from core.db import among, among_bound, db
from startups.kept import current_periods
from startups.models import Event, EventKind, PhasePeriod, Startup, startup_sponsors
from startups.phases import Phase
from startups.queries import Named, sponsors_of


def _grouped(group_column, join, ids, today) -> dict[str, list[tuple[str, str | None]]]:
    current = current_periods(today)
    query = sa.select(group_column, Startup.id, current.c.phase).select_from(Startup)
    if join is not None:
        query = query.join(*join)
    query = (
        query.outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None), among(group_column, ids))
    )
    grouped = defaultdict(list)
    for group_id, startup_id, phase in db.session.execute(query):
        grouped[group_id].append((startup_id, phase))
    # Sorted here rather than in SQL: the same order (code points) on SQLite and PostgreSQL, whatever the
    # database's collation does with accents.
    return {group_id: sorted(rows) for group_id, rows in grouped.items()}


def startups_of_incubators(incubators, ctx) -> dict[str, list[tuple[str, str | None]]]:
    """incubator id -> [(startup id, current phase or None)], sorted by startup id (code points)."""
    return _grouped(Startup.incubator_id, None, [i.id for i in incubators], ctx.today)


def startups_of_sponsors(organisations, ctx) -> dict[str, list[tuple[str, str | None]]]:
    """organisation id -> [(id, current phase or None)] of the startups it sponsors, sorted by startup id (code points)."""
    return _grouped(
        startup_sponsors.c.organisation_id,
        (startup_sponsors, startup_sponsors.c.startup_id == Startup.id),
        [o.id for o in organisations],
        ctx.today,
    )


def committee_dues(startups, ctx) -> dict:
    """startup id -> CommitteeDue (committees/due.py) of the active startups among them: their kept due dates
    when those are today's, else computed in one statement (page_due_rows; the API shows no last committee)."""
    from committees.due import page_due_rows

    return page_due_rows(ctx.today, list(startups))


def published_funding(startups, ctx) -> dict:
    """startup id -> its published conventions (conventions area), in a fixed number of statements."""
    return published_by_startup([s.id for s in startups])


def fast_funding(startups, ctx) -> dict:
    """startup id -> its FAST grants (conventions area), in one statement."""
    return fast_grants_by_startup([s.id for s in startups])


# --- The startups of the list, as plain values -------------------------------------------------------------

@dataclasses.dataclass(frozen=True, slots=True)
class PeriodRow:
    phase: Phase
    source_name: str | None
    effective_start_on: dt.date | None
    end_on: dt.date | None
    comment: str | None
    position: int


@dataclasses.dataclass(frozen=True, slots=True)
class EventRow:
    kind: EventKind
    happened_on: dt.date
    comment: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class StartupRow:
    """What api.serializers.STARTUP shows of a startup (the same attributes as a Startup's), read as columns:
    a page of 50 startups with their 300 periods, events, incubators and sponsors as ORM objects took half of
    the list's time to load (7.2 ms against 4.2 ms, with the serialisation, at 10 times the portfolio)."""

    id: str
    name: str
    mission: str | None
    link: str | None
    repository: str | None
    stats_url: str | None
    impact_url: str | None
    budget_url: str | None
    dashlord_url: str | None
    user_types: list | None
    themes: list | None
    techno: list | None
    committee_due_on: dt.date | None
    committee_planned_at: dt.datetime | None
    incubator: Named | None
    sponsors: tuple[Named, ...]
    periods: tuple[PeriodRow, ...]
    events: tuple[EventRow, ...]


# The columns of a StartupRow, in its order (before the incubator, which startups.queries.columns_query adds).
STARTUP_COLUMNS = tuple(getattr(Startup, field.name) for field in dataclasses.fields(StartupRow)
                        if field.name not in ("incubator", "sponsors", "periods", "events"))


# The periods and events of a page of startups, built once (core.db.among_bound): their ids bound as `ids`.
_PERIODS_OF = (sa.select(PhasePeriod.startup_id, PhasePeriod.phase, PhasePeriod.source_name,
                         PhasePeriod.effective_start_on, PhasePeriod.end_on, PhasePeriod.comment, PhasePeriod.position)
               .where(among_bound(PhasePeriod.startup_id, "ids")).order_by(PhasePeriod.startup_id, PhasePeriod.position))
_EVENTS_OF = (sa.select(Event.startup_id, Event.kind, Event.happened_on, Event.comment)
              .where(among_bound(Event.startup_id, "ids"))
              .order_by(Event.startup_id, Event.happened_on, Event.position))


def _by_startup(query, ids: list[str], make) -> dict[str, tuple]:
    grouped = defaultdict(list)
    for startup_id, *values in db.session.execute(query, {"ids": ids}):
        grouped[startup_id].append(make(*values))
    return {startup_id: tuple(rows) for startup_id, rows in grouped.items()}


def startup_rows(query) -> list[StartupRow]:
    """The StartupRows of a select of startups.queries.columns_query(…, STARTUP_COLUMNS) rows, with their
    sponsors, periods (in the fiche's order) and events (by date), one statement each."""
    rows = db.session.execute(query).all()
    ids = [row[0] for row in rows]
    sponsors = sponsors_of(ids)
    periods = _by_startup(_PERIODS_OF, ids, PeriodRow) if ids else {}
    events = _by_startup(_EVENTS_OF, ids, EventRow) if ids else {}
    width = len(STARTUP_COLUMNS)
    return [StartupRow(*row[:width], Named(*row[width:width + 2]) if row[width] else None, sponsors.get(row[0], ()),
                       periods.get(row[0], ()), events.get(row[0], ()))
            for row in rows]
