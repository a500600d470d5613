"""Read pages cached over HTTP, never in the process (core/http_cache.py): an anonymous answer carries an
ETag and a short public Cache-Control and answers 304 to a conditional request; a logged-in answer is
private and never stored; and no viewer is ever shown what belongs to another."""

import re

import pytest

from core.db import db
from tests.factories import d, login, make_incubator, make_membership, make_organisation, make_person, make_startup

READ_PAGES = ["/startups", "/startups/{a}", "/startups/{b}", "/incubators", "/incubators/inc", "/organisations",
              "/organisations/dinum", "/api/v1/startups", "/api/v1/startups/{a}"]


@pytest.fixture
def world():
    dinum = make_organisation("dinum", name="Direction interministérielle du numérique", acronym="DINUM")
    incubator = make_incubator("inc", name="Incubateur", owner=dinum)
    a = make_startup("alpha", name="Alpha", incubator=incubator, sponsors=[dinum],
                     phases=[("investigation", d("2026-01-10"))])
    b = make_startup("beta", name="Bêta", incubator=incubator, sponsors=[dinum],
                     phases=[("construction", d("2026-02-10"))])
    people = {
        "intrapreneur of alpha": make_person("Alice Alphonse"),
        "intrapreneur of beta": make_person("Bruno Bêtatest"),
        "sponsor of alpha": make_person("Sophie Sponsorine"),
    }
    make_membership(people["intrapreneur of alpha"], a, "intrapreneur")
    make_membership(people["intrapreneur of beta"], b, "intrapreneur")
    make_membership(people["sponsor of alpha"], a, "sponsor")
    db.session.flush()
    return people


def urls():
    return [url.format(a="alpha", b="beta") for url in READ_PAGES]


def test_an_anonymous_page_has_an_etag_a_short_public_cache_and_answers_304_when_unchanged(client, world):
    for url in urls():
        first = client.get(url)
        assert first.status_code == 200, url
        assert first.headers["Cache-Control"] == "public, max-age=60", url
        etag = first.headers["ETag"]
        assert "Set-Cookie" not in first.headers, url
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.data == b"" and again.headers["ETag"] == etag
    # Another page, or the same one after a change, does not match the old ETag.
    etag = client.get("/startups/alpha").headers["ETag"]
    assert client.get("/startups/beta", headers={"If-None-Match": etag}).status_code == 200
    client.get("/startups/alpha")
    startup = db.session.get(__import__("startups.models", fromlist=["Startup"]).Startup, "alpha")
    startup.mission = "Une mission changée"
    db.session.flush()
    changed = client.get("/startups/alpha", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Une mission changée" in changed.text


def test_a_head_request_gets_the_same_etag_and_length_as_the_get(client, world):
    """A proxy or a monitor asking HEAD must be able to revalidate what a GET stored: the same ETag, the
    same length (the header's « here » link once depended on the method)."""
    for url in urls():
        got, head = client.get(url), client.head(url)
        assert head.status_code == 200, url
        assert head.headers["ETag"] == got.headers["ETag"], url
        assert head.headers["Content-Length"] == got.headers["Content-Length"], url
        assert client.head(url, headers={"If-None-Match": got.headers["ETag"]}).status_code == 304, url


def test_a_logged_in_page_is_private_never_stored_and_the_cookie_is_not_sent_again(client, world):
    anonymous = client.get("/startups/alpha")
    login(client, world["intrapreneur of alpha"])
    client.get("/espace/")  # the first page after login keeps the logout form's CSRF token in the session
    for url in urls() + ["/espace/"]:
        response = client.get(url, headers={"If-None-Match": anonymous.headers["ETag"]})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert "ETag" not in response.headers, url
        # The session did not change: its cookie is not re-issued with every response.
        assert "Set-Cookie" not in response.headers, url


def test_an_error_page_shown_to_a_logged_in_person_is_private_too(client, world):
    """Their name is in its header: a shared cache must not keep a 404 or a 403 any more than a page."""
    login(client, world["intrapreneur of alpha"])
    for url, status in (("/startups/nope", 404), ("/admin/people", 403)):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.headers["Cache-Control"] == "private, no-store", url


def test_a_page_that_puts_something_in_the_session_is_not_public(client):
    # The login form carries a CSRF token kept in the session: another visitor must never receive it.
    from flask import current_app

    current_app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.get("/users/login")
    finally:
        current_app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def normalised(text: str) -> str:
    # What differs between two requests of the same viewer: the request id and the CSP nonce, if any.
    return re.sub(r'(nonce|request|requete)[^"<]*', "", text)


def hrefs(text: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', text))


def test_no_page_shows_one_viewer_what_belongs_to_another(app, world):
    """Each read page as four viewers in turn, twice: each sees the same page both times whatever the
    others read in between (nothing of one request serves another), sees their own name and no one
    else's in the header, and the links only one viewer has (their buttons) appear for that viewer only."""
    viewers = {"anonymous": None, **world}
    clients = {}
    for name, person in viewers.items():
        clients[name] = app.test_client()
        if person is not None:
            login(clients[name], person)
    for url in urls():
        first = {name: clients[name].get(url) for name in viewers}
        second = {name: clients[name].get(url) for name in reversed(list(viewers))}
        for name in viewers:
            assert first[name].status_code == 200, (url, name)
            assert normalised(first[name].text) == normalised(second[name].text), (url, name)
        if url.startswith("/api/"):
            assert len({r.text for r in first.values()}) == 1, url  # the API is the same for everybody
            continue
        for name, person in world.items():
            for other in viewers:
                shown = person.name in first[other].text
                assert shown == (other == name) or f'<a href="/users/{person.id}' in first[other].text, (url, name, other)
        public = hrefs(first["anonymous"].text)
        for name in world:
            own = hrefs(first[name].text) - public
            for other in world:
                if other != name:
                    shared = own & (hrefs(first[other].text) - public)
                    assert all(not link.startswith("/startups/") or "/edit" not in link for link in shared), \
                        (url, name, other, shared)
    # Each intrapreneur's startup page offers them something the other intrapreneur is not offered.
    alpha_page = {name: hrefs(clients[name].get("/startups/alpha").text) for name in viewers}
    assert alpha_page["intrapreneur of alpha"] - alpha_page["intrapreneur of beta"]
    assert not (alpha_page["intrapreneur of beta"] - alpha_page["anonymous"]) - hrefs(
        clients["intrapreneur of beta"].get("/startups").text)
