"""Read-side queries of the portfolio, shared by the pages and the API.

Every list is a fixed number of SQL statements, whatever the number of startups: the current phase is
computed in SQL (models.current_periods), relationships are loaded with selectinload.
"""

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core.db import db
from startups.models import Startup, current_periods, startup_sponsors
from startups.phases import TERMINAL_PHASES, Phase

SORTS = {
    "name": "nom",
    "phase": "phase",
    "phase_start": "date d'entrée dans la phase",
    "incubator": "incubateur",
}


@dataclasses.dataclass(frozen=True)
class PortfolioFilters:
    phase: Phase | None = None
    active: bool | None = None
    incubator_id: str | None = None
    sponsor_id: str | None = None
    text: str | None = None
    sort: str = "name"
    descending: bool = False


def filtered_startups(filters: PortfolioFilters, today: dt.date):
    """A select of (Startup, current phase, current phase start) rows, filtered and sorted."""
    current = current_periods(today)
    query = (
        sa.select(Startup, current.c.phase, current.c.start_on)
        .outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None))
    )
    if filters.phase is not None:
        query = query.where(current.c.phase == filters.phase)
    if filters.active is True:
        query = query.where(current.c.phase.is_not(None), current.c.phase.not_in(list(TERMINAL_PHASES)))
    elif filters.active is False:
        query = query.where(sa.or_(current.c.phase.is_(None), current.c.phase.in_(list(TERMINAL_PHASES))))
    if filters.incubator_id:
        query = query.where(Startup.incubator_id == filters.incubator_id)
    if filters.sponsor_id:
        query = query.where(
            Startup.id.in_(
                sa.select(startup_sponsors.c.startup_id).where(startup_sponsors.c.organisation_id == filters.sponsor_id)
            )
        )
    if filters.text:
        pattern = f"%{filters.text.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(Startup.name).like(pattern), sa.func.lower(Startup.mission).like(pattern)))
    order = {
        "name": sa.func.lower(Startup.name),
        "phase": current.c.phase,
        "phase_start": current.c.start_on,
        "incubator": Startup.incubator_id,
    }[filters.sort if filters.sort in SORTS else "name"]
    order = order.desc() if filters.descending else order.asc()
    return query.order_by(order.nulls_last(), Startup.id)


def with_details(query):
    """Load what a list row shows (incubator, sponsors) in one statement per relationship."""
    return query.options(selectinload(Startup.incubator), selectinload(Startup.sponsors))


def count_by_phase(today: dt.date, **where) -> dict[Phase | None, int]:
    """Number of startups per current phase (None: no started phase), for the whole portfolio or the
    startups of one incubator (incubator_id=…) or sponsor (sponsor_id=…)."""
    current = current_periods(today)
    query = (
        sa.select(current.c.phase, sa.func.count(Startup.id))
        .select_from(Startup)
        .outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None))
        .group_by(current.c.phase)
    )
    if where.get("incubator_id"):
        query = query.where(Startup.incubator_id == where["incubator_id"])
    if where.get("sponsor_id"):
        query = query.where(
            Startup.id.in_(sa.select(startup_sponsors.c.startup_id).where(startup_sponsors.c.organisation_id == where["sponsor_id"]))
        )
    return {phase: count for phase, count in db.session.execute(query)}
