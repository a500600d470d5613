"""Reading indicators: series, values reached, objectives in force, trends, the cost per use, and the
bundled official grids. Read-only; the committees area reads a startup's evidence from here."""

import datetime as dt
import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from zoneinfo import ZoneInfo

from core.db import UTCDateTime, db
from core.formats import month_fr
from indicators.models import (
    Direction,
    Frequency,
    Indicator,
    IndicatorKind,
    IndicatorReporting,
    IndicatorValue,
    Reporting,
    Objective,
    StartupBudget,
    Trend,
)
from startups.models import Startup

OFFICIAL_GRIDS = Path(__file__).parent / "data" / "official-grids.json"


@functools.cache
def official_grids() -> dict:
    """The bundled copy of the official grids and impact matrix (indicators/data/official-grids.json)."""
    return json.loads(OFFICIAL_GRIDS.read_text(encoding="utf-8"))


# --- Reading -------------------------------------------------------------------------------------------


def indicators_of(startup: Startup, include_archived: bool = False) -> list[Indicator]:
    """The startup's indicators, North Star first, then in their position."""
    query = sa.select(Indicator).where(Indicator.startup_id == startup.id)
    if not include_archived:
        query = query.where(Indicator.archived_at.is_(None))
    query = query.order_by(Indicator.is_north_star.desc(), Indicator.position, Indicator.id)
    return list(db.session.scalars(query))


def _special(startup: Startup, kind: IndicatorKind) -> Indicator | None:
    return db.session.scalar(
        sa.select(Indicator).where(
            Indicator.startup_id == startup.id, Indicator.kind == kind, Indicator.archived_at.is_(None)
        )
    )


def north_star(startup: Startup) -> Indicator | None:
    return db.session.scalar(
        sa.select(Indicator).where(Indicator.startup_id == startup.id, Indicator.is_north_star.is_(True))
    )


@dataclass(frozen=True)
class Point:
    """One value of an indicator: entered by the team, or computed (cost per use)."""

    period_start: dt.date
    value: Decimal
    comment: str | None = None


def series(indicator: Indicator) -> list[Point]:
    """The indicator's values in period order; computed for the cost per use."""
    if indicator.kind is IndicatorKind.COST_PER_USE:
        return [Point(c.period_start, c.value) for c in cost_per_use(indicator.startup)]
    return [Point(v.period_start, v.value, v.comment) for v in indicator.values]


def value_reached(indicator: Indicator, on: dt.date) -> Point | None:
    """The last known value of the indicator for a period starting on or before `on` (what a committee
    held on that day reads as « valeur atteinte »)."""
    known = [p for p in series(indicator) if p.period_start <= on]
    return known[-1] if known else None


def objective_set_by(indicator: Indicator, committee_id: int) -> Objective | None:
    """The objective a committee set for this indicator (the last one if it set several)."""
    return db.session.scalar(
        sa.select(Objective)
        .where(Objective.indicator_id == indicator.id, Objective.committee_id == committee_id)
        .order_by(Objective.set_at.desc(), Objective.id.desc())
        .limit(1)
    )


def objectives_by_committee(committee_id: int) -> dict[int, Objective]:
    """{indicator_id: objective} of the objectives a committee set."""
    rows = db.session.scalars(
        sa.select(Objective).where(Objective.committee_id == committee_id).order_by(Objective.set_at, Objective.id)
    )
    return {o.indicator_id: o for o in rows}


def objective_in_force(indicator: Indicator, at: dt.datetime) -> Objective | None:
    """The objective most recently set at or before `at`, whoever set it."""
    return db.session.scalar(
        sa.select(Objective)
        .where(Objective.indicator_id == indicator.id, Objective.set_at <= at)
        .order_by(Objective.set_at.desc(), Objective.id.desc())
        .limit(1)
    )


def compare(direction: Direction, before: Decimal | None, after: Decimal | None) -> Trend | None:
    """Whether going from before to after is an improvement for an indicator of that direction."""
    if before is None or after is None:
        return None
    if after == before:
        return Trend.STABLE
    better = after > before if direction is Direction.HIGHER else after < before
    return Trend.IMPROVING if better else Trend.WORSENING


def trend_between(indicator: Indicator, before_on: dt.date, after_on: dt.date) -> Trend | None:
    """The trend of the value reached from one date to another (e.g. from one committee to the next)."""
    before, after = value_reached(indicator, before_on), value_reached(indicator, after_on)
    if before is None or after is None or before.period_start == after.period_start:
        return None
    return compare(indicator.direction, before.value, after.value)


@dataclass(frozen=True)
class ChartRow:
    period_start: dt.date
    label: str
    value: Decimal | None
    objective: Decimal | None


def chart_rows(indicator: Indicator) -> list[ChartRow]:
    """The periods that have a value or an objective, with both: the data of the chart and of its table.

    An objective sits on the period of its target date; when several aim at the same period, the last set wins.
    """
    values = {p.period_start: p.value for p in series(indicator)}
    objectives: dict[dt.date, Decimal] = {}
    for objective in sorted(indicator.objectives, key=lambda o: (o.set_at, o.id or 0)):
        objectives[indicator.frequency.period_start(objective.target_on)] = objective.target_value
    periods = sorted(set(values) | set(objectives))
    return [ChartRow(p, period_label(p, indicator.frequency), values.get(p), objectives.get(p)) for p in periods]


def chart_axis(rows: list[ChartRow], frequency: Frequency) -> list[ChartRow]:
    """The rows on a continuous time axis: every period from the first row to the last, those without a
    value nor an objective empty, so that the chart shows a gap where a month is missing instead of
    drawing the line over it on a shorter axis."""
    if not rows:
        return []
    by_period = {r.period_start: r for r in rows}
    axis, period = [], rows[0].period_start
    while period <= rows[-1].period_start:
        axis.append(by_period.get(period) or ChartRow(period, period_label(period, frequency), None, None))
        period = month_shift(period, frequency.months)
    return axis


def period_label(period_start: dt.date, frequency: Frequency = Frequency.MONTHLY) -> str:
    if frequency is Frequency.YEARLY:
        return str(period_start.year)
    if frequency is Frequency.QUARTERLY:
        return f"T{(period_start.month - 1) // 3 + 1} {period_start.year}"
    return month_fr(period_start)


# --- Cost per use ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostPerUse:
    period_start: dt.date
    budget_eur: int
    active_users: Decimal
    value: Decimal  # euros per active user, to the cent
    trend: Trend | None  # against the previous month computed


def budgets_of(startup: Startup) -> list[StartupBudget]:
    return list(db.session.scalars(
        sa.select(StartupBudget).where(StartupBudget.startup_id == startup.id).order_by(StartupBudget.year)
    ))


def cost_per_use(startup: Startup) -> list[CostPerUse]:
    """Yearly budget / monthly active users, for each month where both are known (users > 0).

    The budget of the month's calendar year is used. Lower is better: the trend compares each month
    with the previous month computed.
    """
    users = _special(startup, IndicatorKind.ACTIVE_USERS)
    if users is None:
        return []
    budgets = {b.year: b.amount_eur for b in budgets_of(startup)}
    result: list[CostPerUse] = []
    for value in users.values:
        budget = budgets.get(value.period_start.year)
        if budget is None or value.value <= 0:
            continue
        cost = (Decimal(budget) / value.value).quantize(Decimal("0.01"))
        trend = compare(Direction.LOWER, result[-1].value, cost) if result else None
        result.append(CostPerUse(value.period_start, budget, value.value, cost, trend))
    return result




# --- Missing months: the one definition (Mon espace, the monthly requests, the portfolio filter) ------

PARIS = ZoneInfo("Europe/Paris")
# Mon espace and the portfolio's « indicateurs en retard » look this many complete months back.
MISSING_MONTHS_WINDOW = 6


def month_shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def reporting_of(startup_id: str) -> Reporting:
    row = db.session.get(IndicatorReporting, startup_id)
    return row.frequency if row is not None else Reporting.MONTHLY


def missing_select(first: dt.date, last: dt.date, today: dt.date, startup_ids=None) -> sa.Select:
    """A select of the (startup_id, month) pairs, months from first to last (first days), where the values
    are not in: an active monthly indicator entered by hand (computed ones excluded) has no value for the
    month, the indicator existed by the end of that month, and the startup's reporting frequency makes the
    month due today (monthly: a complete month; quarterly: a month of a complete quarter; none: never).
    startup_ids: a collection or a select of ids; None: every startup."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = month_shift(month, 1)
    if not months:
        return sa.select(Indicator.startup_id, sa.literal(first, sa.Date).label("month")).where(sa.false())
    ends = sa.union_all(*[
        sa.select(
            sa.literal(m, sa.Date).label("month"),
            sa.literal(dt.datetime.combine(month_shift(m, 1), dt.time(), PARIS), UTCDateTime(timezone=True)).label("month_end"),
        )
        for m in months
    ]).subquery("months")
    current = dt.date(today.year, today.month, 1)
    due = sa.or_(
        sa.and_(sa.or_(IndicatorReporting.frequency.is_(None), IndicatorReporting.frequency == Reporting.MONTHLY),
                ends.c.month < current),
        sa.and_(IndicatorReporting.frequency == Reporting.QUARTERLY, ends.c.month < Frequency.QUARTERLY.period_start(today)),
    )
    query = (
        sa.select(Indicator.startup_id, ends.c.month).distinct()
        .select_from(Indicator)
        .join(ends, Indicator.created_at < ends.c.month_end)
        .outerjoin(IndicatorReporting, IndicatorReporting.startup_id == Indicator.startup_id)
        .where(
            Indicator.archived_at.is_(None),
            Indicator.frequency == Frequency.MONTHLY,
            Indicator.kind != IndicatorKind.COST_PER_USE,
            due,
            ~sa.exists().where(IndicatorValue.indicator_id == Indicator.id, IndicatorValue.period_start == ends.c.month),
        )
    )
    if startup_ids is not None:
        query = query.where(Indicator.startup_id.in_(startup_ids))
    return query


def _window(today: dt.date) -> tuple[dt.date, dt.date]:
    last = month_shift(dt.date(today.year, today.month, 1), -1)
    return month_shift(last, -(MISSING_MONTHS_WINDOW - 1)), last


def missing_months(startup_ids, today: dt.date, first: dt.date | None = None,
                   last: dt.date | None = None) -> dict[str, list[dt.date]]:
    """{startup id: its missing months, sorted} in one statement; by default over the last
    MISSING_MONTHS_WINDOW complete months."""
    default_first, default_last = _window(today)
    rows = db.session.execute(missing_select(first or default_first, last or default_last, today, startup_ids)).all()
    missing: dict[str, list[dt.date]] = {}
    for startup_id, month in sorted(rows):
        missing.setdefault(startup_id, []).append(month)
    return missing


def late_startups(today: dt.date) -> sa.Select:
    """A select of the ids of the startups with a missing month in the window: the portfolio's
    « indicateurs en retard » (PortfolioFilters.within)."""
    first, last = _window(today)
    return sa.select(missing_select(first, last, today).subquery().c.startup_id)
