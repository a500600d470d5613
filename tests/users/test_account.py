"""« Mon compte »: what a person finds there."""

from tests.factories import d, login, make_incubator, make_incubator_staff, make_membership, make_person, make_startup


def test_my_account_leads_to_my_startups_and_incubators(client):
    incubator = make_incubator("incub-a", name="Incubateur A")
    startup = make_startup("lieu", name="Lieu", incubator_id=incubator.id, phases=[("construction", d("2026-01-01"))])
    person = make_person("Camille Coach")
    make_membership(person, startup, "coach")
    make_incubator_staff(person, incubator)
    login(client, person)
    page = client.get("/users/me").get_data(as_text=True)
    assert 'href="/startups/lieu"' in page and 'href="/incubators/incub-a"' in page
