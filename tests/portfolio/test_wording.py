"""French on the portfolio pages: « de » elided before a name, « depuis aujourd'hui » on the day of a change."""

import html

from tests.factories import d, make_incubator, make_startup


def text_of(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_a_startup_that_changed_phase_today_is_in_it_since_today(client, fixed_today):
    make_startup("agora", name="Agora", phases=[("investigation", d("2026-01-05")), ("construction", fixed_today)])
    page = text_of(client.get("/startups/agora"))
    assert "Dans cette phase depuis aujourd'hui (le 27 novembre 2026)" in page
    assert "0 jour" not in page
    listing = text_of(client.get("/startups?q=Agora"))
    assert "aujourd'hui" in listing and "0 jour" not in listing


def test_names_take_the_elided_or_contracted_de(client):
    incubator = make_incubator("incubateur-territoires", name="L'Incubateur des Territoires")
    make_startup("agora", name="Agora", phases=[("investigation", d("2026-01-05"))], incubator_id=incubator.id)
    assert "Conformité et financement d'Agora" in text_of(client.get("/startups/agora"))
    page = text_of(client.get("/incubators/incubateur-territoires"))
    assert "Startups de l'Incubateur des Territoires, par nom" in page
    assert "de L'Incubateur" not in page
