"""/stats in the browser, for a visitor: on the real portfolio the charts are drawn beside their tables,
axe-core finds no violation, nothing scrolls sideways, and the filters narrow the figures."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_visitor_reads_the_statistics_and_filters_them(page, axe, screenshot, charts_drawn):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Statistiques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques du programme")
    for caption in ("Entonnoir par année d'entrée en investigation", "Durée des périodes par phase (mois)",
                    "Comités en retard par mois", "Comités tenus par semestre", "Indicateurs transmis à temps par mois"):
        expect(page.get_by_role("table", name=caption)).to_be_visible()
    expect(page.locator("bar-chart canvas, line-chart canvas").first).to_be_visible()
    assert page.locator("canvas").count() >= 5
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"], \
        "la page défile horizontalement"
    charts_drawn(page)
    # Every chart's y axis starts at zero (a line chart fits it to its values otherwise: 60 to 92 % from 40 %;
    # and a line of zeros only was drawn from -1 to 1: the percentages' lines reach 1 at least).
    lows = page.evaluate("() => Array.from(document.querySelectorAll('bar-chart, line-chart'))"
                         ".filter(e => JSON.parse(e.getAttribute('y')).flat().some(v => v !== null))"
                         ".map(e => e._instance.proxy.chart.scales.y.min)")
    assert len(lows) >= 4 and all(low == 0 for low in lows), lows
    folder = screenshot(page, "stats").parent
    # A full-page screenshot resizes the window, and the charts with it: each chart is also photographed alone,
    # the caret left as it is (the screenshot fixture says why).
    for n, name in enumerate(("entonnoir", "duree", "retards", "comites-tenus")):
        page.locator("bar-chart, line-chart").nth(n).screenshot(path=str(folder / f"stats-graphique-{name}.png"),
                                                          caret="initial")
    axe(page, "statistiques")

    incubator = page.get_by_label("Incubateur")
    chosen = incubator.locator("option").nth(1).inner_text().strip()
    incubator.select_option(label=chosen)
    page.get_by_label("De l'année").fill("2020")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"incubator=[^&]+.*du=2020"))
    expect(page.get_by_label("Incubateur")).to_have_value(incubator.input_value())
    expect(page.get_by_role("link", name="Tout afficher")).to_be_visible()
    charts_drawn(page)
    screenshot(page, "stats-filtre")
    axe(page, "statistiques filtrées")


def test_a_visitor_finds_the_open_data_and_downloads_a_valid_file(page, axe, screenshot):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Données ouvertes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Données ouvertes")
    expect(page.get_by_role("heading", level=2, name="Startups d'État et leur phase en cours")).to_be_visible()
    expect(page.get_by_role("table", name="Colonnes de « Startups d'État et leur phase en cours »")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"], \
        "la page défile horizontalement"
    screenshot(page, "donnees")
    axe(page, "données ouvertes")
    response = page.request.get(page.get_by_role("link", name="CSV", exact=True).first.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    assert response.text().splitlines()[0] == "id,nom,incubateur,phase,phase_libelle,debut_phase,active,sponsors,site"


def test_the_api_documentation_opens_from_the_footer_under_the_csp(page, axe, screenshot):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="API ouverte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API ouverte")
    # Swagger UI, served by Jalons, has read the OpenAPI document: its French summaries are listed.
    expect(page.get_by_text("Comités d'investissement et leurs décisions").first).to_be_visible(timeout=15000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/donnees/comites")).to_be_visible()
    screenshot(page, "api-documentation")
    axe(page, "documentation de l'API")  # also opened operation and at 375 px: test_pages_accessibility.py
