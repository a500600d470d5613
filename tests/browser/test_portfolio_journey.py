"""Journeys through the public portfolio in a real browser, with axe-core on every page.

The data: tests/browser/seed.py (the demo data, or real fiches of the 2026-08 snapshot). The journeys rely
on Acceslibre (MTE's incubator, sponsored by the DGALN, in acceleration since 2022 after investigation
and construction) and Data-État (in construction, acceleration planned for May 2027), as they are in the
real data.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from core.clock import PARIS

pytestmark = pytest.mark.browser


def result_count(page: Page) -> int:
    """The number the results heading announces (« 1 234 startups », « Aucune startup ne correspond »)."""
    text = page.locator("#resultats").inner_text().strip()
    if text.startswith("Aucune"):
        return 0
    match = re.match(r"[\d\s\u00a0\u202f]+", text)
    assert match, f"titre des résultats inattendu : {text!r}"
    return int(re.sub(r"\D", "", match.group()))


def apply_filters(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer").click()


def results_table(page: Page):
    return page.locator("#startups-table table")


def test_home_page_leads_to_the_portfolio(page: Page, axe, screenshot):
    page.goto("/")
    expect(page).to_have_title(re.compile("Accueil"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Jalons")
    screenshot(page, "01-accueil")
    axe(page)

    page.get_by_role("link", name="Voir le portefeuille").click()
    expect(page).to_have_url(re.compile(r"/startups$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Portefeuille des Startups d'État")


def test_filter_the_portfolio_then_follow_a_startup_to_its_incubator_and_sponsor(page: Page, axe, screenshot):
    page.goto("/startups")
    everything = result_count(page)
    assert everything >= 10
    expect(results_table(page).locator("tbody tr").first).to_be_visible()
    screenshot(page, "02-portefeuille")
    axe(page)

    # By phase: fewer startups, each of them in acceleration.
    page.get_by_label("Phase en cours").select_option(label="Accélération")
    apply_filters(page)
    expect(page).to_have_url(re.compile(r"phase=acceleration"))
    in_acceleration = result_count(page)
    assert 0 < in_acceleration < everything
    phases = results_table(page).locator("tbody tr td:nth-child(2)").all_text_contents()
    assert phases and all(text.strip() == "Accélération" for text in phases), phases
    expect(page.get_by_label("Phase en cours")).to_have_value("acceleration")
    screenshot(page, "03-portefeuille-acceleration")
    axe(page)

    # Then by text, on top of the phase: the mission of Acceslibre speaks of « accessibilité ».
    page.get_by_label("Rechercher dans le nom et la mission").fill("accessibilité")
    apply_filters(page)
    expect(page).to_have_url(re.compile(r"q=accessibilit"))
    found = result_count(page)
    assert 0 < found < in_acceleration
    expect(page.locator("#resultats")).to_contain_text("correspond")
    expect(page.get_by_label("Rechercher dans le nom et la mission")).to_have_value("accessibilité")
    screenshot(page, "04-portefeuille-recherche")
    axe(page)

    # A search that matches nothing says so.
    page.get_by_label("Rechercher dans le nom et la mission").fill("zzz introuvable")
    apply_filters(page)
    assert result_count(page) == 0
    expect(page.get_by_text("Aucune startup ne correspond à ces filtres")).to_be_visible()
    page.go_back()
    assert result_count(page) == found

    # The startup's page: phase badge, time in phase, timeline of its phases and events.
    results_table(page).get_by_role("link", name="Acceslibre", exact=True).click()
    expect(page).to_have_url(re.compile(r"/startups/acceslibre$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acceslibre")
    summary = page.locator(".jalons-phase-summary")
    expect(summary.locator(".fr-badge")).to_have_text("Accélération")
    expect(summary).to_contain_text("1er septembre 2022")
    timeline = page.locator("ol.jalons-timeline")
    expect(timeline.locator(".jalons-timeline--period .fr-badge:not(.fr-badge--info)")).to_have_text(
        ["Investigation", "Construction", "Accélération"]
    )
    expect(timeline.locator(".jalons-timeline--current")).to_contain_text("Accélération")
    expect(timeline.locator(".jalons-timeline--current")).to_contain_text("En cours")
    expect(timeline).to_contain_text("Impact national")
    screenshot(page, "05-startup")
    axe(page)

    # Its incubator, which lists it among its startups.
    page.locator("main a[href^='/incubators/']").first.click()
    expect(page).to_have_url(re.compile(r"/incubators/mtes$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fabrique Numérique")
    expect(page.get_by_role("link", name="Acceslibre", exact=True)).to_be_visible()
    screenshot(page, "06-incubateur")
    axe(page)

    # Back to the startup, then one of its sponsors.
    page.go_back()
    page.locator("main a[href='/organisations/dgaln']").first.click()
    expect(page).to_have_url(re.compile(r"/organisations/dgaln$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Direction générale de l'Aménagement, du Logement et de la Nature")
    expect(page.get_by_role("link", name="Acceslibre", exact=True)).to_be_visible()
    screenshot(page, "07-organisation")
    axe(page)


def test_a_planned_phase_is_shown_as_planned(page: Page, axe, time_machine):
    # The server's day is the eve of Data-État's planned acceleration, whatever the day the suite runs: from
    # 1 May 2027 on, the real clock would make it the current phase. (Backwards once that day has passed:
    # harmless here, this journey logs no one in, so no session cookie can expire.)
    time_machine.move_to(dt.datetime(2027, 4, 30, 10, tzinfo=PARIS).astimezone(dt.timezone.utc), tick=True)
    page.goto("/startups/data.etat")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-État")
    expect(page.locator(".jalons-phase-summary .fr-badge")).to_have_text("Construction")
    planned = page.locator("ol.jalons-timeline .jalons-timeline--planned.jalons-timeline--period")
    expect(planned).to_contain_text("Accélération (prévue)")
    expect(planned).to_contain_text("1er mai 2027")
    axe(page)


def test_the_lists_of_incubators_and_organisations_from_the_menu(page: Page, axe, screenshot):
    page.goto("/")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Incubateurs").click()
    expect(page).to_have_url(re.compile(r"/incubators$"))
    expect(page.get_by_role("link", name="Incubateurs")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name=re.compile("Fabrique Numérique de l'Ecologie"))).to_be_visible()
    screenshot(page, "08-incubateurs")
    axe(page)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Organisations").click()
    expect(page).to_have_url(re.compile(r"/organisations$"))
    expect(page.get_by_role("link", name=re.compile("Direction générale de l'Aménagement"))).to_be_visible()
    screenshot(page, "09-organisations")
    axe(page)
