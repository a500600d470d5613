"""Issue 12's journey: from « comité dû » to « décision validée », each persona starting from « Mon espace »,
on a desktop window (1280 px) and on a phone (375 px), each page checked with axe-core and photographed
(test-results/screenshots/espace-<width>-…png).

The coach finds the committee overdue in « Mon espace » and plans it; the intrapreneur finds there the
months of values to enter and the presentation to prepare, enters them and submits it; the coach accepts it,
marks the committee held (told, by name, whose grid is not started) and records the decision; the sponsor
finds the grid to fill and the decision to sign off there, fills the grid and signs off in the confirmation
modal. Only the accounts and one indicator (created months ago) are set up directly.

Each width has its own startup of the real data (Aidants Connect, Les Bases du numérique d'intérêt général,
both in an active phase without a committee in Jalons: overdue), so that the two runs do not meet. The
committee is planned for today at 23:59 (Paris time): held on its day, planned in the future.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from committees.models import PARIS, datetime_fr
from core.formats import date_fr, month_fr
from indicators.queries import official_grids
from tests.browser import seed
from tests.browser.steps import complete_presentation_lines

pytestmark = pytest.mark.browser

CASES = {
    "1280": {"width": 1280, "startup": "aidantsconnect", "name": "Aidants Connect"},
    "375": {"width": 375, "startup": "les.bases", "name": "Les Bases du numérique d'intérêt général"},
}
USERS = "Usagers accompagnés par mois"
ARBITRAGE = next(g for g in official_grids()["grids"] if g["code"] == "arbitrage_sponsor")
QUESTIONS = [c["label"] for section in ARBITRAGE["sections"] for c in section["scored_criteria"]]
SCORES = [4, 4, 3, 4, 5, 3, 4, 4, 3, 4]


def add_indicator(startup_id: str, created_at: dt.datetime) -> None:
    """A monthly indicator the team reports by hand, created months ago: its last months are missing."""
    from core.db import db
    from indicators import services
    from indicators.models import Category
    from startups.models import Startup

    indicator = services.create_indicator(db.session.get(Startup, startup_id), name=USERS, category=Category.USED)
    indicator.created_at = created_at
    db.session.commit()


def people(case: str) -> dict[str, tuple[str, str]]:
    return {role: (f"{first} {last}", f"{first.lower()}.{last.lower()}.{case}@espace.example.gouv.fr")
            for role, first, last in (("coach", "Léna", "Garnier"), ("intrapreneur", "Hugo", "Marchand"),
                                      ("sponsor", "Claire", "Dumont"))}


@pytest.mark.parametrize("case", list(CASES))
def test_each_persona_goes_from_mon_espace_to_the_decision_signed_off(page, add_person, in_app, enter_as, axe,
                                                                       screenshot, daytime, case):
    width, startup, name = CASES[case]["width"], CASES[case]["startup"], CASES[case]["name"]
    page.set_viewport_size({"width": width, "height": 900})
    who = people(case)
    in_app(seed.official_grids)
    add_person(*who["coach"], memberships=[(startup, "coach")])
    add_person(*who["intrapreneur"], memberships=[(startup, "intrapreneur")])
    add_person(*who["sponsor"], memberships=[(startup, "sponsor")])
    today = daytime
    in_app(add_indicator, startup, dt.datetime.combine(today, dt.time(12), tzinfo=PARIS) - dt.timedelta(days=100))
    planned_at = dt.datetime.combine(today, dt.time(23, 59), tzinfo=PARIS)
    shot = f"espace-{case}"

    def espace(persona: str, step: str):
        enter_as(who[persona][1], who[persona][0])
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/espace/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
        # Reflow: nothing makes the page scroll sideways (a wide table scrolls inside its own frame).
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "la page défile horizontalement"
        screenshot(page, f"{shot}-{step}-mon-espace-{persona}")
        axe(page, f"Mon espace ({persona}, {width} px)")

    def check(step: str, what: str):
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, f"{what} : défilement horizontal"
        screenshot(page, f"{shot}-{step}")
        axe(page, f"{what} ({width} px)")

    # --- The coach: the committee is overdue; she plans it from « Mon espace ».
    espace("coach", "01")
    due = page.locator("table").filter(has_text="Comités en retard ou dus sous 45 jours").locator("tbody tr").filter(
        has_text=name)
    expect(due.locator(".fr-badge--error")).to_have_text("En retard")
    due.get_by_role("link", name="Planifier le comité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Planifier un comité"))
    page.get_by_label("Date", exact=True).fill(today.isoformat())
    page.get_by_label("Heure (heure de Paris)").fill("23:59")
    page.get_by_label("Lieu").fill("DINUM, 20 avenue de Ségur, Paris 7e")
    check("02-planifier", "planifier le comité")
    page.get_by_role("button", name="Planifier le comité").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le comité est planifié")
    committee_url = page.url

    # --- The intrapreneur: the months of values to enter, then the presentation due one week before.
    espace("intrapreneur", "03")
    mine = page.locator("#mes-startups tbody tr").filter(has_text=name)
    expect(mine).to_contain_text(f"Le {date_fr(today)}")
    expect(mine).to_contain_text("Non commencée")
    expect(mine).to_contain_text(f"À soumettre avant le {date_fr(today - dt.timedelta(days=7))}")
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    expect(page.locator("#intrapreneur")).to_contain_text(month_fr(last_month))
    page.get_by_role("link", name=f"Saisir les valeurs de {name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Saisir les valeurs")
    missing = page.get_by_label(re.compile(f"^{USERS}, ")).all()
    filled = 0
    for field in missing:
        if not field.input_value():
            filled += 1
            field.fill(str(1000 + 100 * filled))
    assert filled >= 1
    check("04-valeurs", "saisie des valeurs")
    page.get_by_role("button", name="Enregistrer les valeurs").click()
    expect(page.locator(".fr-alert--success")).to_be_visible()

    page.goto("/")
    expect(page.locator("#intrapreneur")).to_contain_text("Toutes les valeurs mensuelles des six derniers mois sont saisies.")
    page.locator("#mes-startups tbody tr").filter(has_text=name).get_by_role("link", name="Préparer la présentation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Présentation de l'équipe au comité")
    page.get_by_role("button", name="Préparer la présentation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier la présentation")
    objective_on = today + dt.timedelta(days=180)
    page.get_by_label(re.compile(f"^Nouvel objectif pour « {USERS} »")).fill("2000")
    page.get_by_label(f"Date du nouvel objectif pour « {USERS} »").fill(objective_on.isoformat())
    complete_presentation_lines(page, objective_on)
    page.get_by_label("Ce qui a été fait et appris depuis le dernier comité").fill(
        "Les ressources des lieux de médiation sont publiées et reprises par trois régions.")
    page.get_by_label("Taille de l'équipe demandée (personnes)").fill("4")
    page.get_by_label("Enveloppe demandée pour six mois (euros)").fill("360000")
    page.get_by_label("Hypothèses à valider").fill("Les collectivités publient leurs propres ressources.")
    page.get_by_label("Critères de réussite chiffrés").fill("2 000 usagers accompagnés par mois.")
    check("05-presentation", "présentation à compléter")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est enregistrée.")
    page.get_by_role("button", name="Soumettre au coach").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est soumise au coach pour relecture.")
    # The committee's page says what is left to do and by when.
    page.goto(committee_url)
    todo = page.locator("#a-faire-equipe")
    expect(todo).to_contain_text("Présentation soumise, en attente de relecture par le coach.")
    expect(todo).to_contain_text("Les valeurs mensuelles des indicateurs sont à jour.")
    check("06-comite-vu-par-intrapreneur", "le comité vu par l'intrapreneur")

    # --- The coach: the presentation to review, then the committee held and its decision.
    espace("coach", "07")
    page.locator("table").filter(has_text="Présentations à relire").locator("tbody tr").filter(
        has_text=name).get_by_role("link", name="Relire la présentation").click()
    page.get_by_role("button", name="Accepter la présentation").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est acceptée.")
    page.goto("/")
    page.locator("table").filter(has_text="Comités planifiés").locator("tbody tr").filter(
        has_text=name).get_by_role("link", name="Voir le comité").click()
    expect(page.get_by_role("main")).to_contain_text(datetime_fr(planned_at))
    page.get_by_label("Motif de l'écart à la convention").fill(
        "Le représentant de l'administration, empêché, a délégué la présidence à la coach.")
    page.get_by_role("button", name="Marquer le comité comme tenu").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le comité est marqué comme tenu")
    # The sponsor's grid is not started: said by name; it stays open until the sign-off.
    expect(page.get_by_role("main")).to_contain_text(f"non commencée par : {who['sponsor'][0]}")
    check("08-comite-tenu", "comité tenu")
    page.get_by_role("link", name="Saisir la décision").click()
    page.get_by_label("Décision").select_option(label="Poursuite au même budget ou supérieur")
    page.get_by_label("Enveloppe de la prochaine période (euros)").fill("360000")
    page.get_by_label("Taille de l'équipe (personnes)").fill("4")
    page.get_by_label("Date du prochain comité").fill((today + dt.timedelta(days=150)).isoformat())
    page.get_by_label("Hypothèses à valider").fill("Les collectivités publient leurs propres ressources.")
    page.get_by_label("Critères de réussite quantitatifs").fill("2 000 usagers accompagnés par mois.")
    check("09-decision", "formulaire de décision")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La décision est enregistrée")

    # --- The sponsor: the grid to fill, then the decision to sign off, both from « Mon espace ».
    espace("sponsor", "10")
    page.locator("#grilles-a-remplir tbody tr").filter(has_text=name).get_by_role(
        "link", name="Remplir la grille").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ARBITRAGE["title"])
    expect(page.get_by_role("main")).to_contain_text("Critères notés de 0 (pas du tout) à 5 (tout à fait)")
    for question, score in zip(QUESTIONS, SCORES, strict=True):
        page.locator("fieldset").filter(has_text=question).locator(f"label[for$='-{score}']").click()
    page.get_by_label("Décision recommandée").select_option(label="Continuité à budget iso ou supérieur")
    check("11-grille", "grille du sponsor")
    page.get_by_role("button", name="Soumettre ma grille").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Votre grille est soumise.")

    page.goto("/")
    expect(page.locator("#grilles-a-remplir")).to_have_count(0)
    page.locator("#a-valider tbody tr").filter(has_text=name).get_by_role("link", name="Valider ou contester").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Valider ou contester la décision")
    expect(page.get_by_text("La grille d'arbitrage du sponsor n'est pas soumise")).to_have_count(0)
    check("12-validation", "validation de la décision")
    page.get_by_role("button", name="Valider la décision").click()
    modal = page.get_by_role("dialog", name="Confirmer la validation de la décision")
    expect(modal).to_be_visible()
    # The DSFR's modal fades in: axe would read its colours half-way (a contrast of 3.5 instead of 8).
    page.wait_for_function("""() => {
        let element = document.querySelector('.fr-modal--opened button[type=submit]');
        if (!element) return false;
        for (; element; element = element.parentElement) {
            if (getComputedStyle(element).opacity !== '1') return false;
        }
        return true;
    }""")
    check("13-confirmation", "confirmation de la validation")
    modal.get_by_role("button", name="Confirmer la validation").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La décision est validée")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Décision validée")
    check("14-decision-validee", "décision validée")
    page.goto("/")
    expect(page.locator("#sponsor")).to_contain_text("Aucune décision n'attend votre validation.")
    screenshot(page, f"{shot}-15-mon-espace-sponsor-apres")
