"""The administration as an admin uses it: from the header's « Administration » to a person found by name,
an account created, a role given in a startup's team, the account archived; each page checked with
axe-core (at 1280 and 375 px wide) and photographed (test-results/screenshots/admin-*.png). Someone who is
not an admin has no such entry."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STARTUP = "dossierfacile"


def fits(page) -> None:
    """No sideways scrolling (a wide table scrolls inside its own frame); on failure, what sticks out."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        culprits = page.evaluate("""(width) => [...document.querySelectorAll('body *')]
            .filter(e => Math.abs(e.getBoundingClientRect().right - width) < 3)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""", width)
        pytest.fail(f"la page défile horizontalement ({width} px) : {culprits}")


def check(page, axe, screenshot, name: str) -> None:
    """axe and a screenshot at the desktop width, then at 375 px, then back."""
    fits(page)
    screenshot(page, f"admin-{name}")
    axe(page, name)
    page.set_viewport_size({"width": 375, "height": 800})
    fits(page)
    screenshot(page, f"admin-{name}-375")
    axe(page, f"{name} (375 px)")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_manages_people_from_the_header(page, add_person, enter_as, mailbox, axe, screenshot):
    add_person("Alice Administratrice", "alice.admin@admin.example.gouv.fr", is_admin=True)
    add_person("Bérénice Durand", "berenice.durand@admin.example.gouv.fr")
    enter_as("alice.admin@admin.example.gouv.fr", "Alice Administratrice")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    check(page, axe, screenshot, "accueil")

    page.get_by_role("link", name="Personnes").click()
    page.get_by_label("Nom ou adresse e-mail").fill("durand")
    page.get_by_role("button", name="Rechercher").click()
    table = page.locator("#personnes-table")
    expect(table.get_by_role("link", name="Bérénice Durand")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    check(page, axe, screenshot, "personnes")

    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Nom", exact=False).first.fill("Nora Nouvelle")
    page.get_by_label("Adresse e-mail").fill("nora.nouvelle@admin.example.gouv.fr")
    check(page, axe, screenshot, "creer-un-compte")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nora Nouvelle")
    expect(page.locator(".fr-alert--success")).to_contain_text("Le compte de Nora Nouvelle est créé")

    page.get_by_label("Startup", exact=True).select_option(STARTUP)
    page.get_by_label("Rôle", exact=True).select_option(label="Membre de l'équipe")
    page.get_by_role("button", name="Donner le rôle", exact=True).click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Nora Nouvelle est membre de l'équipe")
    expect(page.locator("#roles-table")).to_contain_text("Membre de l'équipe")
    assert mailbox.last_to("nora.nouvelle@admin.example.gouv.fr")["Subject"].startswith("Vous rejoignez l'équipe")
    check(page, axe, screenshot, "personne")

    page.get_by_role("button", name="Archiver le compte").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le compte de Nora Nouvelle est archivé")
    expect(page.get_by_role("button", name="Rouvrir le compte")).to_be_visible()

    page.get_by_role("link", name="Ses modifications au journal").click()
    page.goto("/audit")
    journal = page.locator("#journal-table")
    expect(journal).to_contain_text("Compte archivé")
    expect(journal).to_contain_text("Compte créé")
    expect(journal.get_by_role("link", name=re.compile("DossierFacile", re.I)).first).to_be_visible()
    check(page, axe, screenshot, "journal")


def test_someone_who_is_not_an_admin_has_no_administration_entry(page, add_person, enter_as):
    add_person("Camille Coach", "camille.coach@admin.example.gouv.fr", memberships=[(STARTUP, "coach")])
    enter_as("camille.coach@admin.example.gouv.fr", "Camille Coach")
    expect(page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mon espace")).to_be_visible()
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    assert page.goto("/admin").status == 403
