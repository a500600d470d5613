"""Grid rules: which grid suits which committee, filling (draft, submit, abstain), who sees the scores, and
the results (the templates and their versions, seeded and published: grids/versions.py).

Every change checks its rule (GridError with a French message), changes the data, writes an audit event
when it is decision-grade (a submitted grid, a published version) and flushes; the caller commits.

Rules decided here (issue 5 leaves them open):
- Evaluators: every participant of the committee except the startup's own team (roles intrapreneur and
  team member): the team presents, it does not score itself. The chair scores like any participant. The
  team is read twice: the role the participant was invited in, and the person's current roles in the
  startup (an intrapreneur invited as « autre » is still the team).
- A grid is filled while the committee is to plan or planned; once held (or cancelled) drafts stay
  drafts and count for nothing, and no grid can be started or submitted any more — otherwise someone
  could read the others' scores (visible once held) before submitting their own. The exception is the
  sponsor's grid (arbitrage_sponsor, issue 12): it is the sponsor's own and informs the sign-off, so it
  can be filled until the decision is signed off (held or decided included).
- Who fills which grid: the sponsor's grid by the evaluators who arbitrate (the sponsor first), not by
  the coach (invited as coach, or the startup's current coach in any other role), who prepares the
  committee with the team; every other grid by every evaluator. When the policy requires the sponsor's
  grid before the sign-off, it is a sponsor's that counts: a participant invited as sponsor, or a current
  sponsor of the startup.
- A filled grid is created on the first save, on the version shown when the form was opened (the latest
  published one); it keeps that version for good. Submitting freezes it.
- Hidden scores: a person sees the others' scores (results and individual answers) of a committee's grid
  once they have submitted their own grid of that template, or once the committee is held (held,
  decided, signed off). The sponsor's grid stays open after the committee is held: whoever fills it and
  has not submitted theirs sees the others' only once the decision is signed off. This applies to everyone — chair, coach, sponsor, incubator staff and admins
  alike: nobody needs the scores before the session, and an exception for admins would be a leak that
  no one could see. Everyone allowed to see the results sees, before that, who has submitted.
  The audit trail follows the same rule: a submitted grid's event carries its scores with the visibility
  GRID_SCORES, and the audit pages mask them from whoever this rule does not let see them
  (scores_visible_to, registered in grids/audit_labels.py).
- Results are computed per version (two participants who filled two versions are not mixed) over the
  submitted, non-abstaining grids; see grids/stats.py for the statistics.
"""

import dataclasses
import datetime as dt
import re
import types
from collections.abc import Collection, Mapping, Sequence

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from audit.models import Visibility
from audit.services import record
from committees import services as committee_services
from committees.models import Committee, CommitteeKind, CommitteeStatus, Participant, ParticipantRole
from core.db import db
from grids import stats
from grids.versions import clean_text
from grids.models import (
    Answer,
    Criterion,
    FieldType,
    FilledGrid,
    FilledStatus,
    GridError,
    GridTemplate,
    GridValidationError,
    GridVersion,
)
from core import clock
from users.models import Person, StartupRole
from users.permissions import can, startup_roles

# Which grids a committee of each kind is evaluated with; arbitrage_sponsor goes with every committee.
KIND_GRIDS: dict[CommitteeKind, tuple[str, ...]] = {
    CommitteeKind.END_OF_INVESTIGATION: ("lancement",),
    CommitteeKind.END_OF_CONSTRUCTION: ("acceleration",),
}
EVERY_COMMITTEE = ("arbitrage_sponsor",)

NOT_EVALUATORS = frozenset({ParticipantRole.INTRAPRENEUR, ParticipantRole.TEAM_MEMBER})
TEAM_ROLES = frozenset({StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER})  # the same, as roles in the startup
FILLING_STATUSES = frozenset({CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED})
# The evaluators who do not fill a grid (by template code); every other grid is filled by every evaluator.
NOT_FILLED_BY: dict[str, frozenset[ParticipantRole]] = {"arbitrage_sponsor": frozenset({ParticipantRole.COACH})}
NOT_FILLED_BY_ROLE: dict[str, frozenset[StartupRole]] = {"arbitrage_sponsor": frozenset({StartupRole.COACH})}
# The grids that stay open until the sign-off, and the statuses in which they do.
OPEN_UNTIL_SIGN_OFF = frozenset({"arbitrage_sponsor"})
FILLING_UNTIL_SIGN_OFF = FILLING_STATUSES | {CommitteeStatus.HELD, CommitteeStatus.DECIDED}
HELD_STATUSES = frozenset({CommitteeStatus.HELD, CommitteeStatus.DECIDED, CommitteeStatus.SIGNED_OFF})

MAX_TEXT = 5000
MAX_MONEY = 1_000_000_000


# -- which grids, who fills ---------------------------------------------------------------------------

def suitable_codes(kind: CommitteeKind) -> tuple[str, ...]:
    """The templates a committee of this kind is evaluated with, the kind's own grid first."""
    return KIND_GRIDS.get(kind, ()) + EVERY_COMMITTEE


def templates_for(committee: Committee) -> list[GridTemplate]:
    """The suitable, non-archived templates that have a published version, in suitable_codes order."""
    codes = suitable_codes(committee.kind)
    found = db.session.scalars(
        sa.select(GridTemplate).where(GridTemplate.code.in_(codes), GridTemplate.archived_at.is_(None))
        .options(selectinload(GridTemplate.versions).selectinload(GridVersion.criteria))
    ).all()
    found = [t for t in found if t.latest_version is not None]
    return sorted(found, key=lambda t: codes.index(t.code))


def template_for(committee: Committee, code: str) -> GridTemplate | None:
    return next((t for t in templates_for(committee) if t.code == code), None)


def _roles_today(committee: Committee, participant: Participant) -> set[StartupRole]:
    return startup_roles(participant.person, committee.startup_id, clock.today())


def _scores(committee: Committee, participant: Participant, template: GridTemplate | None = None) -> bool:
    """Whether the participant fills the template (any grid of the committee when None): invited outside the
    startup's team and not in it today, and not among those the template excludes (NOT_FILLED_BY)."""
    if participant.role in NOT_EVALUATORS:
        return False
    roles = _roles_today(committee, participant)
    if roles & TEAM_ROLES:
        return False
    if template is None:
        return True
    return participant.role not in NOT_FILLED_BY.get(template.code, ()) \
        and not roles & NOT_FILLED_BY_ROLE.get(template.code, frozenset())


def is_evaluator(committee: Committee, person: Person | None) -> bool:
    """A participant of the committee outside the startup's own team."""
    return person is not None and any(p.person_id == person.id and _scores(committee, p) for p in committee.participants)


def evaluators(committee: Committee) -> list[Person]:
    return [p.person for p in committee.participants if _scores(committee, p)]


def fills(committee: Committee, template: GridTemplate, person: Person | None) -> bool:
    """Whether this person fills this grid of the committee (see NOT_FILLED_BY)."""
    return person is not None and any(
        p.person_id == person.id and _scores(committee, p, template) for p in committee.participants)


def fillers(committee: Committee, template: GridTemplate) -> list[Person]:
    """The participants who fill this grid, each once, in the committee's order."""
    found: dict[int, Person] = {}
    for p in committee.participants:
        if _scores(committee, p, template):
            found.setdefault(p.person_id, p.person)
    return list(found.values())


def arbitrating_sponsors(committee: Committee, template: GridTemplate) -> list[Person]:
    """Of the sponsor's grid's fillers, the sponsors: invited as sponsor, or a current sponsor of the startup."""
    found: dict[int, Person] = {}
    for p in committee.participants:
        if _scores(committee, p, template) and (
                p.role == ParticipantRole.SPONSOR or StartupRole.SPONSOR in _roles_today(committee, p)):
            found.setdefault(p.person_id, p.person)
    return list(found.values())


def audience(template: GridTemplate) -> str:
    """Whom the grid is for, in French."""
    if template.code in OPEN_UNTIL_SIGN_OFF:
        return ("Grille du sponsor : remplie par le sponsor et les participants qui arbitrent avec lui (ni le coach, "
                "ni l'équipe de la startup), jusqu'à la validation de la décision.")
    return "Grille des participants : remplie par chaque participant du comité, hors équipe de la startup, avant la tenue du comité."


def not_started(committee: Committee) -> list[tuple[GridTemplate, list[Person]]]:
    """For each grid of the committee, the people who fill it and have not started it (no draft at all)."""
    started = {(g.template_id, g.person_id) for g in db.session.scalars(
        sa.select(FilledGrid).where(FilledGrid.committee_id == committee.id))}
    missing = []
    for template in templates_for(committee):
        people = [p for p in fillers(committee, template) if (template.id, p.id) not in started]
        if people:
            missing.append((template, people))
    return missing


def sponsor_grid_submitted(committee: Committee) -> bool | None:
    """Whether a sponsor of the committee submitted the sponsor's grid; None when that grid does not apply."""
    template = template_for(committee, "arbitrage_sponsor")
    if template is None:
        return None
    sponsors = {p.id for p in arbitrating_sponsors(committee, template)}
    return any(g.is_submitted and g.person_id in sponsors for g in filled_grids(committee, template))


def filled_grids(committee: Committee, template: GridTemplate) -> list[FilledGrid]:
    return list(db.session.scalars(
        sa.select(FilledGrid)
        .where(FilledGrid.committee_id == committee.id, FilledGrid.template_id == template.id)
        .options(selectinload(FilledGrid.answers), selectinload(FilledGrid.person),
                 selectinload(FilledGrid.version).selectinload(GridVersion.criteria))
        .order_by(FilledGrid.id)
    ))


def own_grid(committee: Committee, template: GridTemplate, person: Person, *, fresh: bool = False) -> FilledGrid | None:
    """The person's grid; fresh: read again from the database (with its answers), over what the session
    loaded with the page."""
    query = (
        sa.select(FilledGrid)
        .where(FilledGrid.committee_id == committee.id, FilledGrid.template_id == template.id,
               FilledGrid.person_id == person.id)
        .options(selectinload(FilledGrid.answers), selectinload(FilledGrid.version).selectinload(GridVersion.criteria))
    )
    return db.session.scalar(query.execution_options(populate_existing=True) if fresh else query)


def _lock(committee: Committee) -> None:
    """Take the committee's row (FOR UPDATE on PostgreSQL; SQLite has one writer at a time and refuses a writer
    that read before another one wrote) and read its status again: a draft saved at the moment the same
    person submits (two windows, a double click) waits for the submission and is then refused, instead of
    changing the scores after the audit trail recorded them; a grid submitted at the moment the committee
    is marked held sees it held."""
    if committee.id is None:
        return
    db.session.scalars(sa.select(Committee).where(Committee.id == committee.id).with_for_update()
                       .execution_options(populate_existing=True)).one()


def filling_open(committee: Committee, template: GridTemplate | None = None) -> bool:
    """Whether the grid (any grid when template is None) can still be filled."""
    statuses = FILLING_UNTIL_SIGN_OFF if template is not None and template.code in OPEN_UNTIL_SIGN_OFF \
        else FILLING_STATUSES
    return committee.archived_at is None and committee.status in statuses


def scores_visible(committee: Committee, template: GridTemplate, person: Person | None,
                   grids: Sequence[FilledGrid] | None = None) -> bool:
    """The others' scores show once the person has submitted their own grid, or the committee is held; for
    a grid open until the sign-off, once it is signed off if the person fills it and has not submitted."""
    if committee.status == CommitteeStatus.SIGNED_OFF:
        return True
    if committee.status in HELD_STATUSES and not (template.code in OPEN_UNTIL_SIGN_OFF and fills(committee, template, person)):
        return True
    if person is None:
        return False
    grids = filled_grids(committee, template) if grids is None else grids
    return any(g.person_id == person.id and g.is_submitted for g in grids)


def late_evaluator_refusal(committee: Committee, person: Person, role: ParticipantRole) -> str | None:
    """Why the person may not be invited now (committees.services.add_participant), or None. Once the committee
    is held, a grid open until the sign-off shows its scores to whoever may read its results without filling
    it (a sponsor or the incubator's staff not invited): invited now, they would fill it having read the
    others' scores."""
    if committee.status not in HELD_STATUSES or not can("grid.results", committee, person):
        return None
    # What _scores reads of a participant, without making one: the row would join the person's participations.
    invited = types.SimpleNamespace(person=person, person_id=person.id, role=role)
    for template in templates_for(committee):
        if template.code in OPEN_UNTIL_SIGN_OFF and _scores(committee, invited, template):
            return (f"Le comité s'est tenu : {person.name} peut déjà lire les notes de la grille "
                    f"« {template.title} » sans la remplir. L'inviter maintenant lui ferait remplir cette grille "
                    "après avoir lu celles des autres ; les évaluateurs sont invités avant le comité.")
    return None


def unmasked_when(template: GridTemplate) -> str:
    """When the others' scores show to whoever fills the grid and has not submitted theirs, in French."""
    return "ou que la décision du comité soit validée" if template.code in OPEN_UNTIL_SIGN_OFF else "ou que le comité soit tenu"


def scores_visible_to(grid_ids: Collection[int], person: Person | None) -> set[int]:
    """Of these filled grids, those whose scores `person` may see: the rule of the committee's grid page
    (grid.results on the committee, the committee not archived, then scores_visible), for many grids in
    at most three statements."""
    if not grid_ids or person is None:
        return set()
    grids = db.session.scalars(
        sa.select(FilledGrid).where(FilledGrid.id.in_(grid_ids))
        .options(joinedload(FilledGrid.template), joinedload(FilledGrid.committee).joinedload(Committee.startup),
                 joinedload(FilledGrid.committee).selectinload(Committee.participants))
    ).unique().all()
    seen = [g for g in grids if g.committee.archived_at is None and can("grid.results", g.committee, person)]
    pending = {g.committee_id for g in seen if g.committee.status != CommitteeStatus.SIGNED_OFF}
    own: list[FilledGrid] = list(db.session.scalars(
        sa.select(FilledGrid).where(FilledGrid.committee_id.in_(pending), FilledGrid.person_id == person.id)
    )) if pending else []
    return {g.id for g in seen if scores_visible(
        g.committee, g.template, person,
        [o for o in own if o.committee_id == g.committee_id and o.template_id == g.template_id])}


def held_notices(committee: Committee) -> list[str]:
    """Said to whoever marks the committee held: the grids not started, by name."""
    notices = []
    for template, people in not_started(committee):
        still = (" Elle reste ouverte jusqu'à la validation de la décision."
                 if filling_open(committee, template) else "")
        notices.append(f"Grille « {template.title} » non commencée par : {', '.join(p.name for p in people)}.{still}")
    return notices


def sponsor_grid_required() -> bool:
    """The policy (SIGN_OFF_SPONSOR_GRID): « exiger » refuses a sign-off without the sponsor's grid,
    « avertir » (the default) only says it is missing."""
    return current_app.config.get("SIGN_OFF_SPONSOR_GRID", "avertir") == "exiger"


def sign_off_notices(committee: Committee) -> list[str]:
    """Said on the sign-off page when the policy only warns: the sponsor's grid not submitted (it stays
    open until the sign-off)."""
    if not sponsor_grid_required() and sponsor_grid_submitted(committee) is False:
        return ["La grille d'arbitrage du sponsor n'est pas soumise pour ce comité. Elle reste ouverte jusqu'à "
                "la validation."]
    return []


def sign_off_requirements(committee: Committee) -> list[str]:
    """What refuses the sign-off when the policy requires the sponsor's grid: it is not submitted."""
    if sponsor_grid_required() and sponsor_grid_submitted(committee) is False:
        if not arbitrating_sponsors(committee, template_for(committee, "arbitrage_sponsor")):
            return ["La grille d'arbitrage du sponsor est exigée avant la validation, et aucun sponsor ne participe "
                    "à ce comité pour la remplir : ajoutez-le aux participants."]
        return ["La grille d'arbitrage du sponsor est exigée avant la validation : un sponsor participant au "
                "comité doit la soumettre d'abord."]
    return []


def kind_change_refusals(committee: Committee) -> list[str]:
    """What refuses a change of the committee's kind (committee.kind is the new one): grids already filled
    with a template a committee of that kind is not evaluated with would leave its pages, its pack and its
    results, scores included."""
    codes = suitable_codes(committee.kind)
    titles = db.session.scalars(
        sa.select(GridTemplate.title).join(FilledGrid, FilledGrid.template_id == GridTemplate.id)
        .where(FilledGrid.committee_id == committee.id, GridTemplate.code.not_in(codes))
        .distinct().order_by(GridTemplate.title)).all()
    if not titles:
        return []
    names = ", ".join(f"« {title} »" for title in titles)
    started = f"la grille {names} est déjà commencée" if len(titles) == 1 else f"les grilles {names} sont déjà commencées"
    return [f"Type de comité : {started} pour ce comité, et un comité de type « {committee.kind.label} » n'est "
            "pas évalué avec : ses notes disparaîtraient des pages du comité et de son dossier. Gardez le type, "
            "ou annulez ce comité et planifiez-en un autre."]


committee_services.register_notice("held", held_notices)
committee_services.register_participant_check(late_evaluator_refusal)
committee_services.register_notice("kind_change", kind_change_refusals)
committee_services.register_notice("sign_off", sign_off_notices)
committee_services.register_notice("sign_off_required", sign_off_requirements)


# -- filling ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class AnswerInput:
    """What the form sends for one criterion, as text (validated here)."""

    value: str | None = None  # the score for scored criteria, the answer otherwise
    comment: str | None = None


def field_name(criterion: Criterion) -> str:
    return f"c{criterion.id}"


def parse_answers(version: GridVersion, answers: Mapping[int, AnswerInput], *, complete: bool
                  ) -> tuple[dict[int, tuple[int | None, str | None, str | None]], dict[str, str]]:
    """(criterion id -> (score, text, comment)) and the errors by form field (French, one per field).
    complete: every scored criterion needs a score (submitting)."""
    parsed, errors = {}, {}
    for criterion in version.active_criteria:
        given = answers.get(criterion.id, AnswerInput())
        raw = (given.value or "").strip()
        comment = clean_text(given.comment)
        name = field_name(criterion)
        if comment and len(comment) > MAX_TEXT:
            errors[f"{name}-comment"] = f"Le commentaire sur « {criterion.label} » dépasse {MAX_TEXT} caractères."
        score, text = None, None
        if criterion.is_scored:
            low, high = version.scale_min, version.scale_max
            if raw:
                if re.fullmatch(r"[+-]?\d{1,6}", raw) and low <= int(raw) <= high:
                    score = int(raw)
                else:
                    errors[name] = f"La note de « {criterion.label} » doit être un nombre entier entre {low} et {high}."
            elif complete:
                errors[name] = f"Donnez une note entre {low} et {high} à « {criterion.label} »."
        elif raw:
            if criterion.field_type is FieldType.MONEY_EUR:
                digits = re.sub(r"[\s\u00a0\u202f€]", "", raw)
                if re.fullmatch(r"\d{1,10}", digits) and int(digits) <= MAX_MONEY:
                    text = str(int(digits))
                else:
                    errors[name] = f"« {criterion.label} » doit être un montant en euros, nombre entier sans décimales (par exemple 450 000)."
            elif criterion.field_type is FieldType.CHOICE:
                if raw in (criterion.choices or []):
                    text = raw
                else:
                    errors[name] = f"Choisissez une des réponses proposées pour « {criterion.label} »."
            elif len(raw) > MAX_TEXT:
                errors[name] = f"La réponse à « {criterion.label} » dépasse {MAX_TEXT} caractères."
            else:
                text = raw
        parsed[criterion.id] = (score, text, comment)
    return parsed, errors


def save_grid(committee: Committee, template: GridTemplate, person: Person, *, answers: Mapping[int, AnswerInput],
              abstained: bool, conflict_of_interest: str | None, comment: str | None, submit: bool,
              now: dt.datetime, version: GridVersion | None = None) -> FilledGrid:
    """Save the person's grid as a draft, or submit it (then it is frozen). On the first save the grid is
    created on `version` (the one the form showed) or else on the latest published version."""
    _lock(committee)
    if not is_evaluator(committee, person):
        raise GridError("Seuls les participants du comité, hors équipe de la startup, remplissent les grilles.")
    if template.code not in suitable_codes(committee.kind):
        raise GridError(f"La grille « {template.title} » ne s'applique pas à un comité « {committee.kind.label} ».")
    if not fills(committee, template, person):
        raise GridError(f"La grille « {template.title} » est remplie par le sponsor et les participants qui arbitrent, "
                        "pas par le coach.")
    if not filling_open(committee, template):
        raise GridError("Cette grille ne peut plus être remplie : le comité est tenu, validé ou annulé."
                        if template.code in OPEN_UNTIL_SIGN_OFF else
                        "Les grilles de ce comité ne peuvent plus être remplies : il est tenu ou annulé.")
    filled = own_grid(committee, template, person, fresh=True)
    if filled is not None and filled.is_submitted:
        raise GridError("Votre grille est déjà soumise : elle ne peut plus être modifiée.")
    if filled is None:
        if version is None or version.template_id != template.id or not version.is_published:
            version = template.latest_version
        if version is None:
            raise GridError("Cette grille n'a aucune version publiée.")
        # Added to the session only once the answers are valid: a refused first save writes nothing.
        filled = FilledGrid(committee=committee, person=person, template=template, version=version, created_at=now)
    version = filled.version

    conflict = clean_text(conflict_of_interest)
    comment = clean_text(comment)
    errors: dict[str, str] = {}
    if abstained and not conflict:
        errors["conflict_of_interest"] = "Déclarez le conflit d'intérêts qui motive votre abstention."
    if conflict and len(conflict) > MAX_TEXT:
        errors["conflict_of_interest"] = f"La déclaration dépasse {MAX_TEXT} caractères."
    if comment and len(comment) > MAX_TEXT:
        errors["comment"] = f"Le commentaire général dépasse {MAX_TEXT} caractères."
    parsed, answer_errors = parse_answers(version, {} if abstained else answers, complete=submit and not abstained)
    errors.update(answer_errors)
    if errors:
        raise GridValidationError(errors)

    db.session.add(filled)
    filled.abstained = abstained
    filled.conflict_of_interest = conflict if abstained else None
    filled.comment = comment
    filled.updated_at = now
    existing = {a.criterion_id: a for a in filled.answers}
    for criterion_id, (score, text, answer_comment) in parsed.items():
        answer = existing.get(criterion_id)
        if score is None and text is None and answer_comment is None:
            if answer is not None:
                filled.answers.remove(answer)
            continue
        if answer is None:
            answer = Answer(criterion_id=criterion_id)
            filled.answers.append(answer)
        answer.score, answer.text, answer.comment = score, text, answer_comment
    if abstained:
        filled.answers.clear()  # an abstention carries no score nor answer
    if submit:
        filled.status = FilledStatus.SUBMITTED
        filled.submitted_at = now
    db.session.flush()
    if submit:
        by_id = {c.id: c for c in version.criteria}
        record("grid.submitted", "filled_grid", filled.id, actor=person, startup_id=committee.startup_id,
               visibility=Visibility.GRID_SCORES, visibility_ref=filled.id, after={
                   "committee_id": committee.id, "template": template.code, "version": version.number,
                   "abstained": abstained, "conflict_of_interest": filled.conflict_of_interest,
                   "scores": {by_id[a.criterion_id].code: a.score for a in filled.answers if a.score is not None},
               })
    return filled


# -- results ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class CriterionResult:
    criterion: Criterion
    stats: stats.CriterionStats


@dataclasses.dataclass
class VersionResults:
    version: GridVersion
    grids: list[FilledGrid]  # submitted, abstentions included
    criteria: list[CriterionResult]
    overall_mean: float | None

    @property
    def abstentions(self) -> list[FilledGrid]:
        return [g for g in self.grids if g.abstained]

    @property
    def scoring(self) -> list[FilledGrid]:
        return [g for g in self.grids if not g.abstained]


def results(grids: Sequence[FilledGrid]) -> list[VersionResults]:
    """Statistics per scored criterion of each version used, over the submitted, non-abstaining grids."""
    submitted = [g for g in grids if g.is_submitted]
    by_version: dict[int, list[FilledGrid]] = {}
    for grid in submitted:
        by_version.setdefault(grid.version_id, []).append(grid)
    out = []
    for version_grids in sorted(by_version.values(), key=lambda gs: gs[0].version.number):
        version = version_grids[0].version
        scoring = [g for g in version_grids if not g.abstained]
        rows = []
        for criterion in version.scored_criteria:
            scores = [a.score for g in scoring for a in g.answers if a.criterion_id == criterion.id and a.score is not None]
            rows.append(CriterionResult(criterion, stats.summarize(scores, version.scale_min, version.scale_max)))
        overall = stats.weighted_mean([(r.stats.mean, r.criterion.weight) for r in rows])
        out.append(VersionResults(version, version_grids, rows, overall))
    return out
