"""The decision of a held committee, the sponsor's review, and the consequences of the sign-off.

Decisions taken here (issue 4 leaves them open):
- REDIRECT (« réorientation hors du programme ») ends the startup's life in the programme like a stop:
  `abandon`, or `abandon-investigation` when it was still in investigation. The timeline event says
  « Réorientation hors du programme », which keeps it distinguishable from a stop.
- STOP, REDIRECT and NEXT_PHASE to `transfere` end the startup: no next committee, no envelope needed.
  Every other decision requires the envelope and the next committee's date (at most six months later).
- The next committee created on sign-off is planned at 10 h 00 (Paris) on the decided date, at the same
  place, with the same chair and participants; the coach adjusts it. When a later committee is already
  planned, it is kept rather than duplicated.
- Separation of duties (issue 9): the review (sign-off or contest) is a current sponsor's, never the
  decision's recorder's nor the committee chair's, by the permission policy (committee.sign_off); the
  services check it again whatever the caller, and record a refused attempt for the caller to commit.
"""

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from audit.models import Visibility
from audit.services import record, snapshot
from committees.due import MONTHS_BETWEEN_COMMITTEES, add_months
from committees.models import (
    ActionItem,
    Committee,
    CommitteeError,
    CommitteeForbidden,
    CommitteeKind,
    CommitteeStatus,
    Decision,
    DecisionKind,
    Participant,
    SignOff,
)
from committees.services import (
    COMMITTEE_FIELDS,
    audit,
    check_version,
    clean,
    convention_gaps,
    flush,
    guarded,
    notices,
    paris_to_utc,
    participants_snapshot,
    touch,
)
from core import clock
from core.bounds import AMOUNT_EUR, TEAM_SIZE
from core.db import db
from core.formats import date_fr
from startups.models import Event, EventKind, Startup
from startups.phases import Phase
from startups.services import StartupError, change_phase, next_event_position
from users.models import Person
from users.permissions import sign_off_refusal

# The phases a "next phase" decision may lead to (stops have their own decision).
NEXT_PHASES = (Phase.CONSTRUCTION, Phase.ACCELERATION, Phase.CONSOLIDATION, Phase.OPERE, Phase.TRANSFERE)
# The committee that closes the phase a startup enters.
KIND_CLOSING_PHASE = {
    Phase.INVESTIGATION: CommitteeKind.END_OF_INVESTIGATION,
    Phase.CONSTRUCTION: CommitteeKind.END_OF_CONSTRUCTION,
    Phase.ACCELERATION: CommitteeKind.END_OF_ACCELERATION,
}
NEXT_COMMITTEE_TIME = dt.time(10, 0)
# Not the funds the conventions still held (funds_available_eur): that is the startup's money, read by who
# follows its funding only (funding.view), so it goes to an event of its own, of visibility MONEY.
DECISION_FIELDS = ("kind", "next_phase", "envelope_eur", "team_size", "hypotheses", "success_criteria",
                   "conditions", "next_committee_on", "sign_off")


# Filled at import time by the conventions area, which comes after committees in app.AREAS and so cannot
# be imported from here: (startup, day) -> the cents its open conventions still hold that day, or None when
# it has no convention. Without the conventions area, no figure and no warning.
_funds_sources: list[Callable[[Startup, dt.date], int | None]] = []


def register_funds_available(function: Callable[[Startup, dt.date], int | None]) -> None:
    if function not in _funds_sources:
        _funds_sources.append(function)


def funds_available(startup: Startup, day: dt.date) -> int | None:
    """What the startup's conventions still hold on `day`, in whole euros (rounded down), as the envelope."""
    figures = [f for f in (function(startup, day) for function in _funds_sources) if f is not None]
    return sum(figures) // 100 if figures else None


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


def plans_next_committee(committee: Committee, new_phase: Phase | None, today: dt.date) -> bool:
    """Whether signing the decision off plans the next committee: it fixes one, the startup stays in the
    programme by it, and it has not left the programme since (stopped or archived after the committee: as
    plan_committee, no committee for a startup that no longer passes any)."""
    decision = committee.decision
    if decision is None or decision.next_committee_on is None or (new_phase is not None and not new_phase.active):
        return False
    startup = committee.startup
    phase = startup.current_phase(today)
    return startup.archived_at is None and (phase is None or phase.active)


def next_committee_kind(phase_before: Phase | None, new_phase: Phase | None) -> CommitteeKind:
    if new_phase is not None:
        return KIND_CLOSING_PHASE.get(new_phase, CommitteeKind.SEMESTRIAL)
    if phase_before == Phase.INVESTIGATION:
        return CommitteeKind.END_OF_INVESTIGATION
    return CommitteeKind.SEMESTRIAL


# -- participants -------------------------------------------------------------------------------------

def _check_convention_reason(committee: Committee) -> None:
    """A participant removed after the committee was marked held (or after its decision was recorded) leaves
    the reason owed: neither the decision nor its sign-off goes through without it."""
    if convention_gaps(committee) and committee.convention_reason is None:
        raise CommitteeError("Ce comité ne s'est pas tenu comme le prévoit la convention : indiquez d'abord le motif "
                             "de cet écart dans « Présence et compte rendu ».")


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
    _check_convention_reason(committee)
    kind = DecisionKind(kind)
    next_phase = Phase(next_phase) if next_phase and kind == DecisionKind.NEXT_PHASE else None
    day = committee_day(committee)
    if kind == DecisionKind.NEXT_PHASE:
        if next_phase is None:
            raise CommitteeError("Choisissez la phase dans laquelle la startup passe.", field="next_phase")
        if next_phase not in NEXT_PHASES:
            raise CommitteeError("Pour arrêter la startup, choisissez la décision « Arrêt ».", field="next_phase")
        current = phase_then(committee)
        if current is not None and next_phase.rank <= current.rank:
            raise CommitteeError(
                f"La startup est en phase « {current.label} » : la phase suivante doit venir après celle-ci.",
                field="next_phase")
    ending = ends_startup(kind, next_phase)
    for value, label, field in ((envelope_eur, "L'enveloppe", "envelope_eur"),
                                (team_size, "La taille de l'équipe", "team_size")):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise CommitteeError(f"{label} doit être un nombre entier positif ou nul.", field=field)
    for refusal, field in ((AMOUNT_EUR.refusal(envelope_eur, "Enveloppe de la prochaine période"), "envelope_eur"),
                           (TEAM_SIZE.refusal(team_size, "Taille de l'équipe"), "team_size")):
        if refusal:
            raise CommitteeError(refusal, field=field)
    if not ending and envelope_eur is None:
        raise CommitteeError("Indiquez l'enveloppe de la prochaine période, en euros.", field="envelope_eur")
    if not ending and next_committee_on is None:
        raise CommitteeError("Indiquez la date du prochain comité : un comité ne se termine pas sans la fixer.",
                             field="next_committee_on")
    if next_committee_on is not None and next_committee_on <= day:
        raise CommitteeError(f"La date du prochain comité doit être postérieure à ce comité ({date_fr(day)}).",
                             field="next_committee_on")
    latest = add_months(day, MONTHS_BETWEEN_COMMITTEES)  # a committee at least every six months
    if next_committee_on is not None and next_committee_on > latest:
        raise CommitteeError(
            f"Le prochain comité doit se tenir dans les six mois : au plus tard le {date_fr(latest)}.",
            field="next_committee_on")
    # The next committee is planned at that date on sign-off: a date already past is refused while the six
    # months still leave one to come (a decision recorded later than that, catching up, keeps its date: the
    # next committee then shows overdue, as it is).
    today = clock.day_of(now)
    if next_committee_on is not None and next_committee_on <= today < latest:
        raise CommitteeError(f"La date du prochain comité doit être dans le futur, au plus tard le {date_fr(latest)} : "
                             "le comité qui suit est planifié à cette date lors de la validation.",
                             field="next_committee_on")
    decision = committee.decision
    revising = decision is not None
    before = snapshot(decision, DECISION_FIELDS) if revising else None
    funds_before = decision.funds_available_eur if revising else None
    if decision is None:
        decision = Decision(kind=kind)
        committee.decision = decision
    decision.kind = kind
    decision.next_phase = next_phase
    decision.envelope_eur = envelope_eur
    # Recorded with the decision and kept on sign-off: what the committee knew when it decided.
    decision.funds_available_eur = (
        funds_available(committee.startup, clock.day_of(now)) if envelope_eur is not None else None)
    decision.team_size = team_size
    decision.hypotheses = clean(hypotheses)
    decision.success_criteria = clean(success_criteria)
    decision.conditions = clean(conditions)
    decision.next_committee_on = None if ending else next_committee_on
    decision.decided_by = actor
    decision.decided_at = now
    decision.sign_off = SignOff.PENDING
    decision.signed_by, decision.signed_at = None, None
    committee.status = CommitteeStatus.DECIDED
    touch(committee, now)
    flush()
    audit("committee.decision_revised" if revising else "committee.decided", committee, actor,
           before=before, after=snapshot(decision, DECISION_FIELDS) | {"status": committee.status})
    if decision.funds_available_eur != funds_before:
        record("committee.decision_funds", "committee", committee.id, actor=actor, startup_id=committee.startup_id,
               before={"funds_available_eur": funds_before} if revising else None,
               after={"funds_available_eur": decision.funds_available_eur}, visibility=Visibility.MONEY)
    return decision


# -- action items -------------------------------------------------------------------------------------

def _check_reviewer(committee: Committee, actor: Person | None, now: dt.datetime, action: str) -> None:
    """Raise CommitteeForbidden, with the attempt recorded (action), unless actor may review the decision
    on now's day in Paris (the policy's committee.sign_off)."""
    reason = sign_off_refusal(actor, committee, clock.day_of(now))
    if reason is not None:
        audit(action, committee, actor, reason=reason)
        raise CommitteeForbidden(reason)


def _pending(committee: Committee) -> Decision:
    decision = committee.decision
    if committee.status != CommitteeStatus.DECIDED or decision is None or decision.sign_off != SignOff.PENDING:
        raise CommitteeError("Seule une décision en attente de validation peut être validée ou contestée.")
    return decision


@guarded
def contest(committee: Committee, *, comment: str | None, actor: Person | None, now: dt.datetime,
            expected_version: int | None = None) -> None:
    """The sponsor contests the decision: back to the chair, who revises it (the committee is HELD again)."""
    _check_reviewer(committee, actor, now, "committee.contest_refused")
    check_version(committee, expected_version)
    decision = _pending(committee)
    comment = clean(comment)
    if not comment:
        raise CommitteeError("Expliquez ce que vous contestez : le commentaire est obligatoire.", field="comment")
    decision.sign_off = SignOff.CONTESTED
    decision.contest_comment = comment
    decision.signed_by, decision.signed_at = actor, now
    committee.status = CommitteeStatus.HELD
    touch(committee, now)
    flush()
    audit("committee.contested", committee, actor, before={"status": CommitteeStatus.DECIDED},
           after={"status": committee.status, "sign_off": decision.sign_off}, reason=comment)


@guarded
def sign_off(committee: Committee, *, actor: Person | None, now: dt.datetime,
             expected_version: int | None = None) -> Committee | None:
    """The sponsor signs the decision off. In the same transaction: the phase the decision implies, a
    `committee` event on the startup's timeline, the next committee planned at the decided date with the
    open action items on its agenda, and the audit events. Returns the next committee (None when the
    startup leaves the programme)."""
    _check_reviewer(committee, actor, now, "committee.signoff_refused")
    check_version(committee, expected_version)
    decision = _pending(committee)
    _check_convention_reason(committee)
    required = notices("sign_off_required", committee)  # e.g. the sponsor's grid, when the policy requires it
    if required:
        raise CommitteeError(" ".join(required))
    startup = committee.startup
    day = committee_day(committee)
    before_phase = phase_then(committee)

    decision.sign_off = SignOff.SIGNED
    decision.signed_by, decision.signed_at = actor, now
    decision.contest_comment = None
    committee.status = CommitteeStatus.SIGNED_OFF
    touch(committee, now)
    flush()
    audit("committee.signed_off", committee, actor, before={"status": CommitteeStatus.DECIDED},
           after={"status": committee.status, "sign_off": decision.sign_off, "decision": decision.kind})

    new_phase = phase_after(decision, before_phase)
    if new_phase is not None:
        _enter_phase(startup, new_phase, day, committee, actor)
    _add_timeline_event(startup, committee, decision, day)

    next_committee = None
    if plans_next_committee(committee, new_phase, clock.day_of(now)):
        next_committee = _next_committee(committee, next_committee_kind(before_phase, new_phase), actor, now)
        carried = [item for item in committee.action_items if not item.is_done]
        carried += db.session.scalars(
            sa.select(ActionItem).where(ActionItem.carried_into_id == committee.id, ActionItem.done_at.is_(None))
        ).all()
        for item in carried:
            item.carried_into = next_committee
        flush()
        if carried:
            audit("committee.actions_carried", next_committee, actor,
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
    startup.events.append(Event(position=next_event_position(startup), kind=EventKind.COMMITTEE, happened_on=day,
                                comment=comment))
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
    audit("committee.planned", following, actor,
           after=snapshot(following, COMMITTEE_FIELDS) | {"participants": participants_snapshot(following)},
           reason=f"Prochain comité fixé par la décision du comité du {date_fr(committee_day(committee))}")
    return following
