"""The daily reminder of the risk workshops: a startup in construction or later without a workshop for
twelve months tells its coaches, once per coach and due date (core/outbox.py's guarantees)."""

import dataclasses
import datetime as dt
import logging
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from commitments import queries
from commitments.models import WorkshopReminder
from core import clock, mail, outbox, scheduler
from core.db import db
from core.formats import date_fr
from core.outbox import Delivery
from users.models import Membership, Person, StartupRole

log = logging.getLogger(__name__)

SENT, FAILED = "sent", "failed"
SIGNATURE = ("\n\n—\nJalons, le suivi des Startups d'État de beta.gouv.fr\n"
             "Cet e-mail est envoyé automatiquement : merci de ne pas y répondre.")

scheduler.daily("commitments.workshops", "commitments.jobs:remind_workshops", hour=7, minute=20,
                description="Ateliers d'analyse de risques en retard (aux coachs, une fois)")


@dataclasses.dataclass(frozen=True)
class Due:
    startup_id: str
    startup_name: str
    person_id: int
    person_name: str
    email: str
    due_on: dt.date

    @property
    def key(self) -> tuple:
        return (self.startup_id, self.person_id, self.due_on)


def due_reminders(today: dt.date) -> list[Due]:
    """The coaches of the startups whose risk workshop is overdue today: three statements."""
    matrix = queries.portfolio(today)
    overdue = {row.startup.id: row for row in matrix.rows
               if row.phase in queries.WORKSHOP_PHASES and row.workshop_due_on
               and row.workshop_due_on < today}
    if not overdue:
        return []
    coaches = db.session.execute(
        sa.select(Membership.startup_id, Person.id, Person.name, Person.email).join(Person)
        .where(Membership.startup_id.in_(sorted(overdue)), Membership.role == StartupRole.COACH,
               Membership.starts_on <= today, sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= today),
               # An archived account keeps its dated roles but has none (users.permissions): it is told nothing.
               Person.email.is_not(None), Person.archived_at.is_(None), Person.anonymised_at.is_(None))
    ).all()
    return [Due(startup_id, overdue[startup_id].startup.name, person_id, name, email,
                overdue[startup_id].workshop_due_on)
            for startup_id, person_id, name, email in coaches]


def compose(due: Due, base_url: str) -> mail.Mail:
    url = f"{base_url.rstrip('/')}/startups/{quote(due.startup_id)}/engagements#ateliers"
    body = (f"Bonjour {due.person_name},\n\n« {due.startup_name} » n'a pas tenu d'atelier d'analyse de risques "
            f"depuis plus de douze mois (il était dû le {date_fr(due.due_on)}) : l'engagement « ateliers réguliers "
            f"d'analyse de risques » de la convention n'est plus tenu.\n\nPlanifiez l'atelier avec l'équipe, puis "
            f"enregistrez-le dans Jalons : {url}{SIGNATURE}")
    return mail.Mail(to=due.email, subject=f"[Jalons] Atelier d'analyse de risques en retard — {due.startup_name}",
                     body=body)


_COLUMNS = (WorkshopReminder.id, WorkshopReminder.startup_id, WorkshopReminder.person_id, WorkshopReminder.due_on)


def remind_workshops(*, today: dt.date) -> Delivery:
    """Record the reminders due today (those already recorded stay as they are), then send those not sent.
    Idempotent: a second run, or a second scheduler, sends nothing again."""
    base_url = outbox.base_url_or_fail("les rappels d'ateliers d'analyse de risques")
    dues = due_reminders(today)
    if dues:
        dialect = sqlite if db.session.get_bind().dialect.name == "sqlite" else postgresql
        now = clock.now()
        db.session.execute(dialect.insert(WorkshopReminder.__table__).on_conflict_do_nothing(), [
            {"startup_id": d.startup_id, "person_id": d.person_id, "due_on": d.due_on, "status": "pending",
             "attempts": 0, "created_at": now} for d in dues])
    db.session.commit()
    sender = current_app.config["MAIL_FROM"]
    delivery = outbox.deliver_dues(
        WorkshopReminder, dues, columns=_COLUMNS, row_key=lambda row: (row.startup_id, row.person_id, row.due_on),
        sent=SENT, failed=FAILED,
        compose=lambda due: dataclasses.replace(compose(due, base_url),
                                                message_id=outbox.message_id(due.key, sender, "atelier")))
    if not delivery.complete:
        log.error("risk workshop reminders of %s: %s", today.isoformat(), delivery)
    return delivery
