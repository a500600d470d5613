"""Incubators and organisations of the JSON API: their startups and the counts per current phase."""

import pytest

from core import clock
from tests.api.test_startups import get_json
from tests.factories import d, make_incubator, make_organisation, make_startup

ZERO = {"investigation": 0, "construction": 0, "acceleration": 0, "consolidation": 0, "opere": 0,
        "transfere": 0, "abandon-investigation": 0, "abandon": 0, "none": 0}


@pytest.fixture
def network():
    mte = make_organisation("mte", name="Ministère de la Transition écologique", acronym="MTE",
                            kind="ministere", ministerial_domain="Écologie")
    dinum = make_organisation("dinum", name="DINUM")
    make_organisation("vieille", name="Ancienne administration", archived_at=clock.now())
    fabrique = make_incubator("fabnum", name="Fabrique numérique", owner=mte, website="https://fabnum.fr")
    make_incubator("archive", name="Incubateur fermé", archived_at=clock.now())
    make_incubator("vide", name="Atelier vide")
    make_startup("chauffage-urbain", incubator=fabrique, sponsors=[mte],
                 phases=[("investigation", d("2021-01-01")), ("construction", d("2022-01-01"))])
    make_startup("écoloc", incubator=fabrique, sponsors=[mte, dinum], phases=[("construction", d("2023-01-01"))])
    make_startup("arretee", incubator=fabrique, sponsors=[mte], phases=[("abandon", d("2020-01-01"))])
    make_startup("prevue", incubator=fabrique, phases=[("investigation", d("2099-01-01"))])
    make_startup("archivee", incubator=fabrique, sponsors=[mte], archived_at=clock.now(),
                 phases=[("construction", d("2023-01-01"))])


def test_an_incubator_shows_its_owner_its_startups_and_the_counts_per_phase(client, network):
    body = get_json(client, "/api/v1/incubators/fabnum")
    assert body == {
        "id": "fabnum",
        "name": "Fabrique numérique",
        "owner": {"id": "mte", "name": "Ministère de la Transition écologique", "acronym": "MTE"},
        "website": "https://fabnum.fr",
        "github": None,
        "address": None,
        "description": None,
        "startup_count": 4,
        "phase_counts": {**ZERO, "construction": 2, "abandon": 1, "none": 1},
        "startups": ["arretee", "chauffage-urbain", "prevue", "écoloc"],
    }


def test_the_incubators_list_leaves_out_archived_ones(client, network):
    body = get_json(client, "/api/v1/incubators")
    assert [i["id"] for i in body["data"]] == ["vide", "fabnum"]
    assert body["meta"] == {"total": 2}
    assert body["data"][0]["startup_count"] == 0 and body["data"][0]["phase_counts"] == ZERO
    assert body["data"][1]["startup_count"] == 4


def test_an_organisation_shows_the_startups_it_sponsors_and_the_counts_per_phase(client, network):
    body = get_json(client, "/api/v1/organisations/mte")
    assert body == {
        "id": "mte",
        "name": "Ministère de la Transition écologique",
        "acronym": "MTE",
        "kind": "ministere",
        "ministerial_domain": "Écologie",
        "startup_count": 3,
        "phase_counts": {**ZERO, "construction": 2, "abandon": 1},
        "startups": ["arretee", "chauffage-urbain", "écoloc"],
    }


def test_the_organisations_list_leaves_out_archived_ones(client, network):
    body = get_json(client, "/api/v1/organisations")
    assert [(o["id"], o["startups"]) for o in body["data"]] == [
        ("dinum", ["écoloc"]),
        ("mte", ["arretee", "chauffage-urbain", "écoloc"]),
    ]
    assert body["meta"] == {"total": 2}


@pytest.mark.parametrize("url", ["/api/v1/incubators/inconnu", "/api/v1/incubators/archive",
                                 "/api/v1/organisations/inconnue", "/api/v1/organisations/vieille"])
def test_an_unknown_or_archived_incubator_or_organisation_is_a_json_404(client, network, url):
    body = get_json(client, url, 404)
    assert body["error"]["code"] == "not_found"
    assert url.rsplit("/", 1)[1] in body["error"]["message"]


@pytest.mark.parametrize("url", ["/api/v1/incubators?page=2", "/api/v1/organisations?phase=construction"])
def test_the_lists_refuse_parameters_they_do_not_declare(client, network, url):
    body = get_json(client, url, 400)
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["parameter"] == url.split("?")[1].split("=")[0]
