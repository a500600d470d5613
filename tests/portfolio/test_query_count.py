"""Each page runs the same number of SQL statements, at most 10, with 10 startups or with 1,000."""

import pytest

from committees.due import refresh_committee_dues
from core.db import db
from startups.kept import refresh_current_phases, refresh_phase_counts
from tests.factories import bulk_portfolio
from tests.portfolio.conftest import TODAY

MAX_QUERIES = 10
PAGES = [
    "/startups",
    "/startups?q=startup&active=actives&sort=phase_start&order=desc",
    "/startups?incubator=lot-inc-1&sponsor=lot-org-1&sort=incubator",
    "/startups?phase=construction&sort=phase&page=2",
    "/startups?committee=ok",
    "/startups/lot-0000",
    "/incubators",
    "/incubators/lot-inc-1",
    "/organisations",
    "/organisations/lot-org-1",
]


def measure(client, count_queries, count: int, refreshed: bool = False) -> dict[str, int]:
    bulk_portfolio(count, TODAY)
    if refreshed:
        # As after the nightly job (without its commit): the cached phases are today's, the pages read the
        # kept phase counts.
        refresh_current_phases(db.session, TODAY)
        refresh_phase_counts(db.session)
        refresh_committee_dues(db.session, TODAY)
    counts = {}
    for url in PAGES:
        # A request in production starts with an empty session: nothing already loaded to lean on.
        db.session.expunge_all()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        assert '<th scope="row">' in response.text, f"{url} shows no startup: the comparison would prove nothing"
        counts[url] = len(statements)
    return counts


@pytest.fixture
def small(client, count_queries, session):
    counts = measure(client, count_queries, 10)
    session.rollback()
    return counts


def test_every_page_runs_the_same_few_queries_with_10_or_1000_startups(client, count_queries, small):
    large = measure(client, count_queries, 1000)
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large


@pytest.fixture
def small_refreshed(client, count_queries, session):
    counts = measure(client, count_queries, 10, refreshed=True)
    session.rollback()
    return counts


def test_with_the_cached_phases_fresh_every_page_runs_the_same_queries_and_no_more(client, count_queries,
                                                                                    small, small_refreshed):
    large = measure(client, count_queries, 1000, refreshed=True)
    assert large == small_refreshed
    # Counts read from phase_counts instead of grouping the portfolio: never more statements than without.
    assert all(large[url] <= small[url] for url in PAGES), (large, small)
