"""The money's figures for /stats: the AE and CP of the published conventions, per year, partner and phase
financed, from one statement (the rest of /stats: stats/queries.py)."""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from conventions.models import Convention, Invoice, Order, Release, convention_startups
from core.db import db
from startups.models import Organisation, Startup
from startups.phases import Phase
from stats.queries import Filters, published_conventions, year_of

MEASURES = ("ae_released", "ae_engaged", "cp_released", "cp_paid")
MEASURE_LABELS = {"ae_released": "AE mises à disposition", "ae_engaged": "AE engagées",
                  "cp_released": "CP mis à disposition", "cp_paid": "CP payés"}


def _money_lines():
    """(convention_id, year, measure, cents) of the releases, orders engaged and invoices paid, summed per
    convention and year in each branch: the union holds a few rows per convention, not one per order."""
    engaged = sa.case((Order.closed_on.is_not(None), Order.closed_amount_cents), else_=Order.amount_cents)
    order_year, paid_year = year_of(Order.engaged_on), year_of(Invoice.paid_on)
    return sa.union_all(
        sa.select(Release.convention_id, Release.year.label("year"), sa.literal("ae_released").label("measure"),
                  sa.func.sum(Release.ae_cents).label("cents")).group_by(Release.convention_id, Release.year),
        sa.select(Release.convention_id, Release.year, sa.literal("cp_released"), sa.func.sum(Release.cp_cents))
        .group_by(Release.convention_id, Release.year),
        sa.select(Order.convention_id, order_year, sa.literal("ae_engaged"), sa.func.sum(engaged))
        .group_by(Order.convention_id, order_year),
        sa.select(Order.convention_id, paid_year, sa.literal("cp_paid"), sa.func.sum(Invoice.amount_cents))
        .join(Invoice, Invoice.order_id == Order.id).where(Invoice.paid_on.is_not(None))
        .group_by(Order.convention_id, paid_year),
    ).subquery("money_lines")


@dataclasses.dataclass
class Money:
    """{(year, partner's name): {measure: cents}} and {(year, phase financed or None): {measure: cents}}."""

    by_partner: dict[tuple, dict[str, int]]
    by_phase: dict[tuple, dict[str, int]]


def money(today: dt.date, filters: Filters) -> Money:
    """Over the published conventions (signed by both parties and published on data.gouv.fr or
    gouvernement.fr): AE and CP released per year of release, AE engaged per year of the order, CP paid per
    year of payment; per partner and per phase financed, from one statement grouped by both."""
    lines = _money_lines()
    conditions = [*published_conventions(), *filters.year_scope(lines.c.year)]
    if filters.partner_id:
        conditions.append(Convention.partner_id == filters.partner_id)
    if filters.incubator_id:
        conditions.append(sa.exists().where(
            convention_startups.c.convention_id == Convention.id, convention_startups.c.startup_id == Startup.id,
            Startup.incubator_id == filters.incubator_id))
    rows = db.session.execute(
        sa.select(lines.c.year, Organisation.name, Convention.phase, lines.c.measure, sa.func.sum(lines.c.cents))
        .join(Convention, Convention.id == lines.c.convention_id)
        .join(Organisation, Organisation.id == Convention.partner_id)
        .where(*conditions)
        .group_by(lines.c.year, Organisation.name, Convention.phase, lines.c.measure)
    ).all()
    found = Money({}, {})
    for year, partner, phase, measure, cents in sorted(rows, key=lambda r: (r[0], r[1], r[2] or "", r[3])):
        for table, key in ((found.by_partner, (int(year), partner)),
                           (found.by_phase, (int(year), Phase(phase) if phase is not None else None))):
            table.setdefault(key, dict.fromkeys(MEASURES, 0))[measure] += int(cents or 0)
    found.by_phase = dict(sorted(found.by_phase.items(), key=lambda item: (item[0][0], item[0][1] is not None,
                                                                            item[0][1] or "")))
    return found


def money_by(key: str, today: dt.date, filters: Filters) -> dict[tuple, dict[str, int]]:
    """money()'s figures per "partner" or per "phase"."""
    found = money(today, filters)
    return found.by_partner if key == "partner" else found.by_phase


def money_by_year(by_partner: dict[tuple, dict[str, int]]) -> dict[int, dict[str, int]]:
    """The yearly totals, summed from the figures per partner (every published convention has one)."""
    years: dict[int, dict[str, int]] = {}
    for (year, _), figures in by_partner.items():
        total = years.setdefault(year, dict.fromkeys(MEASURES, 0))
        for measure, cents in figures.items():
            total[measure] += cents
    return dict(sorted(years.items()))
