"""The portfolio's pages through the test client: what a visitor reads on each of them."""

import urllib.parse

import pytest

from core.db import db
from tests.factories import bulk_portfolio, d, make_incubator, make_organisation, make_startup
from startups import queries
from tests.portfolio.conftest import TODAY
from tests.portfolio.html import outline, row_names, text


@pytest.fixture
def portfolio():
    """A small portfolio: two incubators, three sponsors, startups in several phases."""
    dinum = make_organisation("dinum", name="Direction interministérielle du numérique", acronym="DINUM")
    sante = make_organisation("sante", name="Ministère de la Santé")
    make_organisation("culture", name="Ministère de la Culture")
    beta = make_incubator("dinum-inc", name="Incubateur de la DINUM", owner=dinum)
    social = make_incubator("social", name="Fabrique numérique des ministères sociaux", owner=sante)
    make_startup("data.etat", name="data.État", mission="Les données de l'État ouvertes à tous", incubator=beta,
                 sponsors=[dinum], phases=[("investigation", d("2025-01-10")), ("construction", d("2025-06-01"))])
    make_startup("aidants", name="Aidants Connect", mission="Aider les aidants numériques", incubator=social,
                 sponsors=[sante, dinum], phases=[("investigation", d("2026-08-01"))])
    make_startup("ancien", name="Zéphyr", mission="Un service arrêté", incubator=beta, sponsors=[sante],
                 phases=[("investigation", d("2019-01-01")), ("construction", d("2019-06-01")), ("abandon", d("2021-01-01"))])
    make_startup("futur", name="Bientôt", mission="Commence en 2027", incubator=social,
                 phases=[("investigation", d("2027-02-01"))])
    make_startup("opere", name="Mon Espace", mission="Opéré 100 % en ligne", incubator=beta, sponsors=[dinum],
                 phases=[("investigation", d("2020-01-01")), ("acceleration", d("2022-03-01")), ("opere", d("2024-09-15"))])
    db.session.expunge_all()


# --- /startups -----------------------------------------------------------------------------------


def test_the_portfolio_lists_each_startup_with_its_phase_time_in_phase_incubator_and_sponsors(client, portfolio):
    response = client.get("/startups")
    assert response.status_code == 200
    assert row_names(response.text) == ["Aidants Connect", "Bientôt", "data.État", "Mon Espace", "Zéphyr"]
    page = text(response.text)
    assert "5 startups" in page
    assert "data.État Construction 1 an et 5 mois (depuis le 1er juin 2025) Incubateur de la DINUM DINUM" in page
    assert "Aidants Connect Investigation 3 mois (depuis le 1er août 2026) Fabrique numérique des ministères sociaux" in page
    row = page[page.index("Aidants Connect Investigation"):page.index("Bientôt Pas de phase")]
    assert "Ministère de la Santé" in row and "DINUM" in row
    assert "Bientôt Pas de phase en cours —" in page
    assert 'href="/startups/data.etat"' in response.text
    assert 'href="/incubators/dinum-inc"' in response.text
    assert 'href="/organisations/sante"' in response.text


def test_the_portfolio_counts_startups_per_current_phase_with_links_that_filter(client, portfolio):
    response = client.get("/startups")
    page = text(response.text)
    assert "Construction 1 startup" in page
    assert "Opéré au sein du réseau 1 startup" in page
    assert "Arrêté 1 startup" in page
    assert "Sans phase en cours 1 startup" in page
    assert "Consolidation 0 startup" in page
    assert 'href="/startups?phase=construction"' in response.text
    assert 'href="/startups?phase=aucune"' in response.text


def test_the_phase_counts_follow_the_other_filters_and_their_links_keep_them(client, portfolio):
    response = client.get("/startups?incubator=dinum-inc&active=actives&page=1")
    page = text(response.text)
    assert "Investigation 0 startup" in page  # Aidants Connect is in another incubator
    assert "Arrêté 1 startup" in page  # the counts ignore the active filter: they show what each phase gives
    assert 'href="/startups?incubator=dinum-inc&amp;phase=abandon"' in response.text


@pytest.mark.parametrize("query, names", [
    ("phase=construction", ["data.État"]),
    ("phase=aucune", ["Bientôt"]),
    ("active=actives", ["Aidants Connect", "data.État", "Mon Espace"]),
    ("active=inactives", ["Bientôt", "Zéphyr"]),
    ("incubator=social", ["Aidants Connect", "Bientôt"]),
    ("sponsor=sante", ["Aidants Connect", "Zéphyr"]),
    ("q=AIDANTS", ["Aidants Connect"]),
    ("q=données", ["data.État"]),  # in the mission
    ("q=100 %", ["Mon Espace"]),  # % is searched literally, not as a wildcard
    ("q=_", []),
    ("incubator=dinum-inc&sponsor=dinum&active=actives", ["data.État", "Mon Espace"]),
])
def test_each_filter_narrows_the_portfolio(client, portfolio, query, names):
    response = client.get("/startups?" + urllib.parse.quote(query, safe="=&"))
    assert response.status_code == 200
    assert row_names(response.text) == names
    page = text(response.text)
    if names:
        expected = "1 startup correspond aux filtres" if len(names) == 1 else f"{len(names)} startups correspondent aux filtres"
        assert expected in page
    else:
        assert "Aucune startup ne correspond à ces filtres" in page
    assert "Réinitialiser les filtres" in page


def test_the_filter_form_shows_the_chosen_values(client, portfolio):
    response = client.get("/startups?phase=construction&incubator=dinum-inc&q=data")
    assert '<option selected value="construction">' in response.text
    assert '<option selected value="dinum-inc">' in response.text
    assert 'value="data"' in response.text
    assert 'href="/startups">Réinitialiser les filtres' in response.text


def test_the_sponsor_filter_is_a_text_input_that_finds_an_organisation_by_id_name_or_acronym(client, portfolio):
    response = client.get("/startups")
    # No select of every organisation: a text input, whose suggestions static/jalons.js reads from the API.
    assert '<option value="sante">' not in response.text
    assert 'list="sponsors-suggestions"' in response.text and 'data-jalons-suggestions="/api/v1/organisations"' in response.text
    for value in ("sante", "Ministère de la Santé", "ministère de la santé", "  sante "):
        page = client.get("/startups", query_string={"sponsor": value})
        assert row_names(page.text) == ["Aidants Connect", "Zéphyr"], value
    assert row_names(client.get("/startups?sponsor=DINUM&active=actives").text) == ["Aidants Connect", "data.État", "Mon Espace"]


@pytest.mark.parametrize("query, names", [
    ("sort=name", ["Aidants Connect", "Bientôt", "data.État", "Mon Espace", "Zéphyr"]),
    ("sort=name&order=desc", ["Zéphyr", "Mon Espace", "data.État", "Bientôt", "Aidants Connect"]),
    # Lifecycle order, not alphabetical; no phase last in both directions.
    ("sort=phase", ["Aidants Connect", "data.État", "Mon Espace", "Zéphyr", "Bientôt"]),
    ("sort=phase&order=desc", ["Zéphyr", "Mon Espace", "data.État", "Aidants Connect", "Bientôt"]),
    ("sort=phase_start", ["Zéphyr", "Mon Espace", "data.État", "Aidants Connect", "Bientôt"]),
    ("sort=phase_start&order=desc", ["Aidants Connect", "data.État", "Mon Espace", "Zéphyr", "Bientôt"]),
    # By the incubator's name, then by name.
    ("sort=incubator", ["Aidants Connect", "Bientôt", "data.État", "Mon Espace", "Zéphyr"]),
    ("sort=incubator&order=desc", ["data.État", "Mon Espace", "Zéphyr", "Aidants Connect", "Bientôt"]),
])
def test_the_portfolio_sorts(client, portfolio, query, names):
    response = client.get("/startups?" + query)
    assert row_names(response.text) == names


def test_the_portfolio_shows_50_startups_per_page(client):
    for n in range(120):
        make_startup(f"s-{n:03d}", name=f"Service {n:03d}", phases=[("construction", d("2025-01-01"))])
    db.session.expunge_all()

    first = client.get("/startups")
    assert row_names(first.text) == [f"Service {n:03d}" for n in range(50)]
    assert "120 startups" in text(first.text)
    assert "startups 1 à 50 sur 120" in outline(first.text).captions[0]
    assert 'href="/startups?page=2"' in first.text
    assert 'href="/startups?page=3">Dernière page' in first.text

    last = client.get("/startups?page=3")
    assert row_names(last.text) == [f"Service {n:03d}" for n in range(100, 120)]
    assert 'aria-current="page" title="Page 3"' in last.text
    assert "— page 3 — Jalons" in outline(last.text).title

    filtered = client.get("/startups?q=service&sort=name&order=desc&page=2")
    assert row_names(filtered.text)[0] == "Service 069"
    assert 'href="/startups?q=service&amp;sort=name&amp;order=desc&amp;page=3"' in filtered.text


def test_a_search_with_many_matches_counts_them_only_so_far_and_pages_on(client, monkeypatch):
    # 400 startups named « Startup lot NNNN », 50 in each of the eight phases: a search of « startup » finds
    # them all. The page counts up to SEARCH_COUNTED (1,000; 200 here), or two pages beyond the one asked, then
    # says « plus de ».
    monkeypatch.setattr(queries, "SEARCH_COUNTED", 200)
    bulk_portfolio(400, TODAY)
    db.session.expunge_all()

    first = client.get("/startups?q=startup")
    assert first.status_code == 200
    page = text(first.text)
    assert "Plus de 200 startups correspondent aux filtres" in page
    assert "Plus de 200 startups correspondent à cette recherche : elles ne sont pas comptées par phase" in page
    assert row_names(first.text) == [f"Startup lot {n:04d}" for n in range(50)]
    # No number on the phase tiles (they would be those of the first matches found), no last page known.
    assert "50 startups" not in page and "Dernière page" not in first.text
    assert "Sans phase en cours" in page  # a tile to filter by, whether or not the first matches had one
    assert 'href="/startups?q=startup&amp;page=5" title="Page 5"' in first.text
    assert 'href="/startups?q=startup&amp;page=6"' not in first.text

    fifth = client.get("/startups?q=startup&page=5")  # counted up to (5 + 2) × 50
    assert "Plus de 350 startups" in text(fifth.text)
    assert row_names(fifth.text)[0] == "Startup lot 0200"
    assert 'href="/startups?q=startup&amp;page=8" title="Page 8"' in fifth.text

    last = client.get("/startups?q=startup&page=8")  # counted up to 500: all of them, exactly
    assert "400 startups correspondent aux filtres" in text(last.text)
    assert "ne sont pas comptées" not in text(last.text)
    assert row_names(last.text)[-1] == "Startup lot 0399"
    assert 'aria-disabled="true" role="link">Dernière page' in last.text

    # Filtered by phase, the page's own total is counted with the phase: exact within the bound.
    construction = client.get("/startups?q=startup&phase=construction")
    page = text(construction.text)
    assert "50 startups correspondent aux filtres" in page
    assert "ne sont pas comptées par phase" in page and "Filtre actif" in page
    # A selective search is counted exactly, by phase, as before.
    one = client.get("/startups?q=lot 0042")
    assert "1 startup correspond aux filtres" in text(one.text) and "ne sont pas comptées" not in text(one.text)


@pytest.mark.parametrize("query, message", [
    ("phase=lancement", "« lancement » n'est pas une valeur possible"),
    ("active=peut-etre", "« peut-etre » n'est pas une valeur possible"),
    ("incubator=inconnu", "« inconnu » n'est pas une valeur possible"),
    ("sponsor=personne", "« personne » n'est pas une valeur possible"),
    ("sort=taille", "« taille » n'est pas une valeur possible"),
    ("order=hasard", "« hasard » n'est pas une valeur possible"),
    ("page=abc", "« abc » n'est pas un numéro de page : la première page est affichée."),
    ("page=0", "Les pages sont numérotées à partir de 1"),
    ("page=-3", "« -3 » n'est pas un numéro de page"),
    ("page=99", "La page 99 n'existe pas : la dernière page (1) est affichée."),
    ("q=" + "x" * 201, "La recherche est limitée à 200 caractères"),
])
def test_bad_parameters_are_ignored_with_a_french_warning(client, portfolio, query, message):
    response = client.get("/startups?" + query)
    assert response.status_code == 200
    page = text(response.text)
    assert "Certains paramètres n'ont pas été pris en compte" in page
    assert message in page
    assert 'fr-alert--warning' in response.text
    # The rest of the page is the unfiltered portfolio.
    assert len(row_names(response.text)) == 5


def test_a_bad_parameter_leaves_the_good_ones_applied(client, portfolio):
    response = client.get("/startups?phase=lancement&incubator=social&sort=taille")
    assert row_names(response.text) == ["Aidants Connect", "Bientôt"]
    assert 'id="phase-erreur"' in response.text  # the error shown on its field too
    assert 'id="incubator-erreur"' not in response.text


def test_strange_query_strings_never_give_an_error(client, portfolio):
    for query in ("phase=", "page=", "page=1e3", "page=99999999999999999999", "phase=construction&phase=abandon",
                  "sort[]=x", "q=%27%3B%20DROP%20TABLE%20startups%3B--",
                  # A search counts its matches up to two pages past the one asked: never past SQL's integers.
                  "q=a&page=999999999999999999", "q=a&page=1000000000000000000", "q=a&phase=construction&page=10000000000000000"):
        response = client.get("/startups?" + query)
        assert response.status_code == 200, query


# --- /startups/<id> ------------------------------------------------------------------------------


@pytest.fixture
def full_startup():
    dinum = make_organisation("dinum", name="Direction interministérielle du numérique", acronym="DINUM")
    incubator = make_incubator("dinum-inc", name="Incubateur de la DINUM")
    startup = make_startup(
        "data.etat", name="data.État", mission="Les données de l'État ouvertes à tous", incubator=incubator, sponsors=[dinum],
        phases=[("investigation", d("2024-01-15"), d("2024-06-30")), ("construction", d("2024-07-01")),
                ("acceleration", d("2027-03-01"))],
        events=[("committee", d("2024-06-20")), ("product_launch", d("2024-03-01"))],
        link="data.etat.fr", repository="https://github.com/betagouv/data-etat", stats_url=" https://data.etat.fr/stats ",
        user_types=["Agents publics"], themes=["Finances publiques"], techno=["Python", "Vue"],
        accessibility_status="partiellement conforme", risk_analysis_done=True, risk_analysis_url="https://example.org/risques",
        mon_service_securise=False, fast_amount=50000, fast_promotion=3,
    )
    startup.periods[0].comment = "Problème validé avec les agents comptables"
    startup.periods[1].source_name = "construction"
    db.session.flush()
    db.session.expunge_all()


def test_a_startup_page_shows_its_phase_portage_and_details(client, full_startup):
    response = client.get("/startups/data.etat")
    assert response.status_code == 200
    page = text(response.text)
    assert outline(response.text).h1 == ["data.État"]
    assert "Les données de l'État ouvertes à tous" in page
    assert "Construction Dans cette phase depuis 2 ans et 4 mois (le 1er juillet 2024)." in page
    assert 'href="/incubators/dinum-inc">Incubateur de la DINUM</a>' in response.text
    assert 'href="/organisations/dinum">Direction interministérielle du numérique (DINUM)</a>' in response.text
    for tag in ("Agents publics", "Finances publiques", "Python", "Vue"):
        assert f'<p class="fr-tag fr-tag--sm">{tag}</p>' in response.text
    assert "Accessibilité partiellement conforme" in page
    assert "Analyse de risques Réalisée — voir l'analyse" in page
    assert "MonServiceSécurisé Non" in page
    assert "Financement FAST 50 000 € (promotion 3)" in page  # text() turns the French spaces into plain ones
    assert "50\u202f000\u00a0€" in response.text


def test_a_startup_page_shows_only_the_links_it_has_opening_in_a_new_window(client, full_startup):
    response = client.get("/startups/data.etat")
    assert ('<a class="fr-link" href="https://data.etat.fr" target="_blank" rel="noopener" '
            'title="Site — nouvelle fenêtre">Site</a>') in response.text
    assert 'href="https://github.com/betagouv/data-etat" target="_blank" rel="noopener" title="Dépôt de code — nouvelle fenêtre"' in response.text
    assert 'href="https://data.etat.fr/stats"' in response.text
    page = text(response.text)
    for absent in ("Impact", "Budget", "DashLord"):
        assert absent not in page


def test_a_startup_page_warns_when_the_phase_lasts_longer_than_usual(client, full_startup):
    page = text(client.get("/startups/data.etat").text)
    assert "Phase plus longue que d'habitude" in page
    assert "La phase Construction dure habituellement au plus 12 mois ; cette startup y est depuis 2 ans et 4 mois." in page


def test_no_warning_within_the_typical_length_nor_for_open_ended_phases(client):
    make_startup("jeune", name="Jeune", phases=[("construction", d("2026-01-01"))])
    make_startup("opere", name="Opéré", phases=[("opere", d("2015-01-01"))])
    db.session.expunge_all()
    for startup_id in ("jeune", "opere"):
        assert "Phase plus longue que d'habitude" not in client.get(f"/startups/{startup_id}").text


def test_the_timeline_is_chronological_with_planned_phases_events_and_comments(client, full_startup):
    page = text(client.get("/startups/data.etat").text)
    timeline = page[page.index("Chronologie"):page.index("Portage")]
    order = [timeline.index(marker) for marker in (
        "15 janvier 2024 – 30 juin 2024 Investigation",
        "Problème validé avec les agents comptables",
        "1er mars 2024 Lancement du produit",
        "20 juin 2024 Passage en comité",
        "1er juillet 2024 Construction En cours",
        "1er mars 2027 Accélération (prévue)",
    )]
    assert order == sorted(order)
    assert "Phase prévue : elle n'a pas encore commencé." in timeline
    assert "Nom dans la fiche d'origine" not in timeline  # same name as the phase: not repeated


def test_the_timeline_shows_legacy_names_and_starts_deduced_from_the_previous_period(client):
    startup = make_startup("vieux", name="Vieux service",
                           phases=[("construction", d("2018-01-01"), d("2019-05-01")), ("abandon", None)])
    startup.periods[1].source_name = "alumni"
    db.session.flush()
    db.session.expunge_all()
    page = text(client.get("/startups/vieux").text)
    assert "1er mai 2019 Arrêté En cours" in page
    assert "Nom dans la fiche d'origine : « alumni »" in page
    assert "Début non renseigné dans la fiche : déduit de la période précédente." in page


@pytest.mark.parametrize("startup_id", ["data.etat", "Équipe-Été", "MonService.Numérique"])
def test_startup_ids_with_dots_accents_and_capitals_open_their_page(client, startup_id):
    make_startup(startup_id, name=f"Nom de {startup_id}")
    db.session.expunge_all()
    listing = client.get("/startups").text
    href = "/startups/" + urllib.parse.quote(startup_id)
    assert f'href="{href}"' in listing
    response = client.get(href)
    assert response.status_code == 200
    assert outline(response.text).h1 == [f"Nom de {startup_id}"]
    assert "Pas de phase en cours" in text(response.text)


def test_a_startup_without_sponsor_shows_its_legacy_owner_or_says_none(client):
    make_startup("ancien", name="Ancien", legacy_owner="Ministère de l'Intérieur")
    make_startup("orphelin", name="Orphelin")
    db.session.expunge_all()
    assert "Ministère de l'Intérieur" in text(client.get("/startups/ancien").text)
    page = text(client.get("/startups/orphelin").text)
    assert "Aucun sponsor renseigné" in page
    assert "Incubateur Non renseigné" in page
    assert "Aucune phase ni aucun événement connus." in page


@pytest.mark.parametrize("url", ["/startups/inconnue", "/startups/data.etat.x", "/incubators/inconnu", "/organisations/inconnue"])
def test_unknown_ids_give_a_french_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert outline(response.text).h1 == ["Page non trouvée"]
    assert "La page que vous cherchez est introuvable." in text(response.text)


@pytest.mark.parametrize("url", ["/startups/a%00b", "/incubators/%00", "/organisations/x%01", "/startups?q=a%00b",
                                 "/startups?q=%00"])
def test_control_characters_in_the_address_get_a_french_400(client, url):
    # Refused at the edge (core/errors.py), before any view or query: PostgreSQL refuses NUL in text.
    response = client.get(url)
    assert response.status_code == 400
    assert outline(response.text).h1 == ["Requête invalide"]
    assert "caractère de contrôle" in text(response.text)


# --- incubators and organisations ---------------------------------------------------------------


def test_the_incubators_page_counts_their_startups_per_phase(client, portfolio):
    response = client.get("/incubators")
    assert response.status_code == 200
    page = text(response.text)
    # Columns: 8 phases, without phase, total.
    assert "Incubateur de la DINUM DINUM — 1 — — 1 — — 1 — 3" in page
    assert "Fabrique numérique des ministères sociaux Ministère de la Santé 1 — — — — — — — 1 2" in page
    assert 'href="/incubators/social"' in response.text


def test_an_incubator_page_lists_its_startups_and_counts_per_phase(client, portfolio):
    response = client.get("/incubators/dinum-inc")
    assert response.status_code == 200
    assert outline(response.text).h1 == ["Incubateur de la DINUM"]
    assert row_names(response.text) == ["data.État", "Mon Espace", "Zéphyr"]
    page = text(response.text)
    assert "Porté par Direction interministérielle du numérique (DINUM)" in page
    assert "Construction 1 startup" in page
    assert 'href="/startups?incubator=dinum-inc&amp;phase=construction"' in response.text


def test_the_organisations_page_counts_sponsored_startups_per_phase_and_owned_incubators(client, portfolio):
    response = client.get("/organisations")
    assert response.status_code == 200
    page = text(response.text)
    assert "Direction interministérielle du numérique (DINUM) 1 1 1 — — 1 — — — — 3" in page
    assert "Ministère de la Culture — — — — — — — — — — 0" in page
    assert "Ministère de la Santé 1 1 — — — — — — 1 — 2" in page


def test_an_organisation_page_lists_its_sponsored_startups_and_owned_incubators(client, portfolio):
    response = client.get("/organisations/sante")
    assert response.status_code == 200
    assert outline(response.text).h1 == ["Ministère de la Santé"]
    assert row_names(response.text) == ["Aidants Connect", "Zéphyr"]
    page = text(response.text)
    assert "Incubateurs portés Fabrique numérique des ministères sociaux" in page
    assert "Arrêté 1 startup" in page
    assert 'href="/startups?sponsor=sante&amp;phase=abandon"' in response.text
    empty = text(client.get("/organisations/culture").text)
    assert "Cette organisation ne sponsorise aucune startup." in empty


def test_detail_pages_paginate_and_warn_about_bad_pages(client):
    incubator = make_incubator("grand", name="Grand incubateur")
    for n in range(60):
        make_startup(f"g-{n:02d}", name=f"Grand {n:02d}", incubator=incubator)
    db.session.expunge_all()
    second = client.get("/incubators/grand?page=2")
    assert row_names(second.text) == [f"Grand {n:02d}" for n in range(50, 60)]
    bad = client.get("/incubators/grand?page=zz")
    assert bad.status_code == 200
    assert "« zz » n'est pas un numéro de page" in text(bad.text)
    beyond = client.get("/incubators/grand?page=7")
    assert "La page 7 n'existe pas : la dernière page (2) est affichée." in text(beyond.text)


# --- every page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url, title, captions", [
    ("/startups", "Portefeuille — Jalons", ["Startups du portefeuille, triées par nom"]),
    ("/startups?sort=phase_start&order=desc", "Portefeuille — Jalons",
     ["Startups du portefeuille, triées par date d'entrée dans la phase (ordre décroissant)"]),
    ("/startups/data.etat", "data.État — Jalons", ["Conformité et financement de data.État"]),
    ("/incubators", "Incubateurs — Jalons", ["Nombre de startups de chaque incubateur, par phase en cours"]),
    ("/incubators/dinum-inc", "Incubateur de la DINUM — Jalons", ["Startups d'Incubateur de la DINUM, par nom"]),
    ("/organisations", "Organisations — Jalons", ["Nombre de startups sponsorisées par chaque organisation, par phase en cours"]),
    ("/organisations/dinum", "Direction interministérielle du numérique (DINUM) — Jalons",
     ["Startups sponsorisées par Direction interministérielle du numérique, par nom"]),
])
def test_every_page_has_one_h1_a_title_and_captioned_tables(client, portfolio, url, title, captions):
    response = client.get(url)
    assert response.status_code == 200
    page = outline(response.text)
    assert len(page.h1) == 1
    assert page.title == title
    assert page.captions == captions
    assert response.text.count("<table") == len(captions)
    assert '<th scope="col">' in response.text or '<th scope="row">' in response.text
    assert '<html lang="fr"' in response.text


@pytest.mark.parametrize("url, section", [
    ("/startups", "Portefeuille"), ("/startups/data.etat", "Portefeuille"),
    ("/incubators", "Incubateurs"), ("/organisations/dinum", "Organisations"),
])
def test_the_navigation_marks_the_current_section(client, portfolio, url, section):
    response = client.get(url)
    assert f'aria-current="page">{section}</a>' in response.text


def test_the_pages_are_public(client, portfolio):
    for url in ("/startups", "/startups/data.etat", "/incubators", "/incubators/social", "/organisations", "/organisations/sante"):
        assert client.get(url).status_code == 200


def test_an_archived_incubator_or_organisation_page_says_it_is_archived(client):
    import datetime as dt

    incubator = make_incubator(name="Incubateur fermé", archived_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc))
    organisation = make_organisation(name="Direction dissoute",
                                     archived_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc))
    db.session.commit()
    assert "Cet incubateur est archivé depuis le 2 mars 2026" in text(client.get(f"/incubators/{incubator.id}").text)
    assert "Cette organisation est archivée depuis le 2 mars 2026" in text(client.get(f"/organisations/{organisation.id}").text)
    live = make_incubator(name="Incubateur ouvert")
    db.session.commit()
    assert "archivé" not in text(client.get(f"/incubators/{live.id}").text)
