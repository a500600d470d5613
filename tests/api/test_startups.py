"""The startups of the JSON API: content, filters, pagination, errors, and a constant number of queries.

The views compute the current phase for the real today: past periods start before 2025, planned ones
in 2099, so that these tests hold whatever the date.
"""

from urllib.parse import quote

import pytest

from core import clock
from core.db import db
from tests.api.helpers import make_many_startups
from tests.factories import d, make_incubator, make_organisation, make_startup


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def ids(body) -> list[str]:
    return [startup["id"] for startup in body["data"]]


@pytest.fixture
def portfolio():
    """Four startups across two incubators, two sponsors and several phases."""
    dinum = make_organisation("dinum", name="Direction interministérielle du numérique", acronym="DINUM")
    mte = make_organisation("mte", name="Ministère de la Transition écologique", acronym="MTE")
    fabrique = make_incubator("fabnum", name="Fabrique numérique", owner=mte)
    dinum_incubator = make_incubator("dinum-inc", name="Incubateur de la DINUM", owner=dinum)
    make_startup("alpha", name="Alpha", mission="Aider les élèves", incubator=dinum_incubator, sponsors=[dinum],
                 phases=[("investigation", d("2022-01-01")), ("construction", d("2022-06-01"))])
    make_startup("beta", name="Béta", mission="Simplifier la chaleur", incubator=fabrique, sponsors=[mte, dinum],
                 phases=[("investigation", d("2021-01-01")), ("acceleration", d("2023-01-01"))])
    make_startup("gamma", name="Gamma", incubator=fabrique, sponsors=[mte],
                 phases=[("construction", d("2019-01-01")), ("abandon", d("2020-01-01"))])
    make_startup("delta", name="Delta", incubator=dinum_incubator, phases=[("investigation", d("2099-01-01"))])


def test_a_startup_shows_its_phases_events_incubator_sponsors_and_links(client):
    """The same in the list, which reads its startups as columns (api.queries.startup_rows), as on the startup's
    own address, which loads it as ORM objects."""
    dinum = make_organisation("dinum", name="Direction interministérielle du numérique", acronym="DINUM")
    incubator = make_incubator("dinum-inc", name="Incubateur de la DINUM")
    startup = make_startup(
        "clara",
        name="Clara",
        mission="Accélérer l'accès à l'emploi",
        incubator=incubator,
        sponsors=[dinum],
        phases=[("investigation", d("2018-01-01"), d("2018-06-30")), ("construction", d("2018-07-01")),
                ("acceleration", d("2099-01-01"))],
        events=[("product_launch", d("2018-09-01")), ("committee", d("2019-02-01"))],
        link="https://clara.pole-emploi.fr",
        repository="https://github.com/betagouv/clara",
        stats_url="https://clara.pole-emploi.fr/stats",
        user_types=["Demandeurs d'emploi"],
        themes=["Emploi"],
        techno=["Node.js"],
    )
    startup.periods[0].source_name = "investigation"
    startup.periods[1].comment = "Début de la construction"
    startup.events[1].comment = "Comité de passage en construction"
    db.session.flush()

    body = get_json(client, "/api/v1/startups/clara")

    assert [startup for startup in get_json(client, "/api/v1/startups")["data"] if startup["id"] == "clara"] == [body]
    assert body == {
        "id": "clara",
        "name": "Clara",
        "mission": "Accélérer l'accès à l'emploi",
        "current_phase": "construction",
        "current_phase_label": "Construction",
        "current_phase_start": "2018-07-01",
        "active": True,
        "phases": [
            {"phase": "investigation", "label": "Investigation", "source_name": "investigation",
             "start": "2018-01-01", "end": "2018-06-30", "comment": None, "planned": False},
            {"phase": "construction", "label": "Construction", "source_name": None,
             "start": "2018-07-01", "end": None, "comment": "Début de la construction", "planned": False},
            {"phase": "acceleration", "label": "Accélération", "source_name": None,
             "start": "2099-01-01", "end": None, "comment": None, "planned": True},
        ],
        "events": [
            {"kind": "product_launch", "label": "Lancement du produit", "date": "2018-09-01", "comment": None},
            {"kind": "committee", "label": "Passage en comité", "date": "2019-02-01",
             "comment": "Comité de passage en construction"},
        ],
        "incubator": {"id": "dinum-inc", "name": "Incubateur de la DINUM"},
        "sponsors": [{"id": "dinum", "name": "Direction interministérielle du numérique", "acronym": "DINUM"}],
        "links": {"site": "https://clara.pole-emploi.fr", "repository": "https://github.com/betagouv/clara",
                  "stats": "https://clara.pole-emploi.fr/stats", "impact": None, "budget": None, "dashlord": None},
        "user_types": ["Demandeurs d'emploi"],
        "themes": ["Emploi"],
        "techno": ["Node.js"],
        # Six months after the last committee event (tests/committees/test_due.py for the rule).
        "next_committee_due": "2019-08-01",
        "committee_status": "overdue",
        "funding": [],
    }


def test_a_startup_with_nothing_but_a_name_is_the_same_in_the_list_and_on_its_own_address(client):
    make_startup("seule", name="Seule")
    body = get_json(client, "/api/v1/startups/seule")
    assert (body["incubator"], body["sponsors"], body["phases"], body["events"]) == (None, [], [], [])
    assert get_json(client, "/api/v1/startups")["data"] == [body]


def test_a_startup_without_a_started_phase_has_no_current_phase(client):
    make_startup("future", phases=[("investigation", d("2099-01-01"))])
    body = get_json(client, "/api/v1/startups/future")
    assert (body["current_phase"], body["current_phase_label"], body["current_phase_start"], body["active"]) == (None, None, None, False)
    assert body["incubator"] is None and body["sponsors"] == [] and body["events"] == []


@pytest.mark.parametrize("startup_id", ["data.etat", "écolo-ça", "Mon-Service.Gouv"])
def test_ids_with_dots_accents_and_capitals_are_found(client, startup_id):
    make_startup(startup_id, name="Une startup")
    assert get_json(client, "/api/v1/startups/" + quote(startup_id))["id"] == startup_id


def test_the_json_keeps_french_accents_unescaped(client):
    make_startup("accents", name="Évaluation des élèves")
    raw = client.get("/api/v1/startups/accents").get_data()
    assert "Évaluation des élèves".encode() in raw


def test_an_unknown_or_archived_startup_is_a_json_404(client):
    make_startup("archivee", archived_at=clock.now())
    for url in ("/api/v1/startups/inconnue", "/api/v1/startups/archivee"):
        body = get_json(client, url, 404)
        assert body["error"]["code"] == "not_found"
        assert "introuvable" in body["error"]["message"] or "identifiant" in body["error"]["message"]
    assert ids(get_json(client, "/api/v1/startups")) == []


def test_the_list_shows_every_startup_sorted_by_name(client, portfolio):
    body = get_json(client, "/api/v1/startups")
    assert ids(body) == ["alpha", "beta", "delta", "gamma"]
    assert body["data"][1]["current_phase"] == "acceleration"
    # (the factory gives every sponsor the same position: their order is not under test here)
    assert sorted(body["data"][1]["sponsors"], key=lambda o: o["id"]) == [
        {"id": "dinum", "name": "Direction interministérielle du numérique", "acronym": "DINUM"},
        {"id": "mte", "name": "Ministère de la Transition écologique", "acronym": "MTE"},
    ]
    assert body["meta"] == {"total": 4, "page": 1, "per_page": 50, "pages": 1}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("phase=construction", ["alpha"]),
        ("phase=abandon", ["gamma"]),
        ("phase=opere", []),
        ("active=true", ["alpha", "beta"]),
        ("active=false", ["delta", "gamma"]),
        ("incubator=fabnum", ["beta", "gamma"]),
        ("sponsor=dinum", ["alpha", "beta"]),
        ("sponsor=dinum&incubator=fabnum", ["beta"]),
        ("q=CHALEUR", ["beta"]),
        ("q=gam", ["gamma"]),
        ("q=%25", []),
        ("incubator=inconnu", []),
    ],
)
def test_the_list_filters(client, portfolio, query, expected):
    body = get_json(client, "/api/v1/startups?" + query)
    assert ids(body) == expected
    assert body["meta"]["total"] == len(expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sort=name&order=desc", ["gamma", "delta", "beta", "alpha"]),
        ("sort=phase", ["alpha", "beta", "gamma", "delta"]),
        ("sort=phase_start&order=desc", ["beta", "alpha", "gamma", "delta"]),
    ],
)
def test_the_list_sorts(client, portfolio, query, expected):
    assert ids(get_json(client, "/api/v1/startups?" + query)) == expected


def test_the_list_is_paginated_with_totals_and_links(client, portfolio):
    response = client.get("/api/v1/startups?active=false&per_page=1&page=1")
    first = response.get_json()
    assert ids(first) == ["delta"]
    assert first["meta"] == {"total": 2, "page": 1, "per_page": 1, "pages": 2}
    assert first["links"]["prev"] is None
    assert first["links"]["next"] == "http://localhost/api/v1/startups?active=false&per_page=1&page=2"
    assert first["links"]["last"] == first["links"]["next"]
    assert response.headers["Link"] == (
        '<http://localhost/api/v1/startups?active=false&per_page=1>; rel="first", '
        '<http://localhost/api/v1/startups?active=false&per_page=1&page=2>; rel="next", '
        '<http://localhost/api/v1/startups?active=false&per_page=1&page=2>; rel="last"'
    )

    second = get_json(client, first["links"]["next"])
    assert ids(second) == ["gamma"]
    assert second["links"]["next"] is None
    assert second["links"]["prev"] == "http://localhost/api/v1/startups?active=false&per_page=1"


def test_a_page_past_the_end_is_empty_and_points_back(client, portfolio):
    body = get_json(client, "/api/v1/startups?per_page=2&page=9")
    assert body["data"] == []
    assert body["meta"] == {"total": 4, "page": 9, "per_page": 2, "pages": 2}
    assert body["links"]["prev"] == "http://localhost/api/v1/startups?per_page=2&page=2"
    assert body["links"]["next"] is None


@pytest.mark.parametrize(
    "query, parameter, message",
    [
        ("phase=lancement", "phase", "Valeur inconnue pour le paramètre « phase » : « lancement »"),
        ("active=maybe", "active", "doit valoir true ou false"),
        ("active=1", "active", "doit valoir true ou false"),
        ("page=abc", "page", "doit être un nombre entier"),
        ("page=1.5", "page", "doit être un nombre entier"),
        ("page=0", "page", "compris entre 1 et 100000"),
        ("page=-3", "page", "compris entre 1 et 100000"),
        ("page=99999999999999999999999", "page", "compris entre 1 et 100000"),
        ("page=" + "9" * 5000, "page", "compris entre 1 et 100000"),
        ("page=1000000000000", "page", "compris entre 1 et 100000"),
        # Other digits than 0 to 9: int() would read « ٢ » as 2 and « ² » not at all.
        ("page=%D9%A2", "page", "doit être un nombre entier"),
        ("page=%EF%BC%92", "page", "doit être un nombre entier"),
        ("per_page=%C2%B2", "per_page", "doit être un nombre entier"),
        ("per_page=0", "per_page", "compris entre 1 et 200"),
        ("per_page=201", "per_page", "compris entre 1 et 200"),
        ("sort=budget", "sort", "Valeur inconnue pour le paramètre « sort »"),
        ("order=up", "order", "Valeur inconnue pour le paramètre « order »"),
        ("q=" + "x" * 201, "q", "dépasse 200 caractères"),
        ("phase=construction&phase=acceleration", "phase", "ne peut être donné qu'une fois"),
        ("limit=10", "limit", "Paramètre inconnu « limit »"),
        ("incubateur=fabnum", "incubateur", "Paramètre inconnu « incubateur »"),
    ],
)
def test_a_bad_parameter_is_a_400_with_a_json_error(client, portfolio, query, parameter, message):
    body = get_json(client, "/api/v1/startups?" + query, 400)
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["parameter"] == parameter
    assert message in body["error"]["message"]


def test_the_detail_accepts_no_query_parameter(client, portfolio):
    body = get_json(client, "/api/v1/startups/alpha?phase=construction", 400)
    assert body["error"]["parameter"] == "phase"


def test_the_list_runs_the_same_number_of_queries_for_10_or_500_startups(client, count_queries):
    dinum = make_organisation("dinum", name="DINUM")
    incubator = make_incubator("dinum-inc", name="Incubateur de la DINUM", owner=dinum)

    def queries(url):
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        return len(statements)

    make_many_startups(10, incubator=incubator, sponsors=[dinum])
    small = {url: queries(url) for url in ("/api/v1/startups?per_page=200", "/api/v1/incubators", "/api/v1/organisations")}
    make_many_startups(490, incubator=incubator, sponsors=[dinum], first=10)
    large = {url: queries(url) for url in small}

    assert large == small
    # 9: the freshness check of the cached current phase is one of them (startups.kept.cache_is_fresh), the
    # page's published conventions (funding) another, their FAST grants (funding) a third.
    assert small["/api/v1/startups?per_page=200"] <= 9
    assert len(get_json(client, "/api/v1/startups?per_page=200")["data"]) == 200
    assert get_json(client, "/api/v1/incubators")["data"][0]["startup_count"] == 500
