"""Every page no journey walks through, opened by the persona who uses it: axe-core finds no violation, and
a full-page screenshot is saved (test-results/screenshots/pages-<page>.png).

DossierFacile (real fiche, MTE's incubator, in consolidation since 14 October 2024) gets its team, its
mandatory indicators with a few values, an objective and a budget, a committee planned in about twenty
days with a prepared presentation, and a committee held about ten days ago whose decision awaits the
sponsor (on working days); the data is built once, through the services, before the first page. No page
here changes anything. Each page also fits the window's width: no sideways scrolling.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser import seed

pytestmark = pytest.mark.browser

STARTUP = "dossierfacile"
PEOPLE = {
    "admin": ("Anne Lefèvre", "anne.lefevre@pages.example.gouv.fr"),
    "coach": ("Julie Martin", "julie.martin@pages.example.gouv.fr"),
    "intrapreneur": ("Paul Rousseau", "paul.rousseau@pages.example.gouv.fr"),
    "sponsor": ("Nathalie Petit", "nathalie.petit@pages.example.gouv.fr"),
    # Incubator staff without a role in the startup's team, and an account with no role at all.
    "staff": ("Karim Benali", "karim.benali@pages.example.gouv.fr"),
    "visitor": ("Léa Moreau", "lea.moreau@pages.example.gouv.fr"),
}
TEAM_ROLES = ("coach", "intrapreneur", "sponsor")

# (page, persona, address): {…} are filled from the data built below.
PAGES = [
    # The startup's page, its history of changes included (a table that scrolls sideways on a phone).
    ("startup", "coach", "/startups/{startup}"),
    # A startup's editing pages (its coach; the history's correction: an admin).
    ("startup-creer", "admin", "/startups/new"),
    ("startup-modifier", "coach", "/startups/{startup}/edit"),
    ("startup-phase", "coach", "/startups/{startup}/phase"),
    ("startup-periode-corriger", "admin", "/startups/{startup}/periods/{period}/edit"),
    ("startup-evenement-ajouter", "coach", "/startups/{startup}/events/new"),
    ("startup-evenement-modifier", "coach", "/startups/{startup}/events/{event}/edit"),
    ("startup-equipe", "coach", "/startups/{startup}/members"),
    # Administration.
    ("organisations-gerer", "admin", "/organisations/manage"),
    ("organisation-creer", "admin", "/organisations/new"),
    ("organisation-modifier", "admin", "/organisations/dgaln/edit"),
    ("incubateurs-gerer", "admin", "/incubators/manage"),
    ("incubateur-creer", "admin", "/incubators/new"),
    ("incubateur-modifier", "admin", "/incubators/mtes/edit"),
    ("journal", "admin", "/audit"),
    ("historique-startup", "coach", "/audit/startups/{startup}"),
    ("grilles-modeles", "admin", "/grids/templates"),
    ("grille-nouvelle-version", "admin", "/grids/templates/arbitrage_sponsor/new-version"),
    ("mon-compte", "intrapreneur", "/users/me"),
    ("habilitation-finance", "admin", "/users/{person}/finance"),
    # Indicators (the coach enters them too).
    ("indicateurs", "coach", "/indicators/{startup}"),
    ("indicateur-creer", "coach", "/indicators/{startup}/new"),
    ("indicateur-modifier", "coach", "/indicators/{startup}/{indicator}/edit"),
    ("indicateurs-valeurs", "coach", "/indicators/{startup}/values"),
    ("indicateurs-import", "coach", "/indicators/{startup}/import"),
    ("indicateur-objectifs", "coach", "/indicators/{startup}/{indicator}/objectives"),
    ("indicateur-objectif-corriger", "coach", "/indicators/{startup}/{indicator}/objectives/{objective}/edit"),
    ("indicateurs-budget", "coach", "/indicators/{startup}/budget"),
    # Committees' forms (the coach; the sponsor signs off).
    ("comite-planifier", "coach", "/committees/startup/{startup}/plan"),
    ("comite-modifier", "coach", "/committees/{planned}/edit"),
    ("comite-annuler", "coach", "/committees/{planned}/cancel"),
    ("comite-participants", "coach", "/committees/{planned}/participants"),
    ("comite-actions", "coach", "/committees/{held}/actions"),
    ("comite-action-corriger", "coach", "/committees/{held}/actions/{action}/edit"),
    ("comite-presence", "coach", "/committees/{held}/attendance"),
    ("comite-decision", "coach", "/committees/{held}/decision"),
    ("comite-validation", "sponsor", "/committees/{held}/sign-off"),
    # Evaluation grids (the coach and the sponsor are participants of both committees).
    ("grilles-comite", "coach", "/grids/committee/{planned}"),
    ("grille-remplir", "sponsor", "/grids/committee/{planned}/arbitrage_sponsor/fill"),  # the coach does not fill it
    ("grilles-comite-tenu", "coach", "/grids/committee/{held}"),
    # The team's presentation and the pack.
    ("presentation", "intrapreneur", "/presentations/committee/{planned}"),
    ("presentation-modifier", "intrapreneur", "/presentations/committee/{planned}/edit"),
    ("presentation-a-preparer", "intrapreneur", "/presentations/committee/{held}"),
    ("dossier", "coach", "/presentations/committee/{planned}/pack"),
    ("dossier-comite-tenu", "sponsor", "/presentations/committee/{held}/pack"),
    # The money (conventions area): an admin manages; the coach and the intrapreneur follow it.
    ("conventions", "admin", "/conventions/"),
    ("convention", "admin", "/conventions/{convention}"),
    ("convention-creer", "admin", "/conventions/new"),
    ("convention-avenant", "admin", "/conventions/{convention}/amend"),
    ("convention-mise-a-disposition", "admin", "/conventions/{convention}/release"),
    ("convention-bon-de-commande", "admin", "/conventions/{convention}/orders/new"),
    ("convention-resilier", "admin", "/conventions/{convention}/terminate"),
    ("convention-compte-rendu", "admin", "/conventions/{convention}/report"),
    ("convention-devis", "coach", "/conventions/{convention}/quotes/new"),
    ("convention-pdf-signe", "admin", "/conventions/{convention}/documents"),
    ("bon-de-commande-devis", "admin", "/conventions/quotes/{quote}/order"),
    ("financement-fast", "admin", "/conventions/startup/{startup}/fast/new"),
    ("bon-de-commande", "intrapreneur", "/conventions/orders/{order}"),
    ("financement", "coach", "/conventions/startup/{startup}"),
    ("budget-public", "coach", "/conventions/budget/{startup}"),
    # « Mon espace », as each persona lands on it.
    ("mon-espace-intrapreneur", "intrapreneur", "/espace/"),
    ("mon-espace-coach", "coach", "/espace/"),
    ("mon-espace-sponsor", "sponsor", "/espace/"),
    ("mon-espace-admin", "admin", "/espace/"),
    ("mon-espace-incubateur", "staff", "/espace/"),
    ("mon-espace-rien-a-faire", "visitor", "/espace/"),
]


def build(today: dt.date) -> dict:
    """The data of the pages, through the services; committed. Returns the ids the addresses need."""
    from committees import decisions
    from committees import services as committees
    from committees.due import add_months
    from committees.models import PARIS, DecisionKind
    from core import clock
    from core.db import db
    from indicators import services as indicators
    from indicators.models import IndicatorKind
    from presentations import services as presentations
    from startups.models import Startup
    from users.models import Person

    seed.official_grids()
    ids = {role: seed.add_person(name, email, memberships=[(STARTUP, role)] if role in TEAM_ROLES else [],
                                 incubators=["mtes"] if role == "staff" else [],
                                 organisation_id="dgaln" if role == "sponsor" else None, is_admin=role == "admin")
           for role, (name, email) in PEOPLE.items()}
    startup = db.session.get(Startup, STARTUP)
    coach, intrapreneur = db.session.get(Person, ids["coach"]), db.session.get(Person, ids["intrapreneur"])
    now = clock.now()
    created = indicators.propose_mandatory(startup, actor=coach)
    users = next(i for i in created if i.kind is IndicatorKind.ACTIVE_USERS)
    month = today.replace(day=1)
    months = [(month - dt.timedelta(days=1)).replace(day=1)]
    while len(months) < 3:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    indicators.enter_values(startup, {(users.id, m): str(v) for m, v in zip(months, (41000, 43500, 45200))},
                            today=today, actor=coach)
    objective = indicators.set_objective(users, target_value=Decimal(50000), target_on=today + dt.timedelta(days=180),
                                         actor=coach, now=now)
    indicators.set_budget(startup, year=today.year, amount_eur=900000, actor=coach, now=now)

    def paris(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=PARIS)

    def weekday(day: dt.date, step: int = 1) -> dt.date:
        """Committees meet on working days: the nearest one from day, going forward (1) or back (-1)."""
        while day.weekday() >= 5:
            day += dt.timedelta(days=step)
        return day

    # Held ten days ago: planned (then) before its date, marked held, its decision recorded; the next
    # committee two weeks before the six-month limit, which counts from the day it was held.
    held_on = weekday(today - dt.timedelta(days=10), -1)
    held = committees.plan_committee(startup, kind="semestriel", scheduled_at=paris(held_on, 10),
                                     place="Tour Séquoia, La Défense", video_link=None, chair=coach, actor=coach,
                                     now=now - dt.timedelta(days=30))
    committees.mark_held(held, actor=coach, today=today,
                         convention_reason="Le représentant de l'administration, empêché, a délégué la présidence.")
    decisions.record_decision(held, kind=DecisionKind.CONTINUE, actor=coach, now=now, envelope_eur=450000,
                              team_size=5, hypotheses="Les bailleurs sociaux adoptent le dossier numérique.",
                              success_criteria="30 000 dossiers déposés par mois.",
                              next_committee_on=weekday(add_months(held_on, 6) - dt.timedelta(days=14), -1))
    action = committees.add_action_item(held, title="Atelier d'analyse de risques", owner=coach,
                                        due_on=today + dt.timedelta(days=60), actor=coach, now=now)
    planned = committees.plan_committee(startup, kind="semestriel", scheduled_at=paris(weekday(today + dt.timedelta(days=20)), 14),
                                        place="Tour Séquoia, La Défense", video_link=None, chair=coach, actor=coach,
                                        now=now)
    presentations.prefill(planned, actor=intrapreneur, now=now)
    convention, order, quote = _money(startup, today)
    db.session.commit()
    return {"startup": STARTUP, "indicator": users.id, "planned": planned.id, "held": held.id,
            "period": startup.periods[-1].id, "event": startup.events[0].id, "convention": convention.id,
            "order": order.id, "quote": quote.id, "objective": objective.id, "action": action.id, "person": ids["coach"]}


def _money(startup, today: dt.date):
    """A signed convention for the startup, published, money released, an order half delivered and invoiced;
    its signed PDF, a quote accepted and one waiting for DINUM's decision; a FAST grant."""
    from conventions import services as money
    from conventions import fast_fund
    from conventions import spending
    from conventions.models import Activity, Party, Resource, TaxBasis

    signed_on = today - dt.timedelta(days=40)
    years = {year: (30_000_000, 30_000_000) for year in {signed_on.year, today.year}}
    convention = money.create_convention(actor=None, partner=startup.sponsors[0], startups=[startup], years=years,
                                         title="Délégation de gestion DGALN – DINUM", ends_on=dt.date(today.year + 1, 6, 30),
                                         chorus_uo="0135-DGAL-C001", chorus_domaine="0135-01")
    for party in Party:
        money.sign(convention, party, signatory="Signataire", signatory_title="Ordonnateur secondaire",
                   signed_on=signed_on, actor=None, today=today)
    for year in years:
        money.release(convention, year=year, released_on=signed_on, ae_cents=20_000_000, cp_cents=20_000_000,
                      actor=None, today=today)
    order = spending.engage_order(convention, startup=startup, number="BC-2026-001", holder="Titulaire du marché",
                               amount_cents=12_000_000, engaged_on=signed_on, activity=Activity.DEVELOPMENT,
                               resource=Resource.SERVICES, actor=None, today=today)
    spending.record_service_fait(order, amount_cents=6_000_000, delivered_on=today - dt.timedelta(days=5), actor=None, today=today)
    spending.record_invoice(order, number="F-001", amount_cents=6_000_000, filed_on=today - dt.timedelta(days=3),
                         actor=None, today=today)
    money.upload_signed_document(convention, filename="convention-signee.pdf",
                                 data=b"%PDF-1.4\ntrailer << >>\nstartxref\n9\n%%EOF\n", actor=None,
                                 now=dt.datetime.combine(signed_on, dt.time(12), tzinfo=dt.timezone.utc))
    quotes = [spending.record_quote(convention, startup=startup, reference=f"DEVIS-{n}", holder="Titulaire du marché",
                                 amount_cents=3_000_000, tax_basis=TaxBasis.HT, received_on=today - dt.timedelta(days=2),
                                 valid_until=today + dt.timedelta(days=30), actor=None, today=today) for n in (1, 2)]
    spending.decide_quote(quotes[0], accept=True, decided_on=today, actor=None, today=today)
    fast_fund.record_fast_grant(startup, year=today.year, ae_cents=10_000_000, cp_cents=5_000_000, decided_on=today,
                            reference="FAST-1", actor=None, today=today)
    return convention, order, quotes[0]


@pytest.fixture(scope="module")
def pages_data(live_app):
    with live_app.app_context():
        from core import clock
        from core.db import db

        try:
            return build(clock.today())
        finally:
            db.session.remove()


# A desktop window, and a phone's (375 px wide): the pages reflow, and axe checks them at both widths.
WIDTHS = {"": 1280, "-375": 375}
# Pages known to fail at 375 px, with why; they are still opened, checked and photographed.
KNOWN_ON_A_PHONE: dict[str, str] = {}  # page name -> why axe is known to fail on it at 375 px (none today)


@pytest.mark.parametrize("width", list(WIDTHS), ids=["1280", "375"])
@pytest.mark.parametrize(("name", "persona", "address"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_is_accessible(page, pages_data, enter_as, axe, screenshot, charts_drawn, name, persona, address,
                                width):
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    enter_as(PEOPLE[persona][1], PEOPLE[persona][0])
    response = page.goto(address.format(**pages_data))
    assert response.status == 200, f"{address.format(**pages_data)} : {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    # Reflow: nothing makes the page scroll sideways (a wide table scrolls inside its own frame).
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"], \
        "la page défile horizontalement"
    charts_drawn(page)
    screenshot(page, f"pages-{name}{width}")
    if width and name in KNOWN_ON_A_PHONE:
        pytest.xfail(KNOWN_ON_A_PHONE[name])
    axe(page, f"{name} ({address.format(**pages_data)}, {persona}, {WIDTHS[width]} px)")


def test_on_a_phone_the_values_grid_keeps_the_indicators_names_in_view(page, pages_data, enter_as, screenshot):
    """At 375 px the months scroll sideways inside the grid's frame, the names' column stays put, and
    every input, once focused (as one tabs through them), is in the window and not under the names."""
    page.set_viewport_size({"width": 375, "height": 812})
    enter_as(PEOPLE["coach"][1], PEOPLE["coach"][0])
    page.goto(f"/indicators/{STARTUP}/values")
    grid = page.locator(".jalons-values-grid")
    inputs = grid.locator("input.fr-input")
    assert inputs.count() > 6
    for n in range(inputs.count()):
        field = inputs.nth(n)
        field.focus()
        row_name = field.locator("xpath=ancestor::tr/th").bounding_box()
        box = field.bounding_box()
        assert 0 <= row_name["x"] and row_name["x"] + row_name["width"] <= 375, "le nom de l'indicateur sort de l'écran"
        assert box["x"] >= row_name["x"] + row_name["width"] - 1 and box["x"] + box["width"] <= 375 + 1, \
            f"le champ {field.get_attribute('id')} est hors de l'écran ou sous les noms : {box}"
    screenshot(page, "pages-indicateurs-valeurs-375-defilee")


def test_the_sponsors_list_narrows_as_one_types_and_keeps_the_checked_ones(page, pages_data, enter_as, axe, screenshot):
    enter_as(PEOPLE["coach"][1], PEOPLE["coach"][0])
    page.goto(f"/startups/{STARTUP}/edit")
    sponsors = page.get_by_role("group", name=re.compile("^Sponsors"))
    choices = sponsors.locator("[data-jalons-choice]")
    expect(sponsors.get_by_role("checkbox", checked=True)).to_have_count(2)  # DossierFacile: DGALN and DHUP
    for first in (0, 1):  # the checked ones come first
        expect(choices.nth(first).get_by_role("checkbox")).to_be_checked()
    filter_field = page.get_by_label("Filtrer les administrations")
    checked = [choices.nth(n).inner_text().strip() for n in (0, 1)]
    filter_field.fill("numerique")  # without its accent
    expect(sponsors.get_by_label(re.compile("Direction interministérielle du numérique"))).to_be_visible()
    shown = [name.strip() for name in choices.locator("visible=true").all_inner_texts()]
    assert shown[:2] == checked and len(shown) > 3
    assert all("numérique" in name.lower() for name in shown[2:]), shown
    expect(sponsors.get_by_label(re.compile("Direction interministérielle du numérique"))).to_be_visible()
    expect(sponsors.get_by_label(re.compile("Conseil d'Etat"))).to_be_hidden()
    sponsors.locator("label", has_text="Direction interministérielle du numérique").click()  # as a person does
    expect(sponsors.get_by_label(re.compile("Direction interministérielle du numérique"))).to_be_checked()
    screenshot(page, "pages-startup-sponsors-filtre")
    axe(page, "filtre des sponsors")
    filter_field.press("Enter")  # does not send the form
    expect(page).to_have_url(re.compile(f"/startups/{STARTUP}/edit$"))
    filter_field.fill("aucune administration")
    expect(sponsors.locator("[data-jalons-none]")).to_be_visible()
    expect(choices.locator("visible=true")).to_have_count(3)  # the checked ones stay in view
    filter_field.fill("")
    expect(choices.locator("visible=true")).to_have_count(choices.count())


@pytest.mark.parametrize("width", list(WIDTHS), ids=["1280", "375"])
def test_the_api_documentation_is_accessible(page, axe, screenshot, width):
    """/api/v1/ (Swagger UI, under the CSP): axe finds no violation once the document is read, then once an
    operation is opened with its parameters and its responses' French examples; nothing scrolls sideways."""
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.goto("/api/v1/")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    operation = page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/startups$"))
    expect(operation).to_be_visible(timeout=15000)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"], \
        "la page défile horizontalement"
    screenshot(page, f"pages-api-documentation{width}")
    axe(page, f"documentation de l'API ({WIDTHS[width]} px)")
    operation.click()
    expect(page.get_by_text("Numéro de page, à partir de 1.")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"], \
        "la page défile horizontalement (opération ouverte)"
    screenshot(page, f"pages-api-documentation-operation{width}")
    axe(page, f"documentation de l'API, opération ouverte ({WIDTHS[width]} px)")
