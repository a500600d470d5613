"""Evaluation grids: templates, their immutable published versions and criteria, and the grids each
committee participant fills (with one answer per criterion).

A published version never changes: publishing a change creates version n + 1, a copy with the changes,
and a filled grid keeps pointing at the version it was filled with, so old scores keep their meaning.
The guard at the bottom of this file refuses any update of a published version or of its criteria.
"""

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from committees.models import Committee
from core import clock
from core.db import db
from users.models import Person


class GridError(ValueError):
    """A grid rule refused a change; the message is French and meant for the user."""


class GridValidationError(GridError):
    """Answers refused field by field: errors maps a form field name to its French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class CriterionKind(enum.StrEnum):
    SCORED = "note"
    QUALITATIVE = "qualitatif"
    CONCLUSION = "conclusion"

    @property
    def label(self) -> str:
        return {"note": "Critère noté", "qualitatif": "Critère qualitatif", "conclusion": "Conclusion"}[self.value]


class FieldType(enum.StrEnum):
    """How a qualitative or conclusion criterion is answered (scored criteria take a score)."""

    TEXT = "texte"
    MONEY_EUR = "montant_eur"
    CHOICE = "choix"

    @property
    def label(self) -> str:
        return {"texte": "Texte libre", "montant_eur": "Montant en euros", "choix": "Choix dans une liste"}[self.value]


class FilledStatus(enum.StrEnum):
    DRAFT = "brouillon"
    SUBMITTED = "soumise"

    @property
    def label(self) -> str:
        return {"brouillon": "Brouillon", "soumise": "Soumise"}[self.value]


class GridTemplate(db.Model):
    """One kind of grid (lancement, acceleration, arbitrage_sponsor…): a stable code and its versions."""

    __tablename__ = "grid_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    archived_at: Mapped[dt.datetime | None]

    versions: Mapped[list["GridVersion"]] = relationship(
        back_populates="template", order_by="GridVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest_version(self) -> "GridVersion | None":
        published = [v for v in self.versions if v.published_at is not None]
        return published[-1] if published else None


class GridVersion(db.Model):
    """A published version of a template: its scale, texts and criteria, frozen once published."""

    __tablename__ = "grid_versions"
    __table_args__ = (
        sa.UniqueConstraint("template_id", "number", name="uq_grid_versions_template_number"),
        sa.CheckConstraint("scale_min < scale_max", name="scale"),
        sa.CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("grid_templates.id"), index=True)
    number: Mapped[int]
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    # What the ends of the scale mean (« 0 : pas du tout », « 5 : tout à fait »), shown beside the scores.
    scale_min_label: Mapped[str | None] = mapped_column(sa.String(200))
    scale_max_label: Mapped[str | None] = mapped_column(sa.String(200))
    intro: Mapped[str | None] = mapped_column(sa.Text)
    header_fields: Mapped[list] = mapped_column(sa.JSON, default=list)
    change_note: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[dt.datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))

    template: Mapped[GridTemplate] = relationship(back_populates="versions")
    published_by: Mapped[Person | None] = relationship()
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="version", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def scale(self) -> range:
        return range(self.scale_min, self.scale_max + 1)

    def scale_end(self, score: int) -> str | None:
        """What this score means when it is an end of the scale."""
        return {self.scale_min: self.scale_min_label, self.scale_max: self.scale_max_label}.get(score)

    @property
    def scale_text(self) -> str:
        """« de 0 (pas du tout) à 5 (tout à fait) », the ends' meanings when the version has them."""
        def end(score: int) -> str:
            label = self.scale_end(score)
            return f"{score} ({label[:1].lower()}{label[1:]})" if label else str(score)
        return f"de {end(self.scale_min)} à {end(self.scale_max)}"

    @property
    def active_criteria(self) -> list["Criterion"]:
        return [c for c in self.criteria if c.archived_at is None]

    @property
    def scored_criteria(self) -> list["Criterion"]:
        return [c for c in self.active_criteria if c.kind is CriterionKind.SCORED]

    @property
    def has_weights(self) -> bool:
        return any(c.weight != 1 for c in self.scored_criteria)


class Criterion(db.Model):
    """One line of a grid version: scored on the version's scale, or answered in words (qualitative,
    conclusion). Archived criteria stay in the version (history) but are no longer filled."""

    __tablename__ = "grid_criteria"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "code", name="uq_grid_criteria_version_code"),
        sa.CheckConstraint("weight > 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("grid_versions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(50))
    label: Mapped[str] = mapped_column(sa.String(500))
    section: Mapped[str | None] = mapped_column(sa.String(200))
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)
    kind: Mapped[CriterionKind]
    field_type: Mapped[FieldType] = mapped_column(default=FieldType.TEXT)
    choices: Mapped[list | None] = mapped_column(sa.JSON)
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal(1))
    position: Mapped[int]
    archived_at: Mapped[dt.datetime | None]

    version: Mapped[GridVersion] = relationship(back_populates="criteria")

    @property
    def is_scored(self) -> bool:
        return self.kind is CriterionKind.SCORED


class FilledGrid(db.Model):
    """One participant's grid for one committee, on the exact version they started filling."""

    __tablename__ = "filled_grids"
    __table_args__ = (
        sa.UniqueConstraint("committee_id", "person_id", "version_id", name="uq_filled_grids_committee_person_version"),
        # One grid per template and person in a committee, whatever the version it was started on.
        sa.UniqueConstraint("committee_id", "person_id", "template_id", name="uq_filled_grids_committee_person_template"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("grid_templates.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("grid_versions.id"), index=True)
    status: Mapped[FilledStatus] = mapped_column(default=FilledStatus.DRAFT)
    abstained: Mapped[bool] = mapped_column(default=False)
    conflict_of_interest: Mapped[str | None] = mapped_column(sa.Text)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    submitted_at: Mapped[dt.datetime | None]

    committee: Mapped[Committee] = relationship()
    person: Mapped[Person] = relationship()
    template: Mapped[GridTemplate] = relationship()
    version: Mapped[GridVersion] = relationship()
    answers: Mapped[list["Answer"]] = relationship(back_populates="filled_grid", cascade="all, delete-orphan")

    @property
    def is_submitted(self) -> bool:
        return self.status is FilledStatus.SUBMITTED

    def answer_for(self, criterion: Criterion) -> "Answer | None":
        return next((a for a in self.answers if a.criterion_id == criterion.id), None)


class Answer(db.Model):
    __tablename__ = "grid_answers"
    __table_args__ = (sa.UniqueConstraint("filled_grid_id", "criterion_id", name="uq_grid_answers_grid_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filled_grid_id: Mapped[int] = mapped_column(sa.ForeignKey("filled_grids.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("grid_criteria.id"), index=True)
    score: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
    comment: Mapped[str | None] = mapped_column(sa.Text)

    filled_grid: Mapped[FilledGrid] = relationship(back_populates="answers")
    criterion: Mapped[Criterion] = relationship()


class PublishedVersionIsFrozen(GridError):
    pass


def _published_before(obj) -> bool:
    """Was the version (of this criterion) already published when loaded, before this flush's changes?"""
    version = obj if isinstance(obj, GridVersion) else obj.version
    if version is None:
        return False
    history = sa.inspect(version).attrs.published_at.history
    before = history.deleted[0] if history.deleted else (history.unchanged[0] if history.unchanged else None)
    return before is not None and sa.inspect(version).persistent


@sa.event.listens_for(Session, "before_flush")
def _published_versions_are_frozen(session, flush_context, instances) -> None:
    """Below the services: a published version and its criteria are never updated nor deleted."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, (GridVersion, Criterion)) and sa.inspect(obj).persistent and _published_before(obj):
            if obj in session.deleted or session.is_modified(obj, include_collections=False):
                raise PublishedVersionIsFrozen(
                    "Une version publiée d'une grille ne peut pas être modifiée : publiez une nouvelle version."
                )
    for obj in session.new:
        if isinstance(obj, Criterion) and obj.version is not None and sa.inspect(obj.version).persistent \
                and _published_before(obj.version):
            raise PublishedVersionIsFrozen(
                "Une version publiée d'une grille ne peut pas recevoir de nouveau critère : publiez une nouvelle version."
            )
