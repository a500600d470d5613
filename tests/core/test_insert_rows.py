"""core.db.insert_rows writes what an executemany INSERT would: Python defaults filled in, values converted
by their column types (enums, JSON, aware datetimes), NULLs kept; in bulk (COPY) on PostgreSQL."""

import datetime as dt

import sqlalchemy as sa

from audit.models import AuditEvent, Visibility
from core.db import db, insert_rows
from startups.models import PhasePeriod, Source
from startups.phases import Phase
from tests.factories import d, make_startup


def test_inserted_rows_read_back_as_the_orm_would_have_written_them(clock_on):
    clock_on(d("2026-11-27"))
    startup = make_startup("copie")
    at = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.timezone.utc)
    insert_rows(db.session.connection(), AuditEvent.__table__, [
        {"action": "x.created", "object_type": "x", "object_id": "1", "startup_id": "copie", "at": at,
         "before": None, "after": {"nom": "Café « crème »", "liste": [1, None]}, "visibility": Visibility.STANDARD},
        {"action": "x.updated", "object_type": "x", "object_id": "1", "startup_id": "copie", "at": at,
         "before": {"a": "\\ \t \n"}, "after": None, "visibility": Visibility.STANDARD},
    ])
    insert_rows(db.session.connection(), PhasePeriod.__table__, [
        {"startup_id": "copie", "position": 0, "phase": Phase.CONSTRUCTION, "start_on": d("2026-01-01"),
         "effective_start_on": d("2026-01-01"), "end_on": None, "comment": None, "source_name": None},
    ])  # no source given: its Python default
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.startup_id == "copie")
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.at, e.before, e.after) for e in events] == [
        ("x.created", at, None, {"nom": "Café « crème »", "liste": [1, None]}),
        ("x.updated", at, {"a": "\\ \t \n"}, None),
    ]
    db.session.expire(startup)
    [period] = startup.periods
    assert (period.phase, period.source, period.start_on, period.end_on) == (
        Phase.CONSTRUCTION, Source.JALONS, d("2026-01-01"), None)
