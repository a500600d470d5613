"""Committee reminders: what is sent to whom (the kinds), the Reminder row that makes each one go out
exactly once, and the French e-mail of each kind.

When they are sent is committees/jobs.py's business.

This module must not import committees.models at module level: committees.models may import it (so
that the table is mapped whenever the committees' models are).
"""

import dataclasses
import datetime as dt
import enum
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db, utcnow
from core.formats import date_fr
from core.mail import Mail


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

    @property
    def label(self) -> str:
        return {
            "comite_a_planifier": "Comité à planifier (coach)",
            "presentation_a_preparer": "Présentation à préparer (intrapreneur·e)",
            "dossier_a_lire": "Dossier du comité à lire (participants)",
            "decision_a_saisir": "Décision à saisir (président·e du comité)",
            "decision_a_valider": "Décision à valider (sponsor)",
        }[self.value]

    @property
    def about_committee(self) -> bool:
        """False for the startup-level reminder (no committee exists yet)."""
        return self is not ReminderKind.PLAN_COMMITTEE


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
    it was held (RECORD_DECISION), the day of the decision (SIGN_OFF_DECISION). A rescheduled committee
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
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]

    @property
    def key(self) -> tuple:
        return (self.kind, self.committee_id if self.kind.about_committee else self.startup_id, self.person_id, self.target_on)


@dataclasses.dataclass(frozen=True)
class Due:
    """A reminder the rules say is due today, with what its e-mail says."""

    kind: ReminderKind
    startup_id: str
    committee_id: int | None
    person_id: int
    target_on: dt.date
    email: str
    person_name: str
    startup_name: str
    committee_at: dt.datetime | None = None  # the committee's date and time (aware, UTC)

    @property
    def key(self) -> tuple:
        return (self.kind, self.committee_id if self.kind.about_committee else self.startup_id, self.person_id, self.target_on)


def link(base_url: str, due: Due) -> str:
    """The page the e-mail points to, as an absolute URL from BASE_URL."""
    base = base_url.rstrip("/")
    if due.kind is ReminderKind.PLAN_COMMITTEE:
        return f"{base}/startups/{quote(due.startup_id, safe='')}"
    if due.kind is ReminderKind.READ_PACK:
        return f"{base}/committees/{due.committee_id}/pack"
    return f"{base}/committees/{due.committee_id}"


def _when(due: Due) -> str:
    from committees.models import datetime_fr  # noqa: PLC0415 (see the module docstring)

    return datetime_fr(due.committee_at) if due.committee_at else date_fr(due.target_on)


SIGNATURE = "\n\n—\nJalons, le suivi des Startups d'État de beta.gouv.fr\nCet e-mail est envoyé automatiquement : merci de ne pas y répondre."


def compose(due: Due, base_url: str) -> Mail:
    """The French e-mail of a reminder."""
    url = link(base_url, due)
    name = due.startup_name
    hello = f"Bonjour {due.person_name},\n\n"
    if due.kind is ReminderKind.PLAN_COMMITTEE:
        subject = f"{name} : comité d'investissement à planifier avant le {date_fr(due.target_on)}"
        body = (
            f"Le prochain comité d'investissement de {name} doit se tenir au plus tard le "
            f"{date_fr(due.target_on)} (six mois après le dernier comité ou le début de la phase en cours), "
            "et aucun comité n'est encore planifié.\n\n"
            "Merci de le planifier dès maintenant avec l'équipe et le sponsor : la décision doit être prise "
            "avant la fin de l'enveloppe en cours (un bon de commande demande environ un mois).\n\n"
            f"Fiche de la startup : {url}"
        )
    elif due.kind is ReminderKind.PREPARE_PRESENTATION:
        subject = f"{name} : préparez votre présentation pour le comité du {date_fr(due.target_on)}"
        body = (
            f"Le comité d'investissement de {name} se tient le {_when(due)}.\n\n"
            "Merci de préparer votre présentation : les progrès (problème, stratégie des six derniers mois, "
            "démonstration, indicateurs et impact observé, stratégie des six prochains mois) et votre demande "
            "(équipe, enveloppe pour six mois, hypothèses à valider, critères de réussite chiffrés). "
            "Elle est attendue une semaine avant le comité.\n\n"
            f"Page du comité : {url}"
        )
    elif due.kind is ReminderKind.READ_PACK:
        subject = f"{name} : comité d'investissement le {date_fr(due.target_on)}, le dossier à lire"
        body = (
            f"Vous participez au comité d'investissement de {name}, le {_when(due)}.\n\n"
            "Le dossier du comité (présentation, indicateurs, demande de l'équipe) est à lire avant la séance :\n"
            f"{url}"
        )
    elif due.kind is ReminderKind.RECORD_DECISION:
        subject = f"{name} : la décision du comité du {date_fr(due.target_on)} reste à saisir"
        body = (
            f"Le comité d'investissement de {name} s'est tenu le {date_fr(due.target_on)} et sa décision n'est "
            "pas encore saisie.\n\n"
            "Sans décision, l'équipe ne peut pas être payée (bon de commande). Merci de la saisir : décision, "
            "enveloppe de la prochaine période, taille de l'équipe, hypothèses, critères de réussite et date "
            "du prochain comité.\n\n"
            f"Page du comité : {url}"
        )
    else:
        subject = f"{name} : la décision du comité du {date_fr(due.target_on)} attend votre validation"
        body = (
            f"La décision du comité d'investissement de {name}, saisie le {date_fr(due.target_on)}, attend "
            "votre validation depuis une semaine.\n\n"
            "Merci de la valider, ou de la contester avec un commentaire :\n"
            f"{url}"
        )
    return Mail(to=due.email, subject=subject, body=hello + body + SIGNATURE)
