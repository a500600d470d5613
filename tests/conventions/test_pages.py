"""The money's pages through the test client: the journey from a draft to a paid invoice, refusals shown in
French with nothing saved, who sees what, and a bounded number of SQL statements."""

import datetime as dt
import html
import re

import markupsafe
import pytest
import sqlalchemy as sa

from conventions.models import Convention, Invoice, Order, ServiceFait
from conventions import services
from conventions import spending
from core.db import db
from tests.conventions.builders import EUR, TODAY, order, seed_convention
from tests.factories import login, make_membership, make_organisation, make_person, make_startup

pytestmark = pytest.mark.usefixtures("fixed_today")


def text(response) -> str:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", plain.replace("\u202f", " ").replace("\u00a0", " "))


def test_a_convention_from_draft_to_a_paid_invoice(client):
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    partner = make_organisation(name="Conseil supérieur de la magistrature", acronym="CSM")
    startup = make_startup(name="Fondation")
    intra = make_person("Inès Intra")
    make_membership(intra, startup, "intrapreneur")
    login(client, finance)
    response = client.post("/conventions/new", data={
        "kind": "delegation", "title": "Délégation CSM", "partner_id": partner.id, "startup_ids": [startup.id],
        "phase": "", "tax_basis": "ht", "end_bound": "engagement_paiement", "ends_on": "2024-12-31",
        "chorus_uo": "0335-CCSM-C001", "chorus_domaine": "0335-01", "chorus_activites": "033501010101",
        "chorus_centre_cout": "DSJCSM1075", "year_1": "2024", "ae_1": "42 000", "cp_1": "42 000"})
    assert response.status_code == 303, text(response)
    convention = db.session.scalars(sa.select(Convention)).one()
    url = f"/conventions/{convention.id}"
    for party, on in (("partenaire", "2024-01-10"), ("dinum", "2024-01-16")):
        response = client.post(f"{url}/sign", data={"party": party, "signatory": "Signataire",
                                                    "signatory_title": "Ordonnateur secondaire", "signed_on": on})
        assert response.status_code == 303, text(response)
    assert client.post(f"{url}/release", data={"year": "2024", "released_on": "2024-02-01", "ae": "42000",
                                               "cp": "42000"}).status_code == 303
    response = client.post(f"{url}/orders/new", data={
        "startup_id": startup.id, "number": "BC-1", "holder": "Titulaire SAS", "amount": "40 000",
        "engaged_on": "2024-03-01", "activity": "developpement", "resource": "prestations"})
    assert response.status_code == 303
    refused = client.post(f"{url}/orders/new", data={
        "startup_id": startup.id, "number": "BC-2", "holder": "Titulaire SAS", "amount": "5 000",
        "engaged_on": "2024-03-02", "activity": "developpement", "resource": "prestations"})
    assert refused.status_code == 422
    assert "Engagé 40 000 € + 5 000 € > 42 000 € d'AE mises à disposition pour 2024" in text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    bc = db.session.scalars(sa.select(Order)).one()
    assert client.post(f"/conventions/orders/{bc.id}/services", data={"service-amount": "40000", "service-delivered_on": "2024-06-01"}).status_code == 303
    service = db.session.scalars(sa.select(ServiceFait)).one()
    # Only the intrapreneur (or an admin) validates the service fait.
    assert client.post(f"/conventions/services/{service.id}/validate").status_code == 403
    login(client, intra)
    assert client.post(f"/conventions/services/{service.id}/validate").status_code == 303
    login(client, finance)
    assert client.post(f"/conventions/orders/{bc.id}/invoices", data={
        "facture-number": "F-1", "facture-amount": "40000", "facture-filed_on": "2024-06-02"}).status_code == 303
    invoice = db.session.scalars(sa.select(Invoice)).one()
    assert client.post(f"/conventions/invoices/{invoice.id}/pay", data={"paid_on": "2024-07-01"}).status_code == 303
    db.session.expire_all()
    assert invoice.paid_on == dt.date(2024, 7, 1)
    page = text(client.get(url))
    assert "En vigueur" in page and "0335-CCSM-C001" in page and "Payé" in page
    funding = client.get(f"/conventions/startup/{startup.id}")
    assert funding.status_code == 200 and "bar-chart" in funding.get_data(as_text=True)
    assert "BC-1" in text(funding)


def test_a_refusal_about_one_value_of_a_convention_is_said_at_that_field(client):
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    partner = make_organisation(name="Conseil supérieur de la magistrature", acronym="CSM")
    startup = make_startup(name="Fondation")
    login(client, finance)
    data = {"kind": "delegation", "title": "Délégation CSM", "reference": "CSM-2024-1", "partner_id": partner.id,
            "startup_ids": [startup.id], "phase": "", "tax_basis": "ht", "end_bound": "engagement_paiement",
            "ends_on": "2024-12-31", "year_1": "2024", "ae_1": "42 000", "cp_1": "42 000"}
    assert client.post("/conventions/new", data=data).status_code == 303
    for changes, field, message in (
            ({}, "reference", "Une convention porte déjà la référence « CSM-2024-1 »."),
            ({"reference": "CSM-2024-2", "starts_on": "2025-01-01"}, "ends_on",
             "La date de fin (31 décembre 2024) précède la date d'effet (1er janvier 2025)."),
    ):
        response = client.post("/conventions/new", data={**data, **changes})
        assert response.status_code == 422, text(response)
        page = response.get_data(as_text=True)
        # Above the form, and at the field, in the DSFR's error state, the field pointing to its message.
        shown = str(markupsafe.escape(message))
        assert shown in page.split(f'id="{field}"')[0], field
        assert f'aria-describedby="{field}-erreur"' in page
        assert f'<p id="{field}-erreur" class="fr-error-text">{shown}</p>' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Convention)) == 1


def test_a_bad_form_is_answered_in_french_and_saves_nothing(client):
    convention, startup, finance = seed_convention()
    login(client, finance)
    response = client.post(f"/conventions/{convention.id}/release", data={"year": "2024", "released_on": "pas une date",
                                                                           "ae": "12,345"})
    assert response.status_code == 422
    page = text(response)
    assert "Cette date n'est pas valable" in page and "n'est pas un montant en euros" in page
    response = client.post(f"/conventions/{convention.id}/terminate", data={
        "party": "partenaire", "notified_on": "2024-05-31", "effective_on": "2024-08-30", "reason": "Fin"})
    assert response.status_code == 422 and "au plus tôt le 31 août 2024" in text(response)
    db.session.expire_all()
    assert convention.terminated_on is None


def test_who_sees_the_money(client):
    convention, startup, finance = seed_convention()
    sponsor, outsider, contact = make_person("Sophie Sponsor"), make_person("Olivier"), make_person("Contact budget")
    make_membership(sponsor, startup, "sponsor")
    contact.organisation_id = convention.partner_id  # the budget contact is of the partner administration
    services.update_follow_up(convention, actor=finance, budget_contact_id=contact.id)
    for person, expected in ((sponsor, 200), (contact, 200), (outsider, 403)):
        login(client, person)
        assert client.get(f"/conventions/{convention.id}").status_code == expected
    login(client, sponsor)
    assert client.get(f"/conventions/{convention.id}/orders/new").status_code == 403
    assert "Financement" in client.get(f"/startups/{startup.id}").get_data(as_text=True)
    login(client, outsider)
    assert "/conventions/startup/" not in client.get(f"/startups/{startup.id}").get_data(as_text=True)


def test_the_portfolio_of_conventions_filters_and_totals(client):
    convention, startup, finance = seed_convention()
    order(convention, startup, finance, 21_000 * EUR)
    login(client, finance)
    page = text(client.get("/conventions/?year=2024"))
    assert "Délégation de gestion CSM – DINUM" in page and "(50 %)" in page
    assert "Totaux par partenaire" in page
    assert "Aucune convention ne correspond" in text(client.get("/conventions/?status=terminated"))
    assert client.get("/conventions/?year=abc&partner=inconnu").status_code == 200


def _orders(convention, startup, actor, count):
    for n in range(count):
        bc = order(convention, startup, actor, 100 * EUR, number=f"BC-{n}", engaged_on=dt.date(2024, 3, 1))
        spending.record_service_fait(bc, amount_cents=50 * EUR, delivered_on=dt.date(2024, 9, 1), actor=actor, today=TODAY)
        spending.record_invoice(bc, number=f"F-{n}", amount_cents=50 * EUR, filed_on=dt.date(2024, 9, 2), actor=actor, today=TODAY)


@pytest.mark.parametrize("page", ["convention", "funding", "list", "order"])
def test_pages_run_the_same_statements_with_1_or_50_orders(client, count_queries, page):
    counts = []
    for n in (1, 50):
        convention, startup, finance = seed_convention()
        _orders(convention, startup, finance, n)
        login(client, finance)
        url = {"convention": f"/conventions/{convention.id}", "funding": f"/conventions/startup/{startup.id}",
               "list": "/conventions/?year=2024", "order": f"/conventions/orders/{convention.orders[0].id}"}[page]
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
        db.session.rollback()
    assert counts[0] == counts[1] and counts[0] <= 20, counts


def test_the_public_budget_page_shows_published_conventions_only(client):
    convention, startup, finance = seed_convention()
    bc = order(convention, startup, finance, 12_000 * EUR)
    spending.record_service_fait(bc, amount_cents=10_000 * EUR, delivered_on=dt.date(2024, 5, 1), actor=finance, today=TODAY)
    page = text(client.get(f"/conventions/budget/{startup.id}"))
    assert "Aucune convention publiée" in page and "10 000 €" not in page
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/",
                              datagouv_published_on=dt.date(2024, 2, 1))
    page = text(client.get(f"/conventions/budget/{startup.id}"))
    assert "Conseil supérieur de la magistrature" in page and "Développement 10 000 €" in page
    assert "Total TTC (TVA de 20 %) 12 000 €" in page
    assert client.get("/conventions/budget/inconnue").status_code == 404


def test_the_end_of_term_report(client):
    convention, startup, finance = seed_convention()
    bc = order(convention, startup, finance, 30_000 * EUR)
    spending.record_service_fait(bc, amount_cents=10_000 * EUR, delivered_on=dt.date(2024, 5, 1), actor=finance, today=TODAY)
    login(client, finance)
    page = text(client.get(f"/conventions/{convention.id}/report"))
    assert "Compte rendu de la convention" in page and "AE non engagées 12 000 €" in page
    assert "Service fait du 1er mai 2024 : 10 000 €" in page and "Aucun comité tenu pendant la période" in page


def test_incubator_staff_list_the_conventions_of_their_startups_only(client):
    from tests.factories import make_incubator_staff

    mine, startup, finance = seed_convention()
    other, _, _ = seed_convention()
    other.title = "Convention d'un autre incubateur"
    staff = make_person("Hélène Incubateur")
    make_incubator_staff(staff, startup.incubator)
    login(client, staff)
    page = text(client.get("/conventions/?year=2024"))
    assert "1 convention" in page and "Convention d'un autre incubateur" not in page
    assert client.get(f"/conventions/{other.id}").status_code == 403
    assert client.get(f"/conventions/{mine.id}").status_code == 200


def test_the_list_of_conventions_runs_the_same_statements_with_1_or_600_conventions(client, count_queries):
    """More than 500 conventions: selectinload would send one more statement per 500 of them."""
    convention, startup, finance = seed_convention()
    login(client, finance)
    counts = []
    for extra in (0, 600):
        if extra:
            _many_conventions(convention, startup, extra)
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get("/conventions/?year=2024").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_list_shows_the_same_figures_as_the_convention(app):
    """The list's grouped sums agree with services.figures(): an order closed early counts at its consumed
    amount, an invoice counts in the year it is paid."""
    from conventions import queries

    convention, startup, finance = seed_convention()
    kept = order(convention, startup, finance, 10_000 * EUR, number="BC-1", engaged_on=dt.date(2024, 3, 1))
    closed = order(convention, startup, finance, 8_000 * EUR, number="BC-2", engaged_on=dt.date(2024, 4, 1))
    spending.record_service_fait(closed, amount_cents=3_000 * EUR, delivered_on=dt.date(2024, 5, 1), actor=finance, today=TODAY)
    spending.close_order(closed, closed_on=dt.date(2024, 6, 1), actor=finance, today=TODAY)
    delivered = spending.record_service_fait(kept, amount_cents=4_000 * EUR, delivered_on=dt.date(2024, 5, 1),
                                             actor=finance, today=TODAY)
    spending.validate_service_fait(delivered, actor=None, today=TODAY)
    invoice = spending.record_invoice(kept, number="F-1", amount_cents=4_000 * EUR, filed_on=dt.date(2024, 5, 2),
                                      actor=finance, today=TODAY)
    spending.pay_invoice(invoice, paid_on=dt.date(2024, 6, 1), actor=finance, today=TODAY)
    page, by_partner, _ = queries.portfolio(finance, today=TODAY, year=2024)
    (row,) = page.items
    assert row.year == services.figures(convention)[2024]
    assert (row.year.engaged, row.year.paid, row.year.ae_released) == (13_000 * EUR, 4_000 * EUR, 42_000 * EUR)
    assert by_partner[0].year == row.year


def _many_conventions(convention, startup, count):
    from conventions.models import ConventionYear, convention_startups

    first = db.session.scalar(sa.select(sa.func.max(Convention.id))) + 1
    db.session.execute(sa.insert(Convention.__table__), [
        {"id": first + n, "kind": convention.kind, "title": f"Convention n° {n:03d}", "partner_id": convention.partner_id,
         "ends_on": dt.date(2024, 12, 31), "created_at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)}
        for n in range(count)])
    db.session.execute(sa.insert(convention_startups), [
        {"convention_id": first + n, "startup_id": startup.id} for n in range(count)])
    db.session.execute(sa.insert(ConventionYear.__table__), [
        {"convention_id": first + n, "year": 2024, "ae_planned_cents": 100, "cp_planned_cents": 100}
        for n in range(count)])


def test_the_list_of_conventions_is_paginated_with_its_filters_kept_and_the_same_statements_on_every_page(
        client, count_queries):
    convention, startup, finance = seed_convention()
    _many_conventions(convention, startup, 120)  # drafts: with the signed seed, 121 conventions
    login(client, finance)
    first = client.get("/conventions/?year=2024&status=draft")
    page = text(first)
    assert "120 conventions — 1 à 50, page 1 sur 3" in page and "Délégation de gestion CSM" not in page
    links = re.findall(r'href="(/conventions/\?[^"]*page=[^"]*)"', first.get_data(as_text=True))
    assert links and all("status=draft" in html.unescape(link) and "year=2024" in html.unescape(link) for link in links)
    # The totals count every convention the filters keep, not only the page's.
    assert "Conseil supérieur de la magistrature (CSM) 120 " in page
    assert "120 conventions — 101 à 120, page 3 sur 3" in text(client.get("/conventions/?year=2024&status=draft&page=3"))
    assert "page 3 sur 3" in text(client.get("/conventions/?year=2024&status=draft&page=99"))
    assert "page 1 sur 3" in text(client.get("/conventions/?year=2024&status=draft&page=zéro"))
    counts = []
    for number in (1, 2, 3):
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(f"/conventions/?year=2024&page={number}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2], counts


def test_the_status_filter_in_sql_says_what_each_convention_says(app):
    from conventions import queries

    day = TODAY
    signed, startup, finance = seed_convention()
    draft = services.create_convention(actor=finance, partner=signed.partner, startups=[startup],
                                       years={2024: (100, 100)}, title="Brouillon", ends_on=dt.date(2024, 12, 31))
    ended, _, _ = seed_convention(ends_on=dt.date(2024, 11, 26))
    terminated, _, _ = seed_convention()
    terminated.terminated_on = dt.date(2024, 11, 1)
    suspended, _, _ = seed_convention()
    suspended.suspended_on = dt.date(2024, 10, 1)
    future, _, _ = seed_convention()
    future.starts_on = dt.date(2024, 12, 1)
    db.session.flush()
    items = [signed, draft, ended, terminated, suspended, future]
    in_sql = dict(db.session.execute(sa.select(Convention.id, queries.status_sql(day))
                                     .where(Convention.id.in_([c.id for c in items]))).all())
    assert {c.id: c.status(day).value for c in items} == in_sql
    assert set(in_sql.values()) == {"in_force", "draft", "ended", "terminated", "suspended", "signed"}


def test_the_money_in_the_history_is_read_by_who_follows_the_funding_as_on_the_moneys_pages(client):
    """A team member sees in the startup's history that an order was engaged, not its number, holder nor
    amount: the money's pages refuse them (funding.view). The coach reads it all."""
    convention, startup, finance = seed_convention()
    order(convention, startup, finance, 12_345 * EUR, number="BC-SECRET-7", holder="Titulaire Discret SAS")
    member, coach = make_person("Maël Membre"), make_person("Camille Coach")
    make_membership(member, startup, "team_member")
    make_membership(coach, startup, "coach")
    db.session.commit()
    for person, reads in ((member, False), (coach, True)):
        login(client, person)
        assert (client.get(f"/conventions/{convention.id}").status_code == 200) is reads
        for url in (f"/audit/startups/{startup.id}", f"/startups/{startup.id}"):
            page = text(client.get(url))
            assert "Bon de commande engagé" in page, url
            for secret in ("BC-SECRET-7", "Titulaire Discret SAS", "12 345"):
                assert (secret in page) is reads, (person.name, url, secret)
            if not reads:
                assert "réservés à qui suit le financement de la startup" in page, url


def test_the_partners_budget_contact_is_chosen_on_the_follow_up_page_then_sees_the_convention(client):
    convention, startup, finance = seed_convention()
    partner = convention.partner
    contact = make_person("Bérénice Budget", email="berenice.budget@csm.example.gouv.fr")
    contact.organisation_id = partner.id
    outsider = make_person("Oscar Ailleurs")
    db.session.commit()
    login(client, contact)
    assert client.get(f"/conventions/{convention.id}").status_code == 403
    login(client, finance)
    form = text(client.get(f"/conventions/{convention.id}/follow-up"))
    assert "Contact budgétaire du partenaire" in form and "Bérénice Budget (berenice.budget@csm.example.gouv.fr)" in form
    assert "Oscar Ailleurs" not in form  # not of the partner administration
    refused = client.post(f"/conventions/{convention.id}/follow-up", data={"budget_contact_id": str(outsider.id)})
    assert refused.status_code == 422 and "n'est pas de l'administration partenaire" in text(refused)
    refused = client.post(f"/conventions/{convention.id}/follow-up", data={"budget_contact_id": "²"})
    assert refused.status_code == 422 and "dans la liste" in text(refused)
    assert client.post(f"/conventions/{convention.id}/follow-up",
                       data={"budget_contact_id": str(contact.id)}).status_code == 303
    assert "Contact budgétaire du partenaire Bérénice Budget" in text(client.get(f"/conventions/{convention.id}"))
    login(client, contact)
    assert client.get(f"/conventions/{convention.id}").status_code == 200


def test_an_admin_who_recorded_a_service_fait_is_told_someone_else_validates_it(client):
    convention, startup, finance = seed_convention()
    admin = make_person("Ada Admin", is_admin=True)
    bc = order(convention, startup, finance, 10_000 * EUR)
    login(client, admin)
    assert client.post(f"/conventions/orders/{bc.id}/services", data={
        "service-amount": "4 000", "service-delivered_on": "2024-04-01"}).status_code == 303
    service = db.session.scalars(sa.select(ServiceFait)).one()
    page = text(client.get(f"/conventions/orders/{bc.id}"))
    assert "À valider par une autre personne que vous, qui l'avez enregistré" in page
    assert "Valider ce service fait" not in page
    response = client.post(f"/conventions/services/{service.id}/validate", follow_redirects=True)
    assert "Vous avez enregistré ce service fait : une autre personne (l'intrapreneur·e de la startup) doit le valider" in text(response)
    db.session.expire_all()
    assert service.validated_on is None
