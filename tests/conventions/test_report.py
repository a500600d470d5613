"""A convention's end-of-term report (seed art. 5), as a page and as a PDF: the spending, the progress of the
work (the indicators of the startups covered) and the forecasts; same permission on both; bounded SQL."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from conventions import amendments, report, spending
from conventions.models import TaxBasis
from indicators import services as indicator_services
from indicators.models import Category, Direction
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.conventions.test_pages import text
from tests.factories import login, make_membership, make_person, make_startup

pytestmark = pytest.mark.usefixtures("fixed_today")


def with_indicator(startup, actor):
    """« Dossiers traités »: 120 in December 2023 (before the term), 150 in March, 240 in October 2024;
    objective 300 for the end of 2024."""
    indicator = indicator_services.create_indicator(startup, actor=actor, name="Dossiers traités", unit="dossiers",
                                                    category=Category.NORTH_STAR, direction=Direction.HIGHER,
                                                    is_north_star=True)
    indicator_services.enter_values(startup, {(indicator.id, dt.date(2023, 12, 1)): "120",
                                              (indicator.id, dt.date(2024, 3, 1)): "150",
                                              (indicator.id, dt.date(2024, 10, 1)): "240"}, today=TODAY, actor=actor)
    indicator_services.set_objective(indicator, target_value=Decimal(300), target_on=dt.date(2024, 12, 31), actor=actor)
    return indicator


def with_spending(convention, startup, finance):
    """An order of 30 000 € with 3 000 € delivered in each of August, September and October 2024."""
    bc = order(convention, startup, finance, 30_000 * EUR)
    for month in (8, 9, 10):
        spending.record_service_fait(bc, amount_cents=3_000 * EUR, delivered_on=dt.date(2024, month, 5), actor=finance,
                                     today=TODAY)
    return bc


def test_the_forecast_runs_the_burn_rate_to_the_term(app):
    convention, startup, finance = seed_convention()
    with_spending(convention, startup, finance)
    forecast = report.forecast(convention, TODAY)  # 27 November 2024: August to October averaged
    assert forecast.burn_per_month == 3_000 * EUR
    assert forecast.days_left == 34  # to 31 December
    assert forecast.consumption_to_end == 3_351 * EUR  # 3 000 € × 34 / 30.44 days, to the euro
    assert forecast.open_orders_rest == 21_000 * EUR and forecast.orders_to_place == 0
    assert forecast.unconsumed_at_end == 42_000 * EUR - 9_000 * EUR - forecast.consumption_to_end
    # After the term: nothing left to consume, the unconsumed is what was not delivered.
    after = report.forecast(convention, dt.date(2025, 3, 1))
    assert after.days_left == 0 and after.unconsumed_at_end == 33_000 * EUR
    assert after.burn_months == (dt.date(2024, 9, 1), dt.date(2024, 11, 1))


def test_the_indicators_progress_from_the_start_of_the_term_to_the_last_value(app):
    convention, startup, finance = seed_convention()
    with_indicator(startup, finance)
    ((covered, (row,)),) = report.indicators_progress(convention, TODAY)
    assert covered == startup
    assert (row.start.value, row.start.period_start) == (Decimal(120), dt.date(2023, 12, 1))
    assert (row.last.value, row.last.period_start) == (Decimal(240), dt.date(2024, 10, 1))
    assert row.objective.target_value == Decimal(300) and row.trend.label == "En amélioration"


def test_the_report_page_and_its_pdf(client):
    convention, startup, finance = seed_convention()
    with_spending(convention, startup, finance)
    with_indicator(startup, finance)
    login(client, finance)
    page = text(client.get(f"/conventions/{convention.id}/report"))
    assert "Délégation de gestion CSM – DINUM" in page and "DSJCSM1075" in page
    assert "AE non engagées 12 000 €" in page and "Service fait du 5 août 2024 : 3 000 €" in page
    assert "Dossiers traités (North Star) 120 dossiers décembre 2023 240 dossiers octobre 2024 300 dossiers" in page
    assert "Rythme de consommation : 3 000 € par mois (moyenne des services faits de août 2024 à octobre 2024)" in page
    assert "Télécharger le compte rendu en PDF" in page
    response = client.get(f"/conventions/{convention.id}/report.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.data))
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    for expected in ("Compte rendu de la convention", "0335-CCSM-C001", "Dossiers traités", "Prévisions de commandes",
                     "Comités d'investissement de la période"):
        assert expected in pdf_text
    fonts = {str(font.get("/BaseFont", "")) for p in reader.pages for font in p["/Resources"]["/Font"].values()}
    assert any("Marianne" in name for name in fonts)


def test_the_pdf_has_the_permission_of_the_page(client):
    convention, startup, finance = seed_convention()
    login(client, make_person("Olivier Outsider"))
    for url in (f"/conventions/{convention.id}/report", f"/conventions/{convention.id}/report.pdf"):
        assert client.get(url).status_code == 403
    client.post("/users/logout")
    anonymous = client.get(f"/conventions/{convention.id}/report.pdf")
    assert anonymous.status_code in (302, 303) and "login" in anonymous.headers["Location"], anonymous.headers


def test_the_report_runs_the_same_statements_with_1_or_50_orders(client, count_queries):
    counts = []
    for n in (1, 50):
        convention, startup, finance = seed_convention()
        with_indicator(startup, finance)
        for k in range(n):
            bc = order(convention, startup, finance, 100 * EUR, number=f"BC-{k}")
            spending.record_service_fait(bc, amount_cents=50 * EUR, delivered_on=dt.date(2024, 9, 1), actor=finance,
                                         today=TODAY)
        login(client, finance)
        from core.db import db

        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(f"/conventions/{convention.id}/report").status_code == 200
        counts.append(len(statements))
        db.session.rollback()
    assert counts[0] == counts[1] and counts[0] <= 20, counts


def test_a_convention_covering_two_startups_shows_each_reader_the_part_of_the_startups_they_follow(client):
    """The convention's page and its report listed every order and quote of every startup covered, and the report
    every startup's indicators, to a sponsor or a coach of one of them, whose order page, funding page and
    history already refuse the other startup's money."""
    convention, fondation, finance = seed_convention()
    other = make_startup(name="Bêta Secrète")
    amendments.amend(convention, summary="Bêta Secrète couverte", partner_signed_on=dt.date(2024, 5, 1),
                   dinum_signed_on=dt.date(2024, 5, 2), actor=finance, today=TODAY, startups=[fondation, other])
    order(convention, fondation, finance, 1_000 * EUR, number="BC-FONDATION", holder="Titulaire de Fondation")
    hidden = order(convention, other, finance, 2_345 * EUR, number="BC-BETA", holder="Titulaire de Bêta")
    spending.record_quote(convention, startup=other, reference="D-BETA", holder="Titulaire de Bêta",
                          amount_cents=999 * EUR, tax_basis=TaxBasis.HT, received_on=dt.date(2024, 6, 1),
                          valid_until=dt.date(2024, 12, 1), actor=finance, today=TODAY)
    with_indicator(other, finance)
    sponsor = make_person("Sarah Sponsor")
    make_membership(sponsor, fondation, "sponsor")
    contact = make_person("Bruno Budget")
    convention.budget_contact_id = contact.id
    login(client, sponsor)
    assert client.get(f"/conventions/orders/{hidden.id}").status_code == 403
    for url in (f"/conventions/{convention.id}", f"/conventions/{convention.id}/report"):
        page = text(client.get(url))
        assert "BC-FONDATION" in page and "Titulaire de Fondation" in page
        assert "BC-BETA" not in page and "D-BETA" not in page and "Titulaire de Bêta" not in page
        assert "ne sont lisibles que de qui suit leur financement" in page
    assert "Dossiers traités" not in text(client.get(f"/conventions/{convention.id}/report"))
    assert "3 345 €" in text(client.get(f"/conventions/{convention.id}"))  # the convention's totals, entire
    for reader in (finance, contact):
        login(client, reader)
        for url in (f"/conventions/{convention.id}", f"/conventions/{convention.id}/report"):
            page = text(client.get(url))
            assert "BC-FONDATION" in page and "BC-BETA" in page
            assert "ne sont lisibles que de qui suit leur financement" not in page
        assert "Dossiers traités" in text(client.get(f"/conventions/{convention.id}/report"))
