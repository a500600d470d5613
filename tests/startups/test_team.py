"""A startup's team: invitations by e-mail, ending memberships, who may see and change the team."""

import re

import pytest
import sqlalchemy as sa

from core import mail
from core.db import db
from tests.factories import d, login
from users.models import Membership, Person, StartupRole
from tests.startups.editing import TODAY, events_of


@pytest.fixture
def sent(monkeypatch):
    """E-mails as they leave (after the commit)."""
    messages = []
    monkeypatch.setattr(mail, "send", messages.append)
    return messages


def test_inviting_someone_new_creates_them_and_emails_a_login_link_after_the_commit(client, world, sent):
    login(client, world["intrapreneur"])
    response = client.post("/startups/lieu-dit/members/invite", data={
        "email": "  Nora.Nouvelle@Example.gouv.fr ", "name": "Nora Nouvelle", "role": "team_member",
        "starts_on": "2026-11-27", "ends_on": ""})
    assert response.status_code == 303
    person = db.session.scalar(sa.select(Person).where(Person.email == "nora.nouvelle@example.gouv.fr"))
    assert person.name == "Nora Nouvelle"
    [membership] = person.memberships
    assert membership.role == StartupRole.TEAM_MEMBER and membership.starts_on == TODAY
    [message] = sent
    assert message.to == "nora.nouvelle@example.gouv.fr" and "Lieu-dit" in message.subject
    assert re.search(r"/users/login/[\w-]+", message.body)
    [event] = events_of("membership.created")
    assert event.actor_id == world["intrapreneur"].id
    assert event.after["person_id"] == person.id and event.after["role"] == "team_member"
    assert "nora" not in str(event.after).lower()  # the log names nobody: the person by id only


def test_inviting_finds_an_existing_person_by_email_whatever_the_case(client, world, sent):
    login(client, world["coach"])
    response = client.post("/startups/lieu-dit/members/invite", data={
        "email": "OSCAR@example.gouv.fr", "name": "", "role": "coach", "starts_on": "2026-11-01"})
    assert response.status_code == 303
    assert {m.startup_id for m in world["outsider"].memberships} == {"ailleurs", "lieu-dit"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
        sa.func.lower(Person.email) == "oscar@example.gouv.fr")) == 1


def test_an_invitation_refused_sends_nothing(client, world, sent):
    login(client, world["coach"])
    unknown_without_name = client.post("/startups/lieu-dit/members/invite", data={
        "email": "personne@example.gouv.fr", "role": "team_member", "starts_on": "2026-11-01"})
    assert unknown_without_name.status_code == 422 and "indiquez son nom" in unknown_without_name.text
    twice = client.post("/startups/lieu-dit/members/invite", data={
        "email": "ines@example.gouv.fr", "role": "intrapreneur", "starts_on": "2026-11-01"})
    assert twice.status_code == 422 and "est déjà Intrapreneur·e" in twice.text
    bad = client.post("/startups/lieu-dit/members/invite", data={
        "email": "pas-une-adresse", "name": "X", "role": "team_member", "starts_on": "2026-11-01"})
    assert bad.status_code == 422
    assert sent == [] and events_of("membership.created") == []


def test_ending_a_membership_keeps_it_with_an_end_date(client, world):
    membership = world["member"].memberships[0]
    login(client, world["intrapreneur"])
    page = client.get("/startups/lieu-dit/members")
    assert page.status_code == 200 and "Théo Team" in page.text
    state = re.search(rf'/members/{membership.id}/end".*?name="state" type="hidden" value="([^"]*)"', page.text,
                      re.S).group(1)
    too_early = client.post(f"/startups/lieu-dit/members/{membership.id}/end",
                            data={"ends_on": "2019-01-01", "state": state})
    assert too_early.status_code == 422
    response = client.post(f"/startups/lieu-dit/members/{membership.id}/end",
                           data={"ends_on": "2026-11-30", "state": state})
    assert response.status_code == 303
    assert db.session.get(Membership, membership.id).ends_on == d("2026-11-30")
    [event] = events_of("membership.ended")
    assert event.before == {"ends_on": None} and event.after["ends_on"] == "2026-11-30"


def test_the_sponsor_sees_the_team_but_cannot_change_it(client, world):
    login(client, world["sponsor"])
    page = client.get("/startups/lieu-dit/members")
    assert page.status_code == 200 and "Inviter" not in page.text
    membership = world["member"].memberships[0]
    assert client.post(f"/startups/lieu-dit/members/{membership.id}/end", data={"ends_on": "2026-11-30"}
                       ).status_code == 403
    assert client.post("/startups/lieu-dit/members/invite", data={"email": "x@example.gouv.fr", "name": "X",
                                                                  "role": "coach", "starts_on": "2026-11-01"}
                       ).status_code == 403
    login(client, world["outsider"])
    assert client.get("/startups/lieu-dit/members").status_code == 403




def test_team_dates_are_plausible(client, world):
    login(client, world["intrapreneur"])
    for day in ("2001-01-01", "3000-01-01"):
        response = client.post("/startups/lieu-dit/members/invite", data={
            "email": "nora@example.gouv.fr", "name": "Nora", "role": "team_member", "starts_on": day, "ends_on": ""})
        assert response.status_code == 422
        assert "« Début » : la date doit être comprise entre le 1er janvier 2013 et le" in response.text.replace("&#39;", "'")
    assert db.session.scalar(sa.select(Person).where(Person.email == "nora@example.gouv.fr")) is None


def test_the_team_service_refuses_implausible_dates(world):
    from core.db import utcnow
    from startups import team
    from startups.models import Startup
    from startups.services import StartupError

    startup = db.session.get(Startup, "lieu-dit")
    with pytest.raises(StartupError, match="« Début » : la date doit être comprise entre le 1er janvier 2013"):
        team.invite_member(startup, email="nora@example.gouv.fr", name="Nora", role=StartupRole.TEAM_MEMBER,
                           starts_on=d("2001-01-01"), ends_on=None, actor=None, now=utcnow())
