"""The rules of the commitments: a statement (why required when partly met or not applicable), a risk
workshop (dated, not in the future), each audited. Nothing is overwritten: a new statement follows the
previous one.

A statement's evidence goes out to the beta.gouv.fr fiche where the commitment has a link key of its own
(FICHE_LINKS): a statement « tenu » or « en partie » with an address sets the startup's link field to it
(startups.services.set_link, audited with the statement as reason), and the fiche is then « à mettre à jour »
until the import reads that address in it (startups/fiche_out.py). Only where the key is unambiguous:
- code ouvert → `repository` (the code's repository);
- statistiques → `stats_url` (the public statistics page).
Not mapped: the fiche commitment's evidence is the fiche itself, not `budget_url` (the budget page is
Jalons' own public page, conventions/, or the team's; it is set in the startup form); accessibility's
evidence is the accessibility statement, for which the fiche has no link key (`dashlord_url` is an audit
tool's page, `accessibility_status` a level); the risk workshops' evidence may be minutes, a homologation or
MonServiceSécurisé, not necessarily `analyse_risques_url`; the other commitments have no link in the fiche.
A statement « non tenu » or « sans objet » sets nothing (its address is evidence of something else), nor
does one without an address; the import never changes a statement (it reads the fiche into the startup)."""

import datetime as dt

import sqlalchemy as sa

from audit.services import record
from commitments import queries
from commitments.models import Condition, FrozenFacts, Kind, RiskWorkshop, State, Statement
from committees import services as committee_services
from committees.models import ActionItem, Committee
from core import clock
from core.bounds import DateWindow, PROGRAMME_START, years_after
from core.db import db
from core.text import control_character
from startups.models import Startup
from startups.services import StartupError, clean_url, set_link
from users.models import Person

NEEDS_WHY = (State.PARTLY, State.NOT_APPLICABLE)
# The commitment kind → the fiche's link key its evidence address goes to (see the module's docstring).
FICHE_LINKS = {Kind.OPEN_SOURCE: "repository", Kind.STATS: "stats_url"}
LINKING_STATES = (State.MET, State.PARTLY)
EVIDENCE_DATE = DateWindow(lambda today: PROGRAMME_START, lambda today: today)
NEXT_WORKSHOP_DATE = DateWindow(lambda today: PROGRAMME_START, lambda today: years_after(today, 3))
TEXT_MAX = 5000


class CommitmentError(ValueError):
    """A refusal; str() is the French message."""


class CommitmentConflict(CommitmentError):
    """The startup was changed by someone else meanwhile: the transaction must be rolled back."""


def _text(value: str | None, label: str, *, multiline: bool = True, required: bool = False) -> str | None:
    text = (value or "").strip() or None
    if text is None:
        if required:
            raise CommitmentError(f"« {label} » est obligatoire.")
        return None
    found = control_character(text, multiline=multiline)
    if found:
        raise CommitmentError(f"« {label} » ne peut pas contenir {found}.")
    if len(text) > TEXT_MAX:
        raise CommitmentError(f"« {label} » : {TEXT_MAX} caractères au plus.")
    return text


def state(startup: Startup, kind: Kind, *, state: State, why: str | None, evidence_url: str | None,
          evidence_note: str | None, evidence_on: dt.date | None, actor: Person | None, now: dt.datetime) -> Statement:
    """Record what `actor` states of one commitment of the startup, as its new current state; its evidence
    address goes to the startup's fiche link when the commitment has one (FICHE_LINKS)."""
    why = _text(why, "Pourquoi", required=state in NEEDS_WHY)
    try:
        url = clean_url(evidence_url, "Preuve (adresse)")
    except StartupError as error:
        raise CommitmentError(error.message) from None
    note = _text(evidence_note, "Preuve (description)")
    message = EVIDENCE_DATE.refusal(evidence_on, "Date de la preuve", clock.day_of(now))
    if message:
        raise CommitmentError(message)
    statement = Statement(startup_id=startup.id, kind=kind, state=state, why=why, evidence_url=url,
                          evidence_note=note, evidence_on=evidence_on, stated_by_id=actor.id if actor else None,
                          stated_at=now)
    db.session.add(statement)
    db.session.flush()
    record("commitment.stated", "commitment_statement", statement.id, actor=actor, startup_id=startup.id,
           after={"kind": kind.value, "state": state.value, "why": why, "evidence_url": url,
                  "evidence_note": note, "evidence_on": evidence_on.isoformat() if evidence_on else None})
    if url and kind in FICHE_LINKS and state in LINKING_STATES:
        try:
            set_link(startup, FICHE_LINKS[kind], url, actor=actor, now=now,
                     reason=f"Engagement « {kind.label} » : preuve déclarée")
        except StartupError as error:  # a concurrent edit of the startup, refused at the flush
            raise CommitmentConflict(error.message) from None
    return statement


def record_workshop(startup: Startup, *, held_on: dt.date, participants: str, residual_risks: str | None,
                    next_on: dt.date | None, actor: Person | None, now: dt.datetime) -> RiskWorkshop:
    """A risk-analysis workshop held (never in the future), and the next one planned (after it)."""
    today = clock.day_of(now)
    if held_on is None:
        raise CommitmentError("« Date de l'atelier » est obligatoire.")
    message = EVIDENCE_DATE.refusal(held_on, "Date de l'atelier", today) or NEXT_WORKSHOP_DATE.refusal(
        next_on, "Prochain atelier prévu", today)
    if message:
        raise CommitmentError(message)
    if next_on is not None and next_on <= held_on:
        raise CommitmentError("« Prochain atelier prévu » doit être après la date de l'atelier.")
    participants = _text(participants, "Participants", required=True)
    risks = _text(residual_risks, "Risques résiduels")
    workshop = RiskWorkshop(startup_id=startup.id, held_on=held_on, participants=participants,
                            residual_risks=risks, next_on=next_on, recorded_by_id=actor.id if actor else None,
                            recorded_at=now)
    db.session.add(workshop)
    db.session.flush()
    record("risk_workshop.recorded", "risk_workshop", workshop.id, actor=actor, startup_id=startup.id,
           after={"held_on": held_on.isoformat(), "participants": participants, "residual_risks": risks,
                  "next_on": next_on.isoformat() if next_on else None})
    return workshop


def tie_condition(startup: Startup, item: ActionItem, kind: Kind | None, *, actor: Person | None,
                  now: dt.datetime) -> None:
    """Tie an action item of one of the startup's committees to a commitment (kind None: untie it)."""
    if item.committee.startup_id != startup.id:
        raise CommitmentError("Cette action n'a pas été décidée par un comité de cette startup.")
    condition = db.session.scalar(sa.select(Condition).where(Condition.action_item_id == item.id))
    before = condition.kind.value if condition else None
    if before == (kind.value if kind else None):
        return
    if kind is None:
        db.session.delete(condition)
    elif condition is None:
        db.session.add(Condition(action_item_id=item.id, kind=kind, tied_by_id=actor.id if actor else None, tied_at=now))
    else:
        condition.kind, condition.tied_by_id, condition.tied_at = kind, actor.id if actor else None, now
    db.session.flush()
    record("commitment.condition_tied", "action_item", item.id, actor=actor, startup_id=startup.id,
           before={"title": item.title, "kind": before}, after={"title": item.title, "kind": kind.value if kind else None})


def freeze_facts(committee: Committee, *, actor: Person | None = None) -> None:
    """Once a committee is held (committees' held hook): what Jalons checked itself of the commitments that
    day (the fiche's fields and links, the workshops) is kept, so that its pack shows the same checklist
    whenever it is read, whatever the fiche says later. Kept once."""
    if db.session.scalar(sa.select(FrozenFacts.id).where(FrozenFacts.committee_id == committee.id)) is not None:
        return
    on = committee.held_on or committee.local_date
    facts = queries.fiche_facts(committee.startup, queries.workshops_until(committee.startup, on),
                                queries.last_sync_on())
    db.session.add(FrozenFacts(committee_id=committee.id, facts=queries.facts_to_json(facts), frozen_at=clock.now()))


committee_services.register_held_hook(freeze_facts)
