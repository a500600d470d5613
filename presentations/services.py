"""The rules of a committee's presentation: pre-filling from the data, editing, submitting, the coach's
review, freezing when the committee is held (its new objectives become the indicators' objectives that
the next committee checks), attachments, and what the J-21 reminder asks. The attached files are in presentations.attachments.

Every change checks its rule (PresentationError with a French message), changes the data, writes an
audit event when it is decision-grade (submitted, accepted, changes requested, frozen, an attachment
added or removed) and flushes; the caller commits.

Decisions taken here (issue 5 leaves them open):
- The objectives are recorded on the indicators when the presentation freezes, i.e. when the committee
  is held, not when the coach accepts it: the committee may still discuss them, and a held committee is
  what the issue names as the moment they become the targets. They are recorded whatever the review
  status (the committee saw the presentation as it stood), with committee_id = the held committee, so
  the next committee's pre-fill finds them with objective_set_by().
- Freezing is triggered by committees.services.mark_held through a hook this module registers at import
  time (committees must not import presentations). A presentation whose committee reached HELD without
  the hook (older data) is frozen anyway for editing (Presentation.is_frozen reads the committee's
  status), and its objectives are recorded when the next committee's presentation is pre-filled.
- "Objective set at the previous committee": the objective that committee set (objective_set_by); else
  the objective in force at the end of the day it was held (objective_in_force); for a first committee,
  the objective in force when the presentation is pre-filled.
- The standards table's "six months ago" is the previous presentation's "in six months" (what the team
  committed to), or its "today" when that was left empty.
- Submitting requires what the committee needs to decide: what was done and learned, the team size, the
  envelope, the hypotheses and the success criteria.
- Attachments: PDF only (the deck and annexes), 20 MB each, at most 10, while the presentation is
  editable. The bytes are stored in the database (LargeBinary, deferred): the upload and its row commit
  or roll back together (a refused or failed upload leaves nothing anywhere, with no orphan file to
  clean), backups and several web servers need nothing more than the database, and the volume is small
  (a few decks a year per startup). The checksum is kept to show and to verify downloads.
"""

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from audit.services import changes, record
from committees import jobs as committee_jobs
from committees import services as committee_services
from committees.models import Committee, CommitteeStatus
from core import clock
from core.bounds import AMOUNT_EUR, OBJECTIVE_DATE, TEAM_SIZE
from core.db import db
from core.formats import date_fr
from core.values import jsonable
from indicators import queries as indicator_queries
from indicators.services import MAX_VALUE, IndicatorError, set_objective
from presentations.models import (
    FROZEN_COMMITTEE_STATUSES,
    STANDARDS,
    Presentation,
    PresentationConflict,
    PresentationError,
    PresentationLine,
    PresentationStandard,
    PresentationStatus,
)
from users.models import Person

__all__ = ["PresentationConflict", "PresentationError"]

PREPARABLE_STATUSES = frozenset({CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED})
TEXT_FIELDS = ("done_and_learned", "difficulties", "team_profile", "hypotheses", "success_criteria")
REQUIRED_TO_SUBMIT = (
    ("done_and_learned", "ce qui a été fait et appris"),
    ("team_size", "la taille de l'équipe demandée"),
    ("envelope_eur", "l'enveloppe demandée pour six mois"),
    ("hypotheses", "les hypothèses à valider"),
    ("success_criteria", "les critères de réussite chiffrés"),
)


# -- helpers ------------------------------------------------------------------------------------------

def _audit(action: str, presentation: Presentation, actor: Person | None, *, before=None, after=None,
           reason=None) -> None:
    record(action, "presentation", presentation.id, actor=actor, actor_label=None if actor else "Jalons",
           before=before, after=after, startup_id=presentation.committee.startup_id, reason=reason)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check_version(presentation: Presentation, expected_version: int | None) -> None:
    if expected_version is not None and presentation.version != expected_version:
        raise PresentationConflict()


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise PresentationConflict() from error


def _closed_message(presentation: Presentation) -> str:
    if presentation.committee.status is CommitteeStatus.CANCELLED:
        return ("Le comité a été annulé : sa présentation est close et ne peut plus être modifiée "
                "(celle du prochain comité reprend ce qui y était écrit).")
    return "Le comité a été archivé : sa présentation est close et ne peut plus être modifiée."


def _editable(presentation: Presentation) -> None:
    if presentation.is_frozen:
        raise PresentationError("Le comité s'est tenu : la présentation est figée et ne peut plus être modifiée.")
    if presentation.is_closed:
        raise PresentationError(_closed_message(presentation))
    if not presentation.is_editable:
        raise PresentationError(
            f"La présentation est « {presentation.status.label} » : elle ne peut plus être modifiée par l'équipe."
        )


def committee_day(committee: Committee, today: dt.date) -> dt.date:
    """The committee's day (Paris), or `today` for a committee still without a date."""
    return committee.held_on or committee.local_date or today


# -- reading ------------------------------------------------------------------------------------------

def presentation_of(committee: Committee) -> Presentation | None:
    return db.session.scalar(sa.select(Presentation).where(Presentation.committee_id == committee.id))


def cancelled_draft(committee: Committee, previous: Committee | None) -> Presentation | None:
    """The presentation of the startup's last committee cancelled since its previous committee held (or
    ever, for a first one) and before this one: what the team wrote there is not lost, the new
    presentation starts from it."""
    query = (
        sa.select(Presentation).join(Presentation.committee)
        .where(Committee.startup_id == committee.startup_id, Committee.id != committee.id,
               Committee.status == CommitteeStatus.CANCELLED, Committee.archived_at.is_(None))
        .order_by(Committee.scheduled_at.desc().nulls_last(), Committee.id.desc())
        .limit(1)
    )
    if previous is not None and previous.scheduled_at is not None:
        query = query.where(sa.or_(Committee.scheduled_at.is_(None), Committee.scheduled_at > previous.scheduled_at))
    if committee.scheduled_at is not None:
        query = query.where(sa.or_(Committee.scheduled_at.is_(None), Committee.scheduled_at < committee.scheduled_at))
    return db.session.scalar(query)


def previous_committee(committee: Committee) -> Committee | None:
    """The startup's last committee held before this one (held, decided or signed off)."""
    query = (
        sa.select(Committee)
        .where(Committee.startup_id == committee.startup_id, Committee.id != committee.id,
               Committee.archived_at.is_(None), Committee.status.in_(FROZEN_COMMITTEE_STATUSES))
        .order_by(Committee.scheduled_at.desc().nulls_last(), Committee.id.desc())
        .limit(1)
    )
    if committee.scheduled_at is not None:
        query = query.where(sa.or_(Committee.scheduled_at.is_(None), Committee.scheduled_at < committee.scheduled_at))
    return db.session.scalar(query)


def presentation_submitted(committee: Committee) -> bool:
    """Whether the team has submitted its presentation (submitted or accepted): the J-21 reminder to the
    intrapreneur is sent only while this is False."""
    presentation = presentation_of(committee)
    return presentation is not None and presentation.is_submitted


def not_submitted(committee_ids: Collection[int]) -> set[int]:
    """Among these committees, those whose presentation is not submitted (none yet, a draft, or changes
    requested), in one query: the filter of committees/jobs.py's J-21 reminder."""
    ids = set(committee_ids)
    if not ids:
        return set()
    submitted = db.session.scalars(
        sa.select(Presentation.committee_id).where(
            Presentation.committee_id.in_(ids),
            Presentation.status.in_([PresentationStatus.SUBMITTED, PresentationStatus.ACCEPTED]),
        )
    )
    return ids - set(submitted)


# -- pre-filling --------------------------------------------------------------------------------------

def _end_of_day(day: dt.date) -> dt.datetime:
    return committee_services.paris_to_utc(day + dt.timedelta(days=1), dt.time())


def prefill(committee: Committee, *, actor: Person | None, now: dt.datetime) -> Presentation:
    """Create the committee's presentation as a draft, pre-filled from the data: for each indicator of the
    startup, the objective set at the previous committee and the value reached at the committee's date;
    the standards table carried from the previous presentation."""
    if committee.status not in PREPARABLE_STATUSES or committee.archived_at is not None:
        raise PresentationError("Une présentation se prépare pour un comité à planifier ou planifié.")
    if presentation_of(committee) is not None:
        raise PresentationError("La présentation de ce comité existe déjà.")
    today = clock.day_of(now)
    day = committee_day(committee, today)
    previous = previous_committee(committee)
    previous_presentation = presentation_of(previous) if previous else None
    if previous_presentation is not None and previous_presentation.frozen_at is None:
        # Held before the freezing hook existed: record its objectives now, so that they are found below.
        freeze(previous_presentation, actor=None, now=now)

    presentation = Presentation(committee=committee, committee_id=committee.id, status=PresentationStatus.DRAFT,
                                created_at=now, updated_at=now, created_by_id=actor.id if actor else None)
    for position, indicator in enumerate(indicator_queries.indicators_of(committee.startup)):
        objective = None
        if previous is not None:
            objective = indicator_queries.objective_set_by(indicator, previous.id) or indicator_queries.objective_in_force(
                indicator, _end_of_day(committee_day(previous, today)))
        else:
            objective = indicator_queries.objective_in_force(indicator, now)
        reached = indicator_queries.value_reached(indicator, day)
        presentation.lines.append(PresentationLine(
            indicator=indicator, indicator_id=indicator.id, position=position,
            previous_objective_value=objective.target_value if objective else None,
            previous_objective_on=objective.target_on if objective else None,
            previous_objective_committee_id=objective.committee_id if objective else None,
            reached_value=reached.value if reached else None,
            reached_period=reached.period_start if reached else None,
        ))
    carried = {s.code: s for s in previous_presentation.standards} if previous_presentation else {}
    for position, (code, label) in enumerate(STANDARDS):
        before = carried.get(code)
        presentation.standards.append(PresentationStandard(
            code=code, label=label, position=position,
            six_months_ago=(before.in_six_months or before.today) if before else None,
        ))
    draft = cancelled_draft(committee, previous)
    if draft is not None:
        _take_up(presentation, draft)
    db.session.add(presentation)
    _flush()
    after = {"committee_id": committee.id, "indicators": [line.indicator_id for line in presentation.lines],
             "previous_committee_id": previous.id if previous else None}
    if draft is not None:
        after |= {"taken_up_from_committee_id": draft.committee_id, "taken_up_from": draft.committee.local_date}
    _audit("presentation.created", presentation, actor, after=after)
    return presentation


def _take_up(presentation: Presentation, draft: Presentation) -> None:
    """What the team wrote for a cancelled committee: its texts and request, its new objectives and comments
    per indicator, its standards today and in six months. The figures (objectives set, values reached) stay
    those of the new committee's date."""
    for name in (*TEXT_FIELDS, "team_size", "envelope_eur"):
        setattr(presentation, name, getattr(draft, name))
    lines = {line.indicator_id: line for line in draft.lines}
    for line in presentation.lines:
        before = lines.get(line.indicator_id)
        if before is not None:
            line.new_objective_value, line.new_objective_on, line.comment = (
                before.new_objective_value, before.new_objective_on, before.comment)
    standards = {standard.code: standard for standard in draft.standards}
    for standard in presentation.standards:
        before = standards.get(standard.code)
        if before is not None:
            standard.today, standard.in_six_months = before.today, before.in_six_months


def refresh_values(presentation: Presentation, *, actor: Person | None, now: dt.datetime,
                   expected_version: int | None = None) -> None:
    """Take the values reached again from the indicators (values entered since the pre-fill), and add
    the indicators created since; objectives and texts stay as the team wrote them."""
    _check_version(presentation, expected_version)
    _editable(presentation)
    committee = presentation.committee
    day = committee_day(committee, clock.day_of(now))
    reached_before = _reached(presentation)
    known = {line.indicator_id: line for line in presentation.lines}
    for indicator in indicator_queries.indicators_of(committee.startup):
        line = known.get(indicator.id)
        if line is None:
            line = PresentationLine(indicator=indicator, indicator_id=indicator.id,
                                    position=max((li.position for li in presentation.lines), default=-1) + 1)
            objective = indicator_queries.objective_in_force(indicator, now)
            if objective is not None:
                line.previous_objective_value = objective.target_value
                line.previous_objective_on = objective.target_on
                line.previous_objective_committee_id = objective.committee_id
            presentation.lines.append(line)
        reached = indicator_queries.value_reached(indicator, day)
        line.reached_value = reached.value if reached else None
        line.reached_period = reached.period_start if reached else None
    presentation.updated_at = now
    _flush()
    reached_after = _reached(presentation)
    if reached_after != reached_before:
        _audit("presentation.values_refreshed", presentation, actor, before={"reached": reached_before},
               after={"reached": reached_after})


# -- editing ------------------------------------------------------------------------------------------

@dataclass
class LineInput:
    """What the form sends for one line (already parsed by the form: decimals and dates)."""

    new_objective_value: Decimal | None
    new_objective_on: dt.date | None
    comment: str | None = None


@dataclass
class StandardInput:
    today: str | None
    in_six_months: str | None


def update(presentation: Presentation, *, fields: Mapping[str, object], lines: Mapping[int, LineInput],
           standards: Mapping[str, StandardInput], actor: Person | None, now: dt.datetime,
           expected_version: int | None = None) -> None:
    """Save the team's draft: texts, the request, new objectives per indicator, the standards table.
    All or nothing: a wrong line refuses the whole save with a French message."""
    _check_version(presentation, expected_version)
    _editable(presentation)
    errors = []
    team_size, envelope = fields.get("team_size"), fields.get("envelope_eur")
    errors += filter(None, [TEAM_SIZE.refusal(team_size, "Taille de l'équipe demandée"),
                            AMOUNT_EUR.refusal(envelope, "Enveloppe demandée")])
    today = clock.day_of(now)
    day = committee_day(presentation.committee, today)
    by_id = {line.id: line for line in presentation.lines}
    for line_id, given in lines.items():
        line = by_id.get(line_id)
        if line is None:
            continue
        name = line.indicator.name
        if (given.new_objective_value is None) != (given.new_objective_on is None):
            errors.append(f"« {name} » : indiquez à la fois la valeur et la date du nouvel objectif, ou aucune des deux.")
            continue
        if given.new_objective_value is not None:
            if given.new_objective_value < 0 and not line.indicator.allow_negative:
                errors.append(f"« {name} » : l'objectif ne peut pas être négatif.")
            if abs(given.new_objective_value) >= MAX_VALUE:
                errors.append(f"« {name} » : l'objectif est trop grand.")
            if given.new_objective_on <= day:
                errors.append(f"« {name} » : la date du nouvel objectif doit suivre celle du comité ({date_fr(day)}).")
            elif refusal := OBJECTIVE_DATE.refusal(given.new_objective_on, f"Date du nouvel objectif pour « {name} »", today):
                errors.append(refusal)
    if errors:
        raise PresentationError(" ".join(errors))

    content_before = _content(presentation)
    for name in TEXT_FIELDS:
        if name in fields:
            setattr(presentation, name, _clean(fields[name]))
    presentation.team_size = team_size
    presentation.envelope_eur = envelope
    objectives_before = _line_objectives(presentation)
    for line_id, given in lines.items():
        line = by_id.get(line_id)
        if line is not None:
            line.new_objective_value = given.new_objective_value
            line.new_objective_on = given.new_objective_on
            line.comment = _clean(given.comment)
    for row in presentation.standards:
        given = standards.get(row.code)
        if given is not None:
            row.today = _clean(given.today)
            row.in_six_months = _clean(given.in_six_months)
    presentation.updated_at = now
    _flush()
    old, new = changes(content_before, _content(presentation))
    if new:
        _audit("presentation.updated", presentation, actor, before=old, after=new)
    objectives_after = _line_objectives(presentation)
    if objectives_after != objectives_before:
        # The team's new objectives become the indicators' targets when the committee is held: a
        # correction or a removal is part of the record.
        _audit("presentation.objectives_changed", presentation, actor,
               before={"objectives": objectives_before}, after={"objectives": objectives_after})


def _content(presentation: Presentation) -> dict:
    """What the team writes in its draft, but the new objectives (their own event): the texts, the request,
    the comments per indicator and the standards table, for the audit trail."""
    return {
        **{name: getattr(presentation, name) for name in TEXT_FIELDS},
        "team_size": presentation.team_size, "envelope_eur": presentation.envelope_eur,
        "comments": [{"indicator": line.indicator.name, "comment": line.comment}
                     for line in sorted(presentation.lines, key=lambda line: line.position) if line.comment],
        "standards": [{"label": row.label, "today": row.today, "in_six_months": row.in_six_months}
                      for row in sorted(presentation.standards, key=lambda row: row.position)
                      if row.today or row.in_six_months],
    }


def _reached(presentation: Presentation) -> list[dict]:
    return [{"indicator": line.indicator.name, "value": jsonable(line.reached_value),
             "period": jsonable(line.reached_period)}
            for line in sorted(presentation.lines, key=lambda line: line.position)]


def _line_objectives(presentation: Presentation) -> list[dict]:
    return [{"indicator_id": line.indicator_id, "target_value": line.new_objective_value,
             "target_on": line.new_objective_on}
            for line in sorted(presentation.lines, key=lambda line: line.id) if line.new_objective_value is not None]


def missing_to_submit(presentation: Presentation) -> list[str]:
    """What the presentation lacks to be submitted, in French. The seed's minimum for each indicator shown
    is « résultats de la phase qui s'achève et objectifs à 6 mois »: the value reached (or, when it is not
    measured yet, a comment saying why) and the new objective."""
    missing = [label for name, label in REQUIRED_TO_SUBMIT if getattr(presentation, name) in (None, "")]
    for line in presentation.lines:
        # An indicator not measured yet cannot have a value: the team then says why in the line's comment.
        if line.reached_value is None and not line.comment:
            missing.append(f"la valeur atteinte de « {line.indicator.name} » (dans les valeurs des indicateurs, "
                           "ou dites pourquoi elle manque dans le commentaire de l'indicateur)")
        if line.new_objective_value is None:
            missing.append(f"l'objectif à 6 mois de « {line.indicator.name} »")
    return missing


def submit(presentation: Presentation, *, actor: Person | None, now: dt.datetime,
           expected_version: int | None = None) -> None:
    """The team sends its presentation to the coach for review."""
    _check_version(presentation, expected_version)
    _editable(presentation)
    missing = missing_to_submit(presentation)
    if missing:
        raise PresentationError("Avant de soumettre la présentation, renseignez " + ", ".join(missing) + ".")
    before = presentation.status
    presentation.status = PresentationStatus.SUBMITTED
    presentation.submitted_at = now
    presentation.submitted_by_id = actor.id if actor else None
    presentation.updated_at = now
    _flush()
    _audit("presentation.submitted", presentation, actor, before={"status": before},
           after={"status": presentation.status})


def _reviewable(presentation: Presentation) -> None:
    if presentation.is_frozen:
        raise PresentationError("Le comité s'est tenu : la présentation est figée.")
    if presentation.is_closed:
        raise PresentationError(_closed_message(presentation))
    if presentation.status is not PresentationStatus.SUBMITTED:
        raise PresentationError("Seule une présentation soumise peut être relue.")


def accept(presentation: Presentation, *, actor: Person | None, now: dt.datetime, comment: str | None = None,
           expected_version: int | None = None) -> None:
    """The coach accepts the submitted presentation (an optional comment)."""
    _check_version(presentation, expected_version)
    _reviewable(presentation)
    presentation.status = PresentationStatus.ACCEPTED
    presentation.reviewed_at = now
    presentation.reviewed_by_id = actor.id if actor else None
    presentation.review_comment = _clean(comment)
    presentation.updated_at = now
    _flush()
    _audit("presentation.accepted", presentation, actor, before={"status": PresentationStatus.SUBMITTED},
           after={"status": presentation.status}, reason=presentation.review_comment)


def request_changes(presentation: Presentation, *, comment: str | None, actor: Person | None, now: dt.datetime,
                    expected_version: int | None = None) -> None:
    """The coach sends the presentation back to the team, saying what to change (mandatory)."""
    _check_version(presentation, expected_version)
    _reviewable(presentation)
    comment = _clean(comment)
    if comment is None:
        raise PresentationError("Dites à l'équipe ce qu'il faut modifier : le commentaire est obligatoire.")
    presentation.status = PresentationStatus.CHANGES_REQUESTED
    presentation.reviewed_at = now
    presentation.reviewed_by_id = actor.id if actor else None
    presentation.review_comment = comment
    presentation.updated_at = now
    _flush()
    _audit("presentation.changes_requested", presentation, actor, before={"status": PresentationStatus.SUBMITTED},
           after={"status": presentation.status}, reason=comment)


# -- freezing -----------------------------------------------------------------------------------------

def freeze(presentation: Presentation, *, actor: Person | None, now: dt.datetime | None = None) -> list:
    """The committee was held: the presentation is frozen, and each new objective it sets is recorded on
    its indicator with committee_id = this committee (the target the next committee checks).
    Idempotent: a frozen presentation is left as it is. Returns the objectives recorded."""
    if presentation.frozen_at is not None:
        return []
    committee = presentation.committee
    if committee.status not in FROZEN_COMMITTEE_STATUSES:
        raise PresentationError("Une présentation se fige quand son comité s'est tenu.")
    now = now or clock.now()
    held = committee.held_on or committee.local_date
    recorded, skipped = [], []
    for line in presentation.lines:
        if line.new_objective_value is None or line.new_objective_on is None:
            continue
        try:
            recorded.append(set_objective(
                line.indicator, target_value=line.new_objective_value, target_on=line.new_objective_on, now=now,
                actor=actor, committee_id=committee.id,
                comment=f"Objectif à six mois présenté au comité du {date_fr(held)}" if held else None,
            ))
        except IndicatorError:
            # An indicator archived since: its objective is kept on the frozen line only.
            skipped.append(line.indicator_id)
    presentation.frozen_at = now
    _flush()
    _audit("presentation.frozen", presentation, actor,
           after={"status": presentation.status, "objectives": [
               {"indicator_id": o.indicator_id, "target_value": o.target_value, "target_on": o.target_on}
               for o in recorded], "skipped_indicators": skipped})
    return recorded


def freeze_held(committee: Committee, *, actor: Person | None = None, now: dt.datetime | None = None) -> None:
    """The hook committees.services.mark_held calls once a committee is held."""
    presentation = presentation_of(committee)
    if presentation is not None:
        freeze(presentation, actor=actor, now=now)


# -- wiring into the committees area (which must not import this one) ---------------------------------

def team_notices(committee: Committee) -> list[str]:
    """What the team has to do about its presentation, and by when, said on the committee page: submitted
    one week before the committee (the pack's date), with each indicator's value reached and objective."""
    presentation = presentation_of(committee)
    if presentation is not None and presentation.status is PresentationStatus.SUBMITTED:
        return ["Présentation soumise, en attente de relecture par le coach."]
    if presentation is not None and presentation.status is PresentationStatus.ACCEPTED:
        return ["Présentation acceptée par le coach : rien de plus à faire avant le comité."]
    day = committee.local_date
    when = (f"au plus tard le {date_fr(day - dt.timedelta(days=committee_jobs.PACK_DAYS_BEFORE))}, une semaine "
            "avant le comité" if day else "une semaine avant le comité (sa date n'est pas encore fixée)")
    state = {
        None: "Elle n'est pas commencée.",
        PresentationStatus.DRAFT: "Elle est en brouillon, pas encore soumise.",
        PresentationStatus.CHANGES_REQUESTED: "Le coach demande des modifications : corrigez-la, puis soumettez-la "
                                              "de nouveau.",
    }[presentation.status if presentation else None]
    return [f"Soumettre la présentation {when}, avec pour chaque indicateur présenté la valeur atteinte et "
            f"l'objectif à six mois. {state}"]


committee_jobs.register_presentation_filter(not_submitted)
committee_services.register_notice("team", team_notices)
committee_services.register_held_hook(freeze_held)
