"""The API on the real beta.gouv.fr fiches (tests/fixtures/betagouv/2026-08): every startup, incubator and
organisation serialises to a body that matches the documented schema."""

from urllib.parse import quote

import pytest

from core import clock
from startups.importer import import_directory
from tests.api.test_openapi import matches
from tests.api.test_startups import get_json
from tests.conftest import FIXTURES


@pytest.fixture
def real_portfolio():
    report = import_directory(FIXTURES / "betagouv" / "2026-08", clock.today())
    assert not report.rejected


def test_every_real_startup_incubator_and_organisation_matches_the_documented_schema(client, real_portfolio, count_queries):
    spec = get_json(client, "/api/v1/openapi.json")
    url, seen, statements = "/api/v1/startups?per_page=200", [], set()
    while url:
        with count_queries() as executed:
            body = get_json(client, url)
        statements.add(len(executed))
        matches(spec, "StartupPage", body)
        seen += [startup["id"] for startup in body["data"]]
        url = body["links"]["next"]
    assert len(seen) == len(set(seen)) == body["meta"]["total"] > 400
    assert len(statements) == 1  # the same number of statements on every page
    matches(spec, "IncubatorList", get_json(client, "/api/v1/incubators"))
    matches(spec, "OrganisationList", get_json(client, "/api/v1/organisations"))


def test_real_startups_are_found_by_their_fiche_name_accents_and_dots_included(client, real_portfolio):
    for startup_id in ("data.etat", "données-et-territoires", "clara", "chauffage-urbain"):
        body = get_json(client, "/api/v1/startups/" + quote(startup_id))
        assert body["id"] == startup_id
        assert body["phases"] and body["current_phase"] is not None
