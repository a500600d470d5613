import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import db
from users.models import Person


class Visibility(enum.StrEnum):
    """Who may read an event's values, decided when it is recorded. STANDARD: whoever sees the log where
    the event shows (a startup's history, the whole log). The others carry confidential content: the
    event still shows (its fact is not confidential) but its confidential values are masked from whoever
    the content's own rule (see audit/visibility.py) does not let see it; `visibility_ref` names the
    record that rule asks about."""

    STANDARD = "standard"
    GRID_SCORES = "notes_grille"  # visibility_ref: the filled grid (its committee's rule on scores)
    PERSONAL = "personnel"  # visibility_ref: the person the data is about
    MONEY = "argent"  # no visibility_ref: the rule asks about the event's startup (who follows its funding)

    @property
    def label(self) -> str:
        return {"standard": "Visible de qui voit le journal", "notes_grille": "Notes d'une grille d'évaluation",
                "personnel": "Données personnelles", "argent": "Financement d'une startup"}[self.value]

    @property
    def names_a_record(self) -> bool:
        """Whether an event of this visibility names the record its rule asks about (visibility_ref)."""
        return self in (Visibility.GRID_SCORES, Visibility.PERSONAL)


class AuditEvent(db.Model):
    """One change: who, when, what, before and after. Append-only (see the guards below)."""

    __tablename__ = "audit_events"
    # The log grows with every write: a page filtered by action, kind of object, author or startup reads its
    # events newest first from one of these (backwards), and the filter's choices seek them one value at a time
    # (core.db.distinct_values), instead of reading every event of the filter, or every event.
    __table_args__ = tuple(sa.Index(f"ix_audit_events_{column}_at", column, "at", "id")
                           for column in ("action", "object_type", "actor_id", "startup_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    # Who acted when it was not a person (a CLI command, the scheduler).
    actor_label: Mapped[str | None] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(100))
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[str] = mapped_column(sa.String(200))
    # The startup the change concerns, so that a startup's page shows its history in one query.
    startup_id: Mapped[str | None] = mapped_column(sa.String(200))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    visibility: Mapped[Visibility] = mapped_column(default=Visibility.STANDARD,
                                                   server_default=Visibility.STANDARD.value)
    visibility_ref: Mapped[int | None]

    actor: Mapped[Person | None] = relationship()


class AuditLogIsAppendOnly(RuntimeError):
    pass


@sa.event.listens_for(AuditEvent, "before_update")
def _no_update(mapper, connection, target):
    raise AuditLogIsAppendOnly("le journal des modifications ne peut pas être modifié")


@sa.event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper, connection, target):
    raise AuditLogIsAppendOnly("le journal des modifications ne peut pas être effacé")
