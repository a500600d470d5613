"""The committee lifecycle: plan, reschedule, cancel, participants, attendance and minutes, held, action
items (the decision, the sponsor's review and the sign-off's consequences: committees/decisions.py).

Every change checks its rule (CommitteeError with a French message), changes the data, writes an audit
event and flushes; the caller commits. Functions that edit a committee take the `expected_version` the
form was loaded with: a stale one is refused (CommitteeConflict) and nothing is overwritten. Changes to a
committee's participants, decision or action items touch the committee row too, so its version guards
the whole committee.
"""

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from audit.models import Visibility
from audit.services import changes, record, snapshot
from committees.models import (
    PARIS,
    ActionItem,
    Attendance,
    OPEN_STATUSES,
    CalendarToken,
    Committee,
    CommitteeConflict,
    CommitteeError,
    CommitteeKind,
    CommitteeStatus,
    Participant,
    ParticipantRole,
    datetime_fr,
)
from core import clock
from core.bounds import COMMITTEE_DATE
from core.text import control_character
from core.db import db
from core.formats import date_fr
from startups.models import Startup
from users.models import IncubatorStaff, Membership, Person, StartupRole
from users.services import hash_token

__all__ = ["CommitteeConflict", "CommitteeError"]

# Each mandatory presence (the programme's rule): one of the roles, with the label the committee page shows.
MANDATORY_ROLES: tuple[tuple[frozenset[ParticipantRole], str], ...] = (
    (frozenset({ParticipantRole.INTRAPRENEUR}), "Intrapreneur·e"),
    (frozenset({ParticipantRole.SPONSOR}), "Sponsor (administration partenaire)"),
    (frozenset({ParticipantRole.INCUBATOR_HEAD, ParticipantRole.COACH}), "Responsable d'incubateur ou coach"),
    (frozenset({ParticipantRole.PORTFOLIO_MANAGER}), "Responsable de portefeuille DINUM"),
)
MIN_DURATION, MAX_DURATION = 10, 8 * 60
# The convention (article 2): the committee is chaired by the partner administration's representative (its
# sponsor, or a person invited as its representative) and the DINUM takes part (its portfolio manager).
PARTNER_ROLES = frozenset({ParticipantRole.SPONSOR, ParticipantRole.PARTNER_REPRESENTATIVE})
DINUM_ROLES = frozenset({ParticipantRole.PORTFOLIO_MANAGER})
CONVENTION_REASON_MAX = 2000

COMMITTEE_FIELDS = ("kind", "status", "scheduled_at", "duration_minutes", "place", "video_link", "chair_id",
                    "held_on", "cancelled_reason", "convention_reason", "ical_sequence")
SCHEDULE_FIELDS = ("kind", "scheduled_at", "duration_minutes", "place", "video_link", "chair_id")


# -- helpers ------------------------------------------------------------------------------------------

def paris_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    """A date and time entered in Paris, as the aware UTC datetime that is stored."""
    return dt.datetime.combine(day, time, tzinfo=PARIS).astimezone(dt.timezone.utc)


def check_version(committee: Committee, expected_version: int | None) -> None:
    if expected_version is not None and committee.version != expected_version:
        raise CommitteeConflict()


def flush() -> None:
    """Flush, turning a concurrent update caught by the version column into a CommitteeConflict."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise CommitteeConflict() from error


def guarded(change):
    """Any flush of a change (autoflush included) that finds the row changed by someone else is a conflict."""

    @functools.wraps(change)
    def wrapper(*args, **kwargs):
        try:
            return change(*args, **kwargs)
        except StaleDataError as error:
            raise CommitteeConflict() from error

    return wrapper


def touch(committee: Committee, now: dt.datetime) -> None:
    # Writing the row bumps its version: a change to a participant or the decision locks the committee.
    committee.updated_at = now


def audit(action: str, committee: Committee, actor: Person | None, before=None, after=None, reason=None) -> None:
    record(action, "committee", committee.id, actor=actor, actor_label=None if actor else "Jalons",
           before=before, after=after, startup_id=committee.startup_id, reason=reason)


def clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


MEMBERSHIP_ROLES = {
    StartupRole.INTRAPRENEUR: ParticipantRole.INTRAPRENEUR,
    StartupRole.SPONSOR: ParticipantRole.SPONSOR,
    StartupRole.COACH: ParticipantRole.COACH,
}


def propose_participants(startup: Startup, on: dt.date) -> list[tuple[Person, ParticipantRole]]:
    """The startup's current intrapreneurs, sponsors and coaches, then its incubator's staff (as incubator
    heads: the staff table does not say who heads it). The DINUM portfolio manager is added by hand."""

    def is_current(model):
        return sa.and_(model.starts_on <= on, sa.or_(model.ends_on.is_(None), model.ends_on >= on))

    active = sa.and_(Person.archived_at.is_(None), Person.anonymised_at.is_(None))
    memberships = db.session.execute(
        sa.select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.startup_id == startup.id, Membership.role.in_(list(MEMBERSHIP_ROLES)),
               is_current(Membership), active)
        .order_by(Membership.starts_on, Person.name)
    ).all()
    order = list(MEMBERSHIP_ROLES)
    proposals: dict[int, tuple[Person, ParticipantRole]] = {}
    for person, role in sorted(memberships, key=lambda row: order.index(row[1])):
        proposals.setdefault(person.id, (person, MEMBERSHIP_ROLES[role]))
    if startup.incubator_id:
        staff = db.session.scalars(
            sa.select(Person)
            .join(IncubatorStaff, IncubatorStaff.person_id == Person.id)
            .where(IncubatorStaff.incubator_id == startup.incubator_id, is_current(IncubatorStaff), active)
            .order_by(Person.name)
        ).all()
        for person in staff:
            proposals.setdefault(person.id, (person, ParticipantRole.INCUBATOR_HEAD))
    return list(proposals.values())


def missing_roles(committee: Committee) -> list[str]:
    """The mandatory presences no participant covers (labels). Once attendance is recorded, a participant
    marked absent or excused does not cover their role."""
    present = {p.role for p in committee.participants if p.attendance in (None, Attendance.PRESENT)}
    return [label for roles, label in MANDATORY_ROLES if not roles & present]


def convention_gaps(committee: Committee) -> list[str]:
    """What the convention asks of the committee's composition and this one lacks, in French: the chair is a
    participant on the partner administration's side, and a DINUM participant takes part. Once attendance is
    recorded, a participant marked absent or excused does not count."""
    present = [p for p in committee.participants if p.attendance in (None, Attendance.PRESENT)]
    gaps = []
    if committee.chair_id is None:
        gaps.append("Personne ne préside la séance ; la convention en confie la présidence au représentant "
                    "de l'administration partenaire.")
    elif not any(p.person_id == committee.chair_id and p.role in PARTNER_ROLES for p in present):
        name = committee.chair.name if committee.chair else "La personne qui préside"
        gaps.append(f"{name} préside la séance sans y représenter l'administration partenaire (sponsor ou "
                    "représentant·e de l'administration partenaire parmi les participants présents).")
    if not any(p.role in DINUM_ROLES for p in present):
        gaps.append("La DINUM ne participe pas : aucun·e responsable de portefeuille DINUM parmi les "
                    "participants présents.")
    return gaps


def _state_convention_reason(committee: Committee, reason: str | None) -> None:
    """Holding a committee otherwise than the convention says requires the reason, kept with the minutes
    (and the pack); a reason already given stands until replaced."""
    reason = clean(reason)
    if reason is not None:
        if len(reason) > CONVENTION_REASON_MAX:
            raise CommitteeError(f"Le motif de l'écart à la convention ne doit pas dépasser "
                                 f"{CONVENTION_REASON_MAX} caractères ({len(reason)} saisis).", field="convention_reason")
        if found := control_character(reason, multiline=True):
            raise CommitteeError(f"Le motif de l'écart à la convention contient {found}.", field="convention_reason")
        committee.convention_reason = reason
        return
    gaps = convention_gaps(committee)
    if gaps and committee.convention_reason is None:
        raise CommitteeError("Ce comité ne se tient pas comme le prévoit la convention : " + " ".join(gaps)
                             + " Indiquez le motif de cet écart ; il figurera au compte rendu et au dossier.",
                             field="convention_reason")


def participants_snapshot(committee: Committee) -> list[dict]:
    return [{"person_id": p.person_id, "role": p.role.value,
             "attendance": p.attendance.value if p.attendance else None} for p in committee.participants]


def _editable(committee: Committee) -> None:
    if committee.status in (CommitteeStatus.SIGNED_OFF, CommitteeStatus.CANCELLED):
        raise CommitteeError(f"Ce comité est {committee.status.label.lower()} : il ne peut plus être modifié.")


@guarded
def add_participant(committee: Committee, person: Person, role: ParticipantRole, *, actor: Person | None,
                    now: dt.datetime, expected_version: int | None = None) -> Participant:
    """Invite a person with a role; the calendar invitation is updated (SEQUENCE)."""
    check_version(committee, expected_version)
    _editable(committee)
    if not person.is_active:
        raise CommitteeError(f"Le compte de {person.name} n'est plus actif.")
    if any(p.person_id == person.id for p in committee.participants):
        raise CommitteeError(f"{person.name} participe déjà à ce comité.")
    role = ParticipantRole(role)
    for check in _participant_checks:
        if refusal := check(committee, person, role):
            raise CommitteeError(refusal)
    participant = Participant(person=person, person_id=person.id, role=role)
    committee.participants.append(participant)
    committee.ical_sequence += 1
    touch(committee, now)
    flush()
    # The person by id only (the pages show their current name): the log then names nobody once anonymised.
    audit("committee.participant_added", committee, actor, after={"person_id": person.id, "role": participant.role})
    return participant


@guarded
def remove_participant(committee: Committee, participant: Participant, *, actor: Person | None,
                       now: dt.datetime, expected_version: int | None = None) -> None:
    check_version(committee, expected_version)
    _editable(committee)
    if participant.committee_id != committee.id:
        raise CommitteeError("Cette personne ne participe pas à ce comité.")
    before = {"person_id": participant.person_id, "role": participant.role}
    committee.participants.remove(participant)
    committee.ical_sequence += 1
    touch(committee, now)
    flush()
    audit("committee.participant_removed", committee, actor, before=before)


# -- planning -----------------------------------------------------------------------------------------

def _check_schedule(scheduled_at: dt.datetime, duration_minutes: int, place: str | None, video_link: str | None,
                    now: dt.datetime) -> None:
    if scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must be timezone-aware")
    if scheduled_at <= now:
        raise CommitteeError("La date du comité doit être dans le futur.")
    COMMITTEE_DATE.check(clock.day_of(scheduled_at), "Date", clock.day_of(now), CommitteeError)
    if not (MIN_DURATION <= duration_minutes <= MAX_DURATION):
        raise CommitteeError(f"La durée doit être comprise entre {MIN_DURATION} et {MAX_DURATION} minutes.")
    if not place and not video_link:
        raise CommitteeError("Indiquez un lieu ou un lien de visioconférence.")
    for label, text in (("Le lieu", place), ("Le lien de visioconférence", video_link)):
        if found := control_character(text):
            raise CommitteeError(f"{label} doit tenir sur une ligne, sans {found}.")


def _carry_open_items(startup_id: str, into: Committee) -> list[ActionItem]:
    """Open action items of the startup's earlier committees not yet on an open committee's agenda."""
    open_agenda = sa.select(Committee.id).where(
        Committee.startup_id == startup_id, Committee.status.in_(list(OPEN_STATUSES)), Committee.id != into.id
    )
    items = db.session.scalars(
        sa.select(ActionItem)
        .join(Committee, ActionItem.committee_id == Committee.id)
        .where(Committee.startup_id == startup_id, ActionItem.done_at.is_(None), ActionItem.committee_id != into.id,
               sa.or_(ActionItem.carried_into_id.is_(None), ActionItem.carried_into_id.not_in(open_agenda)))
        .where(Committee.status == CommitteeStatus.SIGNED_OFF)
    ).all()
    for item in items:
        item.carried_into = into
    return list(items)


def plan_committee(startup: Startup, *, kind: CommitteeKind, scheduled_at: dt.datetime, place: str | None,
                   video_link: str | None, chair: Person | None, actor: Person | None, now: dt.datetime,
                   duration_minutes: int = 50,
                   participants: Sequence[tuple[Person, ParticipantRole]] | None = None) -> Committee:
    """Plan a committee; without explicit participants, the startup's team, sponsor, coach and incubator
    staff are invited (propose_participants). Open action items of earlier committees join its agenda."""
    place, video_link = clean(place), clean(video_link)
    _check_schedule(scheduled_at, duration_minutes, place, video_link, now)
    phase = startup.current_phase(clock.day_of(now))
    if startup.archived_at is not None or (phase is not None and not phase.active):
        raise CommitteeError("Cette startup a quitté le programme : elle ne passe plus de comité.")
    # The same committee planned twice (a form sent twice): refused, under the startup's row lock on
    # PostgreSQL so that two sends at once do not both pass.
    db.session.execute(sa.select(Startup.id).where(Startup.id == startup.id).with_for_update())
    twin = db.session.scalar(sa.select(Committee.id).where(
        Committee.startup_id == startup.id, Committee.scheduled_at == scheduled_at, Committee.archived_at.is_(None),
        Committee.status.in_([CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED])).limit(1))
    if twin is not None:
        raise CommitteeError(f"Un comité de cette startup est déjà planifié le {datetime_fr(scheduled_at)} "
                             f"(comité n° {twin}) : il n'est pas planifié une seconde fois.")
    committee = Committee(startup=startup, startup_id=startup.id, kind=CommitteeKind(kind),
                          status=CommitteeStatus.PLANNED, scheduled_at=scheduled_at, duration_minutes=duration_minutes,
                          place=place, video_link=video_link, chair=chair, created_at=now, updated_at=now)
    if participants is None:
        participants = propose_participants(startup, clock.day_of(scheduled_at))
    for person, role in participants:
        committee.participants.append(Participant(person=person, role=ParticipantRole(role)))
    db.session.add(committee)
    flush()
    carried = _carry_open_items(startup.id, committee)
    flush()
    after = snapshot(committee, COMMITTEE_FIELDS) | {"participants": participants_snapshot(committee)}
    if carried:
        after["carried_action_items"] = [item.id for item in carried]
    audit("committee.planned", committee, actor, after=after)
    return committee


@guarded
def reschedule(committee: Committee, *, kind: CommitteeKind, scheduled_at: dt.datetime, place: str | None,
               video_link: str | None, chair: Person | None, actor: Person | None, now: dt.datetime,
               duration_minutes: int = 50, expected_version: int | None = None) -> bool:
    """Change the date, place, chair or kind of a committee not yet held. Attendees' calendars get the
    update under the same UID with a higher SEQUENCE. Returns whether anything changed."""
    check_version(committee, expected_version)
    if committee.status not in (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED):
        raise CommitteeError("Seul un comité à venir peut être replanifié.")
    place, video_link = clean(place), clean(video_link)
    if scheduled_at != committee.scheduled_at:
        _check_schedule(scheduled_at, duration_minutes, place, video_link, now)
    elif not place and not video_link:
        raise CommitteeError("Indiquez un lieu ou un lien de visioconférence.")
    kind = CommitteeKind(kind)
    if kind != committee.kind:
        # What upper areas hold of the committee by its kind (the grids filled with the kind's template):
        # a change that would leave it out of the committee's pages is refused.
        previous = committee.kind
        with db.session.no_autoflush:
            committee.kind = kind
            refusals = notices("kind_change", committee)
            committee.kind = previous
        if refusals:
            raise CommitteeError(" ".join(refusals), field="kind")
    before = snapshot(committee, SCHEDULE_FIELDS)
    committee.kind = kind
    committee.scheduled_at = scheduled_at
    committee.duration_minutes = duration_minutes
    committee.place, committee.video_link = place, video_link
    committee.chair = chair
    committee.chair_id = chair.id if chair else None
    old, new = changes(before, snapshot(committee, SCHEDULE_FIELDS))
    if not new:
        return False
    committee.status = CommitteeStatus.PLANNED
    committee.ical_sequence += 1
    touch(committee, now)
    flush()
    audit("committee.rescheduled", committee, actor, before=old, after=new)
    return True


@guarded
def cancel(committee: Committee, *, reason: str | None, actor: Person | None, now: dt.datetime,
           expected_version: int | None = None) -> None:
    """Cancel a committee not yet held; the calendars show it cancelled (same UID, higher SEQUENCE)."""
    check_version(committee, expected_version)
    if committee.status not in (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED):
        raise CommitteeError("Seul un comité à venir peut être annulé.")
    reason = clean(reason)
    if not reason:
        raise CommitteeError("Indiquez la raison de l'annulation.")
    before = snapshot(committee, ("status",))
    committee.status = CommitteeStatus.CANCELLED
    committee.cancelled_reason = reason
    committee.ical_sequence += 1
    # Its carried action items wait for the next committee planned.
    for item in db.session.scalars(sa.select(ActionItem).where(ActionItem.carried_into_id == committee.id)):
        item.carried_into = None
    touch(committee, now)
    flush()
    audit("committee.cancelled", committee, actor, before=before, after={"status": committee.status}, reason=reason)


# -- holding the committee ----------------------------------------------------------------------------

# Filled at import time by upper areas (committees must not import them): called in mark_held's
# transaction once the committee is held, e.g. presentations.services.freeze_held (the presentation is
# frozen and its new objectives recorded on the indicators).
_held_hooks: list[Callable[..., None]] = []


def register_held_hook(hook: Callable[..., None]) -> None:
    if hook not in _held_hooks:
        _held_hooks.append(hook)


# Filled at import time by upper areas, like _held_hooks: why a person may not be invited now with a role, in
# French, or None; asked before the participant exists (grids.services.late_evaluator_refusal).
_participant_checks: list[Callable[[Committee, Person, ParticipantRole], str | None]] = []


def register_participant_check(check: Callable[[Committee, Person, ParticipantRole], str | None]) -> None:
    if check not in _participant_checks:
        _participant_checks.append(check)


# Filled at import time by upper areas, like _held_hooks: what they have to say, in French, at a moment of
# the committee's journey ("held": once marked held; "sign_off": on the sign-off page; "sign_off_required"
# and "kind_change": what refuses the sign-off, or a change of the committee's kind, read with the new
# kind), e.g. the grids still not started (grids.services.notices).
_notices: dict[str, list[Callable[[Committee], list[str]]]] = {}


def register_notice(moment: str, provider: Callable[[Committee], list[str]]) -> None:
    providers = _notices.setdefault(moment, [])
    if provider not in providers:
        providers.append(provider)


def notices(moment: str, committee: Committee) -> list[str]:
    return [message for provider in _notices.get(moment, ()) for message in provider(committee)]


@guarded
def mark_held(committee: Committee, *, actor: Person | None, today: dt.date, convention_reason: str | None = None,
              expected_version: int | None = None) -> None:
    """The committee took place: on or after its date only. Its decision is then expected. Held otherwise
    than the convention says (convention_gaps), it requires the reason."""
    check_version(committee, expected_version)
    if committee.status != CommitteeStatus.PLANNED or committee.scheduled_at is None:
        raise CommitteeError("Seul un comité planifié peut être marqué comme tenu.")
    if committee.local_date > today:
        raise CommitteeError(
            f"Ce comité est prévu le {date_fr(committee.local_date)} : il ne peut être marqué comme tenu "
            "qu'à partir de cette date."
        )
    before_reason = committee.convention_reason
    _state_convention_reason(committee, convention_reason)
    committee.status = CommitteeStatus.HELD
    committee.held_on = committee.local_date
    flush()
    after = {"status": committee.status, "held_on": committee.held_on}
    if committee.convention_reason != before_reason:
        after["convention_reason"] = committee.convention_reason
    audit("committee.held", committee, actor, before={"status": CommitteeStatus.PLANNED}, after=after)
    for hook in _held_hooks:
        hook(committee, actor=actor)


@guarded
def record_attendance(committee: Committee, attendance: Mapping[int, Attendance | None], minutes: str | None, *,
                      actor: Person | None, now: dt.datetime, convention_reason: str | None = None,
                      expected_version: int | None = None) -> None:
    """Attendance (participant id → present, excused, absent) and the minutes, once the committee is held. An
    attendance that leaves the committee short of what the convention says requires the reason."""
    check_version(committee, expected_version)
    if committee.status not in (CommitteeStatus.HELD, CommitteeStatus.DECIDED):
        raise CommitteeError("La présence et le compte rendu se saisissent une fois le comité tenu, avant la validation.")
    by_id = {p.id: p for p in committee.participants}
    unknown = set(attendance) - set(by_id)
    if unknown:
        raise CommitteeError("Une des personnes indiquées ne participe pas à ce comité.")
    before = {"participants": participants_snapshot(committee), "minutes": committee.minutes,
              "convention_reason": committee.convention_reason}
    for participant_id, value in attendance.items():
        by_id[participant_id].attendance = Attendance(value) if value else None
    committee.minutes = clean(minutes)
    _state_convention_reason(committee, convention_reason)
    after = {"participants": participants_snapshot(committee), "minutes": committee.minutes,
             "convention_reason": committee.convention_reason}
    old, new = changes(before, after)
    if not new:
        return
    touch(committee, now)
    flush()
    audit("committee.minutes_recorded", committee, actor, before=old, after=new)


# -- decision -----------------------------------------------------------------------------------------

ACTION_ITEM_FIELDS = ("title", "owner_id", "due_on")


def _check_action_item(title: str | None, due_on: dt.date | None, now: dt.datetime) -> str:
    title = clean(title)
    if not title:
        raise CommitteeError("Indiquez l'intitulé de l'action.")
    if len(title) > 500:
        raise CommitteeError("L'intitulé de l'action ne doit pas dépasser 500 caractères.")
    if found := control_character(title):
        raise CommitteeError(f"L'intitulé de l'action doit tenir sur une ligne, sans {found}.")
    COMMITTEE_DATE.check(due_on, "Échéance", clock.day_of(now), CommitteeError)
    return title


@guarded
def add_action_item(committee: Committee, *, title: str, owner: Person | None, due_on: dt.date | None,
                    actor: Person | None, now: dt.datetime, expected_version: int | None = None) -> ActionItem:
    check_version(committee, expected_version)
    if committee.status not in (CommitteeStatus.HELD, CommitteeStatus.DECIDED):
        raise CommitteeError("Les actions se décident lors d'un comité tenu, avant la validation de sa décision.")
    title = _check_action_item(title, due_on, now)
    item = ActionItem(title=title, owner=owner, due_on=due_on, created_at=now)
    committee.action_items.append(item)
    touch(committee, now)
    flush()
    audit("committee.action_added", committee, actor,
           after={"action_item_id": item.id, "title": title, "owner_id": owner.id if owner else None, "due_on": due_on})
    return item


@guarded
def edit_action_item(item: ActionItem, *, title: str, owner: Person | None, due_on: dt.date | None,
                     actor: Person | None, now: dt.datetime) -> bool:
    """Correct an action item's title, owner or due date, whatever the step of its committee: a wrong
    item would otherwise stay on every later agenda. Returns whether anything changed."""
    title = _check_action_item(title, due_on, now)
    before = snapshot(item, ACTION_ITEM_FIELDS)
    item.title, item.owner, item.owner_id, item.due_on = title, owner, owner.id if owner else None, due_on
    old, new = changes(before, snapshot(item, ACTION_ITEM_FIELDS))
    if not new:
        return False
    flush()
    audit("committee.action_edited", item.committee, actor,
          before={"action_item_id": item.id, **old}, after={"action_item_id": item.id, **new})
    return True


@guarded
def delete_action_item(item: ActionItem, *, actor: Person | None, now: dt.datetime) -> None:
    """Delete an action item entered by mistake, from its committee and from the agenda it was carried
    into. Nothing else points to an action item: the audit event keeps what it said."""
    committee = item.committee
    before = {"action_item_id": item.id, **snapshot(item, ACTION_ITEM_FIELDS), "done_at": item.done_at}
    committee.action_items.remove(item)
    db.session.delete(item)
    flush()
    audit("committee.action_deleted", committee, actor, before=before)


@guarded
def set_action_done(item: ActionItem, done: bool, *, actor: Person | None, now: dt.datetime) -> None:
    """Mark an action done (or reopen it); it may be on a later committee's agenda."""
    if item.is_done == done:
        return
    item.done_at = now if done else None
    flush()
    audit("committee.action_done" if done else "committee.action_reopened", item.committee, actor,
           after={"action_item_id": item.id, "done_at": item.done_at})


# -- the sponsor's review -----------------------------------------------------------------------------

# -- calendar tokens ----------------------------------------------------------------------------------

def calendar_token(person: Person) -> str:
    """A fresh secret for the person's iCalendar feed URLs, returned once: only its hash is stored. A person
    has one token; issuing another revokes the previous URLs (they then answer 404)."""
    token = secrets.token_urlsafe(32)
    row = db.session.get(CalendarToken, person.id)
    regenerated = row is not None
    if row is None:
        row = CalendarToken(person_id=person.id, token_hash=hash_token(token))
        db.session.add(row)
    else:
        row.token_hash = hash_token(token)
    db.session.flush()
    record("calendar_token.regenerated" if regenerated else "calendar_token.created", "person", person.id,
           actor=person, visibility=Visibility.PERSONAL, visibility_ref=person.id)
    return token


def has_calendar_token(person: Person) -> bool:
    return db.session.get(CalendarToken, person.id) is not None


def person_for_token(token: str) -> Person | None:
    if not token or len(token) > 64:
        return None
    person = db.session.scalars(
        sa.select(Person).join(CalendarToken, CalendarToken.person_id == Person.id)
        .where(CalendarToken.token_hash == hash_token(token))
    ).first()
    return person if person is not None and person.is_active else None
