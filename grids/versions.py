"""The grid templates and their versions: the official grids seeded as version 1 (once), later versions
published by admins (a copy of the latest with its criteria changed, audited), and the published templates.

Every change checks its rule (GridError with a French message), audits the published version and flushes;
the caller commits. Filling a grid and its results: grids/services.py.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from audit.services import record
from core.db import db
from grids.models import Criterion, CriterionKind, FieldType, GridError, GridTemplate, GridVersion
from users.models import Person

SEED_ACTOR = "flask grids seed"
CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,49}$")
MAX_WEIGHT = Decimal(100)


def clean_text(text: str | None) -> str | None:
    """The text without its surrounding spaces, or None when nothing is left."""
    text = (text or "").strip()
    return text or None


# -- seeding ------------------------------------------------------------------------------------------

def criteria_from_official(grid: Mapping) -> list[Criterion]:
    """The criteria of one grid of official-grids.json, in the order of the document."""
    criteria: list[Criterion] = []

    def add(**fields):
        criteria.append(Criterion(position=len(criteria), **fields))

    for section in grid.get("sections", ()):
        for item in section["scored_criteria"]:
            add(code=item["code"], label=item["label"], section=section["label"], questions=list(item.get("questions", [])),
                kind=CriterionKind.SCORED)
    for item in grid.get("scored_criteria", ()):
        add(code=item["code"], label=item["label"], questions=list(item.get("questions", [])), kind=CriterionKind.SCORED)
    for item in grid.get("qualitative_criteria", ()):
        add(code=item["code"], label=item["label"], questions=[item["question"]] if item.get("question") else [],
            kind=CriterionKind.QUALITATIVE, field_type=FieldType.TEXT)
    for item in grid.get("conclusion_fields", ()):
        field_type = FieldType.MONEY_EUR if item.get("type") == "money_eur" else FieldType.TEXT
        add(code=item["code"], label=item["label"], questions=[], kind=CriterionKind.CONCLUSION, field_type=field_type)
    if grid.get("decision_choices"):
        add(code="decision", label="Décision recommandée", questions=[], kind=CriterionKind.CONCLUSION,
            field_type=FieldType.CHOICE, choices=list(grid["decision_choices"]))
    for criterion in criteria:
        criterion.weight = Decimal(1)  # the sources give no weights
    return criteria


def seed_official_grids(official: Mapping, *, now: dt.datetime) -> list[GridTemplate]:
    """Create the official grids as version 1, once: a template that already exists is left as it is
    (admins may have published later versions). Returns the templates created."""
    created = []
    for grid in official["grids"]:
        if db.session.scalar(sa.select(GridTemplate.id).where(GridTemplate.code == grid["code"])) is not None:
            continue
        template = GridTemplate(code=grid["code"], title=grid["title"], created_at=now)
        version = GridVersion(
            number=1, scale_min=grid["scale"]["min"], scale_max=grid["scale"]["max"],
            scale_min_label=grid["scale"].get("min_label"), scale_max_label=grid["scale"].get("max_label"),
            intro=grid.get("intro"),
            header_fields=list(grid.get("header_fields", [])), published_at=now,
            change_note="Grille officielle du programme beta.gouv.fr.",
            criteria=criteria_from_official(grid),
        )
        template.versions.append(version)
        db.session.add(template)
        db.session.flush()
        _audit_publication(version, actor=None, actor_label=SEED_ACTOR)
        created.append(template)
    return created


# -- versions -----------------------------------------------------------------------------------------

def _version_snapshot(version: GridVersion) -> dict:
    return {
        "template": version.template.code,
        "number": version.number,
        "scale": [version.scale_min, version.scale_max],
        "intro": version.intro,
        "criteria": [
            {"code": c.code, "label": c.label, "kind": c.kind.value, "weight": str(c.weight),
             "archived": c.archived_at is not None, "questions": list(c.questions or [])}
            for c in version.criteria
        ],
    }


def _audit_publication(version: GridVersion, *, actor: Person | None, actor_label: str | None = None) -> None:
    record("grid.version_published", "grid_version", version.id, actor=actor, actor_label=actor_label,
           after=_version_snapshot(version), reason=version.change_note)


@dataclasses.dataclass
class CriterionChange:
    """The new label, questions, weight and archived state of a criterion of the latest version."""

    code: str
    label: str
    questions: list[str]
    weight: Decimal
    archived: bool


@dataclasses.dataclass
class NewCriterion:
    code: str
    label: str
    kind: CriterionKind
    questions: list[str]
    weight: Decimal = Decimal(1)
    section: str | None = None


def _check_weight(weight, label: str) -> Decimal:
    try:
        weight = Decimal(weight)
    except (InvalidOperation, TypeError, ValueError):
        raise GridError(f"Le poids de « {label} » doit être un nombre.") from None
    if not weight.is_finite() or not Decimal(0) < weight <= MAX_WEIGHT or weight != weight.quantize(Decimal("0.01")):
        raise GridError(f"Le poids de « {label} » doit être un nombre positif d'au plus 100, avec au plus deux décimales.")
    return weight


def publish_version(template: GridTemplate, *, changes: Sequence[CriterionChange], new: Sequence[NewCriterion] = (),
                    intro: str | None, change_note: str | None, actor: Person, now: dt.datetime) -> GridVersion:
    """Publish version n + 1 of the template: a copy of the latest version with the given changes to its
    criteria (labels, questions, weights, archived or restored) and the new criteria appended."""
    latest = template.latest_version
    if latest is None:
        raise GridError("Cette grille n'a aucune version publiée.")
    if template.archived_at is not None:
        raise GridError("Cette grille est archivée : elle ne peut plus recevoir de nouvelle version.")
    by_code = {change.code: change for change in changes}
    unknown = set(by_code) - {c.code for c in latest.criteria}
    if unknown:
        raise GridError(f"Critère inconnu dans la dernière version : {', '.join(sorted(unknown))}.")
    version = GridVersion(
        number=latest.number + 1, scale_min=latest.scale_min, scale_max=latest.scale_max,
        scale_min_label=latest.scale_min_label, scale_max_label=latest.scale_max_label,
        intro=clean_text(intro), header_fields=list(latest.header_fields or []), change_note=clean_text(change_note),
        published_at=now, published_by_id=actor.id,
    )
    for old in latest.criteria:
        change = by_code.get(old.code)
        label = clean_text(change.label) if change else old.label
        if label is None:
            raise GridError(f"Le libellé du critère {old.code} est obligatoire.")
        if len(label) > 500:
            raise GridError(f"Le libellé du critère {old.code} dépasse 500 caractères.")
        archived = change.archived if change else old.archived_at is not None
        version.criteria.append(Criterion(
            code=old.code, label=label, section=old.section, kind=old.kind, field_type=old.field_type,
            choices=list(old.choices) if old.choices is not None else None,
            questions=[q for q in (change.questions if change else old.questions or []) if q.strip()],
            weight=_check_weight(change.weight, label) if change else old.weight,
            position=old.position,
            archived_at=(old.archived_at or now) if archived else None,
        ))
    codes = {c.code for c in version.criteria}
    for item in new:
        code = (item.code or "").strip().lower()
        label = clean_text(item.label)
        if not CODE.match(code):
            raise GridError("Le code d'un nouveau critère s'écrit en minuscules, chiffres, points, tirets "
                            "ou soulignés (50 caractères au plus).")
        if code in codes:
            raise GridError(f"Le code « {code} » est déjà celui d'un critère de cette grille.")
        if label is None or len(label) > 500:
            raise GridError("Le libellé d'un nouveau critère est obligatoire (500 caractères au plus).")
        codes.add(code)
        version.criteria.append(Criterion(
            code=code, label=label, section=clean_text(item.section), kind=item.kind,
            field_type=FieldType.TEXT, questions=[q.strip() for q in item.questions if q.strip()],
            weight=_check_weight(item.weight, label), position=len(version.criteria),
        ))
    if not version.active_criteria:
        raise GridError("Une grille doit garder au moins un critère non archivé.")
    if _same(latest, version):
        raise GridError("Aucune modification : la nouvelle version serait identique à la précédente.")
    version.template = template
    db.session.add(version)
    db.session.flush()
    _audit_publication(version, actor=actor)
    return version


def _same(old: GridVersion, new: GridVersion) -> bool:
    def shape(version):
        return (version.intro, [(c.code, c.label, list(c.questions or []), Decimal(c.weight), c.archived_at is None)
                                for c in version.criteria])

    return shape(old) == shape(new)


def published_templates(include_archived: bool = False) -> list[GridTemplate]:
    query = sa.select(GridTemplate).options(selectinload(GridTemplate.versions).selectinload(GridVersion.criteria),
                                            selectinload(GridTemplate.versions).selectinload(GridVersion.published_by))
    if not include_archived:
        query = query.where(GridTemplate.archived_at.is_(None))
    found = db.session.scalars(query.order_by(GridTemplate.id)).all()
    return [t for t in found if t.latest_version is not None]
