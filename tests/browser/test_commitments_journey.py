"""Issue 14's journey: the partner's commitments of Acceslibre (in acceleration, no risk workshop recorded, so
the twelve-month rule says « non tenu »), stated by its coach with evidence, a workshop recorded, then the
commitments × startups view of its incubator's staff, filtered, with its CSV. axe and screenshots on each page."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from core import clock
from tests.browser import seed

pytestmark = pytest.mark.browser

STARTUP, NAME = "acceslibre", "Acceslibre"
COACH = ("Corentin Coach", "corentin.coach@engagements.example.gouv.fr")
STAFF = ("Sabine Staff", "sabine.staff@engagements.example.gouv.fr")


def test_the_commitments_of_a_startup_and_of_the_portfolio(page, in_app, enter_as, axe, screenshot):
    in_app(seed.add_person, *COACH, memberships=[(STARTUP, "coach")])
    in_app(seed.add_person, *STAFF, incubators=["mtes"])

    enter_as(COACH[1], COACH[0])
    page.goto(f"/startups/{STARTUP}")
    page.get_by_role("link", name=re.compile("^Engagements de la convention")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Engagements de {NAME}")
    risk = page.get_by_role("row", name=re.compile("Ateliers réguliers d'analyse de risques"))
    expect(risk).to_contain_text("Non tenu")
    expect(risk).to_contain_text("depuis plus de 12 mois")
    expect(page.get_by_role("row", name=re.compile("Code source ouvert"))).to_contain_text("github.com/MTES-MCT/acceslibre")
    axe(page, "engagements d'une startup")

    page.get_by_label("Engagement", exact=True).select_option(label="Code source ouvert")
    page.get_by_label("État", exact=True).select_option(label="Tenu")
    page.get_by_label("Preuve (adresse)").fill("https://github.com/MTES-MCT/acceslibre")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Code source ouvert")
    expect(page.get_by_role("row", name=re.compile("Code source ouvert"))).to_contain_text(COACH[0])

    page.get_by_label("Engagement", exact=True).select_option(label="Accessibilité (déclaration et conformité)")
    page.get_by_label("État", exact=True).select_option(label="En partie")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    expect(page.locator(".fr-error-text")).to_contain_text("« Pourquoi » est obligatoire")
    axe(page, "déclaration refusée")

    # A month ago on the server's clock: a fixed date would be more than twelve months old one day.
    page.get_by_label("Date de l'atelier").fill((clock.today() - dt.timedelta(days=30)).isoformat())
    page.get_by_label("Participants").fill("L'équipe, la RSSI du ministère")
    page.get_by_label("Risques résiduels").fill("Sauvegardes à tester")
    page.get_by_role("button", name="Enregistrer l'atelier").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Atelier d'analyse de risques enregistré")
    expect(risk).not_to_contain_text("Non tenu")
    screenshot(page, "engagements-startup")

    enter_as(STAFF[1], STAFF[0])
    page.goto("/engagements")
    page.get_by_label("Incubateur").select_option("mtes")
    page.get_by_role("button", name="Filtrer").click()
    row = page.get_by_role("row", name=re.compile(f"^{NAME}"))
    expect(row).to_contain_text("Tenu")
    axe(page, "engagements du portefeuille")
    screenshot(page, "engagements-portefeuille")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en CSV").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("startup,nom,incubateur,phase,") and f"{STARTUP},{NAME},mtes," in text
