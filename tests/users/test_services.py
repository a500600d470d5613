"""Account rules, through the services."""

import datetime as dt

import pytest

from core import clock
from tests.factories import make_organisation, make_person
from users import services

NOW = dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)


def test_emails_are_stored_stripped_and_lower_cased():
    person = services.create_person(email="  Jeanne.Dupont@Culture.GOUV.fr ", name=" Jeanne Dupont ", now=NOW)
    assert (person.email, person.name) == ("jeanne.dupont@culture.gouv.fr", "Jeanne Dupont")
    assert services.find_person_by_email("JEANNE.DUPONT@culture.gouv.fr") is person


def test_an_email_is_unique_whatever_its_case():
    services.create_person(email="unique@example.gouv.fr", name="Première", now=NOW)
    with pytest.raises(services.UsersError, match="utilise déjà"):
        services.create_person(email="UNIQUE@Example.gouv.fr", name="Seconde", now=NOW)


@pytest.mark.parametrize("raw", ["", "   ", "sans-arobase", "a@b", "deux@@example.gouv.fr", "x@exemple.test"])
def test_invalid_addresses_are_refused_in_french(raw):
    with pytest.raises(services.UsersError, match="adresse e-mail|Indiquez"):
        services.create_person(email=raw, name="X", now=NOW)


def test_a_person_needs_a_name_and_an_existing_organisation():
    with pytest.raises(services.UsersError, match="nom"):
        services.create_person(email="a@example.gouv.fr", name="  ", now=NOW)
    with pytest.raises(services.UsersError, match="n'existe pas"):
        services.create_person(email="a@example.gouv.fr", name="A", organisation_id="nulle-part", now=NOW)
    organisation = make_organisation()
    assert services.create_person(email="a@example.gouv.fr", name="A", organisation_id=organisation.id,
                                  now=NOW).organisation is organisation


def test_a_token_opens_one_session_within_its_lifetime(app):
    person = make_person()
    token = services.issue_login_token(person, now=NOW)
    minutes = app.config["LOGIN_TOKEN_MINUTES"]
    assert services.find_login_token(token, now=NOW + dt.timedelta(minutes=minutes, seconds=-1)) is not None
    assert services.find_login_token(token, now=NOW + dt.timedelta(minutes=minutes)) is None
    assert services.consume_login_token(token, now=NOW) is person
    with pytest.raises(services.UsersError, match="déjà servi ou a expiré"):
        services.consume_login_token(token, now=NOW)
    with pytest.raises(services.UsersError):
        services.consume_login_token("n-importe-quoi", now=NOW)


def test_an_archived_person_gets_no_token():
    person = make_person(archived_at=clock.now())
    with pytest.raises(services.UsersError, match="archivé"):
        services.issue_login_token(person, now=NOW)


@pytest.mark.parametrize(("value", "expected"), [
    ("/startups/clara", "/startups/clara"),
    ("/startups?phase=construction&page=2", "/startups?phase=construction&page=2"),
    (None, None), ("", None), ("startups", None),
    ("//evil.example", None), ("https://evil.example", None), ("/\\evil.example", None),
    ("/\tevil", None), ("javascript:alert(1)", None), ("///evil.example", None),
])
def test_only_paths_on_this_site_are_followed_after_login(value, expected):
    assert services.safe_next(value) == expected


def test_a_proconnect_agent_is_matched_by_sub_then_by_email():
    by_email = make_person(email="agent@example.gouv.fr")
    assert services.match_proconnect_agent(sub="s-1", email="AGENT@example.gouv.fr", now=NOW) is by_email
    assert by_email.proconnect_sub == "s-1"
    assert services.match_proconnect_agent(sub="s-1", email="autre@example.gouv.fr", now=NOW) is by_email


def test_an_account_linked_to_another_proconnect_identity_is_not_taken_over():
    make_person(email="agent@example.gouv.fr", proconnect_sub="s-1")
    with pytest.raises(services.UsersError, match="déjà relié"):
        services.match_proconnect_agent(sub="s-2", email="agent@example.gouv.fr", now=NOW)
