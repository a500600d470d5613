"""Writes api/examples.json, the OpenAPI document's example of each 200 response, from the real fiches of
tests/fixtures/betagouv/2026-08 and the committee, convention and grids the accessibility walk builds for
DossierFacile (tests/browser/test_pages_accessibility.build), on 1 December 2026; lists cut to two items, links on
https://jalons.beta.gouv.fr (an address for the example: the API's links follow BASE_URL).
Run it on purpose: JALONS_WRITE_API_EXAMPLES=1 pytest tests/api/test_write_examples.py. The examples are
checked against their schemas by tests/api/test_openapi.py whatever the day."""

import json
import os
import re
from pathlib import Path

import pytest

from tests.api.test_real_data import real_portfolio  # noqa: F401
from tests.api.test_startups import get_json

pytestmark = pytest.mark.skipif(not os.environ.get("JALONS_WRITE_API_EXAMPLES"), reason="writes api/examples.json")

EXAMPLES = Path(__file__).resolve().parents[2] / "api" / "examples.json"
CALLS = {
    "startups": "/api/v1/startups?phase=construction&per_page=2",
    "startup": "/api/v1/startups/dossierfacile",
    "incubators": "/api/v1/incubators",
    "incubator": "/api/v1/incubators/mtes",
    "organisations": "/api/v1/organisations",
    "organisation": "/api/v1/organisations/dgaln",
    "grids": "/api/v1/grids",
    "conventions": "/api/v1/conventions",
    "donnees_startups": "/api/v1/donnees/startups?phase=construction",
    "donnees_periodes": "/api/v1/donnees/periodes?startup=dossierfacile",
    "donnees_comites": "/api/v1/donnees/comites",
    "donnees_conventions": "/api/v1/donnees/conventions",
    "donnees_statistiques": "/api/v1/donnees/statistiques?figure=entonnoir",
}


def cut(value, depth=0):
    """Lists cut to their first two items (the startups of an incubator, the rows of a dataset…)."""
    if isinstance(value, list):
        return [cut(item, depth + 1) for item in value[:2]]
    if isinstance(value, dict):
        return {key: cut(item, depth + 1) for key, item in value.items()}
    return value


def test_write_the_examples(client, real_portfolio, clock_on):  # noqa: F811
    import datetime as dt

    from tests.browser.test_pages_accessibility import build

    clock_on(dt.date(2026, 12, 1))
    ids = build(dt.date(2026, 12, 1))
    from conventions import services as money
    from conventions.models import Convention
    from core.db import db

    money.update_follow_up(db.session.get(Convention, ids["convention"]), actor=None,
                           datagouv_url="https://www.data.gouv.fr/fr/datasets/conventions-beta-gouv-fr/",
                           datagouv_published_on=dt.date(2026, 11, 2))
    examples = {}
    spec = get_json(client, "/api/v1/openapi.json")
    for path, operations in spec["paths"].items():
        name = operations["get"]["operationId"]
        if name == "openapi":
            continue  # its example is a cut-down document, built by api/openapi.py
        ok = CALLS.get(name) or f"/api/v1/conventions/{ids['convention']}"
        missing = path.replace("{convention_id}", "999999").replace("{", "").replace("}", "")
        missing = re.sub(r"/(startup|incubator|organisation)_id$", "/inconnue", missing)
        examples[name] = {"200": cut(get_json(client, ok)),
                          "400": get_json(client, f"{path.split('{')[0].rstrip('/')}?tri=nom", 400)
                          if "{" not in path else get_json(client, f"{ok}?tri=nom", 400),
                          "405": client.post(ok).get_json()}
        if "{" in path:
            examples[name]["404"] = get_json(client, missing, 404)
    text = json.dumps(examples, ensure_ascii=False, indent=1).replace("http://localhost/", "https://jalons.beta.gouv.fr/")
    EXAMPLES.write_text(text + "\n", encoding="utf-8")
