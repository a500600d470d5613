"""The programme's figures for /stats, each computed by one SQL statement over the real history.

Every figure takes the day it is « as of » (clock.today() in the view) and the filters; it never asks the
clock itself. Where SQLite has no percentile function, the statement fetches the one column needed and
the medians and quartiles are computed here, in Python, over it. Phases are those stored, i.e. the
legacy names of old fiches already mapped as the import maps them (startups.phases.parse_phase).
"""

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict

import sqlalchemy as sa

from committees import due as committee_due
from committees.models import Committee, Decision, DecisionKind, SignOff
from conventions.models import Convention
from core import clock
from core.clock import PARIS
from core.db import UTCDateTime, db
from indicators.models import (
    Frequency, Indicator, IndicatorKind, IndicatorReporting, IndicatorValue, Reporting, StartupBudget,
)
from indicators.queries import month_shift
from startups.kept import current_periods, phase_rank_sql
from startups.models import Event, EventKind, Incubator, Organisation, PhasePeriod, Startup, startup_sponsors
from startups.phases import TERMINAL_PHASES, TYPICAL_MONTHS, Phase

# The phases a startup has reached when it has a started period in any of them (a later phase implies
# the earlier ones: a startup moved straight from investigation to acceleration did reach construction).
REACHED = {
    Phase.CONSTRUCTION: (Phase.CONSTRUCTION, Phase.ACCELERATION, Phase.CONSOLIDATION, Phase.OPERE, Phase.TRANSFERE),
    Phase.ACCELERATION: (Phase.ACCELERATION, Phase.CONSOLIDATION, Phase.OPERE, Phase.TRANSFERE),
    Phase.CONSOLIDATION: (Phase.CONSOLIDATION, Phase.OPERE, Phase.TRANSFERE),
}
INCUBATION_PHASES = (Phase.INVESTIGATION, Phase.CONSTRUCTION, Phase.ACCELERATION, Phase.CONSOLIDATION)
DAYS_PER_MONTH = 30.4375
OVERDUE_MONTHS = 24  # « by month over the last two years »
REPORTING_MONTHS = 24


@dataclasses.dataclass(frozen=True)
class Filters:
    """What /stats is restricted to: an incubator, a partner ministry (a sponsor of the startup, or the
    partner of a convention), years from first_year to last_year (each figure says which date's year)."""

    incubator_id: str | None = None
    partner_id: str | None = None
    first_year: int | None = None
    last_year: int | None = None

    def startup_scope(self, startup_id) -> list:
        """Conditions on a startup id column: not archived, in the incubator, sponsored by the partner."""
        conditions = [Startup.archived_at.is_(None)]
        if self.incubator_id:
            conditions.append(Startup.incubator_id == self.incubator_id)
        if self.partner_id:
            conditions.append(sa.exists().where(startup_sponsors.c.startup_id == startup_id,
                                                startup_sponsors.c.organisation_id == self.partner_id))
        return conditions

    def year_scope(self, year) -> list:
        conditions = []
        if self.first_year is not None:
            conditions.append(year >= self.first_year)
        if self.last_year is not None:
            conditions.append(year <= self.last_year)
        return conditions

    def in_years(self, day: dt.date) -> bool:
        return (self.first_year is None or day.year >= self.first_year) and (self.last_year is None or day.year <= self.last_year)


def year_of(column):
    return sa.cast(sa.extract("year", column), sa.Integer)


def _semester(column):
    return sa.case((sa.cast(sa.extract("month", column), sa.Integer) <= 6, 1), else_=2)


def quartiles(values: list[float]) -> tuple[float, float, float] | None:
    """(first quartile, median, third quartile), inclusive method (the median of one value is itself)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def share(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


# --- The funnel ------------------------------------------------------------------------------------


@dataclasses.dataclass
class FunnelRow:
    year: int
    entered: int
    construction: int
    acceleration: int
    consolidation: int
    transferred: int
    stopped_investigation: int
    stopped_later: int

    @property
    def rates(self) -> dict[str, float | None]:
        """Conversion from one step to the next, in %."""
        return {
            "construction": share(self.construction, self.entered),
            "acceleration": share(self.acceleration, self.construction),
            "consolidation": share(self.consolidation, self.acceleration),
            "transferred": share(self.transferred, self.consolidation),
        }


def funnel(today: dt.date, filters: Filters) -> list[FunnelRow]:
    """Per year of first entry into investigation (the earliest investigation period started by today):
    the startups that entered, and those with a started period in construction or later, acceleration or
    later, consolidation or later, transferred, stopped after investigation, stopped later."""
    started = PhasePeriod.effective_start_on <= today

    def reached(phases) -> sa.ColumnElement:
        return sa.func.max(sa.case((sa.and_(started, PhasePeriod.phase.in_(list(phases))), 1), else_=0))

    per_startup = (
        sa.select(
            PhasePeriod.startup_id,
            sa.func.min(sa.case((sa.and_(started, PhasePeriod.phase == Phase.INVESTIGATION), PhasePeriod.effective_start_on)))
            .label("entered_on"),
            reached(REACHED[Phase.CONSTRUCTION]).label("construction"),
            reached(REACHED[Phase.ACCELERATION]).label("acceleration"),
            reached(REACHED[Phase.CONSOLIDATION]).label("consolidation"),
            reached([Phase.TRANSFERE]).label("transferred"),
            reached([Phase.ABANDON_INVESTIGATION]).label("stopped_investigation"),
            reached([Phase.ABANDON]).label("stopped_later"),
        )
        .join(Startup, Startup.id == PhasePeriod.startup_id)
        .where(*filters.startup_scope(PhasePeriod.startup_id))
        .group_by(PhasePeriod.startup_id)
        .subquery("funnel_startups")
    )
    year = year_of(per_startup.c.entered_on)
    rows = db.session.execute(
        sa.select(
            year.label("year"),
            sa.func.count(),
            *[sa.func.sum(per_startup.c[name]) for name in
              ("construction", "acceleration", "consolidation", "transferred", "stopped_investigation", "stopped_later")],
        )
        .where(per_startup.c.entered_on.is_not(None), *filters.year_scope(year))
        .group_by(year)
        .order_by(year)
    ).all()
    return [FunnelRow(int(y), *(int(v or 0) for v in values)) for y, *values in rows]


def funnel_total(rows: list[FunnelRow]) -> FunnelRow:
    total = FunnelRow(0, 0, 0, 0, 0, 0, 0, 0)
    for row in rows:
        for field in dataclasses.fields(FunnelRow)[1:]:
            setattr(total, field.name, getattr(total, field.name) + getattr(row, field.name))
    return total


# --- Time in phase ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Durations:
    """Days spent in a phase: periods ended (the startup moved on) and periods still under way."""

    ended: list[int] = dataclasses.field(default_factory=list)
    ongoing: list[int] = dataclasses.field(default_factory=list)
    past_typical: int = 0

    @property
    def count(self) -> int:
        return len(self.ended) + len(self.ongoing)

    def months(self, which: str) -> tuple[float, float, float] | None:
        found = quartiles(sorted(getattr(self, which)))
        return tuple(days / DAYS_PER_MONTH for days in found) if found else None

    @property
    def past_typical_share(self) -> float | None:
        return share(self.past_typical, self.count)


@dataclasses.dataclass
class TimeInPhase:
    by_phase: dict[Phase, Durations]
    by_incubator: dict[tuple[str, Phase], Durations]
    by_year: dict[tuple[int, Phase], Durations]
    incubator_names: dict[str, str]


def time_in_phase(today: dt.date, filters: Filters) -> TimeInPhase:
    """Each started period of an active phase lasts from its start to the start of the startup's next
    period (in the order of the current-phase rule); the last one, the current phase, is still under way
    and counted until today. Per phase, per incubator and per year the period started."""
    ranges = _phase_ranges()
    rows = db.session.execute(
        sa.select(ranges.c.phase, ranges.c.start_on, ranges.c.next_start, Startup.incubator_id, Incubator.name)
        .join(Startup, Startup.id == ranges.c.startup_id)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
        .where(ranges.c.start_on <= today, ranges.c.phase.not_in([p.value for p in TERMINAL_PHASES]),
               *filters.startup_scope(ranges.c.startup_id), *filters.year_scope(year_of(ranges.c.start_on)))
    ).all()
    result = TimeInPhase({}, {}, {}, {})
    for phase, start, next_start, incubator_id, incubator_name in rows:
        if next_start is not None and next_start > today:
            next_start = None  # the next period is only planned: this one is under way
        end = next_start if next_start is not None else today
        days = (end - start).days
        typical = TYPICAL_MONTHS.get(phase)
        late = typical is not None and committee_due.add_months(start, typical) < end
        keys = [(result.by_phase, phase), (result.by_year, (start.year, phase))]
        if incubator_id:
            keys.append((result.by_incubator, (incubator_id, phase)))
            result.incubator_names[incubator_id] = incubator_name
        for table, key in keys:
            durations = table.setdefault(key, Durations())
            (durations.ended if next_start is not None else durations.ongoing).append(days)
            durations.past_typical += late
    return result


# --- Committees ------------------------------------------------------------------------------------


def month_ends(today: dt.date, count: int) -> list[dt.date]:
    """The last day of each of the `count` months up to today's, today standing for its own month."""
    first = dt.date(today.year, today.month, 1)
    days = [month_shift(first, -back + 1) - dt.timedelta(days=1) for back in range(count - 1, 0, -1)]
    return days + [today]


@dataclasses.dataclass
class Share:
    label: str
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return share(self.part, self.whole)


def _phase_ranges():
    """Each dated period with the start of the startup's next one (in the order of the current-phase rule):
    the period is the current phase on the days from its start to the day before the next one's start (a
    period tied on its start with a later-ranked one has an empty range: the later one wins, as the rule says)."""
    order = (PhasePeriod.effective_start_on, phase_rank_sql(), PhasePeriod.position)
    return (
        sa.select(
            PhasePeriod.startup_id, PhasePeriod.phase, PhasePeriod.effective_start_on.label("start_on"),
            sa.func.lead(PhasePeriod.effective_start_on, type_=sa.Date)
            .over(partition_by=PhasePeriod.startup_id, order_by=order).label("next_start"),
        )
        .where(PhasePeriod.effective_start_on.is_not(None))
        .subquery("phase_ranges")
    )


def _current_on(ranges, day):
    """The join condition: the range holds the current phase on `day` (a column)."""
    return sa.and_(ranges.c.start_on <= day, sa.or_(ranges.c.next_start.is_(None), ranges.c.next_start > day))


def overdue_by_month(today: dt.date, filters: Filters) -> list[Share]:
    """On the last day of each of the last 24 months (today for the current one): the active startups (a
    current phase, not terminal, on that day) and those whose committee was overdue that day, by the
    due-date rule of the portfolio (six months after the later of the last committee held and the start
    of the current phase)."""
    days = month_ends(today, OVERDUE_MONTHS)
    table = sa.union_all(*[sa.select(sa.literal(day, sa.Date).label("day")) for day in days]).subquery("month_ends")
    ranges, held = _phase_ranges(), _held(today)
    # Each committee is the last one held from its day to the day before the startup's next: joined to the
    # (range, day) rows by startup and interval, rather than every committee joined to every month end and
    # grouped (24 times the committees, then a maximum per startup and day).
    last = (
        sa.select(held.c.startup_id, held.c.held_on,
                  sa.func.lead(held.c.held_on, type_=sa.Date)
                  .over(partition_by=held.c.startup_id, order_by=held.c.held_on).label("next_held_on"))
        .subquery("last_committees")
    )
    due = committee_due.due_on_sql(last.c.held_on, ranges.c.start_on)
    rows = db.session.execute(
        sa.select(table.c.day, sa.func.count(), sa.func.sum(sa.case((due < table.c.day, 1), else_=0)))
        .select_from(ranges)
        .join(table, _current_on(ranges, table.c.day))
        .join(Startup, Startup.id == ranges.c.startup_id)
        .outerjoin(last, sa.and_(last.c.startup_id == ranges.c.startup_id, last.c.held_on <= table.c.day,
                                 sa.or_(last.c.next_held_on.is_(None), last.c.next_held_on > table.c.day)))
        .where(ranges.c.phase.not_in([p.value for p in TERMINAL_PHASES]), *filters.startup_scope(ranges.c.startup_id))
        .group_by(table.c.day)
    ).all()
    found = {day: (int(active), int(overdue or 0)) for day, active, overdue in rows}
    return [Share(day.isoformat()[:7], found.get(day, (0, 0))[1], found.get(day, (0, 0))[0]) for day in days]


def overdue_by_incubator(today: dt.date, filters: Filters) -> list[Share]:
    """Today, per incubator: its active startups and those whose committee is overdue. Today's current phases
    are read from the startups' kept columns when they are fresh (one cheap statement asks, and the session
    remembers the answer for cost_per_use_by_phase): five times cheaper than ranking every period."""
    due = committee_due.committee_due(today)
    rows = db.session.execute(
        sa.select(Incubator.name, sa.func.count(),
                  sa.func.sum(sa.case((due.c.next_committee_due < today, 1), else_=0)))
        .select_from(due).join(Startup, Startup.id == due.c.startup_id)
        .join(Incubator, Incubator.id == Startup.incubator_id)
        .where(*filters.startup_scope(due.c.startup_id))
        .group_by(Incubator.id, Incubator.name)
        .order_by(Incubator.name)
    ).all()
    return [Share(name, int(overdue or 0), int(active)) for name, active, overdue in rows]


def _held(today: dt.date):
    """(startup_id, held_on) of every committee held on or before today, once per startup and day: the
    committees held in Jalons and the `committee` events of the timeline (a sign-off adds one for its
    committee: UNION, not UNION ALL)."""
    return sa.union(
        sa.select(Committee.startup_id.label("startup_id"), Committee.held_on.label("held_on")).where(
            Committee.status.in_(committee_due.HELD_STATUSES), Committee.held_on.is_not(None),
            Committee.held_on <= today, Committee.archived_at.is_(None)),
        sa.select(Event.startup_id.label("startup_id"), Event.happened_on.label("held_on")).where(
            Event.kind == EventKind.COMMITTEE, Event.happened_on <= today),
    ).subquery("held")


NO_INCUBATOR = "Sans incubateur"


@dataclasses.dataclass
class BySemester:
    """Counts per semester (« 2025 S2 »), in all and per incubator (its id; None: startups without one)."""

    semesters: list[str]
    total: dict[str, int]
    by_incubator: dict[str | None, dict[str, int]]
    incubator_names: dict[str | None, str]

    def incubators(self) -> list[tuple[str | None, str]]:
        """(id, name) of the incubators counted, by name; those without an incubator last."""
        return sorted(self.incubator_names.items(), key=lambda item: (item[0] is None, item[1].lower()))


def _by_semester(rows) -> BySemester:
    """rows: (year, semester, incubator id, incubator name, count), ordered by year and semester."""
    found = BySemester([], {}, {}, {})
    for year, semester, incubator_id, name, n in rows:
        label = f"{int(year)} S{int(semester)}"
        if label not in found.total:
            found.semesters.append(label)
            found.total[label] = 0
        found.total[label] += int(n)
        counts = found.by_incubator.setdefault(incubator_id, {})
        counts[label] = counts.get(label, 0) + int(n)
        found.incubator_names[incubator_id] = name or NO_INCUBATOR
    return found


def held_per_semester_and_incubator(today: dt.date, filters: Filters) -> BySemester:
    """Committees held per semester, in all and per incubator of the startup (a startup's committees of one
    day count once); one statement."""
    held = _held(today)
    year, semester = year_of(held.c.held_on), _semester(held.c.held_on)
    rows = db.session.execute(
        sa.select(year, semester, Startup.incubator_id, Incubator.name, sa.func.count())
        .join(Startup, Startup.id == held.c.startup_id)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
        .where(*filters.startup_scope(held.c.startup_id), *filters.year_scope(year))
        .group_by(year, semester, Startup.incubator_id, Incubator.name).order_by(year, semester)
    ).all()
    return _by_semester(rows)


def held_by_semester(today: dt.date, filters: Filters) -> list[tuple[str, int]]:
    """Committees held per semester (a startup's committees of one day count once)."""
    found = held_per_semester_and_incubator(today, filters)
    return [(label, found.total[label]) for label in found.semesters]


@dataclasses.dataclass
class Delays:
    label: str
    days: list[int]

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def late(self) -> int:
        return sum(1 for d in self.days if d > 0)


def committee_delays(today: dt.date, filters: Filters) -> list[Delays]:
    """Per year, each committee held minus the date it was due: six months after the later of the
    previous committee held and the start of the phase the startup was in the day before. Positive: late."""
    held = _held(today)
    previous = sa.func.lag(held.c.held_on, type_=sa.Date).over(partition_by=held.c.startup_id, order_by=held.c.held_on)
    phase_start = (
        sa.select(sa.func.max(PhasePeriod.effective_start_on))
        .where(PhasePeriod.startup_id == held.c.startup_id, PhasePeriod.effective_start_on < held.c.held_on)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(held.c.held_on, previous, phase_start)
        .join(Startup, Startup.id == held.c.startup_id)
        .where(*filters.startup_scope(held.c.startup_id))
    ).all()
    years: dict[int, list[int]] = defaultdict(list)
    for held_on, previous_on, start in rows:
        if start is None or not filters.in_years(held_on):
            continue
        due = committee_due.due_on(previous_on, start)
        years[held_on.year].append((held_on - due).days)
    return [Delays(str(year), sorted(days)) for year, days in sorted(years.items())]


def decisions_per_semester_and_incubator(today: dt.date, filters: Filters) -> dict[DecisionKind, BySemester]:
    """Decisions recorded, per kind: per semester of their committee, in all and per incubator; one statement."""
    year, semester = year_of(Committee.held_on), _semester(Committee.held_on)
    rows = db.session.execute(
        sa.select(Decision.kind, year, semester, Startup.incubator_id, Incubator.name, sa.func.count())
        .join(Committee, Committee.id == Decision.committee_id)
        .join(Startup, Startup.id == Committee.startup_id)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
        .where(Committee.held_on.is_not(None), Committee.held_on <= today, Committee.archived_at.is_(None),
               *filters.startup_scope(Committee.startup_id), *filters.year_scope(year))
        .group_by(Decision.kind, year, semester, Startup.incubator_id, Incubator.name).order_by(year, semester)
    ).all()
    per_kind: dict[DecisionKind, list] = {}
    for kind, *row in rows:
        per_kind.setdefault(DecisionKind(kind), []).append(row)
    return {kind: _by_semester(per_kind[kind]) for kind in DecisionKind if kind in per_kind}


def decision_semesters(decisions: dict[DecisionKind, BySemester]) -> list[str]:
    """The semesters with a decision of any kind, in order."""
    return sorted({label for found in decisions.values() for label in found.semesters})


def decisions_by_semester(today: dt.date, filters: Filters) -> tuple[list[str], dict[DecisionKind, dict[str, int]]]:
    """Decisions recorded, per semester of their committee and kind."""
    found = decisions_per_semester_and_incubator(today, filters)
    return decision_semesters(found), {kind: by.total for kind, by in found.items()}


def signoff_delays(today: dt.date, filters: Filters) -> list[Delays]:
    """Per year of the decision, days from a decision recorded to its sign-off by the sponsor."""
    rows = db.session.execute(
        sa.select(Decision.decided_at, Decision.signed_at)
        .join(Committee, Committee.id == Decision.committee_id)
        .join(Startup, Startup.id == Committee.startup_id)
        .where(Decision.sign_off == SignOff.SIGNED, Decision.signed_at.is_not(None), Committee.archived_at.is_(None),
               *filters.startup_scope(Committee.startup_id))
    ).all()
    years: dict[int, list[int]] = defaultdict(list)
    for decided_at, signed_at in rows:
        decided_on = clock.day_of(decided_at)
        if decided_on > today or not filters.in_years(decided_on):
            continue
        years[decided_on.year].append((clock.day_of(signed_at) - decided_on).days)
    return [Delays(str(year), sorted(days)) for year, days in sorted(years.items())]


# --- Indicators ------------------------------------------------------------------------------------


def _paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), PARIS)


def reporting_on_time(today: dt.date, now: dt.datetime, filters: Filters) -> list[Share]:
    """Per month, the startups asked for that month's values (active on the month's last day, reporting
    monthly or quarterly, with an indicator entered by hand monthly that existed by the month's end) and
    those whose every such indicator had its value for the month entered in time: before the end of the
    next month (monthly) or of the month after the quarter (quarterly). The last 24 months whose monthly
    deadline has passed."""
    last = month_shift(dt.date(today.year, today.month, 1), -2)
    months = [month_shift(last, -back) for back in range(REPORTING_MONTHS - 1, -1, -1)]
    when = UTCDateTime(timezone=True)
    table = sa.union_all(*[
        sa.select(
            sa.literal(m, sa.Date).label("month"),
            sa.literal(month_shift(m, 1) - dt.timedelta(days=1), sa.Date).label("last_day"),
            sa.literal(_paris_midnight(month_shift(m, 1)), when).label("month_end"),
            sa.literal(_paris_midnight(month_shift(m, 2)), when).label("monthly_deadline"),
            sa.literal(_paris_midnight(month_shift(Frequency.QUARTERLY.period_start(m), 4)), when).label("quarterly_deadline"),
        ) for m in months
    ]).subquery("months")
    deadline = sa.case((IndicatorReporting.frequency == Reporting.QUARTERLY, table.c.quarterly_deadline),
                       else_=table.c.monthly_deadline)
    asked = sa.and_(
        Indicator.startup_id == Startup.id, Indicator.archived_at.is_(None), Indicator.frequency == Frequency.MONTHLY,
        Indicator.kind != IndicatorKind.COST_PER_USE, Indicator.created_at < table.c.month_end,
    )
    on_time = sa.exists().where(IndicatorValue.indicator_id == Indicator.id, IndicatorValue.period_start == table.c.month,
                                IndicatorValue.entered_at < deadline).correlate_except(IndicatorValue)
    ranges = _phase_ranges()
    late = sa.exists().where(asked, ~on_time).correlate_except(Indicator)
    rows = db.session.execute(
        sa.select(table.c.month, sa.func.count(), sa.func.sum(sa.case((late, 0), else_=1)))
        .select_from(ranges)
        .join(table, _current_on(ranges, table.c.last_day))
        .join(Startup, Startup.id == ranges.c.startup_id)
        .outerjoin(IndicatorReporting, IndicatorReporting.startup_id == Startup.id)
        .where(
            *filters.startup_scope(Startup.id),
            sa.or_(IndicatorReporting.frequency.is_(None), IndicatorReporting.frequency != Reporting.NONE),
            deadline <= now,
            sa.exists().where(asked),
            ranges.c.phase.not_in([p.value for p in TERMINAL_PHASES]),
        )
        .group_by(table.c.month)
    ).all()
    found = {month: (int(whole), int(ok or 0)) for month, whole, ok in rows}
    return [Share(m.isoformat()[:7], found.get(m, (0, 0))[1], found.get(m, (0, 0))[0]) for m in months]


# --- Cost per use ----------------------------------------------------------------------------------


def cost_per_use_by_phase(today: dt.date, filters: Filters) -> dict[Phase, list[float]]:
    """Per current phase, the cost per use of each startup that knows it: its yearly budget divided by its
    monthly active users, for the latest month (on or before today) with users and a budget for that year."""
    current = current_periods(today)  # the kept phases when fresh (overdue_by_incubator asked already)
    rows = db.session.execute(
        sa.select(Indicator.startup_id, current.c.phase, IndicatorValue.period_start, IndicatorValue.value,
                  StartupBudget.amount_eur)
        .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
        .join(StartupBudget, sa.and_(StartupBudget.startup_id == Indicator.startup_id,
                                     StartupBudget.year == year_of(IndicatorValue.period_start)))
        .join(current, current.c.startup_id == Indicator.startup_id)
        .join(Startup, Startup.id == Indicator.startup_id)
        .where(Indicator.kind == IndicatorKind.ACTIVE_USERS, Indicator.archived_at.is_(None), IndicatorValue.value > 0,
               IndicatorValue.period_start <= today, *filters.startup_scope(Indicator.startup_id))
        .order_by(Indicator.startup_id, IndicatorValue.period_start)
    ).all()
    latest = {startup_id: (Phase(phase), amount / float(users)) for startup_id, phase, _, users, amount in rows}
    costs: dict[Phase, list[float]] = {}
    for phase, cost in latest.values():
        costs.setdefault(phase, []).append(cost)
    return {phase: sorted(values) for phase, values in costs.items()}


# --- The filters' choices --------------------------------------------------------------------------


def incubator_choices() -> list[tuple[str, str]]:
    return [(i, n) for i, n in db.session.execute(
        sa.select(Incubator.id, Incubator.name).where(Incubator.archived_at.is_(None)).order_by(Incubator.name))]


def published_conventions() -> list:
    """The conventions the public sees (conventions.queries.published): signed by both parties and published on
    data.gouv.fr or gouvernement.fr; the money's figures count them alone."""
    return [Convention.partner_signed_on.is_not(None), Convention.dinum_signed_on.is_not(None),
            sa.or_(Convention.datagouv_url.is_not(None), Convention.gouvernement_url.is_not(None))]


def partner_choices() -> list[tuple[str, str]]:
    """Organisations sponsoring a startup the page counts (not archived) or partner of a published convention:
    a partner known from a draft or an unpublished convention only is not named on this public page."""
    used = sa.union(
        sa.select(startup_sponsors.c.organisation_id).join(Startup, Startup.id == startup_sponsors.c.startup_id)
        .where(Startup.archived_at.is_(None)),
        sa.select(Convention.partner_id).where(*published_conventions()),
    ).subquery()
    return [(i, n) for i, n in db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(sa.select(used.c[0])))
        .order_by(Organisation.name))]
