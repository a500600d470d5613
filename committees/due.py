"""When the next investment committee of a startup is due, in SQL for lists and in Python for one startup.

The rule (issue 4): every active startup (current phase not terminal) passes a committee at
least every six months. The next one is due six calendar months after the last held committee or, when
none was held yet in the current phase, after the start of the current phase. A held committee is a
Committee held, decided or signed off (its held_on date), or a `committee` event of the imported timeline.

Decisions taken here:
- The clock starts again when the startup enters its current phase: the reference date is the later of
  the last held committee and the start of the current phase. A committee of an earlier phase does not
  make a startup that changed phase since overdue (entering a phase is itself decided at a committee,
  and real timelines often date the committee a few days before the new phase).
- "Six months after" is on calendar months, clamped to the end of the month: 2026-05-31 → 2026-11-30.
- Only dates on or before today count as held (a future-dated event is not a committee that took place).
- Status: `overdue` when the due date is before today; `due45` when it is today or within 45 days;
  `ok` otherwise. A planned committee does not cancel the overdue state (it has not been held yet); it is
  shown beside it (`next_planned_at`).
"""

import dataclasses
import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from committees.models import Committee, CommitteeStatus
from core import clock
from startups.kept import (FurtherCounts, cache_is_fresh, committee_dues_fresh, current_periods, expire_loaded_startups,
                           forget_freshness, keep_further_counts, stale)
from startups.models import Event, EventKind, PhaseCount, PhasePeriod, Startup
from startups.queries import kept_counts
from core.dates import add_months  # noqa: F401 (stats and espace read it from here)
from startups.phases import MONTHS_BETWEEN_COMMITTEES, TERMINAL_PHASES, committee_due_on

DUE_SOON_DAYS = 45
HELD_STATUSES = (CommitteeStatus.HELD, CommitteeStatus.DECIDED, CommitteeStatus.SIGNED_OFF)


class CommitteeDueStatus(enum.StrEnum):
    OVERDUE = "overdue"
    DUE45 = "due45"
    OK = "ok"

    @property
    def label(self) -> str:
        return {
            "overdue": "Comité en retard",
            "due45": "Comité dû sous 45 jours",
            "ok": "Comité à jour",
        }[self.value]

    @property
    def badge(self) -> str | None:
        """The short badge text of lists, None when there is nothing to flag."""
        return {"overdue": "En retard", "due45": "Dans moins de 45 jours", "ok": None}[self.value]


due_on = committee_due_on  # the rule, defined once in startups/phases.py


def status_of(due: dt.date | None, today: dt.date) -> CommitteeDueStatus | None:
    if due is None:
        return None
    if due < today:
        return CommitteeDueStatus.OVERDUE
    if due <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return CommitteeDueStatus.DUE45
    return CommitteeDueStatus.OK


@dataclasses.dataclass(frozen=True)
class CommitteeDue:
    startup_id: str
    last_committee_on: dt.date | None
    next_committee_due: dt.date
    status: CommitteeDueStatus
    # The earliest committee in the `planned` status, if any (shown beside an overdue or due date).
    next_planned_at: dt.datetime | None = None

    @property
    def next_planned_on(self) -> dt.date | None:
        """The planned committee's day in Paris."""
        return clock.day_of(self.next_planned_at) if self.next_planned_at else None


# --- SQL -------------------------------------------------------------------------------------------


class add_months_sql(FunctionElement):
    """date + N calendar months, clamped to the end of the month, as a SQL expression of type Date."""

    type = sa.Date()
    inherit_cache = True
    name = "add_months"

    def __init__(self, day, months: int):
        self.months = int(months)
        super().__init__(day)


@compiles(add_months_sql, "postgresql")
def _add_months_postgresql(element, compiler, **kw):
    # PostgreSQL's interval arithmetic already clamps to the end of the month.
    (day,) = element.clauses
    return f"CAST({compiler.process(day, **kw)} + INTERVAL '{element.months} months' AS DATE)"


@compiles(add_months_sql)
def _add_months_sqlite(element, compiler, **kw):
    # SQLite's '+N months' overflows into the next month (05-31 + 6 months = 12-01): take the earlier of
    # that and the last day of the target month.
    (day,) = element.clauses
    day_sql = compiler.process(day, **kw)
    months = element.months
    return (
        f"min(date({day_sql}, '+{months} months'), "
        f"date({day_sql}, 'start of month', '+{months + 1} months', '-1 day'))"
    )


def due_on_sql(last_committee_on, phase_start_on):
    """due_on() as a SQL expression of its two columns."""
    reference = sa.case(
        (sa.and_(last_committee_on.is_not(None), last_committee_on > phase_start_on), last_committee_on),
        else_=phase_start_on,
    )
    return add_months_sql(reference, MONTHS_BETWEEN_COMMITTEES)


def last_committees(today: dt.date, startup_ids=None):
    """startup_id → last_committee_on: the latest held committee or `committee` event on or before today
    (of those startups only, read by their index, when startup_ids is given)."""
    held = sa.select(Committee.startup_id.label("startup_id"), Committee.held_on.label("held_on")).where(
        Committee.status.in_(HELD_STATUSES),
        Committee.held_on.is_not(None),
        Committee.held_on <= today,
        Committee.archived_at.is_(None),
    )
    events = sa.select(Event.startup_id.label("startup_id"), Event.happened_on.label("held_on")).where(
        Event.kind == EventKind.COMMITTEE, Event.happened_on <= today
    )
    if startup_ids is not None:
        held = held.where(Committee.startup_id.in_(startup_ids))
        events = events.where(Event.startup_id.in_(startup_ids))
    union = sa.union_all(held, events).subquery("held_committees")
    return (
        sa.select(union.c.startup_id, sa.func.max(union.c.held_on).label("last_committee_on"))
        .group_by(union.c.startup_id)
        .subquery("last_committees")
    )


def planned_committees(startup_ids=None):
    """startup_id → next_planned_at: the earliest committee in the `planned` status."""
    query = (
        sa.select(Committee.startup_id, sa.func.min(Committee.scheduled_at).label("next_planned_at"))
        .where(Committee.status == CommitteeStatus.PLANNED, Committee.archived_at.is_(None))
        .group_by(Committee.startup_id)
    )
    if startup_ids is not None:
        query = query.where(Committee.startup_id.in_(startup_ids))
    return query.subquery("planned_committees")


def committee_due(today: dt.date, exact: bool = False, startup_ids=None):
    """One row per active startup: startup_id, last_committee_on, next_committee_due, next_planned_at,
    committee_status ('overdue', 'due45', 'ok'). With startup_ids, the rows of those startups only, each
    part read by the startups' index: a page's rows cost what the page holds, not the portfolio.

    A subquery to outer-join on Startup.id: lists and the API get the due date in the same statement as
    their rows, never one query per startup. Archived startups, startups without a current phase and
    those in a terminal phase have no row (no committee is due). exact: see current_periods.
    """
    current = current_periods(today, exact, startup_ids)
    last = last_committees(today, startup_ids)
    planned = planned_committees(startup_ids)
    due = due_on_sql(last.c.last_committee_on, current.c.start_on)
    rows = (
        sa.select(
            current.c.startup_id,
            last.c.last_committee_on,
            due.label("next_committee_due"),
            planned.c.next_planned_at,
        )
        .select_from(current)
        .join(Startup, Startup.id == current.c.startup_id)
        .outerjoin(last, last.c.startup_id == current.c.startup_id)
        .outerjoin(planned, planned.c.startup_id == current.c.startup_id)
        .where(current.c.phase.not_in([p.value for p in TERMINAL_PHASES]), Startup.archived_at.is_(None),
               Startup.id.in_(startup_ids) if startup_ids is not None else sa.true())
        .subquery("committee_due_rows")
    )
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    status = sa.case(
        (rows.c.next_committee_due < today, CommitteeDueStatus.OVERDUE.value),
        (rows.c.next_committee_due <= soon, CommitteeDueStatus.DUE45.value),
        else_=CommitteeDueStatus.OK.value,
    )
    return sa.select(
        rows.c.startup_id,
        rows.c.last_committee_on,
        rows.c.next_committee_due,
        rows.c.next_planned_at,
        status.label("committee_status"),
    ).subquery("committee_due")


def where_status(due, status: CommitteeDueStatus | str):
    """The condition a filter `committee=overdue|due45|ok` adds to a query outer-joined on committee_due()."""
    return due.c.committee_status == CommitteeDueStatus(status).value


# --- Python, for one startup ----------------------------------------------------------------------


def committee_due_of(startup: Startup, today: dt.date, committees: list[Committee] | None = None) -> CommitteeDue | None:
    """The due date of one startup, by the same rule as committee_due(), from its loaded periods, events
    and committees (pass `committees` when already loaded; else they are queried). None when the startup
    is archived, has no current phase or is in a terminal phase."""
    if startup.archived_at is not None:
        return None
    period = startup.current_period(today)
    if period is None or period.phase in TERMINAL_PHASES:
        return None
    if committees is None:
        from core.db import db

        committees = list(db.session.scalars(sa.select(Committee).where(Committee.startup_id == startup.id)))
    committees = [c for c in committees if c.archived_at is None]
    held = [c.held_on for c in committees if c.status in HELD_STATUSES and c.held_on and c.held_on <= today]
    held += [e.happened_on for e in startup.events if e.kind == EventKind.COMMITTEE and e.happened_on <= today]
    last = max(held, default=None)
    due = due_on(last, period.effective_start_on)
    planned = [c.scheduled_at for c in committees if c.status == CommitteeStatus.PLANNED and c.scheduled_at]
    return CommitteeDue(
        startup_id=startup.id,
        last_committee_on=last,
        next_committee_due=due,
        status=status_of(due, today),
        next_planned_at=min(planned, default=None),
    )


def due_rows(today: dt.date, startup_ids=None) -> dict[str, CommitteeDue]:
    """{startup id: CommitteeDue} from committee_due(), in one statement (all active startups, or those ids)."""
    from core.db import db

    due = committee_due(today, startup_ids=sorted(startup_ids) if startup_ids is not None else None)
    query = sa.select(due)
    return {
        row.startup_id: CommitteeDue(
            startup_id=row.startup_id,
            last_committee_on=row.last_committee_on,
            next_committee_due=row.next_committee_due,
            status=CommitteeDueStatus(row.committee_status),
            next_planned_at=row.next_planned_at,
        )
        for row in db.session.execute(query)
    }


def page_due_rows(today: dt.date, startups: list) -> dict[str, CommitteeDue]:
    """{startup id: CommitteeDue} of a page's loaded startups (Startup objects, or the lists' rows: anything
    with an id and the kept committee_due_on and committee_planned_at), for a list's « Prochain comité » column.

    When every kept due date is today's (dues_are_fresh), the due date and the planned committee are the
    startup's kept ones, and nothing is read; otherwise due_rows() computes them. The last committee's day is
    not kept: last_committee_on is None there (lists do not show it).
    """
    if not startups:
        return {}
    if not dues_are_fresh(today):
        return due_rows(today, [startup.id for startup in startups])
    return {
        startup.id: CommitteeDue(startup_id=startup.id, last_committee_on=None,
                                 next_committee_due=startup.committee_due_on,
                                 status=status_of(startup.committee_due_on, today),
                                 next_planned_at=startup.committee_planned_at)
        for startup in startups if startup.committee_due_on is not None
    }


def startups_with_status(today: dt.date, status: CommitteeDueStatus | str):
    """A select of the ids of the startups in that committee status, for PortfolioFilters.within."""
    return sa.select(Startup.id).where(with_status(today, status))


def with_status(today: dt.date, *statuses: CommitteeDueStatus | str):
    """The condition on Startup of being in one of these committee statuses: a range of the index on the
    kept due date (Startup.committee_due_on) when every startup's is today's, else by committee_due()."""
    statuses = [CommitteeDueStatus(status) for status in statuses]
    if dues_are_fresh(today):
        due, soon = Startup.committee_due_on, today + dt.timedelta(days=DUE_SOON_DAYS)
        ranges = {CommitteeDueStatus.OVERDUE: due < today, CommitteeDueStatus.DUE45: due.between(today, soon),
                  CommitteeDueStatus.OK: due > soon}
        return sa.or_(*(ranges[status] for status in statuses))
    due = committee_due(today)
    return Startup.id.in_(sa.select(due.c.startup_id).where(due.c.committee_status.in_([s.value for s in statuses])))


# --- The kept due dates ---------------------------------------------------------------------------

_REFRESHED = "committees.dues_refreshed"  # session.info key: startups refreshed by the flush under way

# Whether every startup's kept due date is today's: asked with the cached phases' freshness, in one statement.
dues_are_fresh = committee_dues_fresh


def refresh_committee_dues(session, today: dt.date, startup_ids=None) -> int:
    """Write each startup's next committee due date on `today` (committee_due(), exact) into
    Startup.committee_due_on, and its earliest planned committee into Startup.committee_planned_at: every
    startup whose kept date is not today's, or the given ones. One set-based UPDATE that leaves the row's
    version and updated_at alone (a derived value is not an edit); a startup with no committee due gets None
    for both. Returns the number of startups refreshed."""
    table = Startup.__table__
    ids = sorted(startup_ids) if startup_ids is not None else None
    due = committee_due(today, exact=True, startup_ids=ids)
    startups = sa.orm.aliased(Startup, name="refreshed")
    fresh = (
        sa.select(startups.id, due.c.next_committee_due, due.c.next_planned_at)
        .outerjoin(due, due.c.startup_id == startups.id)
        .where(startups.id.in_(ids) if ids is not None else sa.true())
        .subquery("fresh")
    )
    forget_freshness(session)
    result = session.connection().execute(
        table.update()
        .where(table.c.id == fresh.c.id,
               table.c.id.in_(ids) if ids is not None else stale(today, table.c.committee_due_checked_on))
        .values(committee_due_on=fresh.c.next_committee_due, committee_planned_at=fresh.c.next_planned_at,
                committee_due_checked_on=today,
                updated_at=table.c.updated_at, version=table.c.version)
    )
    return result.rowcount


def _startup_of(obj) -> str | None:
    """The startup id of a committee, period or event, also before a flush has set its foreign key."""
    if obj.startup_id is not None:
        return obj.startup_id
    startup = obj.startup
    return startup.id if startup is not None else None


def _touched_startups(session) -> set[str]:
    """The startups whose due date a flush may move: their committees, phase periods or timeline events
    added, changed or removed, or the startup itself added, archived or restored."""
    touched = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Committee, PhasePeriod, Event)):
            startup_id = _startup_of(obj)
            if startup_id is not None:
                touched.add(startup_id)
        elif isinstance(obj, Startup) and (obj in session.new or sa.inspect(obj).attrs.archived_at.history.has_changes()):
            touched.add(obj.id)
    return touched


def _refresh_touched(session, ids: set[str]) -> None:
    """After a flush that changes what dates a startup's next committee: its kept due date refreshed in the
    same transaction (as startups/kept.py does for the current phase), before the counts per committee status
    count it again (startups.kept, FurtherCounts)."""
    refresh_committee_dues(session, clock.today(), ids)
    session.info.setdefault(_REFRESHED, set()).update(ids)


# --- The counts per committee status ----------------------------------------------------------------------

def _status_case(due, today: dt.date):
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    return sa.case((due < today, CommitteeDueStatus.OVERDUE.value), (due <= soon, CommitteeDueStatus.DUE45.value),
                   else_=CommitteeDueStatus.OK.value)


def _recount_statuses(today: dt.date):
    """(scope, status, phase, number) of the startups with a kept due date, per status on `today`."""
    table = Startup.__table__
    status = _status_case(table.c.committee_due_on, today)
    return (
        sa.select(sa.literal(PhaseCount.COMMITTEE), status,
                  sa.func.coalesce(sa.type_coerce(table.c.cached_phase, sa.String), ""), sa.func.count())
        .where(table.c.archived_at.is_(None), table.c.committee_due_on.is_not(None))
        .group_by(status, table.c.cached_phase)
    )


# The list pages' counts per phase of the startups in each committee status, kept in PhaseCount beside the
# phase counts (scope COMMITTEE, the status as scope id): moved by the deltas of every flush that changes a
# due date or a phase, recounted each night once the due dates are today's (committees.jobs). They hold for
# the day the due dates and the cached phases were refreshed on: read only when both are today's.
keep_further_counts(FurtherCounts(
    scope=PhaseCount.COMMITTEE,
    touched=_touched_startups,
    refresh=_refresh_touched,
    scope_id=lambda row, today: status_of(row.committee_due_on, today),
    recount=_recount_statuses,
))


def kept_counts_with_status(today: dt.date, status: CommitteeDueStatus | str, filters=None) -> dict | None:
    """{current phase: number} of the startups in this committee status on `today` — startups.queries.
    count_by_phase of filters whose only other condition is this status — from the kept counts when they hold
    for today (the cached phases and the due dates refreshed today). None when they do not, or when the
    filters narrow the portfolio further (a text, an incubator, a sponsor): count_by_phase counts then."""
    if filters is not None and ((filters.text and filters.text.strip()) or filters.incubator_id or filters.sponsor_id):
        return None
    if not (cache_is_fresh(today) and dues_are_fresh(today)):
        return None
    return kept_counts(PhaseCount.COMMITTEE, CommitteeDueStatus(status).value)


@sa.event.listens_for(sa.orm.Session, "after_flush_postexec")
def _expire_refreshed(session, _context):
    """Loaded startups must not keep the due date they had before the refresh."""
    expire_loaded_startups(session, session.info.pop(_REFRESHED, None), ["committee_due_on", "committee_due_checked_on"])
