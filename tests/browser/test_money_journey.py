"""Issue 10's journey: from a convention to a paid invoice, and the money in the committee pack.

Acceslibre (real fiche, sponsored by the DGALN), in the demo data and in the fallback fiches alike. Through the
pages only: an admin prepares a convention for it, records both signatures, the release of the year's AE and CP,
and engages an order; the coach records a service fait; the intrapreneur validates it; the admin records the
invoice as paid; the coach reads the startup's Financement page and the pack of its planned committee, whose
money section shows what was consumed; the admin reads the convention's end-of-term report (page and PDF) and
anyone the startup's public budget page. Every page is checked with axe and photographed. All dates are today's
(the real clock, as in the other journeys).
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser import seed

pytestmark = pytest.mark.browser

STARTUP, NAME = "acceslibre", "Acceslibre"
ADMIN = ("Agnès Finance", "agnes.finance@argent.example.gouv.fr")
COACH = ("Bruno Coach", "bruno.coach@argent.example.gouv.fr")
INTRAPRENEUR = ("Chloé Intra", "chloe.intra@argent.example.gouv.fr")


def _plan_committee() -> int:
    from committees import services
    from committees.models import PARIS
    from core.db import db
    from startups.models import Startup
    from users.models import Person

    startup = db.session.get(Startup, STARTUP)
    coach = db.session.scalars(db.select(Person).where(Person.email == COACH[1])).one()
    day = dt.datetime.now(PARIS).date() + dt.timedelta(days=20)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    committee = services.plan_committee(startup, kind="semestriel", scheduled_at=dt.datetime.combine(day, dt.time(14), PARIS),
                                        place="Ségur", video_link=None, chair=coach, actor=coach,
                                        now=dt.datetime.now(dt.UTC))
    db.session.commit()
    return committee.id


def test_from_a_convention_to_a_paid_invoice_and_the_pack(page, in_app, enter_as, axe, screenshot, charts_drawn):
    in_app(seed.add_person, *ADMIN, is_admin=True)
    in_app(seed.add_person, *COACH, memberships=[(STARTUP, "coach")])
    in_app(seed.add_person, *INTRAPRENEUR, memberships=[(STARTUP, "intrapreneur")])
    committee_id = in_app(_plan_committee)
    today = dt.date.today().isoformat()
    year = str(dt.date.today().year)

    enter_as(ADMIN[1], ADMIN[0])
    page.goto("/conventions/new")
    page.get_by_label("Intitulé").fill("Délégation de gestion DGALN – DINUM pour Acceslibre")
    page.get_by_label("Administration partenaire").select_option("dgaln")
    startups = page.get_by_role("group", name=re.compile("^Startups couvertes"))
    startups.locator("label", has_text=re.compile(f"^{NAME}$")).click()  # as a person does: the DSFR label covers the box
    expect(startups.get_by_label(NAME, exact=True)).to_be_checked()
    page.get_by_label("Date de fin", exact=True).fill(f"{int(year) + 1}-12-31")
    page.get_by_label("UO (Chorus)").fill("0135-DGAL-C001")
    page.get_by_label("Année 1", exact=True).fill(year)
    page.get_by_label("AE 1 (€)", exact=True).fill("100 000")
    page.get_by_label("CP 1 (€)", exact=True).fill("100 000")
    axe(page, "convention à préparer")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("enregistrée en brouillon")
    for party in ("partenaire", "dinum"):
        page.get_by_role("link", name="Enregistrer une signature").click()
        page.get_by_label("Partie qui signe").select_option(party)
        page.get_by_label("Nom du signataire").fill("Signataire")
        page.get_by_label(re.compile("^Qualité")).fill("Ordonnateur secondaire")
        page.get_by_label("Date de signature").fill(today)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator(".fr-alert--success")).to_contain_text("signature est enregistrée")
    expect(page.get_by_role("main")).to_contain_text("En vigueur")
    convention_url = page.url
    page.get_by_role("link", name="Mise à disposition d'AE et CP").click()
    page.get_by_label("Mises à disposition le").fill(today)
    page.get_by_label("AE mises à disposition (€)").fill("100000")
    page.get_by_label("CP mis à disposition (€)").fill("100000")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("mise à disposition est enregistrée")
    # An order beyond the AE released is refused with the figures, nothing saved.
    page.get_by_role("link", name="Engager un bon de commande").click()
    page.get_by_label("Numéro du bon de commande").fill("BC-ACCES-1")
    page.get_by_label("Titulaire du marché").fill("Titulaire du marché")
    page.get_by_label("Montant (€)").fill("100 000,01")
    page.get_by_label("Engagé le").fill(today)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".fr-alert--error")).to_contain_text(f"d'AE mises à disposition pour {year}")
    axe(page, "bon de commande refusé")
    page.get_by_label("Montant (€)").fill("60 000")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("bon de commande est engagé")
    screenshot(page, "argent-convention")
    axe(page, "convention en vigueur")
    page.get_by_role("link", name="BC-ACCES-1").click()
    order_url = page.url

    enter_as(COACH[1], COACH[0])
    page.goto(order_url)
    page.get_by_label("Montant du service fait (€)").fill("30 000")
    page.get_by_label("Service fait le").fill(today)
    page.get_by_role("button", name="Enregistrer le service fait").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("service fait est enregistré")

    enter_as(INTRAPRENEUR[1], INTRAPRENEUR[0])
    page.goto(order_url)
    page.get_by_role("button", name="Valider ce service fait").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("service fait est validé")

    enter_as(ADMIN[1], ADMIN[0])
    page.goto(order_url)
    page.get_by_label("Numéro de la facture").fill("F-ACCES-1")
    page.get_by_label("Montant de la facture (€)").fill("30 000")
    page.get_by_label("Déposée le").fill(today)
    page.get_by_label("Payée le (si déjà payée)").fill(today)
    page.get_by_role("button", name="Enregistrer la facture").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("facture est enregistrée")
    expect(page.get_by_role("main")).to_contain_text("Payé")
    screenshot(page, "argent-bon-de-commande")
    axe(page, "bon de commande payé")

    enter_as(COACH[1], COACH[0])
    page.goto(f"/startups/{STARTUP}")
    page.get_by_role("link", name="Financement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Financement")
    expect(page.get_by_role("main")).to_contain_text("BC-ACCES-1")
    chart_has_a_readable_height(page, charts_drawn)
    screenshot(page, "argent-financement")
    axe(page, "financement")
    # On a phone's width the chart keeps its height (it used to shrink to a flat strip under its labels).
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    chart_has_a_readable_height(page, charts_drawn)
    screenshot(page, "argent-financement-etroit")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/presentations/committee/{committee_id}/pack")
    money = page.locator("section", has=page.get_by_role("heading", name="Le financement"))
    expect(money).to_contain_text(re.compile(r"Consommé \(services faits\) depuis le début : 30\s000\s€"))
    screenshot(page, "argent-dossier")
    axe(page, "dossier du comité")

    # The end-of-term report, as a page and as a PDF, from the convention's page.
    enter_as(ADMIN[1], ADMIN[0])
    page.goto(convention_url)
    page.get_by_role("link", name="Compte rendu de la convention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compte rendu de la convention")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Service fait du")
    expect(main).to_contain_text("Prévisions de commandes et de consommation")
    expect(main).to_contain_text("Avancement : les indicateurs")
    screenshot(page, "argent-compte-rendu")
    axe(page, "compte rendu de la convention")
    pdf = page.request.get(page.get_by_role("link", name="Télécharger le compte rendu en PDF").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
    # The public budget page, with its cost per use (no North Star value: « non calculable »).
    page.goto(f"/conventions/budget/{STARTUP}")
    expect(page.get_by_role("heading", name="Coût par utilisation")).to_be_visible()
    screenshot(page, "argent-budget-public")
    axe(page, "budget public")


def chart_has_a_readable_height(page, charts_drawn) -> None:
    """The bar chart is drawn (its canvas exists and its animation is over) and stands about 320 px high."""
    canvas = page.locator("bar-chart canvas")
    expect(canvas).to_be_attached()
    charts_drawn(page)
    box = canvas.bounding_box()
    assert box is not None and 280 <= box["height"] <= 360, box
