"""A startup's team: invitations by e-mail, ending memberships, who may see and change the team."""

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from core import mail
from core.db import db
from startups import team
from startups.services import Forbidden
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
    login(client, world["staff"])  # the coach role is the incubator staff's to grant
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




# --- Separation of duties (issue 9) -----------------------------------------------------------------

def memberships_of(person) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(m.startup_id, m.role.value) for m in db.session.get(Person, person.id).memberships]


def test_an_intrapreneur_cannot_make_themselves_sponsor_nor_end_the_sponsor_s_role(client, world, sent):
    # The scenario: invited as sponsor of their own startup, they would then sign off its decisions.
    login(client, world["intrapreneur"])
    response = client.post("/startups/lieu-dit/members/invite", data={
        "email": "ines@example.gouv.fr", "role": "sponsor", "starts_on": "2026-11-27"})
    assert response.status_code == 403
    assert ("Seuls les administrateurs et l'équipe de l'incubateur de la startup peuvent attribuer le rôle de "
            "sponsor.") in html.unescape(response.text)
    assert memberships_of(world["intrapreneur"]) == [("lieu-dit", "intrapreneur")]
    sponsor_role = world["sponsor"].memberships[0]
    response = client.post(f"/startups/lieu-dit/members/{sponsor_role.id}/end", data={"ends_on": "2026-11-27"})
    assert response.status_code == 403 and "mettre fin au rôle de sponsor" in html.unescape(response.text)
    assert db.session.get(Membership, sponsor_role.id).ends_on is None
    assert sent == [] and events_of("membership.created") == events_of("membership.ended") == []


def test_the_coach_manages_the_team_roles_but_not_the_sponsor_s_nor_the_coach_s(client, world, sent):
    login(client, world["coach"])
    for role in ("sponsor", "coach"):
        response = client.post("/startups/lieu-dit/members/invite", data={
            "email": "nora@example.gouv.fr", "name": "Nora Nouvelle", "role": role, "starts_on": "2026-11-27"})
        assert response.status_code == 403
    response = client.post("/startups/lieu-dit/members/invite", data={
        "email": "nora@example.gouv.fr", "name": "Nora Nouvelle", "role": "intrapreneur", "starts_on": "2026-11-27"})
    assert response.status_code == 303
    assert [event.after["role"] for event in events_of("membership.created")] == ["intrapreneur"]


def test_an_admin_inviting_themselves_as_sponsor_is_refused_and_the_attempt_is_kept(client, world, sent):
    # The view lets an admin grant the sponsor role; the service sees who is invited, refuses, and records
    # the attempt, which is committed while nothing of the invitation is.
    login(client, world["admin"])
    response = client.post("/startups/lieu-dit/members/invite", data={
        "email": "ADA@example.gouv.fr", "role": "sponsor", "starts_on": "2026-11-27"})
    assert response.status_code == 403
    assert "Vous ne pouvez pas vous attribuer vous-même le rôle de sponsor" in html.unescape(response.text)
    db.session.rollback()  # what the request did not commit is gone
    assert memberships_of(world["admin"]) == [] and sent == []
    [event] = events_of("membership.refused")
    assert event.actor_id == world["admin"].id and event.startup_id == "lieu-dit"
    assert event.after == {"change": "grant", "role": "sponsor", "person_id": world["admin"].id}
    assert "vous-même" in event.reason
    history = client.get("/audit/startups/lieu-dit").text
    assert "Changement de rôle refusé" in html.unescape(history) and "Attribution du rôle" in html.unescape(history)


def test_an_intrapreneur_whose_role_ends_cannot_give_it_back_to_themselves(client, world, sent):
    """An admin ends the intrapreneur's role today: until tonight they still hold it, and would invite
    themselves again from tomorrow, open-ended, undoing the end. Nobody grants themselves a role beyond the end
    of their own; a colleague still may."""
    admin, ines = world["admin"], world["intrapreneur"]
    role = ines.memberships[0]
    team.end_membership(role, ends_on=TODAY, actor=admin, today=TODAY)
    db.session.commit()
    login(client, ines)
    for data in ({"role": "intrapreneur", "starts_on": "2026-11-28"},
                 {"role": "team_member", "starts_on": "2026-11-28"},
                 {"role": "intrapreneur", "starts_on": "2026-11-27", "ends_on": "2026-12-31"}):
        response = client.post("/startups/lieu-dit/members/invite", data={"email": "ines@example.gouv.fr", **data})
        assert response.status_code == 403, data
        assert ("au-delà de la fin du vôtre, le 27 novembre 2026" in html.unescape(response.text))
    db.session.rollback()
    assert memberships_of(ines) == [("lieu-dit", "intrapreneur")]
    assert events_of("membership.created") == [] and len(events_of("membership.refused")) == 3
    # Within their own role's dates, as before: a team member's role for today.
    response = client.post("/startups/lieu-dit/members/invite", data={
        "email": "ines@example.gouv.fr", "role": "team_member", "starts_on": "2026-11-27", "ends_on": "2026-11-27"})
    assert response.status_code == 303
    # A colleague gives it back, as team management allows; and staff or admins.
    login(client, world["coach"])
    response = client.post("/startups/lieu-dit/members/invite", data={
        "email": "ines@example.gouv.fr", "role": "intrapreneur", "starts_on": "2026-11-28"})
    assert response.status_code == 303
    assert sorted(memberships_of(ines)) == [("lieu-dit", "intrapreneur"), ("lieu-dit", "intrapreneur"),
                                            ("lieu-dit", "team_member")]


def test_the_service_refuses_a_role_change_the_policy_refuses_and_records_the_attempt(world, sent):
    now = dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)
    people_before = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    with pytest.raises(Forbidden, match="attribuer le rôle de sponsor"):
        team.invite_member(world["startup"], email="nora@example.gouv.fr", name="Nora Nouvelle",
                           role=StartupRole.SPONSOR, starts_on=TODAY, ends_on=None, actor=world["coach"], now=now)
    sponsor_role = world["sponsor"].memberships[0]
    with pytest.raises(Forbidden, match="mettre fin au rôle de sponsor"):
        team.end_membership(sponsor_role, ends_on=TODAY, actor=world["intrapreneur"], today=TODAY)
    assert sponsor_role.ends_on is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == people_before
    refused = events_of("membership.refused")
    assert [(e.actor_id, e.object_type, e.after["change"]) for e in refused] == [
        (world["coach"].id, "startup", "grant"), (world["intrapreneur"].id, "membership", "end")]
    assert sent == []


def test_the_team_page_offers_only_the_roles_the_person_may_grant(client, world):
    login(client, world["intrapreneur"])
    page = html.unescape(client.get("/startups/lieu-dit/members").text)
    select = page.split('name="role"', 1)[1].split("</select>", 1)[0]
    assert 'value="team_member"' in select and 'value="intrapreneur"' in select
    assert 'value="sponsor"' not in select and 'value="coach"' not in select
    assert "Les rôles de sponsor et de coach sont attribués par les administrateurs" in page
    sponsor_role, member_role = world["sponsor"].memberships[0], world["member"].memberships[0]
    assert f"/members/{member_role.id}/end" in page and f"/members/{sponsor_role.id}/end" not in page
    assert "peuvent mettre fin au rôle de sponsor" in page
    login(client, world["staff"])
    page = client.get("/startups/lieu-dit/members").text
    select = page.split('name="role"', 1)[1].split("</select>", 1)[0]
    assert all(f'value="{role.value}"' in select for role in StartupRole)
    assert f"/members/{sponsor_role.id}/end" in page


def test_team_dates_are_plausible(client, world):
    login(client, world["intrapreneur"])
    for day in ("2001-01-01", "3000-01-01"):
        response = client.post("/startups/lieu-dit/members/invite", data={
            "email": "nora@example.gouv.fr", "name": "Nora", "role": "team_member", "starts_on": day, "ends_on": ""})
        assert response.status_code == 422
        assert "« Début » : la date doit être comprise entre le 1er janvier 2013 et le" in response.text.replace("&#39;", "'")
    assert db.session.scalar(sa.select(Person).where(Person.email == "nora@example.gouv.fr")) is None


def test_the_team_service_refuses_implausible_dates(world):
    from core import clock
    from startups import team
    from startups.models import Startup
    from startups.services import StartupError

    startup = db.session.get(Startup, "lieu-dit")
    with pytest.raises(StartupError, match="« Début » : la date doit être comprise entre le 1er janvier 2013"):
        team.invite_member(startup, email="nora@example.gouv.fr", name="Nora", role=StartupRole.TEAM_MEMBER,
                           starts_on=d("2001-01-01"), ends_on=None, actor=world["coach"], now=clock.now())
