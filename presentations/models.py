"""The team's KPI presentation to a committee: its lines (one per indicator), its standards table and
its attachments (the deck as PDF)."""

import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from committees.models import Committee, CommitteeStatus
from core import clock
from core.db import db
from indicators.models import VALUE_TYPE, Indicator
from users.models import Person

# Once its committee reaches one of these, a presentation is frozen: it is what the committee saw.
FROZEN_COMMITTEE_STATUSES = frozenset({CommitteeStatus.HELD, CommitteeStatus.DECIDED, CommitteeStatus.SIGNED_OFF})


class PresentationError(ValueError):
    """A presentation rule refused a change; the message is French and meant for the user."""


class PresentationConflict(PresentationError):
    """The presentation changed since the form was loaded (optimistic locking)."""

    def __init__(self, message: str | None = None):
        super().__init__(message or (
            "Cette présentation a été modifiée par quelqu'un d'autre pendant que vous la consultiez. "
            "Rechargez la page pour voir sa dernière version, puis refaites votre modification."
        ))


class PresentationStatus(enum.StrEnum):
    DRAFT = "brouillon"
    SUBMITTED = "soumise"
    CHANGES_REQUESTED = "a_modifier"
    ACCEPTED = "acceptee"

    @property
    def label(self) -> str:
        return {
            "brouillon": "Brouillon",
            "soumise": "Soumise, en attente de relecture",
            "a_modifier": "Modifications demandées",
            "acceptee": "Acceptée",
        }[self.value]


# The standards table: (code, label) of its rows, in order.
STANDARDS: tuple[tuple[str, str], ...] = (
    ("accessibilite", "Accessibilité (RGAA)"),
    ("securite", "Sécurité et homologation"),
    ("rgpd", "Données personnelles (RGPD)"),
    ("eco_conception", "Éco-conception (RGESN)"),
    ("open_source", "Code source ouvert"),
    ("statistiques", "Page de statistiques publique"),
    ("identification", "FranceConnect / ProConnect"),
    ("avis_usagers", "Bouton « Je donne mon avis »"),
)


class Presentation(db.Model):
    """What the team presents to one committee: pre-filled from the data, written by the team, reviewed
    by the coach, frozen once the committee is held."""

    __tablename__ = "presentations"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id", ondelete="CASCADE"), unique=True)
    status: Mapped[PresentationStatus] = mapped_column(default=PresentationStatus.DRAFT, index=True)
    # Progress
    done_and_learned: Mapped[str | None] = mapped_column(sa.Text)
    difficulties: Mapped[str | None] = mapped_column(sa.Text)
    # The request for the next six months
    team_size: Mapped[int | None]
    team_profile: Mapped[str | None] = mapped_column(sa.Text)
    envelope_eur: Mapped[int | None]
    hypotheses: Mapped[str | None] = mapped_column(sa.Text)
    success_criteria: Mapped[str | None] = mapped_column(sa.Text)
    # Lifecycle
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    # Set when the committee is held: the new objectives were then recorded on the indicators.
    frozen_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    committee: Mapped[Committee] = relationship()
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[Person | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[Person | None] = relationship(foreign_keys=[reviewed_by_id])
    lines: Mapped[list["PresentationLine"]] = relationship(
        back_populates="presentation", cascade="all, delete-orphan", order_by="PresentationLine.position"
    )
    standards: Mapped[list["PresentationStandard"]] = relationship(
        back_populates="presentation", cascade="all, delete-orphan", order_by="PresentationStandard.position"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="presentation", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    def permission_scope(self) -> tuple[str | None, str | None]:
        return self.committee.permission_scope()

    @property
    def is_frozen(self) -> bool:
        """Frozen once the committee is held, even before freeze() has recorded its objectives."""
        return self.frozen_at is not None or self.committee.status in FROZEN_COMMITTEE_STATUSES

    @property
    def is_closed(self) -> bool:
        """Its committee was cancelled (or archived) before being held: nobody edits nor reviews it any more;
        the next committee's presentation starts from it (presentations.services.prefill)."""
        return not self.is_frozen and (self.committee.status is CommitteeStatus.CANCELLED
                                       or self.committee.archived_at is not None)

    @property
    def is_editable(self) -> bool:
        return (not self.is_frozen and not self.is_closed
                and self.status in (PresentationStatus.DRAFT, PresentationStatus.CHANGES_REQUESTED))

    @property
    def is_submitted(self) -> bool:
        return self.status in (PresentationStatus.SUBMITTED, PresentationStatus.ACCEPTED)


class PresentationLine(db.Model):
    """One indicator in the presentation: the objective set at the previous committee and the value
    reached (both copied when the presentation is pre-filled, so that they stay what was shown), and the
    new objective at six months the team proposes."""

    __tablename__ = "presentation_lines"
    __table_args__ = (sa.UniqueConstraint("presentation_id", "indicator_id", name="uq_presentation_lines_presentation_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    presentation_id: Mapped[int] = mapped_column(sa.ForeignKey("presentations.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    previous_objective_value: Mapped[decimal.Decimal | None] = mapped_column(VALUE_TYPE)
    previous_objective_on: Mapped[dt.date | None]
    # The committee that had set it (None: an objective the team entered outside a committee).
    previous_objective_committee_id: Mapped[int | None]
    reached_value: Mapped[decimal.Decimal | None] = mapped_column(VALUE_TYPE)
    reached_period: Mapped[dt.date | None]
    new_objective_value: Mapped[decimal.Decimal | None] = mapped_column(VALUE_TYPE)
    new_objective_on: Mapped[dt.date | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)

    presentation: Mapped[Presentation] = relationship(back_populates="lines")
    indicator: Mapped[Indicator] = relationship()

    @property
    def objective_met(self) -> bool | None:
        """Whether the value reached meets the previous objective, in the indicator's direction."""
        from indicators.models import Direction

        if self.previous_objective_value is None or self.reached_value is None:
            return None
        if self.indicator.direction is Direction.LOWER:
            return self.reached_value <= self.previous_objective_value
        return self.reached_value >= self.previous_objective_value


class PresentationStandard(db.Model):
    """A row of the standards table: where the startup stood six months ago, stands today, and aims to be
    in six months (free text: « audit RGAA : 62 % », « homologuée le … »)."""

    __tablename__ = "presentation_standards"
    __table_args__ = (sa.UniqueConstraint("presentation_id", "code", name="uq_presentation_standards_presentation_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    presentation_id: Mapped[int] = mapped_column(sa.ForeignKey("presentations.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(50))
    label: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    six_months_ago: Mapped[str | None] = mapped_column(sa.Text)
    today: Mapped[str | None] = mapped_column(sa.Text)
    in_six_months: Mapped[str | None] = mapped_column(sa.Text)

    presentation: Mapped[Presentation] = relationship(back_populates="standards")


class Attachment(db.Model):
    """A file attached to a presentation (the deck, as PDF). The bytes live in the database, deferred so
    that listing attachments never loads them (see presentations/services.py for why)."""

    __tablename__ = "presentation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    presentation_id: Mapped[int] = mapped_column(sa.ForeignKey("presentations.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))

    presentation: Mapped[Presentation] = relationship(back_populates="attachments")
    uploaded_by: Mapped[Person | None] = relationship()
