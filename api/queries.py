"""Batch loaders of the API: data fetched for a whole list of objects at once.

Each loader has the signature loader(objects, ctx) expected by api.schema.Context.loaded, and runs a fixed
number of SQL statements (one, or two for the due dates) whatever the number of objects.
"""

from collections import defaultdict

import sqlalchemy as sa

from conventions.queries import fast_grants_by_startup, published_by_startup
from core.db import db
from startups.kept import current_periods
from startups.models import Startup, startup_sponsors


def _grouped(group_column, join, ids, today) -> dict[str, list[tuple[str, str | None]]]:
    current = current_periods(today)
    query = sa.select(group_column, Startup.id, current.c.phase).select_from(Startup)
    if join is not None:
        query = query.join(*join)
    query = (
        query.outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None), group_column.in_(ids))
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
