"""The committee pack's money section: consumed, what remains, the forecast run-out, the envelope asked."""

import datetime as dt
import io

from pypdf import PdfReader

from conventions import services
from conventions import spending
from conventions.models import Activity, Party, Resource
from tests.committees.lifecycle import cast, plan
from tests.conventions.test_pages import text
from tests.factories import login, make_membership, make_organisation, make_person


def funded_order(c, today):
    """A signed convention of 100 000 € for 2026, released in full, and its order of 90 000 € for the startup."""
    convention = services.create_convention(actor=None, partner=make_organisation(), startups=[c.startup],
                                            years={2026: (10_000_000, 10_000_000)}, title="Convention 2026",
                                            ends_on=dt.date(2026, 12, 31))
    for party in Party:
        services.sign(convention, party, signatory="S", signatory_title="T", signed_on=dt.date(2026, 1, 5), actor=None, today=today)
    services.release(convention, year=2026, released_on=dt.date(2026, 1, 6), ae_cents=10_000_000, cp_cents=10_000_000,
                     actor=None, today=today)
    return spending.engage_order(convention, startup=c.startup, number="BC-1", holder="Titulaire", amount_cents=9_000_000,
                               engaged_on=dt.date(2026, 2, 1), activity=Activity.DEVELOPMENT, resource=Resource.SERVICES,
                               actor=None, today=today)


def test_the_pack_shows_the_money_of_the_startup(client, clock_on):
    today = clock_on(dt.date(2026, 11, 2))
    c = cast(name="Financée")
    committee = plan(c)
    bc = funded_order(c, today)
    for month in (8, 9, 10):
        spending.record_service_fait(bc, amount_cents=3_000_000, delivered_on=dt.date(2026, month, 15), actor=None, today=today)
    login(client, c.coach)
    page = text(client.get(f"/presentations/committee/{committee.id}/pack"))
    assert "Le financement" in page and "Consommé (services faits) depuis le début : 90 000 €" in page
    # 100 000 € released, 90 000 € delivered: 10 000 € left at 30 000 € a month, about ten days.
    assert "Reste disponible en 2026 (AE mises à disposition non consommées) : 10 000 €" in page
    assert "30 000 € par mois ; épuisement prévu : 12 novembre 2026" in page, page[page.find("Rythme"):][:200]


def test_a_burn_of_a_few_cents_a_month_gives_no_run_out_date_past_the_horizon(client, clock_on):
    """0,03 € delivered in three months against 100 000 € left: the run-out date would be some 800 000 years
    ahead (a 500 once, past the year 9999). The Financement page says the money lasts beyond five years; the
    pack gives no forecast."""
    today = clock_on(dt.date(2026, 11, 2))
    c = cast(name="Financée")
    committee = plan(c)
    bc = funded_order(c, today)
    spending.record_service_fait(bc, amount_cents=3, delivered_on=dt.date(2026, 10, 15), actor=None, today=today)
    login(client, c.coach)
    funding = client.get(f"/conventions/startup/{c.startup.id}")
    assert funding.status_code == 200
    assert "au-delà du 2 novembre 2031 au rythme actuel" in text(funding)
    pack = client.get(f"/presentations/committee/{committee.id}/pack")
    assert pack.status_code == 200 and "épuisement prévu : pas de prévision" in text(pack)


def test_a_team_member_who_may_not_see_the_money_gets_the_pack_without_it(client, clock_on):
    """The Financement page refuses a team member (funding.view); the pack, page and PDF, does not give them
    the same figures: no money section."""
    today = clock_on(dt.date(2026, 11, 2))
    c = cast(name="Financée")
    committee = plan(c)
    funded_order(c, today)
    member = make_person("Marc Membre")
    make_membership(member, c.startup, "team_member")
    login(client, member)
    assert client.get(f"/conventions/startup/{c.startup.id}").status_code == 403
    response = client.get(f"/presentations/committee/{committee.id}/pack")
    page = text(response)
    assert response.status_code == 200 and "Financée" in page
    assert "Le financement" not in page and "Reste disponible" not in page and "Convention 2026" not in page
    pdf = client.get(f"/presentations/committee/{committee.id}/pack.pdf")
    assert pdf.status_code == 200
    words = " ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Le financement" not in words and "Reste disponible" not in words
    login(client, c.intrapreneur)
    assert "Le financement" in text(client.get(f"/presentations/committee/{committee.id}/pack"))
