"""Quotes (devis): recorded for a startup under a convention, accepted or refused by DINUM, expired past their
validity, and the order made from an accepted one — never above it, the link kept."""

import datetime as dt

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from conventions import services
from conventions import spending
from conventions.models import Activity, Order, Quote, QuoteState, Resource, TaxBasis
from conventions.values import ConventionError
from core.db import db
from tests.conventions.builders import EUR, TODAY, seed_convention
from tests.conventions.test_pages import text
from tests.factories import login, make_incubator, make_incubator_staff, make_membership, make_person, make_startup


def quote(convention, startup, amount_cents, *, reference="D-1", tax_basis=TaxBasis.HT,
          received_on=dt.date(2024, 3, 1), valid_until=dt.date(2024, 6, 30), accept_on=dt.date(2024, 3, 5)):
    item = spending.record_quote(convention, startup=startup, reference=reference, holder="Titulaire SAS",
                                 amount_cents=amount_cents, tax_basis=tax_basis, received_on=received_on,
                                 valid_until=valid_until, actor=None, today=TODAY)
    if accept_on is not None:
        spending.decide_quote(item, accept=True, decided_on=accept_on, actor=None, today=TODAY)
    return item


def order_from(convention, startup, item, amount_cents, *, number="BC-1", holder="Titulaire SAS",
               engaged_on=dt.date(2024, 3, 10)):
    return spending.engage_order(convention, startup=startup, number=number, holder=holder, amount_cents=amount_cents,
                                 engaged_on=engaged_on, activity=Activity.DEVELOPMENT, resource=Resource.SERVICES,
                                 quote=item, actor=None, today=TODAY)


def plain(message: str) -> str:
    return message.replace("\u202f", " ").replace("\u00a0", " ")


def orders_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Order))


def test_an_order_from_a_quote_may_reach_it_and_not_one_cent_more(app):
    convention, startup, _ = seed_convention()
    item = quote(convention, startup, 12_000 * EUR)
    with pytest.raises(ConventionError) as refused:
        order_from(convention, startup, item, 12_000 * EUR + 1)
    assert plain(refused.value.message) == "Bon de commande 12 000,01 € > 12 000 € HT du devis n° D-1."
    assert orders_count() == 0 and item.order is None
    made = order_from(convention, startup, item, 12_000 * EUR)
    assert item.order is made and made.quote is item
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "convention_order.engaged")).one()
    assert event.after["quote_reference"] == "D-1"
    with pytest.raises(ConventionError, match="a déjà donné le bon de commande n° BC-1"):
        order_from(convention, startup, item, 1 * EUR, number="BC-2")


def test_a_ttc_quote_bounds_an_ht_order_at_its_amount_without_vat(app):
    convention, startup, _ = seed_convention()
    item = quote(convention, startup, 12_000 * EUR, tax_basis=TaxBasis.TTC)
    with pytest.raises(ConventionError, match="du devis n° D-1"):
        order_from(convention, startup, item, 10_000 * EUR + 1)
    order_from(convention, startup, item, 10_000 * EUR)


def test_only_an_accepted_quote_gives_an_order_for_its_startup_and_holder(app):
    convention, startup, _ = seed_convention()
    other = make_startup(name="Autre")
    convention.startups.append(other)
    received = quote(convention, startup, 5_000 * EUR, accept_on=None)
    with pytest.raises(ConventionError, match="n'est pas accepté"):
        order_from(convention, startup, received, 1_000 * EUR)
    spending.decide_quote(received, accept=False, decided_on=dt.date(2024, 3, 2), actor=None, today=TODAY)
    assert received.status(TODAY) is QuoteState.REFUSED
    with pytest.raises(ConventionError, match="n'est pas accepté"):
        order_from(convention, startup, received, 1_000 * EUR)
    accepted = quote(convention, startup, 5_000 * EUR, reference="D-2")
    with pytest.raises(ConventionError, match="est pour Fondation, pas pour Autre"):
        order_from(convention, other, accepted, 1_000 * EUR)
    with pytest.raises(ConventionError, match=r"doit être celui du devis \(Titulaire SAS\)"):
        order_from(convention, startup, accepted, 1_000 * EUR, holder="Un autre titulaire")
    with pytest.raises(ConventionError, match="précède l'acceptation du devis"):
        order_from(convention, startup, accepted, 1_000 * EUR, engaged_on=dt.date(2024, 3, 4))
    assert orders_count() == 0


def test_a_quote_past_its_validity_is_expired_and_cannot_be_accepted(app):
    convention, startup, _ = seed_convention()
    item = quote(convention, startup, 5_000 * EUR, valid_until=dt.date(2024, 3, 31), accept_on=None)
    assert item.status(dt.date(2024, 3, 31)) is QuoteState.RECEIVED
    assert item.status(dt.date(2024, 4, 1)) is QuoteState.EXPIRED
    with pytest.raises(ConventionError, match="a expiré le 31 mars 2024"):
        spending.decide_quote(item, accept=True, decided_on=dt.date(2024, 4, 1), actor=None, today=TODAY)
    spending.decide_quote(item, accept=True, decided_on=dt.date(2024, 3, 31), actor=None, today=TODAY)
    assert item.status(TODAY) is QuoteState.ACCEPTED
    with pytest.raises(ConventionError, match="est déjà accepté"):
        spending.decide_quote(item, accept=False, decided_on=dt.date(2024, 4, 2), actor=None, today=TODAY)


@pytest.mark.parametrize(("changes", "message", "field"), [
    ({"reference": " "}, "Le numéro du devis est obligatoire.", "reference"),
    ({"amount_cents": 0}, "Le montant du devis doit être positif.", "amount"),
    ({"received_on": dt.date(2024, 11, 28)}, "ne peut pas être dans le futur", "received_on"),
    ({"valid_until": dt.date(2024, 2, 29)}, "précède sa réception", "valid_until"),
])
def test_a_bad_quote_is_refused_in_french_and_nothing_saved(app, changes, message, field):
    convention, startup, _ = seed_convention()
    values = {"startup": startup, "reference": "D-1", "holder": "Titulaire", "amount_cents": 100 * EUR,
              "tax_basis": TaxBasis.HT, "received_on": dt.date(2024, 3, 1), "valid_until": dt.date(2024, 3, 31)}
    with pytest.raises(ConventionError, match=message) as refused:
        spending.record_quote(convention, **(values | changes), actor=None, today=TODAY)
    assert refused.value.field == field  # the form's field where the page says it too (conventions.views.refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quote)) == 0


def test_quotes_are_audited(app):
    convention, startup, _ = seed_convention()
    item = quote(convention, startup, 5_000 * EUR, accept_on=None)
    spending.decide_quote(item, accept=False, decided_on=dt.date(2024, 3, 2), actor=None, today=TODAY)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "quote")).all()
    assert sorted(actions) == ["quote.recorded", "quote.refused"]


@pytest.mark.usefixtures("fixed_today")
def test_the_coach_prepares_a_quote_and_dinum_finance_orders_from_it(client):
    convention, startup, finance = seed_convention()
    coach, sponsor = make_person("Coralie Coach"), make_person("Sophie Sponsor")
    make_membership(coach, startup, "coach")
    make_membership(sponsor, startup, "sponsor")
    url = f"/conventions/{convention.id}/quotes/new"
    login(client, sponsor)
    assert client.get(url).status_code == 403
    login(client, coach)
    form = {"startup_id": startup.id, "reference": "D-7", "holder": "Titulaire SAS", "amount": "8 000",
            "tax_basis": "ht", "received_on": "2024-03-01", "valid_until": "2024-03-15"}
    refused = client.post(url, data=form | {"amount": "huit mille"})
    assert refused.status_code == 422 and "n'est pas un montant en euros" in text(refused)
    refused = client.post(url, data=form | {"valid_until": "2024-02-29"})
    assert refused.status_code == 422
    assert '<p id="valid_until-erreur" class="fr-error-text">La validité du devis' in refused.get_data(as_text=True)
    assert client.post(url, data=form).status_code == 303
    item = db.session.scalars(sa.select(Quote)).one()
    page = text(client.get(f"/conventions/{convention.id}"))
    assert "D-7" in page and "Expiré" in page  # valid until 15 March, today is 27 November
    assert client.post(f"/conventions/quotes/{item.id}/decide", data={"decision": "accept", "decided_on": "2024-03-02"}).status_code == 403
    login(client, finance)
    assert client.post(f"/conventions/quotes/{item.id}/decide",
                       data={"decision": "accept", "decided_on": "2024-03-02"}).status_code == 303
    order_url = f"/conventions/quotes/{item.id}/order"
    prefilled = client.get(order_url).get_data(as_text=True)
    assert 'value="Titulaire SAS"' in prefilled and 'value="8000"' in prefilled
    data = {"startup_id": startup.id, "number": "BC-7", "holder": "Titulaire SAS", "engaged_on": "2024-03-05",
            "activity": "developpement", "resource": "prestations"}
    over = client.post(order_url, data=data | {"amount": "8 000,01"})
    assert over.status_code == 422 and "Bon de commande 8 000,01 € > 8 000 € HT du devis n° D-7." in text(over)
    assert client.post(order_url, data=data | {"amount": "8 000"}).status_code == 303
    made = db.session.scalars(sa.select(Order)).one()
    assert "Émis à partir du devis n° D-7" in text(client.get(f"/conventions/orders/{made.id}"))
    funding = text(client.get(f"/conventions/startup/{startup.id}"))
    assert "Devis reçus pour Fondation" in funding and "n° BC-7" in funding


@pytest.mark.usefixtures("fixed_today")
def test_incubator_staff_record_quotes_only_for_their_startups(client):
    convention, startup, _ = seed_convention()
    staff, elsewhere = make_person("Hélène Incubateur"), make_person("Ailleurs")
    make_incubator_staff(staff, startup.incubator)
    make_incubator_staff(elsewhere, make_incubator(name="Incubateur voisin"))
    login(client, staff)
    assert client.get(f"/conventions/{convention.id}/quotes/new").status_code == 200
    login(client, elsewhere)
    assert client.get(f"/conventions/{convention.id}/quotes/new").status_code == 403
