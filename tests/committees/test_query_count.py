"""The incubator's committee calendar, with its startups overdue or due soon, runs the same statements with
10 startups in the portfolio or 1,000: the late ones are found by the kept due dates' index."""

import pytest

from committees.due import refresh_committee_dues
from core.db import db
from startups.kept import refresh_current_phases, refresh_phase_counts
from tests.factories import bulk_portfolio, d, login, make_person

TODAY = d("2026-11-27")


def measure(client, count_queries, count: int) -> tuple[int, str]:
    bulk_portfolio(count, TODAY)
    refresh_current_phases(db.session, TODAY)  # as after the nightly jobs
    refresh_phase_counts(db.session)
    refresh_committee_dues(db.session, TODAY)
    login(client, make_person("Admin", is_admin=True))
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get("/committees/incubator/lot-inc-1")
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.fixture
def small(client, count_queries, session, clock_on):
    clock_on(TODAY)
    counted = measure(client, count_queries, 10)
    session.rollback()
    db.session.expunge_all()
    return counted


def test_the_calendar_runs_the_same_statements_with_10_or_1000_startups(client, count_queries, small, clock_on):
    clock_on(TODAY)
    large, page = measure(client, count_queries, 1000)
    assert "En retard" in page and "Sous 45 jours" in page, "no late startup: the comparison would prove less"
    assert large == small[0]
