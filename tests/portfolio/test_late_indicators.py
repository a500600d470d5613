"""The portfolio's « indicateurs en retard » filter: the startups with a month of values missing among the
last six complete ones (the definition of Mon espace and of the monthly requests)."""

import datetime as dt
from decimal import Decimal

import pytest

from core.db import db
from indicators.models import Category, Indicator, IndicatorReporting, IndicatorValue, Reporting
from tests.factories import d, make_startup
from tests.portfolio.conftest import TODAY  # 2026-11-27: the window is May to October 2026

MONTHS = [d(f"2026-{m:02d}-01") for m in range(5, 11)]


def with_values(startup_id, name, since, months, reporting=None):
    startup = make_startup(startup_id, name=name, phases=[("construction", d(since))])
    indicator = Indicator(startup=startup, name="Usagers", category=Category.USED,
                          created_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
    db.session.add(indicator)
    db.session.flush()
    for month in months:
        db.session.add(IndicatorValue(indicator_id=indicator.id, period_start=month, value=Decimal(1)))
    if reporting:
        db.session.add(IndicatorReporting(startup_id=startup.id, frequency=reporting))
    return startup


@pytest.fixture
def portfolio(session):
    with_values("late", "Startup En Retard", "2026-04-01", MONTHS[:-1])  # October missing; committee overdue
    with_values("late-recent", "Startup Récente", "2026-09-01", MONTHS[1:])  # May missing; committee not due
    with_values("on-time", "Startup À Jour", "2026-04-01", MONTHS)
    with_values("quarterly", "Startup Trimestrielle", "2026-04-01", MONTHS[:-1], Reporting.QUARTERLY)  # Q4 not over
    with_values("never", "Startup Sans Demande", "2026-04-01", [], Reporting.NONE)
    make_startup("bare", name="Startup Sans Indicateur", phases=[("construction", d("2026-04-01"))])
    db.session.commit()


def names(page: str) -> set[str]:
    return {name for name in ("Startup En Retard", "Startup Récente", "Startup À Jour", "Startup Trimestrielle",
                              "Startup Sans Demande", "Startup Sans Indicateur") if name in page}


def test_the_filter_keeps_the_startups_with_missing_months(client, portfolio):
    page = client.get("/startups?indicateurs=en-retard").text
    assert names(page) == {"Startup En Retard", "Startup Récente"}
    assert len(names(client.get("/startups").text)) == 6
    assert "Indicateurs en retard" in client.get("/startups").text


def test_it_combines_with_the_committee_filter(client, portfolio):
    assert names(client.get("/startups?indicateurs=en-retard&committee=overdue").text) == {"Startup En Retard"}


def test_an_unknown_value_is_ignored_with_a_french_warning(client, portfolio):
    response = client.get("/startups?indicateurs=n-importe")
    assert response.status_code == 200
    assert "pas une valeur possible" in response.text
    assert len(names(response.text)) == 6


def test_the_filter_adds_no_statement(client, portfolio, count_queries):
    # The first request asks whether the cached phases and the kept due dates are today's (the test's session
    # then remembers it, as a request's does).
    client.get("/startups?committee=overdue")
    counts = []
    for url in ("/startups?committee=overdue", "/startups?committee=overdue&indicateurs=en-retard"):
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
