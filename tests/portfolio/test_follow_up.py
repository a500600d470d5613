"""A startup's page leads who follows it to its committees, indicators and history — and only them."""

from tests.factories import d, login, make_membership, make_person, make_startup

LINKS = ("Comités d'investissement", "Indicateurs", "Historique complet")


def test_the_team_finds_the_committees_indicators_and_history_from_the_startup_page(client):
    startup = make_startup("lieu", name="Lieu", phases=[("construction", d("2026-01-01"))])
    coach = make_person("Camille Coach")
    make_membership(coach, startup, "coach")
    login(client, coach)
    page = client.get("/startups/lieu").get_data(as_text=True)
    for label in LINKS:
        assert label in page
    assert "/committees/startup/lieu" in page and "/indicators/lieu" in page and "/audit/startups/lieu" in page


def test_the_public_and_other_teams_see_no_follow_up_link(client):
    make_startup("lieu", name="Lieu", phases=[("construction", d("2026-01-01"))])
    other = make_startup("autre", name="Autre", phases=[("construction", d("2026-01-01"))])
    page = client.get("/startups/lieu").get_data(as_text=True)
    assert not any(label in page for label in LINKS)
    stranger = make_person("Olivier Outsider")
    make_membership(stranger, other, "intrapreneur")
    login(client, stranger)
    page = client.get("/startups/lieu").get_data(as_text=True)
    assert not any(label in page for label in LINKS)
