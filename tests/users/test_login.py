"""Login by e-mail link through a real SMTP server, logout, sessions, redirects, rate limit, CSRF, demo."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from core import clock
from core.config import ConfigError, load
from core.db import db
from tests.factories import login, make_membership, make_person, make_startup
from tests.users.conftest import link_in
from users.models import LoginToken, Person


def request_link(client, email, next_url=None):
    data = {"email": email}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/users/login", data=data)


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_an_email_link_logs_in_once_through_a_real_smtp_server(client, outbox):
    person = make_person("Inès Rivière", email="ines.riviere@example.gouv.fr")

    response = request_link(client, "  Ines.Riviere@Example.gouv.fr ")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Un lien de connexion vous a été envoyé si l&#39;adresse" in page

    assert len(outbox) == 1
    message = outbox[0]
    assert message.envelope_to == ["ines.riviere@example.gouv.fr"]
    assert message["Subject"] == "Votre lien de connexion à Jalons"
    link = link_in(message)

    # Opening the link (as a mail scanner would) does not use it: it asks for a confirmation.
    confirm = client.get(path_of(link))
    assert confirm.status_code == 200
    assert "Me connecter" in confirm.get_data(as_text=True)
    assert client.get(path_of(link)).status_code == 200

    done = client.post(path_of(link))
    assert done.status_code == 303
    home = client.get(done.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Inès Rivière" in home and "Se déconnecter" in home
    assert db.session.get(Person, person.id).last_login_at is not None

    # Used once: the same link no longer works, even in another browser.
    other = client.application.test_client()
    assert other.post(path_of(link)).status_code == 410
    assert "n&#39;est plus valable" in other.get(path_of(link)).get_data(as_text=True)


def test_the_token_is_stored_hashed(client, outbox):
    make_person(email="hash@example.gouv.fr")
    request_link(client, "hash@example.gouv.fr")
    token = urlsplit(link_in(outbox[0])).path.rsplit("/", 1)[1]
    stored = db.session.scalars(sa.select(LoginToken.token_hash)).all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


@pytest.mark.parametrize("case", ["unknown", "archived"])
def test_unknown_and_archived_addresses_get_the_same_answer_and_no_email(client, outbox, case):
    make_person(email="known@example.gouv.fr")
    if case == "archived":
        make_person(email="gone@example.gouv.fr", archived_at=clock.now())
    email = "nobody@example.gouv.fr" if case == "unknown" else "gone@example.gouv.fr"

    known = request_link(client, "known@example.gouv.fr")
    other = request_link(client, email)
    assert (known.status_code, known.headers["Location"]) == (other.status_code, other.headers["Location"])
    assert "Un lien de connexion vous a été envoyé si" in client.get(other.headers["Location"]).get_data(as_text=True)
    assert [m.envelope_to for m in outbox] == [["known@example.gouv.fr"]]


def test_an_invalid_address_is_explained(client, outbox):
    page = request_link(client, "pas-une-adresse").get_data(as_text=True)
    assert "n&#39;est pas valide" in page
    assert outbox == []


def test_an_expired_link_is_refused(app, client, outbox):
    person = make_person(email="late@example.gouv.fr")
    request_link(client, "late@example.gouv.fr")
    link = path_of(link_in(outbox[0]))
    db.session.execute(sa.update(LoginToken).values(expires_at=clock.now() - dt.timedelta(seconds=1)))
    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410
    assert db.session.get(Person, person.id).last_login_at is None


def test_a_link_dies_with_an_archived_account(client, outbox):
    from users import services

    person = make_person(email="leaving@example.gouv.fr")
    request_link(client, "leaving@example.gouv.fr")
    services.archive_person(person, now=clock.now())
    assert client.post(path_of(link_in(outbox[0]))).status_code == 410


def test_login_rotates_the_session(client, outbox):
    make_person(email="rotate@example.gouv.fr")
    with client.session_transaction() as session:
        session["planted"] = "par un attaquant"
    request_link(client, "rotate@example.gouv.fr")
    client.post(path_of(link_in(outbox[0])))
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.permanent
        assert session["person_id"]


def test_the_session_expires_after_its_lifetime(app, client):
    person = make_person("Durée Limitée")
    with client.session_transaction() as session:
        session["person_id"] = person.id
        session["login_at"] = (clock.now() - app.permanent_session_lifetime - dt.timedelta(minutes=1)).isoformat()
    response = client.get("/users/me")
    assert response.status_code == 303 and response.headers["Location"].startswith("/users/login")

    with client.session_transaction() as session:
        session["person_id"] = person.id
        session["session_version"] = person.session_version
        session["login_at"] = (clock.now() - dt.timedelta(hours=1)).isoformat()
    assert client.get("/users/me").status_code == 200


def test_logout_is_a_post_that_ends_the_session(client):
    person = make_person("Paul Sortant")
    login(client, person)
    assert "Paul Sortant" in client.get("/users/me").get_data(as_text=True)
    assert client.get("/users/logout").status_code == 405
    response = client.post("/users/logout")
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Se connecter" in page and "Paul Sortant" not in page
    assert client.get("/users/me").status_code == 303


def copied_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(client, cookie: str):
    client.set_cookie("session", cookie)
    return client.get("/users/me")


def test_a_cookie_copied_before_logout_no_longer_opens_a_page(client, outbox):
    make_person("Paul Copié", email="copie@example.gouv.fr")
    request_link(client, "copie@example.gouv.fr")
    client.post(path_of(link_in(outbox[0])))
    cookie = copied_cookie(client)
    assert replay(client, cookie).status_code == 200

    assert client.post("/users/logout").status_code == 303
    response = replay(client, cookie)
    assert response.status_code == 303 and response.headers["Location"].startswith("/users/login")
    assert "Paul Copié" not in client.get("/").get_data(as_text=True)


def test_logging_in_again_after_logout_opens_a_new_session(client, outbox):
    make_person("Paul Revenu", email="revenu@example.gouv.fr")
    for message_index in (0, 1):
        request_link(client, "revenu@example.gouv.fr")
        client.post(path_of(link_in(outbox[message_index])))
        assert client.get("/users/me").status_code == 200
        client.post("/users/logout")
    assert client.get("/users/me").status_code == 303


def test_a_cookie_copied_before_the_person_is_archived_no_longer_opens_a_page(client, outbox):
    from users import services

    person = make_person("Paul Archivé", email="archive@example.gouv.fr")
    request_link(client, "archive@example.gouv.fr")
    client.post(path_of(link_in(outbox[0])))
    cookie = copied_cookie(client)
    services.archive_person(person, now=clock.now())
    db.session.flush()
    # Even if the archiving is undone by hand, the sessions it ended stay ended.
    person.archived_at = None
    db.session.flush()
    response = replay(client, cookie)
    assert response.status_code == 303 and response.headers["Location"].startswith("/users/login")


def test_an_archived_person_loses_their_session(client):
    person = make_person("Ancien Compte")
    login(client, person)
    person.archived_at = clock.now()
    db.session.flush()
    assert client.get("/users/me").status_code == 303


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example", "http:/evil.example"])
def test_no_open_redirect_after_login(client, outbox, target):
    make_person(email="redirect@example.gouv.fr")
    request_link(client, "redirect@example.gouv.fr", next_url=target)
    response = client.post(path_of(link_in(outbox[0])))
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_login_returns_to_the_page_asked_for(client, outbox):
    make_person(email="retour@example.gouv.fr")
    asked = client.get("/users/me")
    assert asked.status_code == 303
    login_page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'value="/users/me"' in login_page
    request_link(client, "retour@example.gouv.fr", next_url="/users/me")
    link = path_of(link_in(outbox[0]))
    assert "next=/users/me" in link or "next=%2Fusers%2Fme" in link
    confirm = client.get(link).get_data(as_text=True)
    assert 'value="/users/me"' in confirm
    response = client.post(link, data={"next": "/users/me"})
    assert response.headers["Location"] == "/users/me"


def test_link_requests_are_rate_limited_per_address(app, client, outbox):
    make_person(email="pressee@example.gouv.fr")
    limit = app.config["LOGIN_RATE_LIMIT"]
    for _ in range(limit):
        assert request_link(client, "pressee@example.gouv.fr").status_code == 303
    refused = request_link(client, "PRESSEE@example.gouv.fr")
    assert refused.status_code == 429
    assert "Trop de demandes de connexion" in refused.get_data(as_text=True)
    assert len(outbox) == limit


def test_link_requests_are_rate_limited_per_ip_address(app, client, outbox):
    limit = app.config["LOGIN_RATE_LIMIT"]
    for n in range(limit):
        assert request_link(client, f"inconnu-{n}@example.gouv.fr").status_code == 303
    assert request_link(client, "encore-un@example.gouv.fr").status_code == 429
    other_ip = client.post("/users/login", data={"email": "encore-un@example.gouv.fr"},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_ip.status_code == 303


def test_the_rate_limit_forgets_old_requests(app, client, outbox):
    from users.models import LoginAttempt

    make_person(email="patiente@example.gouv.fr")
    for _ in range(app.config["LOGIN_RATE_LIMIT"]):
        request_link(client, "patiente@example.gouv.fr")
    window = dt.timedelta(minutes=app.config["LOGIN_RATE_WINDOW_MINUTES"])
    db.session.execute(sa.update(LoginAttempt).values(created_at=clock.now() - window - dt.timedelta(seconds=1)))
    assert request_link(client, "patiente@example.gouv.fr").status_code == 303


def test_session_cookie_flags(app, client, outbox):
    make_person(email="cookie@example.gouv.fr")
    request_link(client, "cookie@example.gouv.fr")
    response = client.post(path_of(link_in(outbox[0])))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    production = load(app.instance_path, {"JALONS_ENV": "production", "SECRET_KEY": "s" * 32,
                                          "BASE_URL": "https://jalons.example"})
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True and production["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_requires_base_url(app, monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="BASE_URL"):
        load(app.instance_path, {"JALONS_ENV": "production", "SECRET_KEY": "s" * 32})


def test_links_in_emails_use_base_url_not_the_host_header(app, client, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example")
    make_person(email="hote@example.gouv.fr")
    client.post("/users/login", data={"email": "hote@example.gouv.fr"}, headers={"Host": "evil.example"})
    assert link_in(outbox[0]).startswith("https://jalons.example/users/login/")


def test_posts_without_csrf_token_are_refused(other_app):
    guarded = other_app(WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    person = make_person("Protégée", email="csrf@example.gouv.fr")
    login(client, person)
    refused = client.post("/users/logout")
    assert refused.status_code == 400
    assert "Protégée" in client.get("/users/me").get_data(as_text=True)
    assert client.post("/users/login", data={"email": "csrf@example.gouv.fr"}).status_code == 400

    page = client.get("/users/me").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/users/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/users/me").status_code == 303


def test_header_shows_login_or_the_person(client):
    page = client.get("/").get_data(as_text=True)
    assert "Se connecter" in page and "Se déconnecter" not in page
    login(client, make_person("Zoé Entête"))
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Zoé Entête" in page and "Se déconnecter" in page and "Se connecter</a>" not in page


def test_my_page_shows_my_data_and_roles(client):
    startup = make_startup(name="Signaux Faibles")
    person = make_person("Léa Intra", email="lea@example.gouv.fr")
    make_membership(person, startup, "intrapreneur", starts_on=dt.date(2025, 3, 1))
    login(client, person)
    page = client.get("/users/me").get_data(as_text=True)
    assert "lea@example.gouv.fr" in page
    assert "Signaux Faibles" in page and "Intrapreneur·e" in page and "1er mars 2025" in page


def test_demo_personas_log_in_in_one_click_in_development(other_app):
    from startups.demo import seed_demo_personas

    startup = make_startup(name="Démo active", incubator=None, phases=[("construction", dt.date(2025, 1, 1))])
    seed_demo_personas(today=dt.date(2026, 11, 27), now=clock.now())
    demo = other_app(JALONS_ENV="development", JALONS_DEMO=True)
    client = demo.test_client()
    page = client.get("/users/login").get_data(as_text=True)
    for label in ("un·e admin", "un·e coach", "un·e intrapreneur·e", "un·e sponsor"):
        assert f"Entrer comme {label}" in page
    response = client.post("/users/demo", data={"persona": "coach"})
    assert response.status_code == 303
    assert "Karim Benali (démo)" in client.get("/users/me").get_data(as_text=True)
    assert startup  # the startup has no incubator: the coach gets no startup role, and still logs in


def test_demo_mode_is_off_outside_development(client, other_app):
    assert "Mode démonstration" not in client.get("/users/login").get_data(as_text=True)
    assert client.post("/users/demo", data={"persona": "admin"}).status_code == 404
    test_app = other_app(JALONS_DEMO=True)  # JALONS_ENV=test: not honoured
    assert test_app.test_client().post("/users/demo", data={"persona": "admin"}).status_code == 404


def test_the_login_page_answers_without_waiting_for_the_mail_server(client, outbox, monkeypatch):
    # The response's timing must not tell which addresses have an account: it never waits for the e-mail.
    import threading

    from core import mail

    make_person("Inès Rivière", email="ines.riviere@example.gouv.fr")
    mail_server_answers = threading.Event()
    real_send = mail.send

    def slow_send(message):
        assert mail_server_answers.wait(30)
        real_send(message)

    monkeypatch.setattr(mail, "send", slow_send)
    client.wait_for_mail = False
    known = client.post("/users/login", data={"email": "ines.riviere@example.gouv.fr"})
    unknown = client.post("/users/login", data={"email": "personne@example.gouv.fr"})
    assert (known.status_code, unknown.status_code) == (303, 303)
    assert known.headers["Location"] == unknown.headers["Location"]
    assert outbox == []  # both answered while the mail server had not answered yet
    mail_server_answers.set()
    mail.wait_sent()
    assert [m["To"] for m in outbox] == ["ines.riviere@example.gouv.fr"]


def test_demo_mode_is_refused_in_production(app):
    with pytest.raises(ConfigError, match="JALONS_DEMO"):
        load(app.instance_path, {"JALONS_ENV": "production", "SECRET_KEY": "s" * 32,
                                 "BASE_URL": "https://jalons.example", "JALONS_DEMO": True})


def test_mail_waits_for_the_commit(app, outbox):
    from core import mail

    with app.app_context():
        mail.send_after_commit(mail.Mail(to="annule@example.gouv.fr", subject="Annulé", body="…"))
        db.session.rollback()
        db.session.commit()
        assert outbox == []
        mail.send_after_commit(mail.Mail(to="parti@example.gouv.fr", subject="Parti", body="Bonjour"))
        assert outbox == []
        db.session.commit()
    assert [m["Subject"] for m in outbox] == ["Parti"]
