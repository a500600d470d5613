import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from startups.models import Startup
from startups.phases import Phase
from users.models import Person


class CommitteeKind(enum.StrEnum):
    END_OF_INVESTIGATION = "fin_investigation"
    SEMESTRIAL = "semestriel"
    END_OF_CONSTRUCTION = "fin_construction"
    END_OF_ACCELERATION = "fin_acceleration"
    EXTRAORDINARY = "extraordinaire"

    @property
    def label(self) -> str:
        return {
            "fin_investigation": "Fin d'investigation",
            "semestriel": "Comité semestriel",
            "fin_construction": "Fin de construction",
            "fin_acceleration": "Fin d'accélération",
            "extraordinaire": "Comité extraordinaire",
        }[self.value]


class CommitteeStatus(enum.StrEnum):
    TO_PLAN = "a_planifier"
    PLANNED = "planifie"
    HELD = "tenu"
    DECIDED = "decide"
    SIGNED_OFF = "valide"
    CANCELLED = "annule"

    @property
    def label(self) -> str:
        return {
            "a_planifier": "À planifier",
            "planifie": "Planifié",
            "tenu": "Tenu, décision à saisir",
            "decide": "Décidé, en attente de validation",
            "valide": "Décision validée",
            "annule": "Annulé",
        }[self.value]


class ParticipantRole(enum.StrEnum):
    INTRAPRENEUR = "intrapreneur"
    SPONSOR = "sponsor"
    INCUBATOR_HEAD = "responsable_incubateur"
    COACH = "coach"
    PORTFOLIO_MANAGER = "responsable_portefeuille"
    TEAM_MEMBER = "membre_equipe"
    OTHER = "autre"

    @property
    def label(self) -> str:
        return {
            "intrapreneur": "Intrapreneur·e",
            "sponsor": "Sponsor",
            "responsable_incubateur": "Responsable d'incubateur",
            "coach": "Coach",
            "responsable_portefeuille": "Responsable de portefeuille DINUM",
            "membre_equipe": "Membre de l'équipe",
            "autre": "Autre",
        }[self.value]


class Attendance(enum.StrEnum):
    PRESENT = "present"
    EXCUSED = "excuse"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"present": "Présent·e", "excuse": "Excusé·e", "absent": "Absent·e"}[self.value]


class DecisionKind(enum.StrEnum):
    CONTINUE = "poursuite"  # same or higher budget
    CONTINUE_LOWER = "poursuite_budget_reduit"
    PROVISIONAL_RENEWAL = "renouvellement_provisoire"
    PIVOT = "pivot"
    MAINTENANCE = "maintenance"
    STOP = "arret"
    NEXT_PHASE = "phase_suivante"
    DORMANCE = "dormance"
    REDIRECT = "reorientation"

    @property
    def label(self) -> str:
        return {
            "poursuite": "Poursuite au même budget ou supérieur",
            "poursuite_budget_reduit": "Poursuite avec un budget réduit",
            "renouvellement_provisoire": "Renouvellement provisoire (1 à 2 mois) dans l'attente d'éléments",
            "pivot": "Pivot",
            "maintenance": "Maintenance",
            "arret": "Arrêt (avec post-mortem)",
            "phase_suivante": "Passage à la phase suivante",
            "dormance": "Dormance (impact prouvé, budget épuisé)",
            "reorientation": "Réorientation hors du programme",
        }[self.value]


class SignOff(enum.StrEnum):
    PENDING = "en_attente"
    SIGNED = "valide"
    CONTESTED = "conteste"

    @property
    def label(self) -> str:
        return {"en_attente": "En attente du sponsor", "valide": "Validée par le sponsor", "conteste": "Contestée par le sponsor"}[self.value]


class Committee(db.Model):
    """An investment committee of one startup, from planning to the sponsor's sign-off."""

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id"), index=True)
    kind: Mapped[CommitteeKind]
    status: Mapped[CommitteeStatus] = mapped_column(default=CommitteeStatus.TO_PLAN, index=True)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=50)
    place: Mapped[str | None] = mapped_column(sa.String(300))
    video_link: Mapped[str | None] = mapped_column(sa.String(1000))
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    held_on: Mapped[dt.date | None]
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_reason: Mapped[str | None] = mapped_column(sa.Text)
    # iCalendar SEQUENCE: bumped on every change attendees must see, so updates keep the same UID.
    ical_sequence: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    archived_at: Mapped[dt.datetime | None]

    __mapper_args__ = {"version_id_col": version}

    startup: Mapped[Startup] = relationship()
    chair: Mapped[Person | None] = relationship()
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="Participant.id"
    )
    decision: Mapped["Decision | None"] = relationship(back_populates="committee", cascade="all, delete-orphan")
    action_items: Mapped[list["ActionItem"]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="ActionItem.id"
    )

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.startup_id, self.startup.incubator_id)

    @property
    def ical_uid(self) -> str:
        return f"comite-{self.id}@jalons.beta.gouv.fr"


class Participant(db.Model):
    __tablename__ = "committee_participants"
    __table_args__ = (sa.UniqueConstraint("committee_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    role: Mapped[ParticipantRole]
    attendance: Mapped[Attendance | None]

    committee: Mapped[Committee] = relationship(back_populates="participants")
    person: Mapped[Person] = relationship()


class Decision(db.Model):
    """The decision of a held committee, and the sponsor's review of it."""

    __tablename__ = "committee_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[DecisionKind]
    # For NEXT_PHASE: the phase entered on sign-off (construction, acceleration, consolidation, transfere).
    next_phase: Mapped[Phase | None]
    envelope_eur: Mapped[int | None]
    team_size: Mapped[int | None]
    hypotheses: Mapped[str | None] = mapped_column(sa.Text)
    success_criteria: Mapped[str | None] = mapped_column(sa.Text)
    conditions: Mapped[str | None] = mapped_column(sa.Text)
    next_committee_on: Mapped[dt.date | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sign_off: Mapped[SignOff] = mapped_column(default=SignOff.PENDING, index=True)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    signed_at: Mapped[dt.datetime | None]
    contest_comment: Mapped[str | None] = mapped_column(sa.Text)

    committee: Mapped[Committee] = relationship(back_populates="decision")
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    signed_by: Mapped[Person | None] = relationship(foreign_keys=[signed_by_id])


class ActionItem(db.Model):
    """An action decided at a committee, carried into the next committee's agenda until done."""

    __tablename__ = "committee_action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    due_on: Mapped[dt.date | None]
    done_at: Mapped[dt.datetime | None]

    committee: Mapped[Committee] = relationship(back_populates="action_items")
    owner: Mapped[Person | None] = relationship()
