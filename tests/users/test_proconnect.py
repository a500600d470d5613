"""ProConnect login: a real OpenID Connect round trip against a provider served by the tests on localhost."""

from urllib.parse import parse_qs, urlsplit

import requests

from core import clock
from core.db import db
from tests.factories import make_person
from users.models import Person


def start(client, next_url=None):
    """Jalons → the provider's /authorize (over real HTTP) → back: the callback path for the test client."""
    response = client.get("/users/proconnect/login" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    authorize_url = response.headers["Location"]
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == "/users/proconnect/callback"
    return f"{callback.path}?{callback.query}"


def test_an_agent_known_by_email_logs_in_and_is_linked_by_sub(client, proconnect):
    person = make_person("Alex Agent", email="agent@example.gouv.fr")
    callback = start(client, next_url="/users/me")
    response = client.get(callback)
    assert response.status_code == 303
    assert response.headers["Location"] == "/users/me"
    assert "Alex Agent" in client.get("/users/me").get_data(as_text=True)
    assert db.session.get(Person, person.id).proconnect_sub == "agent-1"
    # The token request carried the PKCE verifier and the client's credentials.
    request = proconnect.token_requests[-1]
    assert request["code_verifier"] and request["client_id"] == proconnect.client_id


def test_an_agent_is_then_recognised_by_sub_even_with_a_new_email(client, proconnect):
    person = make_person("Alex Agent", email="ancienne@example.gouv.fr", proconnect_sub="agent-1")
    proconnect.user["email"] = "nouvelle@example.gouv.fr"
    assert client.get(start(client)).status_code == 303
    with client.session_transaction() as session:
        assert session["person_id"] == person.id


def test_an_unknown_agent_is_refused_and_not_created(client, proconnect):
    count = db.session.query(Person).count()
    response = client.get(start(client))
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Votre compte n'est pas connu de Jalons" in page
    assert db.session.query(Person).count() == count
    with client.session_transaction() as session:
        assert "person_id" not in session


def test_an_archived_agent_is_refused(client, proconnect):
    make_person("Alex Parti", email="agent@example.gouv.fr", archived_at=clock.now())
    assert client.get(start(client)).status_code == 403


def test_a_wrong_state_is_refused(client, proconnect):
    make_person("Alex Agent", email="agent@example.gouv.fr")
    callback = start(client)
    forged = callback.replace("state=", "state=forge")
    response = client.get(forged)
    assert response.status_code == 400
    assert "La connexion avec ProConnect n'a pas abouti" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "person_id" not in session


def test_a_callback_from_another_browser_is_refused(client, proconnect):
    make_person("Alex Agent", email="agent@example.gouv.fr")
    callback = start(client)
    stranger = client.application.test_client()
    assert stranger.get(callback).status_code == 400


def test_a_wrong_nonce_is_refused(client, proconnect):
    make_person("Alex Agent", email="agent@example.gouv.fr")
    proconnect.tamper["nonce"] = "un-autre-nonce"
    response = client.get(start(client))
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "person_id" not in session


def test_the_button_shows_only_when_configured(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PROCONNECT_CLIENT_ID", None)
    assert "ProConnect" not in client.get("/users/login").get_data(as_text=True)
    assert client.get("/users/proconnect/login").status_code == 404


def test_the_button_is_the_dsfr_proconnect_button(client, proconnect):
    page = client.get("/users/login").get_data(as_text=True)
    assert 'class="fr-connect fr-connect--pro"' in page and "S’identifier avec" in page


def test_logging_out_also_ends_the_proconnect_session(client, proconnect):
    make_person("Alex Agent", email="agent@example.gouv.fr")
    client.get(start(client))
    with client.session_transaction() as session:
        id_token = session["proconnect_id_token"]

    response = client.post("/users/logout")
    assert response.status_code == 303
    end_session = response.headers["Location"]
    assert end_session.startswith(proconnect.url + "/logout?")
    query = parse_qs(urlsplit(end_session).query)
    assert query["id_token_hint"] == [id_token]
    back = requests.get(end_session, allow_redirects=False, timeout=10)
    assert back.headers["Location"] == query["post_logout_redirect_uri"][0] == "http://localhost/"
    assert proconnect.logouts and client.get("/users/me").status_code == 303


def test_logging_out_after_an_email_link_stays_on_jalons(client, proconnect):
    from tests.factories import login

    login(client, make_person("Par E-mail"))
    response = client.post("/users/logout")
    assert response.headers["Location"] == "/"
