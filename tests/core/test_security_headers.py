"""The security headers of core/security.py (Flask-Talisman) are on every kind of response."""

import pytest

from app import create_app
from tests.factories import login, make_person, make_startup

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, value in parts}


def assert_secured(response):
    assert {name: policy(response).get(name) for name in CSP} == CSP
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert policy(response)["form-action"].startswith("'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_every_kind_of_response_carries_the_security_headers(client):
    startup = make_startup(name="Sécurisée")
    responses = {
        "home": client.get("/"),
        "portfolio": client.get("/startups"),
        "a startup": client.get(f"/startups/{startup.id}"),
        "the API": client.get("/api/v1/startups"),
        "an API error": client.get("/api/v1/startups?page=zéro"),
        "a static file": client.get("/static/jalons.js"),
        "a DSFR asset": client.get("/static/vendor/dsfr/dsfr.min.css"),
        "a 404": client.get("/pas-de-page-ici"),
        "a 405": client.get("/users/logout"),
        "a redirect to the login page": client.get("/users/me"),
    }
    responses["the portfolio revalidated (304)"] = client.get(
        "/startups", headers={"If-None-Match": responses["portfolio"].headers["ETag"]})
    login(client, make_person("Sécurité Connectée"))
    responses["a logged-in page"] = client.get("/users/me")
    responses["a logout"] = client.post("/users/logout")
    for name, response in responses.items():
        try:
            assert_secured(response)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name} ({response.status_code}): {error!r}") from error
    assert {r.status_code for r in responses.values()} >= {200, 303, 304, 400, 404, 405}
    assert policy(responses["home"])["form-action"] == "'self'"  # ProConnect off: forms post to Jalons only


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/static/jalons.js", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.fixture
def production(tmp_path, monkeypatch):
    for name in ("PROCONNECT_CLIENT_ID", "PROCONNECT_CLIENT_SECRET", "PROCONNECT_SERVER_METADATA_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({
        "JALONS_ENV": "production", "SECRET_KEY": "a-production-secret", "BASE_URL": "https://jalons.example",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "PROCONNECT_SERVER_METADATA_URL": "https://auth.proconnect.example/api/v2/.well-known/openid-configuration",
    })

    @app.get("/boom")
    def boom():
        raise RuntimeError("an unexpected error")

    boom.permission = "public"
    return app


def test_production_sends_hsts_over_https_and_secures_its_errors_too(production):
    client = production.test_client()
    over_https = client.get("/static/jalons.js", headers={"X-Forwarded-Proto": "https"})
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(over_https.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 180 * 24 * 3600
    # Over plain HTTP the header means nothing to a browser, and Jalons does not redirect: the proxy does.
    plain = client.get("/static/jalons.js")
    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers
    crashed = client.get("/boom", headers={"X-Forwarded-Proto": "https"})
    assert crashed.status_code == 500
    assert_secured(crashed)
    assert "Strict-Transport-Security" in crashed.headers
    # The logout form is redirected to ProConnect's logout when ProConnect is on.
    assert policy(over_https)["form-action"] == "'self' https://auth.proconnect.example"
