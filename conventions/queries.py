"""Reading the money: a convention with everything its page shows, the portfolio of conventions, a startup's
funding. A fixed number of statements, whatever the number of orders (eager loading by selectin)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from conventions.models import (
    Category,
    Convention,
    ConventionStatus,
    ConventionYear,
    FastGrant,
    Invoice,
    Order,
    Quote,
    Release,
    ServiceFait,
    TaxBasis,
    convention_startups,
)
from conventions.services import VAT_PERCENT, YearFigures, figures
from committees import decisions as committee_decisions
from committees.models import Committee
from core.bounds import years_after
from core.db import among_bound, db
from core.formats import MONTHS
from core.pagination import Page, paginate
from indicators import queries as indicator_queries
from indicators.models import Indicator, IndicatorKind
from startups.models import Incubator, Organisation, Startup
from users.models import Person

BURN_MONTHS = 3
# Beyond this many years, a run-out date is no forecast (a burn of a few cents a month would put it past the
# year 9999): the page says the money lasts beyond the horizon instead.
RUNWAY_HORIZON_YEARS = 5


def _full():
    return (
        selectinload(Convention.partner),
        selectinload(Convention.startups),
        selectinload(Convention.years),
        selectinload(Convention.releases),
        selectinload(Convention.amendments),
        selectinload(Convention.budget_contact),
        selectinload(Convention.orders).selectinload(Order.services).selectinload(ServiceFait.validated_by),
        selectinload(Convention.orders).selectinload(Order.invoices),
        selectinload(Convention.orders).selectinload(Order.startup),
        selectinload(Convention.quotes).selectinload(Quote.order),
        selectinload(Convention.quotes).selectinload(Quote.startup),
        selectinload(Convention.documents),
    )


def convention(convention_id: int) -> Convention | None:
    return db.session.scalars(sa.select(Convention).where(Convention.id == convention_id).options(*_full())).first()


def order(order_id: int) -> Order | None:
    return db.session.scalars(sa.select(Order).where(Order.id == order_id).options(
        selectinload(Order.convention).selectinload(Convention.startups),
        selectinload(Order.convention).selectinload(Convention.years),
        selectinload(Order.convention).selectinload(Convention.releases),
        selectinload(Order.convention).selectinload(Convention.orders).selectinload(Order.invoices),
        selectinload(Order.convention).selectinload(Convention.orders).selectinload(Order.services),
        selectinload(Order.services).selectinload(ServiceFait.validated_by),
        selectinload(Order.invoices), selectinload(Order.startup), selectinload(Order.quote),
    )).first()


def quote(quote_id: int) -> Quote | None:
    return db.session.scalars(sa.select(Quote).where(Quote.id == quote_id).options(
        selectinload(Quote.convention).options(*_full()), selectinload(Quote.startup), selectinload(Quote.order),
    )).first()


@dataclass
class FunderYear:
    """One funder's money for one year of a startup: a convention (its schedule) or FAST (its grants)."""

    year: int
    label: str
    ae_cents: int
    cp_cents: int
    convention: Convention | None = None


# The money of a list of startups (the API's pages), built once (core.db.among_bound): their ids bound as `ids`.
_FAST_GRANTS_OF = (sa.select(FastGrant).where(among_bound(FastGrant.startup_id, "ids"))
                   .order_by(FastGrant.year, FastGrant.decided_on, FastGrant.id))
_CONVENTIONS_OF = sa.select(convention_startups.c.startup_id, convention_startups.c.convention_id).where(
    among_bound(convention_startups.c.startup_id, "ids"))


def fast_grants_by_startup(startup_ids: list[str]) -> dict[str, list[FastGrant]]:
    """startup id -> its FAST grants (by year), for a whole list of startups in one statement."""
    result: dict[str, list[FastGrant]] = {}
    if startup_ids:
        for grant in db.session.scalars(_FAST_GRANTS_OF, {"ids": list(startup_ids)}):
            result.setdefault(grant.startup_id, []).append(grant)
    return result


def fast_grants(startup_id: str) -> list[FastGrant]:
    return fast_grants_by_startup([startup_id]).get(startup_id, [])


def fast_years(grants: list[FastGrant]) -> dict[int, YearFigures]:
    """FAST's grants per year as a funder's figures: granted AE and CP count as planned and released."""
    years: dict[int, YearFigures] = {}
    for grant in grants:
        year = years.setdefault(grant.year, YearFigures(grant.year))
        year.add(YearFigures(grant.year, ae_planned=grant.ae_cents, cp_planned=grant.cp_cents,
                             ae_released=grant.ae_cents, cp_released=grant.cp_cents))
    return dict(sorted(years.items()))


def funders_by_year(conventions: list[Convention], grants: list[FastGrant]) -> list[FunderYear]:
    """Per year, each convention's planned AE and CP (the convention entire) and FAST's grants, as funder lines."""
    rows = [FunderYear(y.year, c.partner.display_name, y.ae_planned_cents, y.cp_planned_cents, c)
            for c in conventions for y in c.years]
    rows.extend(FunderYear(year, "FAST (DINUM)", y.ae_planned, y.cp_planned) for year, y in fast_years(grants).items())
    return sorted(rows, key=lambda r: (r.year, r.convention is None, r.label))


@dataclass
class ListRow:
    convention: Convention
    status: ConventionStatus
    year: YearFigures


@dataclass
class Totals:
    label: str
    year: YearFigures
    count: int = 0


def _year_figures(ids, year: int) -> dict[int, YearFigures]:
    """The year's figures of the conventions `ids` (a SELECT of their ids), as services.figures() computes
    them, in four grouped statements: planned, released, engaged (orders engaged that year, at their
    consumed amount once closed early), paid (invoices paid that year)."""
    result: dict[int, YearFigures] = {}

    def of(convention_id: int) -> YearFigures:
        return result.setdefault(convention_id, YearFigures(year))

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for convention_id, ae, cp in db.session.execute(
            sa.select(ConventionYear.convention_id, sa.func.sum(ConventionYear.ae_planned_cents),
                      sa.func.sum(ConventionYear.cp_planned_cents))
            .where(ConventionYear.year == year, ConventionYear.convention_id.in_(ids))
            .group_by(ConventionYear.convention_id)):
        of(convention_id).ae_planned, of(convention_id).cp_planned = int(ae or 0), int(cp or 0)
    for convention_id, ae, cp in db.session.execute(
            sa.select(Release.convention_id, sa.func.sum(Release.ae_cents), sa.func.sum(Release.cp_cents))
            .where(Release.year == year, Release.convention_id.in_(ids)).group_by(Release.convention_id)):
        of(convention_id).ae_released, of(convention_id).cp_released = int(ae or 0), int(cp or 0)
    engaged = sa.case((Order.closed_on.is_not(None), Order.closed_amount_cents), else_=Order.amount_cents)
    for convention_id, total in db.session.execute(
            sa.select(Order.convention_id, sa.func.sum(engaged))
            .where(Order.engaged_on.between(start, end), Order.convention_id.in_(ids)).group_by(Order.convention_id)):
        of(convention_id).engaged = int(total or 0)
    for convention_id, total in db.session.execute(
            sa.select(Order.convention_id, sa.func.sum(Invoice.amount_cents)).join(Invoice, Invoice.order_id == Order.id)
            .where(Invoice.paid_on.between(start, end), Order.convention_id.in_(ids)).group_by(Order.convention_id)):
        of(convention_id).paid = int(total or 0)
    return result


PER_PAGE = 50


def portfolio(person: Person | None, *, today: dt.date, year: int, partner: str | None = None,
              incubator: str | None = None, status: str | None = None, see_all: bool = True,
              page: int = 1, per_page: int = PER_PAGE):
    """One page of the conventions the person may list (all for admins and DINUM finance, their incubators'
    otherwise), filtered, with this year's figures; and the totals per partner and per incubator of every
    convention the filters keep (not only the page's)."""
    # The same statements for page 1 and page N, whatever the number of conventions and orders
    # (bench/conventions.py): four aggregates over every kept convention for the year's figures, two for
    # the totals' partners and incubators, the page (a count, then the rows) and its partners, startups and
    # incubators by selectin (one statement each: a page stays under selectinload's 500 parents).
    query = sa.select(Convention).order_by(Convention.ends_on.desc(), Convention.id)
    if partner:
        query = query.where(Convention.partner_id == partner)
    if incubator or not see_all:
        incubators = [incubator] if incubator else []
        if not see_all:
            mine = [r.incubator_id for r in person.incubator_roles if r.is_current(today)] if person else []
            incubators = [i for i in (incubators or mine) if i in mine]
        query = query.where(Convention.id.in_(
            sa.select(convention_startups.c.convention_id).join(Startup, Startup.id == convention_startups.c.startup_id)
            .where(Startup.incubator_id.in_(incubators))))
    if status:
        query = query.where(status_sql(today) == status)
    ids = query.with_only_columns(Convention.id).order_by(None)
    numbers = _year_figures(ids, year)
    by_partner: dict[str, Totals] = {}
    for convention_id, organisation in db.session.execute(
            sa.select(Convention.id, Organisation).join(Organisation, Organisation.id == Convention.partner_id)
            .where(Convention.id.in_(ids))):
        totals = by_partner.setdefault(organisation.id, Totals(organisation.display_name, YearFigures(year)))
        totals.year.add(numbers.get(convention_id) or YearFigures(year))
        totals.count += 1
    by_incubator: dict[str, Totals] = {}
    for convention_id, name in db.session.execute(
            sa.select(convention_startups.c.convention_id, Incubator.name).distinct()
            .join(Startup, Startup.id == convention_startups.c.startup_id)
            .join(Incubator, Incubator.id == Startup.incubator_id)
            .where(convention_startups.c.convention_id.in_(ids))):
        totals = by_incubator.setdefault(name, Totals(name, YearFigures(year)))
        totals.year.add(numbers.get(convention_id) or YearFigures(year))
        totals.count += 1
    found = paginate(query.options(selectinload(Convention.partner),
                                   selectinload(Convention.startups).selectinload(Startup.incubator)),
                     page, per_page, scalars=True)
    rows = [ListRow(item, item.status(today), numbers.get(item.id) or YearFigures(year)) for item in found.items]
    return (Page(number=found.number, per_page=per_page, total=found.total, items=rows),
            sorted(by_partner.values(), key=lambda t: t.label), sorted(by_incubator.values(), key=lambda t: t.label))


def status_sql(today: dt.date) -> sa.ColumnElement:
    """Convention.status(today) as an SQL expression, to filter the list in the database."""
    return sa.case(
        (sa.or_(Convention.partner_signed_on.is_(None), Convention.dinum_signed_on.is_(None)), ConventionStatus.DRAFT.value),
        (sa.and_(Convention.terminated_on.is_not(None), Convention.terminated_on <= today), ConventionStatus.TERMINATED.value),
        (Convention.ends_on < today, ConventionStatus.ENDED.value),
        (sa.and_(Convention.suspended_on.is_not(None), Convention.suspended_on <= today), ConventionStatus.SUSPENDED.value),
        (sa.and_(Convention.starts_on.is_not(None), Convention.starts_on <= today), ConventionStatus.IN_FORCE.value),
        else_=ConventionStatus.SIGNED.value,
    )


@dataclass
class Funding:
    """A startup's money: its conventions with their years, its orders, its consumption month by month, the
    burn rate over the last months and the day the money runs out at that rate."""

    conventions: list[tuple[Convention, ConventionStatus, dict[int, YearFigures]]]
    orders: list[Order]
    months: list[tuple[str, int]] = field(default_factory=list)  # (label, cents of services faits)
    burn_per_month: int = 0
    remaining: int = 0
    runs_out_on: dt.date | None = None
    lasts_beyond: dt.date | None = None  # at the burn rate, the money outlasts this day (no run-out date then)
    quotes: list[Quote] = field(default_factory=list)
    fast: list[FastGrant] = field(default_factory=list)
    funders: list[FunderYear] = field(default_factory=list)


def _month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before day's; never before 1 January of year 1 (a convention
    stored with an end in year 1, before its dates were bounded, once made its report a 500)."""
    index = day.year * 12 + day.month - 1 - back
    if index < 12:
        return dt.date.min
    return dt.date(index // 12, index % 12 + 1, 1)


def funding(startup: Startup, *, today: dt.date, months: int = 12) -> Funding:
    conventions = list(db.session.scalars(
        sa.select(Convention).where(Convention.id.in_(
            sa.select(convention_startups.c.convention_id).where(convention_startups.c.startup_id == startup.id)))
        .options(*_full()).order_by(Convention.ends_on.desc(), Convention.id)))
    rows, orders = [], []
    for item in conventions:
        rows.append((item, item.status(today), figures(item)))
        orders.extend(o for o in item.orders if o.startup_id == startup.id)
    orders.sort(key=lambda o: (o.engaged_on, o.id), reverse=True)
    result = Funding(rows, orders)
    result.quotes = sorted((q for item in conventions for q in item.quotes if q.startup_id == startup.id),
                           key=lambda q: (q.received_on, q.id), reverse=True)
    result.fast = fast_grants(startup.id)
    result.funders = funders_by_year([c for c in conventions if c.is_signed], result.fast)
    # Consumption is what was delivered (services faits), month by month.
    consumed: dict[dt.date, int] = {}
    for order_ in orders:
        for service in order_.services:
            key = dt.date(service.delivered_on.year, service.delivered_on.month, 1)
            consumed[key] = consumed.get(key, 0) + service.amount_cents
    for back in reversed(range(months)):
        start = _month_start(today, back)
        result.months.append((f"{MONTHS[start.month - 1]} {start.year}", consumed.get(start, 0)))
    # The burn rate: the last BURN_MONTHS complete months.
    last = [consumed.get(_month_start(today, back), 0) for back in range(1, BURN_MONTHS + 1)]
    result.burn_per_month = sum(last) // BURN_MONTHS
    # What remains: AE released and not yet delivered on the conventions still open, this year.
    for item, status, years in rows:
        if status in (ConventionStatus.DRAFT, ConventionStatus.ENDED, ConventionStatus.TERMINATED):
            continue
        numbers = years.get(today.year)
        if numbers is None:
            continue
        delivered = sum(o.delivered_cents for o in item.orders if o.year == today.year)
        result.remaining += max(0, numbers.ae_released - delivered)
    if result.burn_per_month > 0:
        days = result.remaining * 3044 // (result.burn_per_month * 100)  # 30.44 days a month
        horizon = years_after(today, RUNWAY_HORIZON_YEARS)
        if days <= (horizon - today).days:
            result.runs_out_on = today + dt.timedelta(days=days)
        else:
            result.lasts_beyond = horizon
    return result


def published() -> sa.Select:
    """Conventions the public sees: signed and published (data.gouv.fr or gouvernement.fr)."""
    return (sa.select(Convention)
            .where(Convention.partner_signed_on.is_not(None), Convention.dinum_signed_on.is_not(None),
                   sa.or_(Convention.datagouv_url.is_not(None), Convention.gouvernement_url.is_not(None)))
            .options(*_full()))


def published_by_startup(startup_ids: list[str]) -> dict[str, list[Convention]]:
    """startup id -> its published conventions, for a whole list of startups in a fixed number of statements."""
    if not startup_ids:
        return {}
    links = db.session.execute(_CONVENTIONS_OF, {"ids": list(startup_ids)}).all()
    if not links:
        return {}
    found = {c.id: c for c in db.session.scalars(
        published().where(Convention.id.in_({convention_id for _, convention_id in links})).order_by(Convention.id))}
    result: dict[str, list[Convention]] = {}
    for startup_id, convention_id in links:
        if convention_id in found:
            result.setdefault(startup_id, []).append(found[convention_id])
    return result




@dataclass
class PublicBudget:
    """A startup's public budget page: its published conventions, and what was delivered (services faits) per
    year and category, in cents HT, with the TTC total of each year."""

    conventions: list[Convention]
    years: list[int]
    categories: list
    spent_ht: dict[tuple[int, object], int]  # (year, category) -> cents HT
    total_ht: dict[int, int]
    total_ttc: dict[int, int]
    funders: list[FunderYear] = field(default_factory=list)


def _ht(convention: Convention, cents: int) -> int:
    return cents * 100 // (100 + VAT_PERCENT) if convention.tax_basis is TaxBasis.TTC else cents


def public_budget(startup: Startup) -> PublicBudget:
    conventions = published_by_startup([startup.id]).get(startup.id, [])
    spent: dict[tuple[int, object], int] = {}
    for item in conventions:
        for order_ in item.orders:
            if order_.startup_id != startup.id:
                continue
            for service in order_.services:
                amount = _ht(item, service.amount_cents)
                key = (service.delivered_on.year, order_.category)
                spent[key] = spent.get(key, 0) + amount
    years = sorted({year for year, _ in spent})
    totals = {year: sum(v for (y, _), v in spent.items() if y == year) for year in years}
    return PublicBudget(conventions, years, list(Category), spent, totals,
                        {year: total * (100 + VAT_PERCENT) // 100 for year, total in totals.items()},
                        funders_by_year(conventions, fast_grants(startup.id)))


@dataclass
class CostPerUse:
    """Spending HT over the periods the main indicator measured (its months, quarters or years with a value),
    divided by the sum of its values over those periods; year None for all the periods together."""

    year: int | None
    spent_ht: int  # cents
    uses: Decimal
    periods: int

    @property
    def cents(self) -> int | None:
        return int((self.spent_ht / self.uses).quantize(Decimal(1), ROUND_HALF_UP)) if self.uses > 0 else None


@dataclass
class PublicCostPerUse:
    indicator: Indicator | None  # the main impact indicator (the North Star); None: not calculable
    years: list[CostPerUse]
    total: CostPerUse | None


def public_cost_per_use(startup: Startup, budget: PublicBudget) -> PublicCostPerUse:
    """The cost per use of the public budget page, per year of spending and over all those years: only the
    spending of published conventions (the page's), only the periods where the main indicator has a value,
    so that spending and uses cover the same months."""
    indicator = indicator_queries.north_star(startup)
    if indicator is None or indicator.is_archived or indicator.kind is IndicatorKind.COST_PER_USE:
        return PublicCostPerUse(None, [], None)
    values = {v.period_start: v.value for v in indicator.values}
    spent: dict[dt.date, int] = {}
    for item in budget.conventions:
        for order_ in item.orders:
            if order_.startup_id != startup.id:
                continue
            for service in order_.services:
                period = indicator.frequency.period_start(service.delivered_on)
                spent[period] = spent.get(period, 0) + _ht(item, service.amount_cents)

    def over(periods: list[dt.date], year: int | None) -> CostPerUse:
        return CostPerUse(year, sum(spent.get(p, 0) for p in periods), sum((values[p] for p in periods), Decimal(0)),
                          len(periods))

    years = [over([p for p in values if p.year == year], year) for year in budget.years]
    return PublicCostPerUse(indicator, years, over([p for p in values if p.year in budget.years], None))


def committees_during(convention: Convention) -> list[Committee]:
    """The committees of the startups covered, held between the convention's effect and its last day, with
    their decisions."""
    start = convention.starts_on or convention.signed_on or convention.ends_on
    return list(db.session.scalars(
        sa.select(Committee).where(Committee.startup_id.in_([s.id for s in convention.startups]),
                                   Committee.held_on.is_not(None), Committee.held_on >= start,
                                   Committee.held_on <= convention.last_day)
        .options(selectinload(Committee.decision), selectinload(Committee.startup)).order_by(Committee.held_on)))


def funds_left(startup: Startup, day: dt.date) -> int | None:
    """What the startup's open conventions still hold on `day` (cents: AE released that year and not yet
    delivered, the pack's « encore disponible »), or None when no convention covers it. Registered below
    with the committees area, which stores it on a decision and warns when the envelope exceeds it."""
    result = funding(startup, today=day, months=1)
    return result.remaining if result.conventions else None


committee_decisions.register_funds_available(funds_left)
