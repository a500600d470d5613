"""Issue 3's journey: a coach logs in by e-mail link and changes a startup's phase; the sponsor may not.

Agora (real fiche, DINUM incubator): in construction since 3 April 2023, in the demo data and in the
fallback fiches alike. Each page is checked with axe-core and photographed.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from core import clock
from core.formats import date_fr

pytestmark = pytest.mark.browser

STARTUP = "agora"
COACH = ("Camille Roussel", "camille.roussel@cycle.example.gouv.fr")
SPONSOR = ("Hélène Marchand", "helene.marchand@cycle.example.gouv.fr")
REASON = "Comité d'investissement : l'application est ouverte à tous, passage en accélération."


def test_a_coach_changes_the_phase_and_the_sponsor_is_refused(page, add_person, log_in, log_out, axe, screenshot):
    add_person(*COACH, memberships=[(STARTUP, "coach")])
    add_person(*SPONSOR, memberships=[(STARTUP, "sponsor")], organisation_id="ditp")
    today = clock.today()
    changed_on = today - dt.timedelta(days=7)

    # The coach logs in by e-mail link and opens the startup's page.
    log_in(COACH[1], COACH[0], shots="cycle-coach")
    page.goto(f"/startups/{STARTUP}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agora")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Construction")
    screenshot(page, "cycle-01-fiche-avant")
    axe(page, "fiche d'Agora (coach)")

    # The phase form: a dated transition with a reason.
    page.get_by_role("link", name="Changer de phase").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changer de phase")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Construction")
    page.get_by_label("Nouvelle phase").select_option(label="Accélération")
    page.get_by_label("Date du changement").fill(changed_on.isoformat())
    page.get_by_label("Motif").fill(REASON)
    screenshot(page, "cycle-02-formulaire-phase")
    axe(page, "formulaire de changement de phase")
    page.get_by_role("button", name="Enregistrer le changement de phase").click()

    # Back on the startup's page: the new phase, the transition in the history (who, when, before → after).
    expect(page).to_have_url(f"{page.url.split('/startups/')[0]}/startups/{STARTUP}")
    expect(page.locator(".fr-alert--success")).to_contain_text("Changement de phase enregistré : Accélération.")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Accélération")
    expect(page.locator(".jalons-phase-summary")).to_contain_text(f"le {date_fr(changed_on)}")
    row = page.locator("#historique-table tbody tr").filter(has_text="Changement de phase").first
    expect(row).to_contain_text(COACH[0])
    expect(row).to_contain_text(date_fr(today))
    expect(row).to_contain_text("Construction (depuis le 3 avril 2023) → Accélération (à partir du")
    expect(row).to_contain_text(REASON)
    screenshot(page, "cycle-03-fiche-apres")
    axe(page, "fiche d'Agora après le changement de phase")
    log_out()

    # The sponsor reads the startup (and its history) but may not change its phase.
    log_in(SPONSOR[1], SPONSOR[0], shots="cycle-sponsor")
    page.goto(f"/startups/{STARTUP}")
    expect(page.locator(".jalons-phase-summary")).to_contain_text("Accélération")
    expect(page.locator("#historique-table")).to_contain_text("Construction (depuis le 3 avril 2023) → Accélération (à partir du")
    expect(page.get_by_role("link", name="Changer de phase")).to_have_count(0)
    expect(page.get_by_role("link", name="Modifier la fiche")).to_have_count(0)
    screenshot(page, "cycle-04-fiche-sponsor")
    axe(page, "fiche d'Agora (sponsor)")

    response = page.goto(f"/startups/{STARTUP}/phase")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.get_by_role("main")).to_contain_text("Vous n'avez pas le droit d'accéder à cette page.")
    screenshot(page, "cycle-05-refus-sponsor")
    axe(page, "page 403 (sponsor)")
