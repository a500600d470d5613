import datetime as dt
import enum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core import clock
from core.db import db
from core.formats import MONTHS
from startups.models import Startup
from startups.phases import Phase
from users.models import Person

# Committees are entered and shown in Paris time, stored in UTC.
PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class CommitteeError(ValueError):
    """A committee rule refused a change; the message is French and meant for the user. `field`, when the
    refusal is about one value of the form, names it: the page shows the message at that field too."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


class CommitteeConflict(CommitteeError):
    """The committee changed since the form was loaded (optimistic locking)."""

    def __init__(self, message: str | None = None):
        super().__init__(message or (
            "Ce comité a été modifié par quelqu'un d'autre pendant que vous le consultiez. "
            "Rechargez la page pour voir sa dernière version, puis refaites votre modification."
        ))


class CommitteeForbidden(CommitteeError):
    """The permission policy refuses the change to this person (a 403). The service refuses before it
    changes anything and records the attempt (audit event) in the caller's transaction: the caller commits
    that event alone, so that the log keeps the attempt while nothing of the change exists."""


def paris_datetime(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PARIS)


def datetime_fr(value: dt.datetime | None, empty: str = "—") -> str:
    """« mardi 12 janvier 2027 à 14 h 00 », in Paris time."""
    if value is None:
        return empty
    local = paris_datetime(value)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{WEEKDAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


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
    PARTNER_REPRESENTATIVE = "representant_partenaire"
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
            "representant_partenaire": "Représentant·e de l'administration partenaire",
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


CLOSED_STATUSES = frozenset({CommitteeStatus.DECIDED, CommitteeStatus.SIGNED_OFF})
OPEN_STATUSES = frozenset({CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED, CommitteeStatus.HELD, CommitteeStatus.DECIDED})


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
    # Why the committee was held otherwise than the convention says (not chaired by the partner
    # administration's representative, or without the DINUM): required then, shown in the minutes and the pack.
    convention_reason: Mapped[str | None] = mapped_column(sa.Text)
    # iCalendar SEQUENCE: bumped on every change attendees must see, so updates keep the same UID.
    ical_sequence: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    archived_at: Mapped[dt.datetime | None]

    __mapper_args__ = {"version_id_col": version}

    startup: Mapped[Startup] = relationship()
    chair: Mapped[Person | None] = relationship()
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="Participant.id"
    )
    decision: Mapped["Decision | None"] = relationship(back_populates="committee", cascade="all, delete-orphan")
    action_items: Mapped[list["ActionItem"]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="ActionItem.id",
        foreign_keys="ActionItem.committee_id",
    )

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.startup_id, self.startup.incubator_id)

    @property
    def ical_uid(self) -> str:
        return f"comite-{self.id}@jalons.beta.gouv.fr"

    @property
    def ends_at(self) -> dt.datetime | None:
        if self.scheduled_at is None:
            return None
        return self.scheduled_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_contested(self) -> bool:
        """Held again because the sponsor contested its decision: the chair revises it."""
        return (self.status is CommitteeStatus.HELD and self.decision is not None
                and self.decision.sign_off is SignOff.CONTESTED)

    @property
    def status_label(self) -> str:
        """The status as the lists show it: a contested decision is not a decision still to record."""
        return "Décision contestée, à réviser" if self.is_contested else self.status.label

    @property
    def local_date(self) -> dt.date | None:
        """The committee's calendar day in Paris (a 00:30 committee in Paris is the previous day in UTC)."""
        return paris_datetime(self.scheduled_at).date() if self.scheduled_at else None

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_open(self) -> bool:
        """Planned, held or decided: not yet signed off nor cancelled."""
        return self.status in OPEN_STATUSES


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


def envelope_exceeds(envelope_eur: int | None, funds_eur: int | None) -> bool:
    """An envelope (whole euros) above what the conventions hold (whole euros, rounded down: the envelope
    being whole, « above the rounded-down figure » is « above the exact figure »)."""
    return envelope_eur is not None and funds_eur is not None and envelope_eur > funds_eur


class Decision(db.Model):
    """The decision of a held committee, and the sponsor's review of it."""

    __tablename__ = "committee_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[DecisionKind]
    # For NEXT_PHASE: the phase entered on sign-off (construction, acceleration, consolidation, transfere).
    next_phase: Mapped[Phase | None]
    envelope_eur: Mapped[int | None]
    # What the startup's conventions still held when the decision was recorded (committees.decisions.
    # funds_available, filled by the conventions area), kept on sign-off; None without any convention.
    funds_available_eur: Mapped[int | None] = mapped_column(sa.BigInteger)
    team_size: Mapped[int | None]
    hypotheses: Mapped[str | None] = mapped_column(sa.Text)
    success_criteria: Mapped[str | None] = mapped_column(sa.Text)
    conditions: Mapped[str | None] = mapped_column(sa.Text)
    next_committee_on: Mapped[dt.date | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    sign_off: Mapped[SignOff] = mapped_column(default=SignOff.PENDING, index=True)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    signed_at: Mapped[dt.datetime | None]
    contest_comment: Mapped[str | None] = mapped_column(sa.Text)

    committee: Mapped[Committee] = relationship(back_populates="decision")

    @property
    def exceeds_funds(self) -> bool:
        """The envelope is more than the conventions still held: the decision may precede an avenant."""
        return envelope_exceeds(self.envelope_eur, self.funds_available_eur)
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
    # Set on sign-off while the item is still open: the committee whose agenda it is carried into.
    carried_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("committees.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    committee: Mapped[Committee] = relationship(back_populates="action_items", foreign_keys=[committee_id])
    carried_into: Mapped[Committee | None] = relationship(foreign_keys=[carried_into_id])
    owner: Mapped[Person | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CalendarToken(db.Model):
    """The secret in a person's iCalendar feed URL: calendar apps fetch it without a session.

    A random token rather than a signed one, so that it can be revoked (regenerated) when it leaks. Only its
    SHA-256 is stored, as for login links: a copy of the database opens nobody's feed. The URL is therefore
    shown once, when the token is issued.
    """

    __tablename__ = "committee_calendar_tokens"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    person: Mapped[Person] = relationship()


@sa.event.listens_for(Session, "before_flush")
def _no_closing_without_decision(session, flush_context, instances) -> None:
    """A known pitfall, guarded below the services: a closed committee has a decision."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Committee) and obj.status in CLOSED_STATUSES and obj.decision is None:
            raise CommitteeError("Un comité ne peut pas être clos sans décision.")


class ReminderKind(enum.StrEnum):
    # To the coach, 45 days before the due date, while no committee is planned.
    PLAN_COMMITTEE = "comite_a_planifier"
    # To the intrapreneur, 21 days before a planned committee: prepare the presentation.
    PREPARE_PRESENTATION = "presentation_a_preparer"
    # To every participant, 7 days before the committee, with the pack link.
    READ_PACK = "dossier_a_lire"
    # To the chair, 2 days after a held committee still without a decision.
    RECORD_DECISION = "decision_a_saisir"
    # To the sponsor, 7 days after a decision not yet signed off.
    SIGN_OFF_DECISION = "decision_a_valider"
    # To the intrapreneur, on the first working day of the month: last month's indicator values (the
    # quarter's for a quarterly startup); reminded at D+7 and D+14 while they are missing (issue 12).
    INDICATORS_REQUEST = "indicateurs_a_saisir"
    INDICATORS_REMINDER_7 = "indicateurs_relance_j7"
    INDICATORS_REMINDER_14 = "indicateurs_relance_j14"

    @property
    def label(self) -> str:
        return {
            "comite_a_planifier": "Comité à planifier (coach)",
            "presentation_a_preparer": "Présentation à préparer (intrapreneur·e)",
            "dossier_a_lire": "Dossier du comité à lire (participants)",
            "decision_a_saisir": "Décision à saisir (président·e du comité)",
            "decision_a_valider": "Décision à valider (sponsor)",
            "indicateurs_a_saisir": "Indicateurs du mois à saisir (intrapreneur·e)",
            "indicateurs_relance_j7": "Indicateurs à saisir, relance à J+7 (intrapreneur·e)",
            "indicateurs_relance_j14": "Indicateurs à saisir, relance à J+14 (intrapreneur·e)",
        }[self.value]

    @property
    def about_committee(self) -> bool:
        """False for the startup-level reminders (no committee exists yet, or none is concerned)."""
        return self not in STARTUP_REMINDERS

    @property
    def about_indicators(self) -> bool:
        return self in INDICATOR_REMINDERS


INDICATOR_REMINDERS = frozenset({
    ReminderKind.INDICATORS_REQUEST, ReminderKind.INDICATORS_REMINDER_7, ReminderKind.INDICATORS_REMINDER_14,
})
STARTUP_REMINDERS = frozenset({ReminderKind.PLAN_COMMITTEE, *INDICATOR_REMINDERS})


class ReminderStatus(enum.StrEnum):
    PENDING = "a_envoyer"
    SENT = "envoye"
    FAILED = "echec"

    @property
    def label(self) -> str:
        return {"a_envoyer": "À envoyer", "envoye": "Envoyé", "echec": "Échec de l'envoi, nouvel essai au prochain passage"}[self.value]


class Reminder(db.Model):
    """One reminder to one person, recorded before it is sent so that it leaves exactly once.

    Its key is (kind, committee or startup, person, target_on); target_on is the date the reminder is
    about: the due date (PLAN_COMMITTEE), the committee's day (PREPARE_PRESENTATION, READ_PACK), the day
    it was held (RECORD_DECISION), the day of the decision (SIGN_OFF_DECISION), the first month of the
    period whose indicator values are asked for (INDICATORS_*: startup + person + month). A rescheduled committee
    or a new due date is a new key, hence a new reminder. Two unique indexes (committee_id is NULL for
    the startup-level kind, and NULLs are distinct in a UNIQUE constraint) enforce the key.
    """

    __tablename__ = "committee_reminders"
    __table_args__ = (
        sa.Index(
            "ux_committee_reminders_committee_key", "kind", "committee_id", "person_id", "target_on",
            unique=True,
            sqlite_where=sa.text("committee_id IS NOT NULL"),
            postgresql_where=sa.text("committee_id IS NOT NULL"),
        ),
        sa.Index(
            "ux_committee_reminders_startup_key", "kind", "startup_id", "person_id", "target_on",
            unique=True,
            sqlite_where=sa.text("committee_id IS NULL"),
            postgresql_where=sa.text("committee_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind]
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    target_on: Mapped[dt.date]
    status: Mapped[ReminderStatus] = mapped_column(default=ReminderStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_attempt_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]

    @property
    def key(self) -> tuple:
        return (self.kind, self.committee_id if self.kind.about_committee else self.startup_id, self.person_id, self.target_on)
