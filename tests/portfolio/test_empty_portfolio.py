"""A fresh installation: /startups says the portfolio is not loaded (and, to an admin, how to load it)."""

from tests.factories import login, make_person, make_startup


def test_visitors_are_told_the_portfolio_is_not_loaded_yet(client):
    page = client.get("/startups").get_data(as_text=True)
    assert "Le portefeuille n'est pas encore chargé" in page
    assert "pas encore été chargées" in page
    assert "Aucune startup ne correspond" not in page
    assert "import-betagouv" not in page


def test_an_admin_is_told_the_command_that_loads_it(client):
    login(client, make_person("Admin Installation", is_admin=True))
    page = client.get("/startups").get_data(as_text=True)
    assert "Le portefeuille n'est pas encore chargé" in page
    assert "flask import-betagouv" in page


def test_filters_matching_nothing_still_say_so(client):
    make_startup(name="Seule au portefeuille")
    page = client.get("/startups?q=introuvable").get_data(as_text=True)
    assert "Aucune startup ne correspond" in page
    assert "pas encore chargé" not in page
