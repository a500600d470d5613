"""iCalendar feeds of committees (RFC 5545): one VEVENT per committee, whose UID never changes; every
update the attendees must see raises its SEQUENCE, and a cancelled committee stays in the feed with
STATUS:CANCELLED so that calendar apps remove it rather than keep a stale invitation."""

import datetime as dt
from collections.abc import Callable, Iterable

import icalendar

from committees.models import Committee, CommitteeStatus
from committees.services import DINUM_ROLES, MANDATORY_ROLES, PARTNER_ROLES

PRODID = "-//beta.gouv.fr//Jalons//FR"
MANDATORY = frozenset().union(*(roles for roles, _ in MANDATORY_ROLES)) | PARTNER_ROLES | DINUM_ROLES
STATUS = {
    CommitteeStatus.CANCELLED: "CANCELLED",
    CommitteeStatus.TO_PLAN: "TENTATIVE",
}


def _address(person) -> str | None:
    return f"mailto:{person.email}" if person is not None and person.email else None


def event(committee: Committee, url: str) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", committee.ical_uid)
    vevent.add("sequence", committee.ical_sequence)
    vevent.add("dtstamp", committee.updated_at.astimezone(dt.timezone.utc))
    vevent.add("last-modified", committee.updated_at.astimezone(dt.timezone.utc))
    vevent.add("dtstart", committee.scheduled_at.astimezone(dt.timezone.utc))
    vevent.add("dtend", committee.ends_at.astimezone(dt.timezone.utc))
    vevent.add("summary", f"Comité d'investissement — {committee.startup.name} ({committee.kind.label})")
    location = committee.place or committee.video_link
    if location:
        vevent.add("location", location)
    description = [f"{committee.kind.label} de {committee.startup.name}.", f"Page du comité : {url}"]
    if committee.video_link:
        description.append(f"Visioconférence : {committee.video_link}")
    if committee.status == CommitteeStatus.CANCELLED and committee.cancelled_reason:
        description.append(f"Annulé : {committee.cancelled_reason}")
    vevent.add("description", "\n".join(description))
    vevent.add("url", url)
    vevent.add("status", STATUS.get(committee.status, "CONFIRMED"))
    organizer = _address(committee.chair)
    if organizer:
        vevent.add("organizer", organizer, parameters={"CN": committee.chair.name})
    for participant in committee.participants:
        address = _address(participant.person)
        if not address:
            continue
        if committee.chair_id == participant.person_id:
            role = "CHAIR"
        elif participant.role in MANDATORY:
            role = "REQ-PARTICIPANT"
        else:
            role = "OPT-PARTICIPANT"
        vevent.add("attendee", address, parameters={"CN": participant.person.name, "ROLE": role,
                                                    "CUTYPE": "INDIVIDUAL"})
    return vevent


def calendar(name: str, committees: Iterable[Committee], url_for_committee: Callable[[Committee], str]) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    for committee in committees:
        if committee.scheduled_at is not None:
            cal.add_component(event(committee, url_for_committee(committee)))
    return cal.to_ical()

