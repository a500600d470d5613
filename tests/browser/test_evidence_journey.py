"""Issue 5's journey: the evidence a committee decides on, across the personas.

Mobilic (real fiche, MTE's incubator): in consolidation since 10 November 2025, in the demo data and in the
fallback fiches alike. Its semestrial committee is planned (through the committees service) for today at
23:59, Paris time, with its intrapreneur, sponsor and coach proposed as participants and the DINUM
portfolio manager added. Then, through the pages only:
- the intrapreneur adds the mandatory impact-matrix indicators, enters values in the grid and imports a
  CSV, sees each series as a chart and the same data as a table; prepares the presentation (pre-filled
  from the indicators), writes the new objectives and the request, attaches the deck (PDF), submits;
- the coach asks for changes, the intrapreneur resubmits, the coach accepts;
- the DINUM portfolio manager and the coach each fill the sponsor's arbitrage grid: a participant who
  has not submitted sees nobody's scores, and a draft is not counted in the results of those who have
  submitted; once both are submitted both see the statistics;
- the coach marks the committee held (its date is today: a committee is held on or after its date);
- the sponsor reads the grids' results, the pack with them, and downloads the pack as PDF.

The rules use the application's clock: the `daytime` fixture keeps the day from turning during the
journey (see test_committee_journey.py).
"""

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

from committees.models import PARIS, datetime_fr
from core.formats import date_fr, month_fr
from indicators.queries import official_grids
from tests.browser import seed
from tests.browser.steps import complete_presentation_lines

pytestmark = pytest.mark.browser

STARTUP, NAME = "mobilic", "Mobilic"
INTRAPRENEUR = ("Léa Girard", "lea.girard@preuves.example.gouv.fr")
COACH = ("Thomas Moreau", "thomas.moreau@preuves.example.gouv.fr")
SPONSOR = ("Claire Dubois", "claire.dubois@preuves.example.gouv.fr")
PORTFOLIO_MANAGER = ("Karim Benali", "karim.benali@preuves.example.gouv.fr")
USERS = "Nombre d'utilisateurs actifs par mois"
SATISFACTION = "Taux de satisfaction usager"
TRANSACTIONS = "Nombre de transactions ou conversions par mois"
DECK = "support-comite-mobilic.pdf"

# The sponsor's arbitrage grid: ten questions scored 0 to 5, in the order of the official grid.
ARBITRAGE = next(g for g in official_grids()["grids"] if g["code"] == "arbitrage_sponsor")
QUESTIONS = [c["label"] for section in ARBITRAGE["sections"] for c in section["scored_criteria"]]
COACH_SCORES = [4, 4, 3, 4, 4, 3, 4, 4, 3, 4]
MANAGER_SCORES = [3, 5, 3, 1, 4, 3, 3, 4, 2, 5]
MANAGER_COMMENT = "Le ratio coût/impact actuel n'est pas démontré : à documenter avant le prochain comité."


def shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def small_pdf(text: str) -> bytes:
    """A one-page PDF with a line of text, its cross-reference table computed: a real, readable file."""
    content = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def fill_grid(page, scores: list[int], comment: str) -> None:
    for question, score in zip(QUESTIONS, scores, strict=True):
        # DSFR radios: the label covers the input, as for a person, who clicks the label.
        page.locator("fieldset").filter(has_text=question).locator(f"label[for$='-{score}']").click()
    page.get_by_label("Décision recommandée").select_option(label="Continuité à budget iso ou supérieur")
    page.get_by_label("Commentaire général").fill(comment)


def results_row(page, question: str):
    table = page.locator("table").filter(has_text="Résultats par critère")
    return table.locator("tbody tr").filter(has_text=question).locator("td")


def test_the_evidence_from_indicators_to_the_pack(page, new_context, add_person, in_app, log_in, log_out, axe,
                                                  screenshot, charts_drawn, daytime):
    in_app(seed.official_grids)
    add_person(*INTRAPRENEUR, memberships=[(STARTUP, "intrapreneur")], organisation_id="mtes")
    add_person(*COACH, memberships=[(STARTUP, "coach")])
    add_person(*SPONSOR, memberships=[(STARTUP, "sponsor")], organisation_id="mtes")
    manager_id = add_person(*PORTFOLIO_MANAGER, organisation_id="dinum")
    today = daytime
    planned_at = dt.datetime.combine(today, dt.time(23, 59), tzinfo=PARIS)
    committee_id = in_app(seed.plan_committee, STARTUP, planned_at, place="MTE, Tour Séquoia, La Défense — salle 12",
                          extra_participants=[(manager_id, "responsable_portefeuille")])
    this_month = today.replace(day=1)
    months = {n: shift(this_month, -n) for n in range(1, 7)}  # months[3]: three months ago
    objective_on = today + dt.timedelta(days=183)

    # --- The intrapreneur: the indicators, from none to a chart and its table.
    log_in(INTRAPRENEUR[1], INTRAPRENEUR[0], shots="preuves-intrapreneur")
    page.goto(f"/startups/{STARTUP}")
    page.get_by_role("navigation", name="Suivi de la startup").get_by_role("link", name="Indicateurs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Indicateurs de {NAME}")
    expect(page.locator(".fr-callout").filter(has_text="Aucun indicateur")).to_be_visible()
    screenshot(page, "preuves-01-indicateurs-aucun")
    axe(page, "indicateurs (aucun)")
    page.get_by_role("button", name="Ajouter les indicateurs obligatoires").click()
    expect(page.locator(".fr-alert--success")).to_contain_text(
        "7 indicateurs obligatoires de la matrice d'impact ont été ajoutés.")
    for name in (USERS, SATISFACTION, "Coût à l'utilisation (budget annuel / utilisateurs actifs par mois)"):
        expect(page.get_by_role("heading", level=2, name=name, exact=True)).to_be_visible()

    page.get_by_role("link", name="Saisir les valeurs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saisir les valeurs")
    for n, value in ((3, "1 150"), (2, "1 210"), (1, "1 260")):
        page.get_by_label(f"{USERS}, {month_fr(months[n])}", exact=True).fill(value)
    page.get_by_label(f"{SATISFACTION}, {month_fr(months[1])}", exact=True).fill("87,5")
    screenshot(page, "preuves-02-saisie-des-valeurs")
    axe(page, "grille de saisie des valeurs")
    page.get_by_role("button", name="Enregistrer les valeurs").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("4 valeurs enregistrées.")
    expect(page.get_by_label(f"{SATISFACTION}, {month_fr(months[1])}", exact=True)).to_have_value("87,5")

    page.get_by_role("link", name="Retour aux indicateurs").click()
    page.get_by_role("link", name="Importer un fichier CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des valeurs")
    csv_text = "indicateur;période;valeur;commentaire\r\n" + "".join(
        f"{USERS};{months[n]:%Y-%m};{value};Export de la mesure d'audience\r\n"
        for n, value in ((6, "980"), (5, "1020"), (4, "1090"))
    ) + f"{TRANSACTIONS};{months[1]:%Y-%m};3400;\r\n"
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "indicateurs-mobilic.csv", "mimeType": "text/csv", "buffer": csv_text.encode("utf-8")}])
    screenshot(page, "preuves-03-import-csv")
    axe(page, "import CSV des valeurs")
    page.get_by_role("button", name="Importer").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("4 valeurs importées.")

    # The chart and the table carry the same series: six months of active users.
    users = page.locator("section").filter(has=page.get_by_role("heading", level=2, name=USERS, exact=True))
    expected = [(month_fr(months[n]), value) for n, value in
                ((6, 980), (5, 1020), (4, 1090), (3, 1150), (2, 1210), (1, 1260))]
    rows = users.locator("table tbody tr")
    expect(rows.locator("th")).to_have_text([label for label, _ in expected])
    expect(rows.locator("td:nth-child(2)")).to_have_text([f"{value:,}".replace(",", " ") for _, value in expected])
    chart = users.locator("line-chart")
    expect(chart).to_have_count(1)
    assert json.loads(chart.get_attribute("x")) == [[label for label, _ in expected]]
    assert json.loads(chart.get_attribute("y")) == [[value for _, value in expected]]
    charts_drawn(page)
    # The y axis starts at zero and reads in French style (« 1 200 », not « 1.2K »), as the table does.
    expect(chart).to_have_attribute("data-jalons-numbers", "fr")
    ticks = chart.evaluate("e => e._instance.proxy.chart.scales.y.ticks.map(t => t.label)")
    assert ticks[0] == "0" and any("\u202f" in t for t in ticks) and not any("K" in t for t in ticks), ticks
    screenshot(page, "preuves-04-indicateurs-graphiques-et-tableaux")
    axe(page, "indicateurs avec valeurs, graphiques et tableaux")

    # --- The intrapreneur prepares the presentation: pre-filled, completed, the deck attached, submitted.
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Comités").click()
    upcoming = page.locator("table").filter(has_text="Comités à venir").locator("tbody tr").filter(has_text=NAME)
    expect(upcoming).to_contain_text(datetime_fr(planned_at))
    upcoming.get_by_role("link", name="Comité semestriel").click()
    page.get_by_role("link", name="Présentation de l'équipe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Présentation de l'équipe au comité")
    screenshot(page, "preuves-05-presentation-a-preparer")
    axe(page, "présentation à préparer")
    page.get_by_role("button", name="Préparer la présentation").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est préparée à partir des indicateurs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier la présentation")
    users_line = page.locator(".fr-fieldset__element").filter(
        has=page.get_by_role("heading", level=3, name=re.compile(f"^{USERS}")))
    expect(users_line).to_contain_text(
        f"Objectif fixé au comité précédent : aucun — valeur atteinte : 1 260 ({month_fr(months[1])})")
    page.get_by_label(re.compile(f"^Nouvel objectif pour « {USERS} »")).fill("1 800")
    page.get_by_label(f"Date du nouvel objectif pour « {USERS} »").fill(objective_on.isoformat())
    page.get_by_label(re.compile(f"^Nouvel objectif pour « {SATISFACTION} »")).fill("90")
    page.get_by_label(f"Date du nouvel objectif pour « {SATISFACTION} »").fill(objective_on.isoformat())
    complete_presentation_lines(page, objective_on)
    page.get_by_label("Ce qui a été fait et appris depuis le dernier comité").fill(
        "Ouverture aux entreprises de transport léger de toute la France ; les contrôleurs utilisent l'export.")
    page.get_by_label("Difficultés rencontrées").fill("Recrutement d'un développeur ou d'une développeuse back-end.")
    page.get_by_label("Taille de l'équipe demandée (personnes)").fill("5")
    page.get_by_label("Enveloppe demandée pour six mois (euros)").fill("420000")  # a number input: no space can be typed
    page.get_by_label("Hypothèses à valider").fill(
        "Les entreprises de plus de 50 salariés adoptent Mobilic sans accompagnement.")
    page.get_by_label("Critères de réussite chiffrés").fill("1 800 utilisateurs actifs par mois.")
    screenshot(page, "preuves-06-presentation-modifier")
    axe(page, "formulaire de la présentation")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est enregistrée.")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Brouillon")

    page.get_by_label("Joindre le support de présentation").set_input_files(
        files=[{"name": DECK, "mimeType": "application/pdf", "buffer": small_pdf("Mobilic - comite d'investissement")}])
    page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.locator(".fr-alert--success")).to_contain_text(f"« {DECK} » est joint à la présentation.")
    expect(page.get_by_role("link", name=re.compile(re.escape(DECK)))).to_be_visible()
    page.get_by_role("button", name="Soumettre au coach").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est soumise au coach pour relecture.")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Soumise, en attente de relecture")
    expect(page.get_by_role("main")).to_contain_text(f"par {INTRAPRENEUR[0]}")
    screenshot(page, "preuves-07-presentation-soumise")
    axe(page, "présentation soumise")
    presentation_url = page.url
    log_out()

    # --- The coach asks for a change.
    log_in(COACH[1], COACH[0], shots="preuves-coach")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Comités").click()
    page.locator("table").filter(has_text="Comités à venir").locator("tbody tr").filter(
        has_text=NAME).get_by_role("link", name="Comité semestriel").click()
    page.get_by_role("link", name="Présentation de l'équipe").click()
    review = page.locator("section").filter(has=page.get_by_role("heading", name="Relecture par le coach"))
    expect(review).to_be_visible()
    review.get_by_label("Commentaire pour l'équipe").fill(
        "Précisez le critère de réussite : combien d'entreprises de plus de 50 salariés, à quelle date ?")
    screenshot(page, "preuves-08-relecture-coach")
    axe(page, "relecture par le coach")
    review.get_by_role("button", name="Demander des modifications").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Les modifications demandées sont transmises à l'équipe.")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Modifications demandées")
    log_out()

    # --- The intrapreneur changes the request and resubmits.
    log_in(INTRAPRENEUR[1], INTRAPRENEUR[0], shots="preuves-intrapreneur-2")
    page.goto(presentation_url)
    expect(page.locator("#commentaire-relecture")).to_contain_text("combien d'entreprises de plus de 50 salariés")
    page.get_by_role("link", name="Modifier la présentation").click()
    expect(page.locator(".fr-callout").filter(has_text="Modifications demandées par le coach")).to_be_visible()
    page.get_by_label("Critères de réussite chiffrés").fill(
        "1 800 utilisateurs actifs par mois et 40 entreprises de plus de 50 salariés inscrites en juin.")
    screenshot(page, "preuves-09-presentation-a-modifier")
    axe(page, "présentation à modifier")
    page.get_by_role("button", name="Enregistrer et soumettre au coach").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est soumise au coach pour relecture.")
    log_out()

    # --- The coach accepts it.
    log_in(COACH[1], COACH[0], shots="preuves-coach-2")
    page.goto(presentation_url)
    expect(page.get_by_role("main")).to_contain_text("40 entreprises de plus de 50 salariés")
    page.get_by_role("button", name="Accepter la présentation").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présentation est acceptée.")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Acceptée")
    screenshot(page, "preuves-10-presentation-acceptee")
    axe(page, "présentation acceptée")

    # --- The DINUM portfolio manager, in a browser of their own, starts the grid: a draft.
    # No role in the startup: the J-7 reminder's link to the pack is their way in; the grid by its address.
    manager = new_context().new_page()
    log_in(PORTFOLIO_MANAGER[1], PORTFOLIO_MANAGER[0], shots="preuves-portefeuille", on=manager)
    manager.goto(f"/committees/{committee_id}/pack")
    expect(manager.get_by_role("heading", level=1)).to_have_text(f"Dossier du comité de {NAME}")
    expect(manager.locator("#grilles")).to_be_visible()
    expect(manager.get_by_role("main")).to_contain_text(
        "Les résultats des grilles figurent au dossier une fois le comité tenu.")
    charts_drawn(manager)
    screenshot(manager, "preuves-11-dossier-avant-comite")
    axe(manager, "dossier du comité avant le comité")
    manager.goto(f"/grids/committee/{committee_id}")
    expect(manager.get_by_role("heading", level=1)).to_have_text("Grilles d'évaluation")
    expect(manager.locator(".fr-alert--info")).to_contain_text("Les notes des participants restent masquées")
    manager.get_by_role("link", name=re.compile("^Remplir la grille")).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(ARBITRAGE["title"])
    fill_grid(manager, MANAGER_SCORES, MANAGER_COMMENT)
    screenshot(manager, "preuves-12-grille-brouillon")
    axe(manager, "grille d'arbitrage à remplir")
    manager.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(manager.locator(".fr-alert--success")).to_contain_text("Votre brouillon est enregistré.")

    # --- The sponsor fills and submits first (the sponsor's grid is not the coach's): only their own
    # scores count; the draft stays unseen.
    page.get_by_role("link", name="Page du comité").click()
    page.get_by_role("link", name="Grilles d'évaluation").click()
    expect(page.locator("#grille-arbitrage_sponsor").locator("..")).not_to_contain_text("Votre grille")
    log_out()
    log_in(SPONSOR[1], SPONSOR[0], shots="preuves-sponsor-grille")
    page.goto(f"/grids/committee/{committee_id}")
    progress = page.locator("table").filter(has_text="Avancement des participants")
    expect(progress.locator("tr").filter(has_text=PORTFOLIO_MANAGER[0])).to_contain_text("Brouillon")
    expect(page.locator(".fr-alert--info")).to_contain_text("Les notes des participants restent masquées")
    page.get_by_role("link", name=re.compile("^Remplir la grille")).click()
    fill_grid(page, COACH_SCORES, "Équipe solide ; le déploiement national est engagé.")
    page.get_by_role("button", name="Soumettre ma grille").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Votre grille est soumise.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Grilles d'évaluation")
    expect(results_row(page, QUESTIONS[0])).to_have_text(["1", "4,00", "4,00", "0,00", "4 – 4", "—"])
    scores = page.locator("table").filter(has_text="Notes de chaque participant")
    expect(scores.locator("thead th")).to_have_text(["Critère", SPONSOR[0]])
    expect(page.get_by_role("main")).not_to_contain_text(MANAGER_COMMENT)
    expect(progress.locator("tr").filter(has_text=PORTFOLIO_MANAGER[0])).to_contain_text("Brouillon")
    screenshot(page, "preuves-13-resultats-coach-seul")
    axe(page, "résultats après la première grille soumise")

    # The portfolio manager still sees nobody's scores until they submit theirs.
    manager.goto(f"/grids/committee/{committee_id}")
    expect(manager.locator("table").filter(has_text="Avancement des participants").locator("tr").filter(
        has_text=SPONSOR[0])).to_contain_text("Soumise")
    expect(manager.locator(".fr-alert--info")).to_contain_text(
        "Les notes des participants restent masquées jusqu'à ce que vous ayez soumis votre propre grille")
    expect(manager.locator("table").filter(has_text="Résultats par critère")).to_have_count(0)
    screenshot(manager, "preuves-14-notes-masquees")
    axe(manager, "grilles, notes masquées")
    manager.get_by_role("link", name=re.compile("^Reprendre mon brouillon")).click()
    expect(manager.get_by_label("Commentaire général")).to_have_value(MANAGER_COMMENT)
    manager.get_by_role("button", name="Soumettre ma grille").click()
    expect(manager.locator(".fr-alert--success")).to_contain_text("Votre grille est soumise.")
    expect(results_row(manager, QUESTIONS[0])).to_have_text(["2", "3,50", "3,50", "0,50", "3 – 4", "—"])
    expect(results_row(manager, QUESTIONS[3])).to_have_text(["2", "2,50", "2,50", "1,50", "1 – 4", "Désaccord"])
    manager.context.close()

    # The sponsor now sees both grids; the committee takes place today and the coach marks it held.
    page.reload()
    expect(results_row(page, QUESTIONS[0])).to_have_text(["2", "3,50", "3,50", "0,50", "3 – 4", "—"])
    expect(page.locator("table").filter(has_text="Notes de chaque participant").locator("thead th")).to_have_text(
        ["Critère", PORTFOLIO_MANAGER[0], SPONSOR[0]])  # in the order the grids were started
    expect(page.get_by_role("main")).to_contain_text(MANAGER_COMMENT)
    screenshot(page, "preuves-15-resultats-deux-grilles")
    axe(page, "résultats des deux grilles")
    log_out()
    log_in(COACH[1], COACH[0], shots="preuves-coach-3")
    page.goto(f"/committees/{committee_id}")
    page.get_by_label("Motif de l'écart à la convention").fill(
        "Le représentant de l'administration, empêché, a délégué la présidence à la coach.")
    page.get_by_role("button", name="Marquer le comité comme tenu").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le comité est marqué comme tenu")
    log_out()

    # --- The sponsor reads the results, the pack with them, and downloads the pack.
    log_in(SPONSOR[1], SPONSOR[0], shots="preuves-sponsor")
    page.goto(f"/startups/{STARTUP}")
    page.get_by_role("navigation", name="Suivi de la startup").get_by_role("link", name="Comités d'investissement").click()
    page.locator("table tbody tr").filter(has_text=datetime_fr(planned_at)).get_by_role(
        "link", name="Comité semestriel").click()
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Tenu, décision à saisir")
    page.get_by_role("link", name="Grilles d'évaluation").click()
    expect(page.get_by_role("link", name=re.compile("^Voir ma grille"))).to_be_visible()
    expect(results_row(page, QUESTIONS[0])).to_have_text(["2", "3,50", "3,50", "0,50", "3 – 4", "—"])
    expect(results_row(page, QUESTIONS[3])).to_have_text(["2", "2,50", "2,50", "1,50", "1 – 4", "Désaccord"])
    expect(page.locator("table").filter(has_text="Résultats par critère").locator("tfoot")).to_contain_text("3,50")
    screenshot(page, "preuves-16-resultats-sponsor")
    axe(page, "résultats des grilles (sponsor)")

    page.get_by_role("link", name="Retour au comité").click()
    page.get_by_role("link", name="Dossier du comité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier du comité de {NAME}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("420 000 €")
    expect(main).to_contain_text("40 entreprises de plus de 50 salariés")
    expect(page.get_by_role("link", name=re.compile(re.escape(DECK)))).to_be_visible()
    grid = page.locator("table").filter(has_text=ARBITRAGE["title"])
    expect(grid).to_contain_text("2 grilles notées, 0 abstention")
    expect(grid.locator("tbody tr").filter(has_text=QUESTIONS[0]).locator("td")).to_have_text(
        ["2", "3,50", "3,5", "0,50", "—"])
    expect(grid.locator("tbody tr").filter(has_text=QUESTIONS[3]).locator("td")).to_have_text(
        ["2", "2,50", "2,5", "1,50", "Désaccord"])
    charts_drawn(page)
    screenshot(page, "preuves-17-dossier-avec-resultats")
    axe(page, "dossier du comité avec les résultats des grilles")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le dossier en PDF").click()
    assert download.value.suggested_filename == f"dossier-comite-{STARTUP}-{today.isoformat()}.pdf"
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"%%EOF" in pdf[-1024:]

    # The objectives the presentation set are now the indicators' targets (the committee is held).
    page.goto(f"/indicators/{STARTUP}")
    users = page.locator("section").filter(has=page.get_by_role("heading", level=2, name=USERS, exact=True))
    expect(users).to_contain_text(f"Dernier objectif fixé : 1 800 utilisateurs au {date_fr(objective_on)}.")
    charts_drawn(page)
    screenshot(page, "preuves-18-indicateurs-sponsor")
    axe(page, "indicateurs (sponsor), objectifs du comité")
