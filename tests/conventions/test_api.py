"""The API shows the published conventions and each startup's funding, as its OpenAPI document says."""

import datetime as dt

from conventions import services
from tests.api.test_openapi import matches
from tests.api.test_startups import get_json
from tests.conventions.builders import EUR, order, seed_convention


def test_published_conventions_and_the_startups_funding(client):
    convention, startup, actor = seed_convention()
    order(convention, startup, actor, 40_000 * EUR)
    get_json(client, f"/api/v1/conventions/{convention.id}", 404)  # not published yet
    assert get_json(client, "/api/v1/conventions")["data"] == []
    services.update_follow_up(convention, actor=actor, datagouv_url="https://www.data.gouv.fr/fr/datasets/conventions/",
                              datagouv_published_on=dt.date(2024, 2, 1))
    spec = get_json(client, "/api/v1/openapi.json")
    body = get_json(client, f"/api/v1/conventions/{convention.id}")
    matches(spec, "Convention", body)
    assert body["chorus"]["uo"] == "0335-CCSM-C001" and body["years"] == [{
        "year": 2024, "ae_planned_cents": 4_200_000, "ae_released_cents": 4_200_000, "engaged_cents": 4_000_000,
        "cp_planned_cents": 4_200_000, "cp_released_cents": 4_200_000, "paid_cents": 0}]
    matches(spec, "ConventionList", get_json(client, "/api/v1/conventions"))
    startup_body = get_json(client, f"/api/v1/startups/{startup.id}")
    matches(spec, "Startup", startup_body)
    assert startup_body["funding"][0]["convention"]["id"] == convention.id
    assert startup_body["funding"][0]["years"][0]["engaged_cents"] == 4_000_000
    assert get_json(client, "/api/v1/startups")["data"][0]["funding"]


def test_the_document_gives_the_conventions_amounts_in_cents_as_the_api_does(client):
    """The years' fields are *_cents: the operations' descriptions say centimes, not euros."""
    spec = get_json(client, "/api/v1/openapi.json")
    for path in ("/api/v1/conventions", "/api/v1/conventions/{convention_id}"):
        description = spec["paths"][path]["get"].get("description", "")
        assert "en euros" not in description
    assert "en centimes" in spec["paths"]["/api/v1/conventions"]["get"]["description"]
