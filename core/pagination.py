"""Pagination of a select in two statements (a count, then one page), for the DSFR pagination macro."""

import dataclasses
import math
from urllib.parse import urlencode
from collections.abc import Sequence

import sqlalchemy as sa
from flask import request

from core.db import db
from core.text import whole_number


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of results. `number` is 1-based and always within 1..pages (an empty list has one page).
    at_least: `total` is a lower bound (a search whose matches were counted only so far: there may be more
    pages than `pages`, reached one window at a time)."""

    number: int
    per_page: int
    total: int
    items: Sequence
    at_least: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        """1-based position of the first item of the page (0 when the page is empty)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    def window(self, around: int = 2) -> list[int | None]:
        """The page numbers to link to: the first, the last, `around` on each side of the current one,
        and None where numbers are left out (rendered as « … »)."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        result: list[int | None] = []
        for n in numbers:
            if result and n - result[-1] > 1:
                # A gap of exactly one page shows that page rather than « … ».
                result.append(n - 1 if n - result[-1] == 2 else None)
            result.append(n)
        return result


def clamp(number: int, total: int, per_page: int) -> int:
    """The page number to show for a requested one: within 1..last page."""
    last = max(1, math.ceil(total / per_page))
    return min(max(1, number), last)


# Pages a list counted only so far (paginate's `counted`) lets one reach past the page asked.
COUNTED_AHEAD = 10


def paginate(query: sa.Select, number: int, per_page: int, *, scalars: bool = False, total: int | None = None,
             at_least: bool = False, counted: int | None = None) -> Page:
    """Count the rows of query (unless the caller knows their number, or a lower bound of it: `total`,
    `at_least`), then fetch the requested page (clamped to the pages known).

    counted: for a list that grows without bound (the audit trail), count its rows only so far: up to `counted`,
    or up to COUNTED_AHEAD pages past the one asked if that is further (reading the page costs as much). Past
    that, the total is a lower bound (at_least): « plus de … », and the pages beyond are reached a window at a time.

    Always two statements (one with `total`), whatever the number of rows, so that pages keep a fixed query count.
    """
    if total is None and counted is not None:
        bound = max(counted, (number + COUNTED_AHEAD) * per_page)
        rows = query.order_by(None).with_only_columns(sa.literal(1), maintain_column_froms=True).limit(bound + 1).subquery()
        total = db.session.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one()
        at_least = total > bound
    elif total is None:
        total = db.session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    number = clamp(number, total, per_page)
    result = db.session.execute(query.limit(per_page).offset((number - 1) * per_page))
    items = result.scalars().all() if scalars else result.all()
    return Page(number=number, per_page=per_page, total=total, items=items, at_least=at_least)


def requested_page() -> int:
    """The page number asked in the query string (?page=), 1 when absent or not a plausible number."""
    value = request.args.get("page", "")
    number = whole_number(value)
    return number if number is not None and 0 < number < 1_000_000 else 1


def page_url(number: int) -> str:
    """The current URL with another page number (for the pagination macro). Built from the path and the
    query string, not url_for(): a parameter named like url_for()'s own (endpoint, _external, _anchor…) or
    like the route's (startup_id…) would otherwise be read as such, a 500 or a link elsewhere."""
    args = request.args.to_dict()
    args["page"] = number
    return f"{request.script_root}{request.path}?{urlencode(args)}"
