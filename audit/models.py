import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import db
from users.models import Person


class AuditEvent(db.Model):
    """One change: who, when, what, before and after. Append-only (see the guards below)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    # Who acted when it was not a person (a CLI command, the scheduler).
    actor_label: Mapped[str | None] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(100), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[str] = mapped_column(sa.String(200))
    # The startup the change concerns, so that a startup's page shows its history in one query.
    startup_id: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    actor: Mapped[Person | None] = relationship()


class AuditLogIsAppendOnly(RuntimeError):
    pass


@sa.event.listens_for(AuditEvent, "before_update")
def _no_update(mapper, connection, target):
    raise AuditLogIsAppendOnly("le journal des modifications ne peut pas être modifié")


@sa.event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper, connection, target):
    raise AuditLogIsAppendOnly("le journal des modifications ne peut pas être effacé")
