import datetime as dt
import re

import icalendar

from committees import services
from committees.models import ParticipantRole
from core.db import db
from tests.committees.lifecycle import NOW, UTC, cast, paris, plan
from tests.factories import login


def feed(client, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


def test_the_person_feed_keeps_the_uid_and_raises_the_sequence_until_the_cancellation(client):
    c = cast(name="Lieu")
    committee = plan(c, "2026-12-15")
    token = services.calendar_token(c.intrapreneur)
    db.session.commit()
    url = f"/committees/ical/person/{token}.ics"

    first = only_event(feed(client, url))
    assert str(first["UID"]) == committee.ical_uid
    assert first.decoded("DTSTART") == dt.datetime(2026, 12, 15, 13, 0, tzinfo=UTC)
    assert first.decoded("DTEND") == dt.datetime(2026, 12, 15, 13, 50, tzinfo=UTC)
    assert str(first["ORGANIZER"]) == f"mailto:{c.representative.email}"  # the chair
    attendees = {str(a): a.params["ROLE"] for a in first["ATTENDEE"]}
    assert attendees[f"mailto:{c.intrapreneur.email}"] == "REQ-PARTICIPANT"
    assert attendees[f"mailto:{c.representative.email}"] == "CHAIR"
    assert attendees[f"mailto:{c.coach.email}"] == "REQ-PARTICIPANT"
    assert str(first["URL"]).endswith(f"/committees/{committee.id}")
    assert str(first["STATUS"]) == "CONFIRMED"

    services.reschedule(committee, kind=committee.kind, scheduled_at=paris("2026-12-17", 9, 30), place="Salle B",
                        video_link=None, chair=c.coach, actor=c.coach, now=NOW)
    db.session.commit()
    moved = only_event(feed(client, url))
    assert str(moved["UID"]) == committee.ical_uid
    assert moved["SEQUENCE"] > first["SEQUENCE"]
    assert moved.decoded("DTSTART") == dt.datetime(2026, 12, 17, 8, 30, tzinfo=UTC)

    services.cancel(committee, reason="Sponsor indisponible", actor=c.coach, now=NOW)
    db.session.commit()
    cancelled = only_event(feed(client, url))
    assert str(cancelled["UID"]) == committee.ical_uid
    assert cancelled["SEQUENCE"] > moved["SEQUENCE"]
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_a_person_feed_lists_only_their_committees_and_an_unknown_token_is_404(client):
    c = cast()
    plan(c, "2026-12-15")
    other = plan(cast(name="Autre"), "2026-12-16")
    services.add_participant(other, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    token = services.calendar_token(c.sponsor)
    manager_token = services.calendar_token(c.manager)
    db.session.commit()
    assert len(feed(client, f"/committees/ical/person/{token}.ics").walk("VEVENT")) == 1
    assert [str(e["UID"]) for e in feed(client, f"/committees/ical/person/{manager_token}.ics").walk("VEVENT")] == [other.ical_uid]
    assert client.get("/committees/ical/person/pas-un-jeton.ics").status_code == 404


def test_the_incubator_feed_is_for_its_staff_only(client):
    c = cast()
    plan(c, "2026-12-15")
    staff_token = services.calendar_token(c.head)
    outsider_token = services.calendar_token(c.outsider)
    db.session.commit()
    url = f"/committees/ical/incubator/{c.startup.incubator_id}.ics"
    assert client.get(url).status_code == 404  # no session, no token: a calendar app without access
    assert client.get(f"{url}?jeton={outsider_token}").status_code == 404
    assert len(feed(client, f"{url}?jeton={staff_token}").walk("VEVENT")) == 1
    login(client, c.head)
    assert len(feed(client, url).walk("VEVENT")) == 1


def test_the_feed_url_is_shown_once_after_it_is_issued_and_renewing_it_revokes_the_old_one(client):
    c = cast()
    plan(c, "2026-12-15")
    db.session.commit()
    login(client, c.sponsor)
    assert "Obtenir mon adresse d&#39;agenda" in client.get("/committees/").get_data(as_text=True)

    client.post("/committees/calendar-token")
    page = client.get("/committees/").get_data(as_text=True)
    [url] = re.findall(r"http://localhost(/committees/ical/person/[^<]+\.ics)", page)
    assert "Copiez-la maintenant" in page
    assert len(feed(client, url).walk("VEVENT")) == 1

    # Jalons keeps only the token's hash: the next visit cannot show the URL again, only renew it.
    page = client.get("/committees/").get_data(as_text=True)
    assert "/committees/ical/person/" not in page and "Renouveler l&#39;adresse" in page

    client.post("/committees/calendar-token")
    [renewed] = re.findall(r"http://localhost(/committees/ical/person/[^<]+\.ics)", client.get("/committees/").get_data(as_text=True))
    assert renewed != url
    assert client.get(url).status_code == 404
    assert len(feed(client, renewed).walk("VEVENT")) == 1
