"""A form that creates something, sent twice, is recorded once (core/once.py): a network retry, a script
replaying the request, a second window. A refused form does not spend its token."""

import datetime as dt
import html
import re

import sqlalchemy as sa

from core import once
from core.db import db
from startups.models import Event, EventKind
from tests.factories import login, make_membership, make_person, make_startup

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc)


def _token(page: str) -> str:
    return re.search(rf'name="{once.FIELD}" value="([^"]+)"', page).group(1)


def _events(startup_id: str, kind: EventKind) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                             .where(Event.startup_id == startup_id, Event.kind == kind))


def _team(client):
    startup = make_startup(name="Lieu-dit", phases=[("investigation", dt.date(2026, 1, 5))])
    person = make_person("Inès Intrapreneure")
    make_membership(person, startup, "intrapreneur")
    db.session.commit()
    login(client, person)
    return startup


def test_an_event_form_sent_twice_records_one_event_and_says_so_in_french(client):
    startup = _team(client)
    form = client.get(f"/startups/{startup.id}/events/new").text
    token = _token(form)
    assert _token(client.get(f"/startups/{startup.id}/events/new").text) != token  # a new one each time shown
    data = {"kind": "national_impact", "happened_on": "2026-11-15", "comment": "Déploiement", once.FIELD: token}
    assert client.post(f"/startups/{startup.id}/events/new", data=data).status_code == 303
    again = client.post(f"/startups/{startup.id}/events/new", data=data)
    assert again.status_code == 409
    page = html.unescape(again.text)
    assert "Formulaire déjà envoyé" in page and "enregistré une fois, pas deux" in page
    assert _events(startup.id, EventKind.NATIONAL_IMPACT) == 1
    # The same entry made again through a new form is a second entry, as the person wants.
    data[once.FIELD] = _token(client.get(f"/startups/{startup.id}/events/new").text)
    assert client.post(f"/startups/{startup.id}/events/new", data=data).status_code == 303
    assert _events(startup.id, EventKind.NATIONAL_IMPACT) == 2


def test_a_refused_form_keeps_its_token_unspent(client):
    startup = _team(client)
    token = _token(client.get(f"/startups/{startup.id}/events/new").text)
    refused = client.post(f"/startups/{startup.id}/events/new",
                          data={"kind": "national_impact", "happened_on": "", once.FIELD: token})
    assert refused.status_code == 422 and _token(refused.text) != token
    assert db.session.get(once.SentForm, token) is None
    fixed = client.post(f"/startups/{startup.id}/events/new",
                        data={"kind": "national_impact", "happened_on": "2026-11-15", once.FIELD: token})
    assert fixed.status_code == 303 and _events(startup.id, EventKind.NATIONAL_IMPACT) == 1


def test_a_malformed_token_is_refused_and_a_form_without_one_is_not_concerned(client):
    startup = _team(client)
    for bad in ("", "court", "é" * 20, "x" * 65):
        response = client.post(f"/startups/{startup.id}/events/new",
                               data={"kind": "other", "happened_on": "2026-11-15", once.FIELD: bad})
        assert response.status_code == 400 and "jeton d'envoi" in html.unescape(response.text)
    assert _events(startup.id, EventKind.OTHER) == 0
    assert client.post(f"/startups/{startup.id}/events/new",
                       data={"kind": "other", "happened_on": "2026-11-15"}).status_code == 303


def test_the_daily_job_forgets_tokens_older_than_thirty_days(app):
    db.session.add_all([once.SentForm(token="a" * 24, sent_at=NOW - dt.timedelta(days=31)),
                        once.SentForm(token="b" * 24, sent_at=NOW - dt.timedelta(days=29))])
    db.session.flush()
    # The day given, not the clock's: a run for an earlier day forgets less.
    assert once.purge(today=NOW.date() - dt.timedelta(days=5)) == 0
    assert once.purge(today=NOW.date()) == 1
    assert [t.token for t in db.session.scalars(sa.select(once.SentForm))] == ["b" * 24]


def test_the_same_form_committed_at_the_same_moment_fails_on_its_token_and_records_nothing(app):
    from startups import services

    startup = make_startup(name="Lieu-dit", phases=[("investigation", dt.date(2026, 1, 5))])
    db.session.commit()
    token = "c" * 24
    with app.test_request_context(f"/startups/{startup.id}/events/new", method="POST", data={once.FIELD: token}):
        assert once.check() is None  # not spent when this request began…
        # …spent by the other request, committed while this one worked.
        db.session.execute(sa.insert(once.SentForm).values(token=token, sent_at=NOW))
        services.add_event(startup, kind=EventKind.OTHER, happened_on=dt.date(2026, 11, 15), comment=None, actor=None,
                           today=dt.date(2026, 11, 27))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
        else:
            raise AssertionError("the second commit should fail on the token")
    assert _events(startup.id, EventKind.OTHER) == 0
