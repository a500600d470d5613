"""Issue 4's journey, from « committee due » to « decision signed off », across the personas.

Aides-territoires (real fiche, ANCT's incubator): in acceleration since 10 September 2018 and no committee
ever held, so its committee is overdue. The coach (also on the incubator's staff) sees it on the
portfolio, the startup's page and the incubator's calendar, plans the committee and completes its
participants; the intrapreneur sees it and its date; the coach marks it held, records attendance and the
decision; the sponsor signs it off; the startup's page then shows the new phase, the committee on its
timeline and the next committee planned. Everything through the pages, forms and buttons; only the
accounts are set up directly.

The rules use the application's clock: a committee is marked held on or after its date, and planned only
in the future. The committee is therefore planned for today at 23:59 (Paris time); in the evening the
`daytime` fixture moves the clock on to the next morning, so that the day does not turn during the journey.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from committees.models import PARIS, datetime_fr
from committees.decisions import NEXT_COMMITTEE_TIME
from core.formats import date_fr

pytestmark = pytest.mark.browser

STARTUP, NAME = "aides-territoires", "Aides-territoires"
COACH = ("Nadia Berger", "nadia.berger@comite.example.gouv.fr")
INTRAPRENEUR = ("Julien Fabre", "julien.fabre@comite.example.gouv.fr")
SPONSOR = ("Sophie Lemaire", "sophie.lemaire@comite.example.gouv.fr")
PORTFOLIO_MANAGER = ("Marc Delorme", "marc.delorme@comite.example.gouv.fr")
PLACE = "ANCT, 20 avenue de Ségur, Paris 7e — salle Simone Veil"
VIDEO = "https://webconf.numerique.gouv.fr/comite-aides-territoires"
CONVENTION_REASON = "La directrice, représentante du ministère, était empêchée : la coach a présidé, le sponsor valide."


def test_from_committee_due_to_decision_signed_off(page, add_person, log_in, log_out, axe, screenshot, daytime):
    add_person(*COACH, memberships=[(STARTUP, "coach")], incubators=["anct"])
    add_person(*INTRAPRENEUR, memberships=[(STARTUP, "intrapreneur")], organisation_id="anct")
    add_person(*SPONSOR, memberships=[(STARTUP, "sponsor")], organisation_id="anct")
    add_person(*PORTFOLIO_MANAGER, organisation_id="dinum")
    today = daytime
    planned_at = dt.datetime.combine(today, dt.time(23, 59), tzinfo=PARIS)
    next_committee_on = today + dt.timedelta(days=150)  # within the six months the rule allows

    # --- The coach sees the committee due: portfolio, startup's page, incubator's calendar.
    log_in(COACH[1], COACH[0], shots="comite-coach")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Portefeuille").click()
    page.get_by_label("Incubateur").select_option(label="L'Incubateur des Territoires (ANCT)")
    page.get_by_label("Prochain comité").select_option(label="Comité en retard")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(r"committee=overdue"))
    row = page.locator("#startups-table tbody tr").filter(has=page.get_by_role("link", name=NAME, exact=True))
    expect(row).to_contain_text("10 mars 2019")
    expect(row.locator(".fr-badge--error")).to_have_text("En retard")
    screenshot(page, "comite-01-portefeuille-en-retard")
    axe(page, "portefeuille filtré sur les comités en retard")

    row.get_by_role("link", name=NAME, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    due = page.locator("#prochain-comite")
    expect(due).to_contain_text("À tenir au plus tard le 10 mars 2019")
    expect(due).to_contain_text("aucun comité tenu jusqu'ici")
    expect(due.locator(".fr-badge--error")).to_have_text("En retard")
    screenshot(page, "comite-02-fiche-comite-du")
    axe(page, "fiche d'Aides-territoires, comité dû")

    # The calendar of the incubator (no link leads to it yet: its address).
    page.goto("/committees/incubator/anct")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendrier des comités")
    overdue = page.locator("table").filter(has_text="en retard ou dû sous 45 jours").locator("tbody tr").filter(has_text=NAME)
    expect(overdue).to_contain_text("10 mars 2019")
    expect(overdue).to_contain_text("En retard")
    screenshot(page, "comite-03-calendrier-incubateur")
    axe(page, "calendrier des comités de l'incubateur")

    # --- The coach plans the committee; the team, sponsor and coach are proposed as participants.
    overdue.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Comités d'{NAME}")
    expect(page.get_by_role("main")).to_contain_text("Aucun comité enregistré pour cette startup.")
    screenshot(page, "comite-04-comites-startup")
    axe(page, "comités de la startup (aucun)")
    page.get_by_role("link", name="Planifier un comité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Planifier un comité d'{NAME}")
    proposals = page.locator(".fr-callout")
    for name, role in ((INTRAPRENEUR[0], "Intrapreneur·e"), (SPONSOR[0], "Sponsor"), (COACH[0], "Coach")):
        expect(proposals).to_contain_text(f"{name} ({role})")
    page.get_by_label("Type de comité").select_option(label="Comité semestriel")
    expect(page.get_by_label("Président·e de séance")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Date", exact=True).fill(today.isoformat())
    page.get_by_label("Heure (heure de Paris)").fill("23:59")
    page.get_by_label("Lieu").fill(PLACE)
    page.get_by_label("Lien de visioconférence").fill(VIDEO)
    screenshot(page, "comite-05-planifier")
    axe(page, "formulaire de planification")
    # A double click plans one committee (static/jalons.js sends a form once; the server refuses a twin).
    page.get_by_role("button", name="Planifier le comité").dblclick()

    expect(page.locator(".fr-alert--success")).to_contain_text("Le comité est planifié")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Comité d'investissement d'{NAME}")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Planifié")
    expect(page.get_by_role("main")).to_contain_text(datetime_fr(planned_at))
    expect(page.get_by_role("main")).to_contain_text(PLACE)
    expect(page.get_by_role("link", name=VIDEO)).to_be_visible()
    expect(page.locator("#roles-manquants")).to_contain_text("Responsable de portefeuille DINUM")
    screenshot(page, "comite-06-comite-planifie")
    axe(page, "comité planifié")

    # The DINUM portfolio manager, mandatory, is added by hand.
    page.get_by_role("link", name="Gérer les participants").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participants du comité")
    # Found by name among the known people (the datalist suggests them), then confirmed.
    page.get_by_label("Nom ou adresse électronique de la personne").fill(PORTFOLIO_MANAGER[1])
    page.get_by_label("Rôle").select_option(label="Responsable de portefeuille DINUM")
    page.get_by_role("button", name="Rechercher et inviter").click()
    expect(page.get_by_role("heading", name="Confirmer l'invitation")).to_be_visible()
    expect(page.get_by_label(PORTFOLIO_MANAGER[0])).to_be_checked()
    screenshot(page, "comite-07a-confirmer-participant")
    axe(page, "confirmation d'un participant")
    page.get_by_role("button", name="Confirmer l'invitation").click()
    participants = page.locator("table").filter(has_text="Participants invités")
    expect(participants).to_contain_text(PORTFOLIO_MANAGER[0])
    expect(page.get_by_text("Présences obligatoires manquantes")).to_have_count(0)
    screenshot(page, "comite-07-participants")
    axe(page, "participants du comité")
    page.get_by_role("link", name="Revenir au comité").click()
    expect(page.locator("#roles-manquants")).to_have_count(0)
    committee_url = page.url
    log_out()

    # --- The intrapreneur sees the committee and its date.
    log_in(INTRAPRENEUR[1], INTRAPRENEUR[0], shots="comite-intrapreneur")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Comités").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comités d'investissement")
    upcoming = page.locator("table").filter(has_text="Comités à venir").locator("tbody tr").filter(has_text=NAME)
    expect(upcoming).to_contain_text("Comité semestriel")
    expect(upcoming).to_contain_text(datetime_fr(planned_at))
    expect(upcoming).to_contain_text("Planifié")
    screenshot(page, "comite-08-mes-comites-intrapreneur")
    axe(page, "mes comités (intrapreneur)")
    upcoming.get_by_role("link", name="Comité semestriel").click()
    expect(page.get_by_role("main")).to_contain_text(datetime_fr(planned_at))
    expect(page.get_by_role("main")).to_contain_text(PLACE)
    expect(page.get_by_role("button", name="Marquer le comité comme tenu")).to_have_count(0)
    expect(page.get_by_role("link", name="Gérer les participants")).to_have_count(0)
    screenshot(page, "comite-09-comite-vu-par-intrapreneur")
    axe(page, "comité vu par l'intrapreneur")
    log_out()

    # --- The committee is held (today): the coach records attendance, minutes and the decision.
    log_in(COACH[1], COACH[0], shots="comite-coach-2")
    page.goto(committee_url)
    # The coach chairs: not as the convention says (the partner administration's representative chairs), so
    # holding it asks why, and the reason goes to the minutes and the pack.
    expect(page.locator("#ecart-convention")).to_contain_text("sans y représenter l'administration partenaire")
    page.get_by_role("button", name="Marquer le comité comme tenu").click()
    expect(page.locator(".fr-alert--error")).to_contain_text("Indiquez le motif de cet écart")
    screenshot(page, "comite-10a-motif-ecart-convention")
    axe(page, "motif de l'écart à la convention demandé")
    page.get_by_label("Motif de l'écart à la convention").fill(CONVENTION_REASON)
    page.get_by_role("button", name="Marquer le comité comme tenu").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le comité est marqué comme tenu")
    expect(page.locator("#motif-ecart-convention")).to_contain_text(CONVENTION_REASON)
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Tenu, décision à saisir")
    screenshot(page, "comite-10-comite-tenu")
    axe(page, "comité tenu, décision à saisir")

    page.get_by_role("link", name="Présence et compte rendu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Présence et compte rendu")
    for name, role in ((INTRAPRENEUR[0], "Intrapreneur·e"), (SPONSOR[0], "Sponsor"), (COACH[0], "Coach")):
        page.get_by_label(f"{name} ({role})").select_option(label="Présent·e")
    page.get_by_label(f"{PORTFOLIO_MANAGER[0]} (Responsable de portefeuille DINUM)").select_option(label="Excusé·e")
    page.get_by_label("Compte rendu").fill(
        "L'équipe a présenté la refonte du moteur de recherche et 4 200 collectivités utilisatrices par mois.")
    screenshot(page, "comite-11-presence")
    axe(page, "présence et compte rendu")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La présence et le compte rendu sont enregistrés.")
    attendance = page.locator("table").filter(has_text="Participants et présence")
    expect(attendance.locator("tr").filter(has_text=SPONSOR[0])).to_contain_text("Présent·e")
    expect(attendance.locator("tr").filter(has_text=PORTFOLIO_MANAGER[0])).to_contain_text("Excusé·e")

    page.get_by_role("link", name="Saisir la décision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Décision du comité")
    expect(page.get_by_role("main")).to_contain_text("Phase de la startup à la date du comité : Accélération.")
    page.get_by_label("Décision").select_option(label="Passage à la phase suivante")
    page.get_by_label("Phase suivante (pour un passage de phase)").select_option(label="Consolidation")
    page.get_by_label("Enveloppe de la prochaine période (euros)").fill("480000")
    page.get_by_label("Taille de l'équipe (personnes)").fill("6")
    page.get_by_label("Date du prochain comité").fill(next_committee_on.isoformat())
    page.get_by_label("Hypothèses à valider").fill("Les régions reprennent la publication des aides.")
    page.get_by_label("Critères de réussite quantitatifs").fill("5 000 collectivités utilisatrices par mois.")
    screenshot(page, "comite-12-decision")
    axe(page, "formulaire de décision")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La décision est enregistrée")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Décidé, en attente de validation")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Passage à la phase suivante : Consolidation")
    expect(main).to_contain_text("480 000 €")
    expect(main).to_contain_text("En attente du sponsor")
    screenshot(page, "comite-13-comite-decide")
    axe(page, "comité décidé")
    # Only the sponsor signs off.
    expect(page.get_by_role("link", name="Valider ou contester la décision")).to_have_count(0)
    log_out()

    # --- The sponsor signs the decision off.
    log_in(SPONSOR[1], SPONSOR[0], shots="comite-sponsor")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Comités").click()
    to_sign = page.locator("table").filter(has_text="Décisions en attente de votre validation").locator("tbody tr")
    expect(to_sign.filter(has_text=NAME)).to_contain_text("Décidé, en attente de validation")
    screenshot(page, "comite-14-mes-comites-sponsor")
    axe(page, "mes comités (sponsor)")
    to_sign.filter(has_text=NAME).get_by_role("link", name="Comité semestriel").click()
    page.get_by_role("link", name="Valider ou contester la décision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Valider ou contester la décision")
    consequences = page.locator(".fr-callout")
    expect(consequences).to_contain_text("La startup passe en phase « Consolidation » à la date du comité.")
    expect(consequences).to_contain_text(f"est planifié le {datetime_fr(dt.datetime.combine(next_committee_on, NEXT_COMMITTEE_TIME, tzinfo=PARIS))}")
    screenshot(page, "comite-15-validation")
    axe(page, "validation de la décision")
    page.get_by_role("button", name="Valider la décision").click()
    modal = page.get_by_role("dialog", name="Confirmer la validation de la décision")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("La validation est irréversible")
    expect(modal).to_contain_text("La startup passe en phase « Consolidation » à la date du comité.")
    screenshot(page, "comite-15b-confirmation-validation")
    axe(page, "confirmation de la validation")
    modal.get_by_role("button", name="Confirmer la validation").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La décision est validée")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Décision validée")
    expect(page.get_by_role("main")).to_contain_text(f"Validée par le sponsor par {SPONSOR[0]}, le {date_fr(today)}")
    screenshot(page, "comite-16-decision-validee")
    axe(page, "décision validée")

    # --- The startup's page: the new phase, the committee on the timeline, the next committee planned.
    page.goto(f"/startups/{STARTUP}")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Consolidation")
    expect(page.locator(".jalons-phase-summary")).to_contain_text(f"le {date_fr(today)}")
    committee_event = page.locator("ol.jalons-timeline li.jalons-timeline--event").filter(
        has_text="Passage à la phase suivante : Consolidation")
    expect(committee_event).to_contain_text(date_fr(today))
    due = page.locator("#prochain-comite")
    expect(due).to_contain_text(f"Six mois après le dernier comité, tenu le {date_fr(today)}.")
    expect(due).to_contain_text(f"Un comité est planifié le {date_fr(next_committee_on)}.")
    expect(due.locator(".fr-badge--error")).to_have_count(0)
    screenshot(page, "comite-17-fiche-apres-validation")
    axe(page, "fiche d'Aides-territoires après la validation")

    page.goto(f"/committees/startup/{STARTUP}")
    committees = page.locator("table").filter(has_text="dans Jalons").locator("tbody tr")
    expect(committees.filter(has_text="Décision validée")).to_contain_text(datetime_fr(planned_at))
    expect(committees.filter(has_text="Planifié")).to_contain_text(date_fr(next_committee_on))
    screenshot(page, "comite-18-comites-startup")
    axe(page, "comités de la startup après la validation")
