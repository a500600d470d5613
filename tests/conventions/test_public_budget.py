"""The public budget page's cost per use: spending HT over the periods the main impact indicator measured,
divided by its values over the same periods; « non calculable » without an indicator or a value."""

import datetime as dt

import pytest

from conventions import services
from conventions import spending
from core.db import db
from indicators import services as indicator_services
from indicators.models import Category
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.conventions.test_pages import text

pytestmark = pytest.mark.usefixtures("fixed_today")


def published_spending():
    """The seed convention, published, with 6 000 € delivered in March 2024 and 4 000 € in April 2024."""
    convention, startup, finance = seed_convention()
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/",
                              datagouv_published_on=dt.date(2024, 2, 1))
    bc = order(convention, startup, finance, 20_000 * EUR)
    for on, amount in ((dt.date(2024, 3, 10), 6_000), (dt.date(2024, 4, 10), 4_000)):
        spending.record_service_fait(bc, amount_cents=amount * EUR, delivered_on=on, actor=finance, today=TODAY)
    return startup, finance


def test_without_a_main_indicator_the_cost_per_use_is_not_calculable(client):
    startup, _ = published_spending()
    page = text(client.get(f"/conventions/budget/{startup.id}"))
    assert "Coût par utilisation : non calculable (aucun indicateur principal d'impact" in page
    assert "divisée par la somme de ses valeurs sur ces mêmes périodes" in page


def test_the_cost_per_use_divides_the_spending_of_the_measured_months_by_the_indicator(client):
    startup, finance = published_spending()
    indicator = indicator_services.create_indicator(startup, actor=finance, name="Dossiers déposés", unit="dossiers",
                                                    category=Category.NORTH_STAR, is_north_star=True)
    page = text(client.get(f"/conventions/budget/{startup.id}"))
    assert "2024 — — non calculable" in page  # an indicator without a value
    # Only March has a value: the spending of March (6 000 €) over its 1 500 dossiers.
    indicator_services.enter_values(startup, {(indicator.id, dt.date(2024, 3, 1)): "1500"}, today=TODAY, actor=finance)
    db.session.expire_all()
    page = text(client.get(f"/conventions/budget/{startup.id}"))
    assert "2024 6 000 € 1 500 4 €" in page
    indicator_services.enter_values(startup, {(indicator.id, dt.date(2024, 4, 1)): "1700"}, today=TODAY, actor=finance)
    db.session.expire_all()
    page = text(client.get(f"/conventions/budget/{startup.id}"))
    assert "2024 10 000 € 3 200 3,13 €" in page and "Ensemble 10 000 € 3 200 3,13 €" in page
