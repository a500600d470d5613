"""An incubator's staff, managed by admins: adding people by e-mail (a login link after the commit), ending
their place, and the rights it gives (creating startups in that incubator, between the dates only)."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core import clock
from core import mail
from core.db import db
from startups import services, team
from startups.models import Startup
from tests.factories import d, login
from tests.startups.editing import TODAY, events_of
from users.models import IncubatorStaff, Person
from users.permissions import can

TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def permissions_today(clock_on):
    """The day the policy counts roles for; a test moves it (clock_on) to see a role end."""
    return clock_on(TODAY)


@pytest.fixture
def sent(monkeypatch):
    """E-mails as they leave (after the commit)."""
    messages = []
    monkeypatch.setattr(mail, "send", messages.append)
    return messages


def staff_rows(incubator_id: str = "incub-test") -> list[IncubatorStaff]:
    return list(db.session.scalars(sa.select(IncubatorStaff).where(IncubatorStaff.incubator_id == incubator_id)
                                   .order_by(IncubatorStaff.id)))


def new_startup(name: str, incubator_id: str) -> dict:
    return {"name": name, "id": "", "incubator": incubator_id, "investigation_on": "2026-11-27", "mission": "",
            "link": "", "repository": "", "stats_url": "", "impact_url": "", "budget_url": "", "dashlord_url": "",
            "user_types": "", "themes": "", "techno": "", "accessibility_status": ""}


def test_an_admin_adds_someone_new_who_is_created_and_emailed_a_login_link_after_the_commit(client, world, sent):
    login(client, world["admin"])
    page = client.get("/incubators/incub-test/staff")
    assert page.status_code == 200
    assert "Sam Staff" in page.text and "1er janvier 2020" in page.text and "Mettre fin" in page.text
    response = client.post("/incubators/incub-test/staff/add", data={
        "email": "  Lea.Lead@Example.gouv.fr ", "name": "Léa Lead", "starts_on": "2026-11-27"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/incubators/incub-test/staff")
    person = db.session.scalar(sa.select(Person).where(Person.email == "lea.lead@example.gouv.fr"))
    assert person.name == "Léa Lead"
    [staff] = person.incubator_roles
    assert staff.incubator_id == "incub-test" and staff.starts_on == TODAY and staff.ends_on is None
    [message] = sent
    assert message.to == "lea.lead@example.gouv.fr" and "Incubateur des essais" in message.subject
    assert re.search(r"/users/login/[\w-]+", message.body) and "créer des startups" in message.body
    page = client.get("/incubators/incub-test/staff")
    assert "Léa Lead" in page.text and "27 novembre 2026" in page.text
    assert "fait partie de l&#39;équipe de l&#39;incubateur" in page.text or "fait partie de l'équipe" in page.text
    [event] = events_of("incubator_staff.created")
    assert event.object_type == "incubator_staff" and event.object_id == str(staff.id)
    assert event.actor_id == world["admin"].id and event.startup_id is None
    assert event.after == {"person_id": person.id, "incubator_id": "incub-test", "starts_on": "2026-11-27",
                           "ends_on": None, "new_person": True}


def test_the_email_leaves_only_once_the_change_is_committed(world, sent):
    team.add_incubator_staff(world["other_incubator"], email="nina@example.gouv.fr", name="Nina Neuve",
                             starts_on=TODAY, actor=world["admin"], now=clock.now())
    assert sent == []
    db.session.commit()
    [message] = sent
    assert message.to == "nina@example.gouv.fr" and "Autre incubateur" in message.body


def test_an_existing_person_is_found_by_email_whatever_the_case(client, world, sent):
    login(client, world["admin"])
    response = client.post("/incubators/incub-autre/staff/add", data={
        "email": "CAMILLE@Example.GOUV.fr", "name": "", "starts_on": "2026-11-01"})
    assert response.status_code == 303
    assert [s.incubator_id for s in world["coach"].incubator_roles] == ["incub-autre"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
        Person.email == "camille@example.gouv.fr")) == 1
    [message] = sent
    assert message.to == "camille@example.gouv.fr"
    [event] = events_of("incubator_staff.created")
    assert event.after["new_person"] is False


def test_the_new_staff_member_creates_startups_in_that_incubator_and_no_other(client, world, sent):
    login(client, world["admin"])
    client.post("/incubators/incub-autre/staff/add", data={
        "email": "oscar@example.gouv.fr", "starts_on": "2026-11-01"})
    outsider = world["outsider"]
    assert can("startup.create", world["other_incubator"], person=outsider)
    assert not can("startup.create", world["incubator"], person=outsider)
    login(client, outsider)
    page = client.get("/startups/new")
    assert page.status_code == 200 and "Autre incubateur" in page.text and "Incubateur des essais" not in page.text
    response = client.post("/startups/new", data=new_startup("Chez Oscar", "incub-autre"))
    assert response.status_code == 303
    assert db.session.get(Startup, "chez-oscar").incubator_id == "incub-autre"
    refused = client.post("/startups/new", data=new_startup("Ailleurs encore", "incub-test"))
    assert refused.status_code == 422
    assert db.session.get(Startup, "ailleurs-encore") is None


def test_ending_staff_removes_their_rights_from_the_next_day(client, world, clock_on):
    staff = world["staff"].incubator_roles[0]
    login(client, world["admin"])
    page = client.get("/incubators/incub-test/staff")
    state = re.search(rf'/staff/{staff.id}/end".*?name="state" type="hidden" value="([^"]*)"', page.text,
                      re.S).group(1)
    too_early = client.post(f"/incubators/incub-test/staff/{staff.id}/end", data={"ends_on": "2019-12-31",
                                                                                   "state": state})
    assert too_early.status_code == 422 and "ne peut pas finir avant" in too_early.text
    assert db.session.get(IncubatorStaff, staff.id).ends_on is None
    response = client.post(f"/incubators/incub-test/staff/{staff.id}/end", data={"ends_on": "2026-11-27",
                                                                                  "state": state})
    assert response.status_code == 303
    staff = db.session.get(IncubatorStaff, staff.id)
    assert staff.ends_on == TODAY
    stale = client.post(f"/incubators/incub-test/staff/{staff.id}/end", data={"ends_on": "2026-11-26",
                                                                               "state": state})
    assert stale.status_code == 409  # the form was loaded before the first end: nothing overwritten
    assert db.session.get(IncubatorStaff, staff.id).ends_on == TODAY

    person, incubator, startup = world["staff"], world["incubator"], world["startup"]
    assert can("startup.create", incubator, person=person, on=TODAY)
    assert can("startup.edit", startup, person=person, on=TODAY)
    assert not can("startup.create", incubator, person=person, on=TOMORROW)
    assert not can("startup.edit", startup, person=person, on=TOMORROW)
    login(client, person)
    assert client.get("/startups/lieu-dit/edit").status_code == 200
    clock_on(TOMORROW)
    login(client, person)  # a day later the session of yesterday has expired
    assert client.get("/startups/lieu-dit/edit").status_code == 403
    assert client.get("/startups/new").status_code == 403

    page = client.get("/incubators/incub-test/staff")
    assert page.status_code == 403
    login(client, world["admin"])
    page = client.get("/incubators/incub-test/staff")
    past = page.text.split("Anciens et futurs membres", 1)[1]
    assert "Sam Staff" in past and "27 novembre 2026" in past
    [event] = events_of("incubator_staff.ended")
    assert event.object_type == "incubator_staff" and event.startup_id is None
    assert event.actor_id == world["admin"].id
    assert event.before == {"ends_on": None} and event.after["ends_on"] == "2026-11-27"


def test_end_staff_refuses_a_date_before_the_start_and_a_stale_state(world):
    staff = world["staff"].incubator_roles[0]
    with pytest.raises(services.StartupError, match="a commencé le 1er janvier 2020"):
        team.end_incubator_staff(staff, ends_on=d("2019-06-01"), actor=None)
    with pytest.raises(services.Conflict):
        team.end_incubator_staff(staff, ends_on=TODAY, actor=None, expected="pas-le-bon-etat")
    team.end_incubator_staff(staff, ends_on=TODAY, actor=None)
    with pytest.raises(services.StartupError, match="déjà pris fin"):
        team.end_incubator_staff(staff, ends_on=TOMORROW, actor=None)


@pytest.mark.parametrize("role", ["staff", "coach", "intrapreneur", "sponsor", "member", "outsider"])
def test_only_admins_manage_the_staff(client, world, sent, role):
    staff = world["staff"].incubator_roles[0]
    login(client, world[role])
    assert client.get("/incubators/incub-test/staff").status_code == 403
    assert client.post("/incubators/incub-test/staff/add", data={
        "email": "x@example.gouv.fr", "name": "X", "starts_on": "2026-11-27"}).status_code == 403
    assert client.post(f"/incubators/incub-test/staff/{staff.id}/end",
                       data={"ends_on": "2026-11-27"}).status_code == 403
    assert len(staff_rows()) == 1 and db.session.get(IncubatorStaff, staff.id).ends_on is None
    assert sent == []
    assert "Équipe de l&#39;incubateur" not in client.get("/incubators/incub-test").text


def test_admins_find_the_staff_page_from_the_incubator_pages(client, world):
    login(client, world["admin"])
    for page in ("/incubators/incub-test", "/incubators/manage"):
        assert "/incubators/incub-test/staff" in client.get(page).text


def test_bad_input_gives_422_with_a_french_message_and_writes_nothing(client, world, sent):
    login(client, world["admin"])
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    bad = client.post("/incubators/incub-test/staff/add", data={
        "email": "pas-une-adresse", "name": "Quelqu'un", "starts_on": "2026-11-27"})
    assert bad.status_code == 422 and "n&#39;est pas valide" in bad.text
    no_name = client.post("/incubators/incub-test/staff/add", data={
        "email": "inconnu@example.gouv.fr", "name": "", "starts_on": "2026-11-27"})
    assert no_name.status_code == 422 and "indiquez son nom" in no_name.text
    no_date = client.post("/incubators/incub-test/staff/add", data={
        "email": "inconnu@example.gouv.fr", "name": "Inconnu", "starts_on": "hier"})
    assert no_date.status_code == 422
    twice = client.post("/incubators/incub-test/staff/add", data={
        "email": "SAM@example.gouv.fr", "starts_on": "2026-11-27"})
    assert twice.status_code == 422 and "fait déjà partie de l&#39;équipe" in twice.text
    missing = client.post("/incubators/incub-test/staff/999999/end", data={"ends_on": "2026-11-27"})
    assert missing.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == before
    assert len(staff_rows()) == 1
    assert sent == [] and db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "incubator_staff")) == 0


def test_a_former_staff_member_can_come_back_after_their_end(world, sent):
    staff = world["staff"].incubator_roles[0]
    team.end_incubator_staff(staff, ends_on=d("2026-06-30"), actor=None)
    with pytest.raises(services.StartupError, match="fait déjà partie"):
        team.add_incubator_staff(world["incubator"], email="sam@example.gouv.fr", name=None, starts_on=d("2026-06-01"),
                                 actor=None, now=clock.now())
    again = team.add_incubator_staff(world["incubator"], email="sam@example.gouv.fr", name=None,
                                     starts_on=d("2026-09-01"), actor=None, now=clock.now())
    assert again.person is world["staff"] and len(staff_rows()) == 2
    assert can("startup.create", world["incubator"], person=world["staff"], on=TODAY)
    assert not can("startup.create", world["incubator"], person=world["staff"], on=d("2026-08-01"))
