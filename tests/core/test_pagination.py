import pytest
import sqlalchemy as sa

from core.pagination import Page, clamp, paginate
from startups.models import Startup
from tests.factories import make_startup


def page(number: int, pages: int) -> Page:
    return Page(number=number, per_page=10, total=pages * 10, items=[])


@pytest.mark.parametrize("number, pages, window", [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 20, [1, 2, 3, None, 20]),
    (10, 20, [1, None, 8, 9, 10, 11, 12, None, 20]),
    (20, 20, [1, None, 18, 19, 20]),
    (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),  # a gap of one page shows that page rather than « … »
])
def test_the_window_shows_first_last_and_neighbours_with_gaps(number, pages, window):
    assert page(number, pages).window() == window


def test_an_empty_list_has_one_page():
    empty = Page(number=1, per_page=50, total=0, items=[])
    assert empty.pages == 1
    assert (empty.first_index, empty.last_index) == (0, 0)


@pytest.mark.parametrize("requested, expected", [(0, 1), (-5, 1), (1, 1), (3, 3), (4, 3), (10**20, 3)])
def test_requested_pages_are_clamped_to_the_existing_ones(requested, expected):
    assert clamp(requested, total=21, per_page=10) == expected


def test_paginate_counts_then_fetches_one_page():
    for n in range(7):
        make_startup(f"p-{n}", name=f"P{n}")
    query = sa.select(Startup).order_by(Startup.id)
    second = paginate(query, 2, 3, scalars=True)
    assert [s.id for s in second.items] == ["p-3", "p-4", "p-5"]
    assert (second.total, second.pages, second.first_index, second.last_index) == (7, 3, 4, 6)
    beyond = paginate(query, 9, 3, scalars=True)
    assert beyond.number == 3
    assert [s.id for s in beyond.items] == ["p-6"]


def test_a_list_counted_only_so_far_has_a_lower_bound_and_reaches_ten_pages_past_the_one_asked():
    """paginate(counted=…), for a list that grows without bound: its rows counted up to `counted`, or ten pages
    past the one asked; past that the total is a lower bound, and the pages beyond are reached as one goes."""
    for n in range(30):
        make_startup(f"p-{n:02d}", name=f"P{n}")
    query = sa.select(Startup).where(Startup.id.like("p-%")).order_by(Startup.id)
    first = paginate(query, 1, 2, scalars=True, counted=5)  # up to 5, or 11 pages of 2: 22
    assert (first.total, first.at_least, first.pages) == (23, True, 12)
    assert [s.id for s in first.items] == ["p-00", "p-01"]
    far = paginate(query, 12, 2, scalars=True, counted=5)  # up to 22 pages of 2: every row
    assert (far.total, far.at_least, far.pages, far.number) == (30, False, 15, 12)
    assert [s.id for s in far.items] == ["p-22", "p-23"]
    beyond = paginate(query, 40, 2, scalars=True, counted=5)
    assert (beyond.total, beyond.at_least, beyond.number) == (30, False, 15)
    whole = paginate(query, 1, 2, scalars=True, counted=100)
    assert (whole.total, whole.at_least) == (30, False)
