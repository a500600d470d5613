"""The partner's commitments besides committees (the convention's article 2), per startup, with evidence:
statements kept in order (a new one never overwrites an earlier one), and the risk-analysis workshops."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from committees.models import ActionItem
from core import clock
from core.db import db
from users.models import Person


class Kind(enum.StrEnum):
    FICHE = "fiche"
    OPEN_SOURCE = "code_ouvert"
    PERSONAL_DATA = "donnees_personnelles"
    STATS = "statistiques"
    RISK = "analyse_risques"
    AUTHENTICATION = "proconnect"
    OBSERVATOIRE = "observatoire"
    FEEDBACK = "je_donne_mon_avis"
    ACCESSIBILITY = "accessibilite"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.FICHE: "Fiche produit à jour sur beta.gouv.fr",
    Kind.OPEN_SOURCE: "Code source ouvert",
    Kind.PERSONAL_DATA: "Données personnelles (RGPD)",
    Kind.STATS: "Page de statistiques publique",
    Kind.RISK: "Ateliers réguliers d'analyse de risques",
    Kind.AUTHENTICATION: "FranceConnect / ProConnect",
    Kind.OBSERVATOIRE: "Recommandations de l'Observatoire",
    Kind.FEEDBACK: "Bouton « Je donne mon avis »",
    Kind.ACCESSIBILITY: "Accessibilité (déclaration et conformité)",
}


class State(enum.StrEnum):
    MET = "tenu"
    PARTLY = "en_partie"
    NOT_MET = "non_tenu"
    NOT_APPLICABLE = "sans_objet"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {State.MET: "Tenu", State.PARTLY: "En partie", State.NOT_MET: "Non tenu",
                State.NOT_APPLICABLE: "Sans objet"}


class Statement(db.Model):
    """What someone stated of one commitment of a startup, on a day; the latest one is the current state."""

    __tablename__ = "commitment_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[Kind]
    state: Mapped[State]
    why: Mapped[str | None] = mapped_column(sa.Text)  # required for « en partie » and « sans objet »
    evidence_url: Mapped[str | None] = mapped_column(sa.String(1000))
    evidence_note: Mapped[str | None] = mapped_column(sa.Text)
    evidence_on: Mapped[dt.date | None]
    stated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    stated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)

    stated_by: Mapped[Person | None] = relationship()


class RiskWorkshop(db.Model):
    """A risk-analysis workshop (the DINUM/ANSSI agile security approach) held by a startup's team."""

    __tablename__ = "risk_workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date] = mapped_column(index=True)
    participants: Mapped[str] = mapped_column(sa.Text)
    residual_risks: Mapped[str | None] = mapped_column(sa.Text)
    next_on: Mapped[dt.date | None]  # the next workshop planned
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    recorded_by: Mapped[Person | None] = relationship()


class WorkshopReminder(db.Model):
    """« Atelier d'analyse de risques en retard », to a coach, once per startup, coach and due date
    (core/outbox.py's guarantees: a row under a unique key, settled as soon as the server accepted it)."""

    __tablename__ = "risk_workshop_reminders"
    __table_args__ = (sa.UniqueConstraint("startup_id", "person_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[dt.date]  # the day the twelve months since the last workshop (or construction) ran out
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class Condition(db.Model):
    """A decision's condition tied to a commitment (« publier la déclaration d'accessibilité avant mars »): an
    action item of a committee of the startup, followed with the commitment it serves."""

    __tablename__ = "commitment_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_action_items.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[Kind]
    tied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    tied_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    action_item: Mapped[ActionItem] = relationship()


class FrozenFacts(db.Model):
    """What Jalons checked itself (the fiche's links and fields, the workshops) when a committee was held:
    the pack of a held committee shows these, not what the fiche says today."""

    __tablename__ = "commitment_frozen_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id", ondelete="CASCADE"), unique=True)
    facts: Mapped[list] = mapped_column(sa.JSON)  # [{"kind": Kind value, "text": ..., "url": ...}]
    frozen_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
