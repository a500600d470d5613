"""Writing the audit trail. Every decision-grade change calls record() in the same transaction."""


from core.db import db, insert_rows
from core.values import jsonable
from audit.models import AuditEvent, Visibility
from users.models import Person


def snapshot(obj, fields) -> dict:
    """{field: value} of obj for the given attribute names, ready for before/after."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, for a log that reads as what changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# The visibility of every event about an object of these types, registered by the area that owns them
# (the conventions area: its money), so that none of its events is recorded STANDARD by an oversight.
_visibility_of: dict[str, Visibility] = {}


def register_visibility(object_types, visibility: Visibility) -> None:
    for object_type in object_types:
        _visibility_of[object_type] = visibility


def event_values(
    action: str,
    obj_type: str,
    obj_id,
    *,
    actor: Person | None = None,
    actor_label: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    startup_id: str | None = None,
    reason: str | None = None,
    visibility: Visibility | None = None,
    visibility_ref: int | None = None,
) -> dict:
    """The columns of one event (see record()). Without a visibility, the one its area registered for the
    object's type (register_visibility), else STANDARD."""
    visibility = visibility or _visibility_of.get(obj_type, Visibility.STANDARD)
    if visibility.names_a_record and visibility_ref is None:
        raise ValueError(f"an event of visibility {visibility} names the record its rule asks about")
    return dict(
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        startup_id=startup_id,
        reason=reason,
        visibility=visibility,
        visibility_ref=visibility_ref,
    )


def record(action: str, obj_type: str, obj_id, **details) -> AuditEvent:
    """Append one event to the log (flushed, committed with the change it describes): who (`actor`, or
    `actor_label` when it was not a person), `before`/`after`, the `startup_id` it concerns, a `reason`.
    An event whose values are confidential says so with `visibility` and the record its rule asks about
    (`visibility_ref`, see audit/visibility.py): the pages then mask those values from whoever may not
    see them."""
    event = AuditEvent(**event_values(action, obj_type, obj_id, **details))
    db.session.add(event)
    db.session.flush()
    return event


def record_all(events: list[dict]) -> None:
    """Append many events at once, each given by event_values(): one INSERT for hundreds of them (the
    import of the beta.gouv.fr fiches), where record() would write one row at a time."""
    if events:
        insert_rows(db.session.connection(), AuditEvent.__table__, events)


def history(startup_id: str, limit: int = 200) -> list[AuditEvent]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    query = (
        select(AuditEvent)
        .where(AuditEvent.startup_id == startup_id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
