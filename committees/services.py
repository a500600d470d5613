"""The committee lifecycle: plan, reschedule, cancel, participants, attendance and minutes, held, decision,
action items, the sponsor's review, and the consequences of the sign-off.

Every change checks its rule (CommitteeError with a French message), changes the data, writes an audit
event and flushes; the caller commits. Functions that edit a committee take the `expected_version` the
form was loaded with: a stale one is refused (CommitteeConflict) and nothing is overwritten. Changes to a
committee's participants, decision or action items touch the committee row too, so its version guards
the whole committee.

Decisions taken here (issue 4 leaves them open):
- REDIRECT (« réorientation hors du programme ») ends the startup's life in the programme like a stop:
  `abandon`, or `abandon-investigation` when it was still in investigation. The timeline event says
  « Réorientation hors du programme », which keeps it distinguishable from a stop.
- STOP, REDIRECT and NEXT_PHASE to `transfere` end the startup: no next committee, no envelope needed.
  Every other decision requires the envelope and the next committee's date.
- The next committee created on sign-off is planned at 10 h 00 (Paris) on the decided date, at the same
  place, with the same chair and participants; the coach adjusts it. When a later committee is already
  planned, it is kept rather than duplicated.
"""

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from audit.services import changes, record, snapshot
from committees.due import MONTHS_BETWEEN_COMMITTEES, add_months
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
    Decision,
    DecisionKind,
    Participant,
    ParticipantRole,
    SignOff,
)
from core.db import db
from core.formats import date_fr
from startups.models import Event, EventKind, Startup
from startups.phases import Phase
from startups.services import StartupError, change_phase
from users.models import IncubatorStaff, Membership, Person, StartupRole

__all__ = ["CommitteeConflict", "CommitteeError"]

# Each mandatory presence (DESIGN.md): one of the roles, with the label the committee page shows.
MANDATORY_ROLES: tuple[tuple[frozenset[ParticipantRole], str], ...] = (
    (frozenset({ParticipantRole.INTRAPRENEUR}), "Intrapreneur·e"),
    (frozenset({ParticipantRole.SPONSOR}), "Sponsor (administration partenaire)"),
    (frozenset({ParticipantRole.INCUBATOR_HEAD, ParticipantRole.COACH}), "Responsable d'incubateur ou coach"),
    (frozenset({ParticipantRole.PORTFOLIO_MANAGER}), "Responsable de portefeuille DINUM"),
)
# The phases a "next phase" decision may lead to (stops have their own decision).
NEXT_PHASES = (Phase.CONSTRUCTION, Phase.ACCELERATION, Phase.CONSOLIDATION, Phase.OPERE, Phase.TRANSFERE)
# The committee that closes the phase a startup enters.
KIND_CLOSING_PHASE = {
    Phase.INVESTIGATION: CommitteeKind.END_OF_INVESTIGATION,
    Phase.CONSTRUCTION: CommitteeKind.END_OF_CONSTRUCTION,
    Phase.ACCELERATION: CommitteeKind.END_OF_ACCELERATION,
}
NEXT_COMMITTEE_TIME = dt.time(10, 0)
MIN_DURATION, MAX_DURATION = 10, 8 * 60

COMMITTEE_FIELDS = ("kind", "status", "scheduled_at", "duration_minutes", "place", "video_link", "chair_id",
                    "held_on", "cancelled_reason", "ical_sequence")
SCHEDULE_FIELDS = ("kind", "scheduled_at", "duration_minutes", "place", "video_link", "chair_id")
DECISION_FIELDS = ("kind", "next_phase", "envelope_eur", "team_size", "hypotheses", "success_criteria",
                   "conditions", "next_committee_on", "sign_off")


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


def _touch(committee: Committee, now: dt.datetime) -> None:
    # Writing the row bumps its version: a change to a participant or the decision locks the committee.
    committee.updated_at = now


def _audit(action: str, committee: Committee, actor: Person | None, before=None, after=None, reason=None) -> None:
    record(action, "committee", committee.id, actor=actor, actor_label=None if actor else "Jalons",
           before=before, after=after, startup_id=committee.startup_id, reason=reason)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def ends_startup(kind: DecisionKind, next_phase: Phase | None) -> bool:
    """The decisions after which the startup leaves the programme: no envelope, no next committee."""
    return kind in (DecisionKind.STOP, DecisionKind.REDIRECT) or (
        kind == DecisionKind.NEXT_PHASE and next_phase == Phase.TRANSFERE
    )


def committee_day(committee: Committee) -> dt.date:
    """The day the committee took (or takes) place, in Paris."""
    return committee.held_on or committee.local_date


def phase_then(committee: Committee) -> Phase | None:
    """The startup's phase on the committee's day."""
    return committee.startup.current_phase(committee_day(committee))


def phase_after(decision: Decision, phase_before: Phase | None) -> Phase | None:
    """The phase the decision leads to once signed off, or None when the phase does not change."""
    if phase_before is not None and not phase_before.active:
        return None
    if decision.kind == DecisionKind.NEXT_PHASE:
        return decision.next_phase
    if decision.kind in (DecisionKind.STOP, DecisionKind.REDIRECT):
        if phase_before in (None, Phase.INVESTIGATION):
            return Phase.ABANDON_INVESTIGATION
        return Phase.ABANDON
    return None


def next_committee_kind(phase_before: Phase | None, new_phase: Phase | None) -> CommitteeKind:
    if new_phase is not None:
        return KIND_CLOSING_PHASE.get(new_phase, CommitteeKind.SEMESTRIAL)
    if phase_before == Phase.INVESTIGATION:
        return CommitteeKind.END_OF_INVESTIGATION
    return CommitteeKind.SEMESTRIAL


# -- participants -------------------------------------------------------------------------------------

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


def _participants_snapshot(committee: Committee) -> list[dict]:
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
    participant = Participant(person=person, person_id=person.id, role=ParticipantRole(role))
    committee.participants.append(participant)
    committee.ical_sequence += 1
    _touch(committee, now)
    flush()
    _audit("committee.participant_added", committee, actor,
           after={"person_id": person.id, "name": person.name, "role": participant.role})
    return participant


@guarded
def remove_participant(committee: Committee, participant: Participant, *, actor: Person | None,
                       now: dt.datetime, expected_version: int | None = None) -> None:
    check_version(committee, expected_version)
    _editable(committee)
    if participant.committee_id != committee.id:
        raise CommitteeError("Cette personne ne participe pas à ce comité.")
    before = {"person_id": participant.person_id, "name": participant.person.name, "role": participant.role}
    committee.participants.remove(participant)
    committee.ical_sequence += 1
    _touch(committee, now)
    flush()
    _audit("committee.participant_removed", committee, actor, before=before)


# -- planning -----------------------------------------------------------------------------------------

def _check_schedule(scheduled_at: dt.datetime, duration_minutes: int, place: str | None, video_link: str | None,
                    now: dt.datetime) -> None:
    if scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must be timezone-aware")
    if scheduled_at <= now:
        raise CommitteeError("La date du comité doit être dans le futur.")
    if not (MIN_DURATION <= duration_minutes <= MAX_DURATION):
        raise CommitteeError(f"La durée doit être comprise entre {MIN_DURATION} et {MAX_DURATION} minutes.")
    if not place and not video_link:
        raise CommitteeError("Indiquez un lieu ou un lien de visioconférence.")


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
    place, video_link = _clean(place), _clean(video_link)
    _check_schedule(scheduled_at, duration_minutes, place, video_link, now)
    phase = startup.current_phase(now.astimezone(PARIS).date())
    if startup.archived_at is not None or (phase is not None and not phase.active):
        raise CommitteeError("Cette startup a quitté le programme : elle ne passe plus de comité.")
    committee = Committee(startup=startup, startup_id=startup.id, kind=CommitteeKind(kind),
                          status=CommitteeStatus.PLANNED, scheduled_at=scheduled_at, duration_minutes=duration_minutes,
                          place=place, video_link=video_link, chair=chair, created_at=now, updated_at=now)
    if participants is None:
        participants = propose_participants(startup, scheduled_at.astimezone(PARIS).date())
    for person, role in participants:
        committee.participants.append(Participant(person=person, role=ParticipantRole(role)))
    db.session.add(committee)
    flush()
    carried = _carry_open_items(startup.id, committee)
    flush()
    after = snapshot(committee, COMMITTEE_FIELDS) | {"participants": _participants_snapshot(committee)}
    if carried:
        after["carried_action_items"] = [item.id for item in carried]
    _audit("committee.planned", committee, actor, after=after)
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
    place, video_link = _clean(place), _clean(video_link)
    if scheduled_at != committee.scheduled_at:
        _check_schedule(scheduled_at, duration_minutes, place, video_link, now)
    elif not place and not video_link:
        raise CommitteeError("Indiquez un lieu ou un lien de visioconférence.")
    before = snapshot(committee, SCHEDULE_FIELDS)
    committee.kind = CommitteeKind(kind)
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
    _touch(committee, now)
    flush()
    _audit("committee.rescheduled", committee, actor, before=old, after=new)
    return True


@guarded
def cancel(committee: Committee, *, reason: str | None, actor: Person | None, now: dt.datetime,
           expected_version: int | None = None) -> None:
    """Cancel a committee not yet held; the calendars show it cancelled (same UID, higher SEQUENCE)."""
    check_version(committee, expected_version)
    if committee.status not in (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED):
        raise CommitteeError("Seul un comité à venir peut être annulé.")
    reason = _clean(reason)
    if not reason:
        raise CommitteeError("Indiquez la raison de l'annulation.")
    before = snapshot(committee, ("status",))
    committee.status = CommitteeStatus.CANCELLED
    committee.cancelled_reason = reason
    committee.ical_sequence += 1
    # Its carried action items wait for the next committee planned.
    for item in db.session.scalars(sa.select(ActionItem).where(ActionItem.carried_into_id == committee.id)):
        item.carried_into = None
    _touch(committee, now)
    flush()
    _audit("committee.cancelled", committee, actor, before=before, after={"status": committee.status}, reason=reason)


# -- holding the committee ----------------------------------------------------------------------------

# Filled at import time by upper areas (committees must not import them): called in mark_held's
# transaction once the committee is held, e.g. presentations.services.freeze_held (the presentation is
# frozen and its new objectives recorded on the indicators).
_held_hooks: list[Callable[..., None]] = []


def register_held_hook(hook: Callable[..., None]) -> None:
    if hook not in _held_hooks:
        _held_hooks.append(hook)


@guarded
def mark_held(committee: Committee, *, actor: Person | None, today: dt.date,
              expected_version: int | None = None) -> None:
    """The committee took place: on or after its date only. Its decision is then expected."""
    check_version(committee, expected_version)
    if committee.status != CommitteeStatus.PLANNED or committee.scheduled_at is None:
        raise CommitteeError("Seul un comité planifié peut être marqué comme tenu.")
    if committee.local_date > today:
        raise CommitteeError(
            f"Ce comité est prévu le {date_fr(committee.local_date)} : il ne peut être marqué comme tenu "
            "qu'à partir de cette date."
        )
    committee.status = CommitteeStatus.HELD
    committee.held_on = committee.local_date
    flush()
    _audit("committee.held", committee, actor, before={"status": CommitteeStatus.PLANNED},
           after={"status": committee.status, "held_on": committee.held_on})
    for hook in _held_hooks:
        hook(committee, actor=actor)


@guarded
def record_attendance(committee: Committee, attendance: Mapping[int, Attendance | None], minutes: str | None, *,
                      actor: Person | None, now: dt.datetime, expected_version: int | None = None) -> None:
    """Attendance (participant id → present, excused, absent) and the minutes, once the committee is held."""
    check_version(committee, expected_version)
    if committee.status not in (CommitteeStatus.HELD, CommitteeStatus.DECIDED):
        raise CommitteeError("La présence et le compte rendu se saisissent une fois le comité tenu, avant la validation.")
    by_id = {p.id: p for p in committee.participants}
    unknown = set(attendance) - set(by_id)
    if unknown:
        raise CommitteeError("Une des personnes indiquées ne participe pas à ce comité.")
    before = {"participants": _participants_snapshot(committee), "minutes": committee.minutes}
    for participant_id, value in attendance.items():
        by_id[participant_id].attendance = Attendance(value) if value else None
    committee.minutes = _clean(minutes)
    after = {"participants": _participants_snapshot(committee), "minutes": committee.minutes}
    old, new = changes(before, after)
    if not new:
        return
    _touch(committee, now)
    flush()
    _audit("committee.minutes_recorded", committee, actor, before=old, after=new)


# -- decision -----------------------------------------------------------------------------------------

@guarded
def record_decision(committee: Committee, *, kind: DecisionKind, actor: Person | None, now: dt.datetime,
                    next_phase: Phase | None = None, envelope_eur: int | None = None, team_size: int | None = None,
                    hypotheses: str | None = None, success_criteria: str | None = None,
                    conditions: str | None = None, next_committee_on: dt.date | None = None,
                    expected_version: int | None = None) -> Decision:
    """Record (or, after the sponsor contested it, revise) the decision of a held committee; the sponsor's
    sign-off is then awaited."""
    check_version(committee, expected_version)
    if committee.status != CommitteeStatus.HELD:
        if committee.status in (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED):
            raise CommitteeError("Une décision se saisit une fois le comité tenu : marquez-le d'abord comme tenu.")
        raise CommitteeError("La décision de ce comité ne peut plus être modifiée.")
    kind = DecisionKind(kind)
    next_phase = Phase(next_phase) if next_phase and kind == DecisionKind.NEXT_PHASE else None
    day = committee_day(committee)
    if kind == DecisionKind.NEXT_PHASE:
        if next_phase is None:
            raise CommitteeError("Choisissez la phase dans laquelle la startup passe.")
        if next_phase not in NEXT_PHASES:
            raise CommitteeError("Pour arrêter la startup, choisissez la décision « Arrêt ».")
        current = phase_then(committee)
        if current is not None and next_phase.rank <= current.rank:
            raise CommitteeError(
                f"La startup est en phase « {current.label} » : la phase suivante doit venir après celle-ci."
            )
    ending = ends_startup(kind, next_phase)
    for value, label in ((envelope_eur, "L'enveloppe"), (team_size, "La taille de l'équipe")):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise CommitteeError(f"{label} doit être un nombre entier positif ou nul.")
    if not ending and envelope_eur is None:
        raise CommitteeError("Indiquez l'enveloppe de la prochaine période, en euros.")
    if not ending and next_committee_on is None:
        raise CommitteeError("Indiquez la date du prochain comité : un comité ne se termine pas sans la fixer.")
    if next_committee_on is not None and next_committee_on <= day:
        raise CommitteeError(f"La date du prochain comité doit être postérieure à ce comité ({date_fr(day)}).")
    latest = add_months(day, MONTHS_BETWEEN_COMMITTEES)  # a committee at least every six months (DESIGN.md)
    if next_committee_on is not None and next_committee_on > latest:
        raise CommitteeError(
            f"Le prochain comité doit se tenir dans les six mois : au plus tard le {date_fr(latest)}."
        )
    decision = committee.decision
    revising = decision is not None
    before = snapshot(decision, DECISION_FIELDS) if revising else None
    if decision is None:
        decision = Decision(kind=kind)
        committee.decision = decision
    decision.kind = kind
    decision.next_phase = next_phase
    decision.envelope_eur = envelope_eur
    decision.team_size = team_size
    decision.hypotheses = _clean(hypotheses)
    decision.success_criteria = _clean(success_criteria)
    decision.conditions = _clean(conditions)
    decision.next_committee_on = None if ending else next_committee_on
    decision.decided_by = actor
    decision.decided_at = now
    decision.sign_off = SignOff.PENDING
    decision.signed_by, decision.signed_at = None, None
    committee.status = CommitteeStatus.DECIDED
    _touch(committee, now)
    flush()
    _audit("committee.decision_revised" if revising else "committee.decided", committee, actor,
           before=before, after=snapshot(decision, DECISION_FIELDS) | {"status": committee.status})
    return decision


# -- action items -------------------------------------------------------------------------------------

@guarded
def add_action_item(committee: Committee, *, title: str, owner: Person | None, due_on: dt.date | None,
                    actor: Person | None, now: dt.datetime, expected_version: int | None = None) -> ActionItem:
    check_version(committee, expected_version)
    if committee.status not in (CommitteeStatus.HELD, CommitteeStatus.DECIDED):
        raise CommitteeError("Les actions se décident lors d'un comité tenu, avant la validation de sa décision.")
    title = _clean(title)
    if not title:
        raise CommitteeError("Indiquez l'intitulé de l'action.")
    if len(title) > 500:
        raise CommitteeError("L'intitulé de l'action ne doit pas dépasser 500 caractères.")
    item = ActionItem(title=title, owner=owner, due_on=due_on, created_at=now)
    committee.action_items.append(item)
    _touch(committee, now)
    flush()
    _audit("committee.action_added", committee, actor,
           after={"action_item_id": item.id, "title": title, "owner_id": owner.id if owner else None, "due_on": due_on})
    return item


@guarded
def set_action_done(item: ActionItem, done: bool, *, actor: Person | None, now: dt.datetime) -> None:
    """Mark an action done (or reopen it); it may be on a later committee's agenda."""
    if item.is_done == done:
        return
    item.done_at = now if done else None
    flush()
    _audit("committee.action_done" if done else "committee.action_reopened", item.committee, actor,
           after={"action_item_id": item.id, "done_at": item.done_at})


# -- the sponsor's review -----------------------------------------------------------------------------

def _pending(committee: Committee) -> Decision:
    decision = committee.decision
    if committee.status != CommitteeStatus.DECIDED or decision is None or decision.sign_off != SignOff.PENDING:
        raise CommitteeError("Seule une décision en attente de validation peut être validée ou contestée.")
    return decision


@guarded
def contest(committee: Committee, *, comment: str | None, actor: Person | None, now: dt.datetime,
            expected_version: int | None = None) -> None:
    """The sponsor contests the decision: back to the chair, who revises it (the committee is HELD again)."""
    check_version(committee, expected_version)
    decision = _pending(committee)
    comment = _clean(comment)
    if not comment:
        raise CommitteeError("Expliquez ce que vous contestez : le commentaire est obligatoire.")
    decision.sign_off = SignOff.CONTESTED
    decision.contest_comment = comment
    decision.signed_by, decision.signed_at = actor, now
    committee.status = CommitteeStatus.HELD
    _touch(committee, now)
    flush()
    _audit("committee.contested", committee, actor, before={"status": CommitteeStatus.DECIDED},
           after={"status": committee.status, "sign_off": decision.sign_off}, reason=comment)


@guarded
def sign_off(committee: Committee, *, actor: Person | None, now: dt.datetime,
             expected_version: int | None = None) -> Committee | None:
    """The sponsor signs the decision off. In the same transaction: the phase the decision implies, a
    `committee` event on the startup's timeline, the next committee planned at the decided date with the
    open action items on its agenda, and the audit events. Returns the next committee (None when the
    startup leaves the programme)."""
    check_version(committee, expected_version)
    decision = _pending(committee)
    startup = committee.startup
    day = committee_day(committee)
    before_phase = phase_then(committee)

    decision.sign_off = SignOff.SIGNED
    decision.signed_by, decision.signed_at = actor, now
    decision.contest_comment = None
    committee.status = CommitteeStatus.SIGNED_OFF
    _touch(committee, now)
    flush()
    _audit("committee.signed_off", committee, actor, before={"status": CommitteeStatus.DECIDED},
           after={"status": committee.status, "sign_off": decision.sign_off, "decision": decision.kind})

    new_phase = phase_after(decision, before_phase)
    if new_phase is not None:
        _enter_phase(startup, new_phase, day, committee, actor)
    _add_timeline_event(startup, committee, decision, day)

    next_committee = None
    if decision.next_committee_on is not None and (new_phase is None or new_phase.active):
        next_committee = _next_committee(committee, next_committee_kind(before_phase, new_phase), actor, now)
        carried = [item for item in committee.action_items if not item.is_done]
        carried += db.session.scalars(
            sa.select(ActionItem).where(ActionItem.carried_into_id == committee.id, ActionItem.done_at.is_(None))
        ).all()
        for item in carried:
            item.carried_into = next_committee
        flush()
        if carried:
            _audit("committee.actions_carried", next_committee, actor,
                   after={"from_committee_id": committee.id, "action_item_ids": sorted(i.id for i in carried)})
    return next_committee


def _enter_phase(startup: Startup, phase: Phase, day: dt.date, committee: Committee, actor: Person | None) -> None:
    """The phase transition the decision implies, by the same rule as any other (startups.services)."""
    try:
        change_phase(startup, phase=phase, starts_on=day, actor=actor, today=day,
                     reason=f"Décision du comité du {date_fr(day)} (comité n° {committee.id}) validée par le sponsor")
    except StartupError as error:
        raise CommitteeError(f"La décision ne peut pas être appliquée : {error.message}") from error


def _add_timeline_event(startup: Startup, committee: Committee, decision: Decision, day: dt.date) -> None:
    comment = decision.kind.label
    if decision.next_phase is not None:
        comment += f" : {decision.next_phase.label}"
    position = max((e.position for e in startup.events), default=-1) + 1
    startup.events.append(Event(position=position, kind=EventKind.COMMITTEE, happened_on=day, comment=comment))
    flush()


def _next_committee(committee: Committee, kind: CommitteeKind, actor: Person | None, now: dt.datetime) -> Committee:
    """The committee planned at the decided date, unless a later one is already planned."""
    existing = db.session.scalars(
        sa.select(Committee)
        .where(Committee.startup_id == committee.startup_id, Committee.id != committee.id,
               Committee.status.in_([CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED]),
               Committee.scheduled_at > committee.scheduled_at)
        .order_by(Committee.scheduled_at)
        .limit(1)
    ).first()
    if existing is not None:
        return existing
    scheduled_at = paris_to_utc(committee.decision.next_committee_on, NEXT_COMMITTEE_TIME)
    following = Committee(
        startup=committee.startup, startup_id=committee.startup_id, kind=kind, status=CommitteeStatus.PLANNED,
        scheduled_at=scheduled_at, duration_minutes=committee.duration_minutes, place=committee.place,
        video_link=committee.video_link, chair=committee.chair, created_at=now, updated_at=now,
    )
    for participant in committee.participants:
        if participant.person.is_active:
            following.participants.append(Participant(person=participant.person, role=participant.role))
    db.session.add(following)
    flush()
    _audit("committee.planned", following, actor,
           after=snapshot(following, COMMITTEE_FIELDS) | {"participants": _participants_snapshot(following)},
           reason=f"Prochain comité fixé par la décision du comité du {date_fr(committee_day(committee))}")
    return following


# -- calendar tokens ----------------------------------------------------------------------------------

def calendar_token(person: Person, *, regenerate: bool = False) -> str:
    """The secret of the person's iCalendar feed URL, created on first use; regenerate to revoke a leaked
    link (the old URL then answers 404)."""
    row = db.session.get(CalendarToken, person.id)
    if row is None:
        row = CalendarToken(person_id=person.id, token=secrets.token_urlsafe(32))
        db.session.add(row)
    elif regenerate:
        row.token = secrets.token_urlsafe(32)
    else:
        return row.token
    db.session.flush()
    record("calendar_token.regenerated" if regenerate else "calendar_token.created", "person", person.id,
           actor=person)
    return row.token


def existing_calendar_token(person: Person) -> str | None:
    row = db.session.get(CalendarToken, person.id)
    return row.token if row else None


def person_for_token(token: str) -> Person | None:
    if not token or len(token) > 64:
        return None
    person = db.session.scalars(
        sa.select(Person).join(CalendarToken, CalendarToken.person_id == Person.id).where(CalendarToken.token == token)
    ).first()
    return person if person is not None and person.is_active else None
