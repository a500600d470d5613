"""Input no database can store is refused at the edge, with a French answer: control characters, integers
beyond the database's, dates beyond any plausible year, empty API parameters."""

import datetime as dt
import re

import pytest

from tests.factories import login, make_incubator, make_person, make_startup


@pytest.fixture
def admin(client):
    person = make_person("Admin", is_admin=True)
    login(client, person)
    return person


@pytest.mark.parametrize("url", ["/startups?q=a%00", "/startups/a%00b", "/startups?q=%1b[31m", "/incubators?x%00=1"])
def test_a_control_character_in_the_url_gets_a_french_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Requête invalide" in page and "caractère de contrôle" in page
    assert 'class="fr-header"' in page


@pytest.mark.parametrize("url", ["/api/v1/startups?q=a%00", "/api/v1/startups/a%00", "/api/v1/incubators?page=%07"])
def test_a_control_character_in_an_api_request_gets_a_json_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_parameter"
    assert "caractère de contrôle" in response.json["error"]["message"]


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(client, admin):
    response = client.post("/organisations/new", data={"id": "ministere-nul", "name": "Minis\x00tère"})
    assert response.status_code == 400
    assert "« name » contient un caractère de contrôle" in response.get_data(as_text=True)
    assert client.get("/organisations/ministere-nul").status_code == 404


def test_tabs_and_line_breaks_pass_the_edge(client, admin):
    # Multi-line text keeps its line breaks: the edge leaves them to the fields' own validators.
    response = client.post("/organisations/new", data={"id": "ministere-lignes", "name": "Ministère des lignes",
                                                       "description": "un\r\ndeux\tenfin"})
    assert response.status_code != 400 or "caractère de contrôle" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/committees/99999999999999999999", "/committees/2147483648",
                                 "/committees/2147483648/edit"])
def test_an_id_beyond_the_database_integer_is_a_404(client, admin, url):
    assert client.get(url).status_code == 404


def test_the_audit_log_refuses_implausible_years_with_the_bound_in_french(client, admin):
    response = client.get("/audit?du=0001-01-01&au=9999-12-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "L&#39;année doit être comprise entre 1900 et 2100" in page or "L'année doit être comprise entre 1900 et 2100" in page


@pytest.mark.parametrize("fin", ["0001-01", "0000-01", "9999-12", "99999-01"])
def test_the_values_grid_ignores_an_implausible_month(client, admin, fin):
    startup = make_startup(phases=[("investigation", dt.date(2025, 1, 6))])
    assert client.get(f"/indicators/{startup.id}/values?fin={fin}").status_code == 200


def test_an_implausible_month_in_a_values_cell_is_a_400(client, admin):
    startup = make_startup(phases=[("investigation", dt.date(2025, 1, 6))])
    response = client.post(f"/indicators/{startup.id}/values", data={"v-1-0001-01": "3"})
    assert response.status_code == 400


def test_an_empty_api_parameter_is_refused(client):
    response = client.get("/api/v1/startups?page=")
    assert response.status_code == 400
    assert response.json["error"] == {"code": "invalid_parameter", "parameter": "page",
                                      "message": "Le paramètre « page » est vide : donnez une valeur ou retirez-le."}


def test_a_405_of_the_api_carries_its_allow_header(client):
    response = client.post("/api/v1/startups")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_the_api_pagination_links_use_base_url_not_the_host_header(app, client):
    app.config["BASE_URL"] = "https://jalons.beta.gouv.fr"
    try:
        for n in range(3):
            make_startup(phases=[("investigation", dt.date(2025, 1, 6))])
        body = client.get("/api/v1/startups?per_page=1", headers={"Host": "evil.example"}).json
    finally:
        app.config["BASE_URL"] = None
    assert body["links"]["next"].startswith("https://jalons.beta.gouv.fr/api/v1/startups?")
    assert "evil" not in str(body["links"])


# Digits str.isdigit() accepts and int() refuses (« ² ») or reads (« ٣ »), and more digits than int() reads.
ODD_NUMBERS = ["%C2%B2", "%D9%A3", "%EF%BC%92", "9" * 5000]


@pytest.mark.parametrize("number", ODD_NUMBERS)
@pytest.mark.parametrize("path", ["/startups?page={}", "/incubators/{incubator}?page={}", "/stats/?du={}",
                                  "/stats/?au={}", "/audit?page={}", "/admin/people?page={}",
                                  "/organisations?page={}", "/api/v1/startups?page={}"])
def test_a_number_written_with_other_digits_is_refused_or_ignored_never_a_500(client, admin, path, number):
    incubator = make_incubator(name="Incubateur")
    make_startup(name="Lieu", incubator_id=incubator.id)
    response = client.get(path.format(number, incubator=incubator.id))
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("extra", ["endpoint=x", "_method=x", "_external=1", "_anchor=x", "incubator_id=x",
                                   "organisation_id=x", "startup_id=x"])
def test_a_parameter_named_like_url_fors_own_or_the_routes_is_only_a_parameter(client, admin, extra):
    """The pagination links and the phase links repeat the query string: they never read it as url_for()'s
    arguments (a 500, an absolute link or a fragment)."""
    incubator = make_incubator(name="Incubateur")
    for n in range(60):
        make_startup(name=f"Lieu {n:02d}", incubator_id=incubator.id)
    for path in ("/startups", f"/incubators/{incubator.id}", "/audit", "/admin/people", "/engagements"):
        response = client.get(f"{path}?{extra}")
        assert response.status_code == 200, (path, response.status_code)
        links = re.findall(r'href="([^"]*page=[^"]*)"', response.get_data(as_text=True))
        assert all(link.startswith("/") and "#" not in link for link in links), (path, links)
        assert links or path != "/startups"  # 60 startups: two pages
