"""/api/v1/grids: the published grids with their latest version, scale and criteria."""

import datetime as dt
from decimal import Decimal

from grids import versions
from grids.versions import CriterionChange
from tests.api.test_openapi import matches
from tests.api.test_startups import get_json
from tests.factories import make_person


def test_the_api_lists_the_official_grids_with_their_latest_version(client, templates):
    body = get_json(client, "/api/v1/grids")
    assert [g["code"] for g in body["data"]] == ["lancement", "acceleration", "arbitrage_sponsor"]
    assert body["meta"] == {"total": 3}
    sponsor = body["data"][2]
    version = sponsor["latest_version"]
    assert version["number"] == 1 and version["scale"] == {"min": 0, "max": 5, "min_label": "Pas du tout",
                                                        "max_label": "Tout à fait"}
    assert [c["code"] for c in version["criteria"] if c["kind"] == "note"] == [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
    first = version["criteria"][0]
    assert first["section"] == "Bilan des 6 derniers mois" and first["weight"] == 1 and first["field_type"] is None
    decision = version["criteria"][-1]
    assert decision["field_type"] == "choix" and len(decision["choices"]) == 3
    lancement = body["data"][0]["latest_version"]
    assert lancement["criteria"][0]["questions"][0].startswith("Le problème est-il bien qualifié")
    assert sponsor["versions"] == [version]


def test_the_api_shows_a_new_version_and_all_versions_on_demand(client, templates):
    admin = make_person("Ada Admin", is_admin=True)
    template = templates["lancement"]
    changes = [CriterionChange(c.code, c.label, list(c.questions), Decimal(2) if c.code == "probleme" else c.weight,
                               False) for c in template.latest_version.criteria]
    versions.publish_version(template, changes=changes, intro=None, change_note="Le problème compte double",
                             actor=admin, now=dt.datetime(2026, 11, 27, 12, tzinfo=dt.timezone.utc))
    latest = get_json(client, "/api/v1/grids")["data"][0]
    assert latest["latest_version"]["number"] == 2 and latest["latest_version"]["criteria"][0]["weight"] == 2
    assert [v["number"] for v in latest["versions"]] == [2]
    every = get_json(client, "/api/v1/grids?all_versions=true")["data"][0]
    assert [v["number"] for v in every["versions"]] == [2, 1]
    assert every["versions"][1]["criteria"][0]["weight"] == 1


def test_the_api_answers_match_the_documented_schema(client, templates):
    spec = get_json(client, "/api/v1/openapi.json")
    assert "/api/v1/grids" in spec["paths"]
    matches(spec, "GridTemplateList", get_json(client, "/api/v1/grids?all_versions=true"))


def test_a_bad_parameter_is_a_400_in_french(client, templates):
    response = client.get("/api/v1/grids?all_versions=oui")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "all_versions"


def test_archived_templates_are_not_listed(client, templates):
    from core.db import db

    templates["acceleration"].archived_at = dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
    db.session.flush()
    assert [g["code"] for g in get_json(client, "/api/v1/grids")["data"]] == ["lancement", "arbitrage_sponsor"]
