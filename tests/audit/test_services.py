import pytest

from audit.models import AuditEvent, AuditLogIsAppendOnly
from audit.services import changes, history, record
from core.db import db
from tests.factories import d, make_startup


def test_a_recorded_event_keeps_who_what_before_and_after():
    startup = make_startup("lieu", phases=[("investigation", d("2026-01-01"))])
    record("startup.updated", "startup", startup.id, actor_label="test", startup_id=startup.id,
           before={"name": "Ancien", "on": d("2026-01-01")}, after={"name": "Nouveau"})
    [event] = history("lieu")
    assert event.before == {"name": "Ancien", "on": "2026-01-01"}
    assert event.after == {"name": "Nouveau"}
    assert event.at.tzinfo is not None


def test_the_log_cannot_be_edited_or_deleted():
    event = record("startup.updated", "startup", "x", actor_label="test")
    event.reason = "réécrire l'histoire"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    event = record("startup.updated", "startup", "x", actor_label="test")
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()


def test_changes_keep_only_what_differs():
    assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})
