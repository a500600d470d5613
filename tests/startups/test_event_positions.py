"""Event positions are unique per startup, also when several people add events at the same moment."""

import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.db import db
from startups import services
from startups.kept import refresh_phase_counts
from startups.models import Event, EventKind, Startup
from tests.factories import d, make_startup

TODAY = d("2026-11-27")
WRITERS = 6


def test_the_database_refuses_two_events_at_the_same_position():
    startup = make_startup(events=[("committee", d("2026-01-01"))])
    startup.events.append(Event(position=0, kind=EventKind.OTHER, happened_on=d("2026-02-01")))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_an_event_added_after_one_this_session_did_not_load_takes_the_next_position():
    startup = make_startup(events=[("committee", d("2026-01-01"))])
    # Written behind the loaded collection's back, as another transaction would.
    db.session.execute(sa.insert(Event).values(startup_id=startup.id, position=1, kind=EventKind.FAST,
                                               happened_on=d("2026-03-01"), source="jalons"))
    event = services.add_event(startup, kind=EventKind.OTHER, happened_on=d("2026-04-01"), comment=None,
                               actor=None, today=TODAY)
    assert event.position == 2


def test_writers_adding_events_to_one_startup_at_once_get_distinct_positions(app):
    """Six writers, each in its own thread, connection and transaction, load the startup, wait for each
    other, then add an event and commit. On PostgreSQL the row lock makes them take turns: all six events
    are kept, at six distinct positions. SQLite lets one writer at a time: a writer that loses the race is
    refused (Conflict, nothing written), never given a position already taken."""
    test_session = db.session
    # Committed data that the other connections see: a session of its own, cleaned up at the end.
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            make_startup("concurrent-events", events=[("committee", d("2026-01-01"))])
            db.session.commit()
            postgresql = db.engine.dialect.name == "postgresql"
        everyone_loaded = threading.Barrier(WRITERS, timeout=30)
        added, refused, errors = [], [], []

        def write(n):
            try:
                with app.app_context():
                    startup = db.session.get(Startup, "concurrent-events")
                    assert len(startup.events) == 1
                    everyone_loaded.wait()
                    try:
                        services.add_event(startup, kind=EventKind.OTHER, happened_on=d("2026-02-01"),
                                           comment=f"Écrit par {n}", actor=None, today=TODAY)
                        db.session.commit()
                        added.append(n)
                    except services.Conflict:
                        db.session.rollback()
                        refused.append(n)
                    finally:
                        db.session.remove()
            except Exception as error:  # reported by the main thread
                errors.append(error)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        with app.app_context():
            rows = db.session.execute(
                sa.select(Event.position, Event.comment).where(Event.startup_id == "concurrent-events")
            ).all()
        positions = [position for position, _ in rows]
        assert len(positions) == len(set(positions))
        assert sorted(comment for _, comment in rows if comment) == sorted(f"Écrit par {n}" for n in added)
        if postgresql:
            assert sorted(added) == list(range(WRITERS)) and refused == []
            assert sorted(positions) == list(range(WRITERS + 1))
        else:
            assert added and len(added) + len(refused) == WRITERS
    finally:
        with app.app_context():
            db.session.execute(sa.delete(AuditEvent).where(AuditEvent.startup_id == "concurrent-events"))
            db.session.execute(sa.delete(Event).where(Event.startup_id == "concurrent-events"))
            db.session.execute(sa.delete(Startup).where(Startup.id == "concurrent-events"))
            refresh_phase_counts(db.session)  # a Core delete: the kept phase counts are recounted by hand
            db.session.commit()
            db.session.remove()
        db.session = test_session
