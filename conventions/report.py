"""A convention's end-of-term report (compte rendu, seed art. 5): what DINUM tells the partner at term — the
spending made, the progress of the work (the indicators of the startups covered) and the forecasts of orders
and consumption. One set of data for the page and for the PDF, read in a number of statements that does not
grow with the orders (the convention with everything loaded, its committees, its startups' indicators)."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from committees.models import Committee
from conventions.models import Convention, ConventionStatus, Order
from conventions.queries import BURN_MONTHS, _month_start, committees_during
from conventions.services import YearFigures, figures
from core.db import db
from indicators.models import Indicator, Objective, Trend
from indicators.queries import Point, compare, period_label, series
from startups.models import Startup

DAYS_PER_MONTH = 30.44


@dataclass
class IndicatorProgress:
    """One indicator over the term: its value when the term began (the last known then, or else the first
    value of the term), its last value, and the latest objective set for it."""

    indicator: Indicator
    start: Point | None
    last: Point | None
    objective: Objective | None

    @property
    def trend(self) -> Trend | None:
        if self.start is None or self.last is None or self.start.period_start == self.last.period_start:
            return None
        return compare(self.indicator.direction, self.start.value, self.last.value)

    def label(self, point: Point | None) -> str:
        return period_label(point.period_start, self.indicator.frequency) if point else ""


@dataclass
class Forecast:
    """The forecasts at term, in cents: consumption (services faits) at the burn rate of the last complete
    months until the convention's last day, the orders it would still need beyond what the open orders hold,
    and what would be left unconsumed of the AE planned over the term."""

    burn_per_month: int
    burn_months: tuple[dt.date, dt.date] | None  # first days of the first and last months averaged
    days_left: int
    consumed: int  # delivered so far
    open_orders_rest: int  # engaged on open orders and not yet delivered
    ae_planned: int
    ae_engaged: int

    @property
    def consumption_to_end(self) -> int:
        """A forecast: to the euro."""
        return round(self.burn_per_month * self.days_left / DAYS_PER_MONTH / 100) * 100

    @property
    def orders_to_place(self) -> int:
        return max(0, self.consumption_to_end - self.open_orders_rest)

    @property
    def consumed_at_end(self) -> int:
        return self.consumed + self.consumption_to_end

    @property
    def unconsumed_at_end(self) -> int:
        return max(0, self.ae_planned - self.consumed_at_end)


@dataclass
class Report:
    """The report as one reader may read it: the convention's totals and forecasts entire, the orders, committees
    and indicators of the startups whose part they follow (others_hidden: some are left out)."""

    convention: Convention
    status: ConventionStatus
    today: dt.date
    years: dict[int, YearFigures]
    committees: list[Committee]
    indicators: list[tuple[Startup, list[IndicatorProgress]]]
    forecast: Forecast
    orders: list[Order]
    others_hidden: bool = False

    @property
    def start(self) -> dt.date:
        return term_start(self.convention)


def term_start(convention: Convention) -> dt.date:
    return convention.starts_on or convention.signed_on or convention.ends_on


def indicators_progress(convention: Convention, today: dt.date) -> list[tuple[Startup, list[IndicatorProgress]]]:
    """Per startup covered, its indicators (not archived, North Star first) over the term."""
    start, until = term_start(convention), min(today, convention.last_day)
    found = db.session.scalars(
        sa.select(Indicator).where(Indicator.startup_id.in_([s.id for s in convention.startups]),
                                   Indicator.archived_at.is_(None))
        .options(selectinload(Indicator.values), selectinload(Indicator.objectives))
        .order_by(Indicator.is_north_star.desc(), Indicator.position, Indicator.id)).all()
    result = []
    for startup in convention.startups:
        rows = []
        for indicator in (i for i in found if i.startup_id == startup.id):
            points = [p for p in series(indicator) if p.period_start <= until]
            before = [p for p in points if p.period_start <= start]
            first = before[-1] if before else next(iter(points), None)
            objective = max(indicator.objectives, key=lambda o: (o.set_at, o.id), default=None)
            rows.append(IndicatorProgress(indicator, first, points[-1] if points else None, objective))
        result.append((startup, rows))
    return result


def forecast(convention: Convention, today: dt.date) -> Forecast:
    """The burn rate is the average of the services faits of the BURN_MONTHS complete months before the
    current month (the last month of the term once it is over), as on the Financement page."""
    reference = min(today, convention.last_day)
    services = [s for o in convention.orders for s in o.services]
    first, last = _month_start(reference, BURN_MONTHS), _month_start(reference, 1)
    window = sum(s.amount_cents for s in services if first <= s.delivered_on < _month_start(reference, 0))
    started = term_start(convention) <= reference
    open_rest = sum(max(0, o.amount_cents - o.delivered_cents) for o in convention.orders if o.closed_on is None)
    return Forecast(
        burn_per_month=window // BURN_MONTHS if started else 0, burn_months=(first, last) if started else None,
        days_left=max(0, (convention.last_day - max(today, term_start(convention))).days),
        consumed=sum(s.amount_cents for s in services), open_orders_rest=open_rest,
        ae_planned=sum(y.ae_planned_cents for y in convention.years),
        ae_engaged=sum(o.engaged_cents for o in convention.orders))


def build(convention: Convention, today: dt.date, *, followed: set[str] | None = None) -> Report:
    """followed: the startups whose orders, committees and indicators the reader may read (conventions.views.
    followed_startups); None for all of them."""
    followed = {s.id for s in convention.startups} if followed is None else followed
    return Report(convention=convention, status=convention.status(today), today=today, years=figures(convention),
                  committees=[c for c in committees_during(convention) if c.startup_id in followed],
                  indicators=[(s, rows) for s, rows in indicators_progress(convention, today) if s.id in followed],
                  forecast=forecast(convention, today),
                  orders=[o for o in convention.orders if o.startup_id in followed],
                  others_hidden=any(s.id not in followed for s in convention.startups))
