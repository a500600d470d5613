"""Shared by the tests of the jobs that send e-mails through core/outbox.py (reminders, money alerts)."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from core import mail
from core.db import db


@contextmanager
def database_fails_after(monkeypatch, accepted: int, table: str):
    """The mail server accepts `accepted` messages, then the database fails as the last one is marked sent
    in `table`: the job must raise, having settled every message before that one."""
    real_send = mail.send
    sent = []

    def send(message):
        real_send(message)
        sent.append(message)

    def failing_database(conn, cursor, statement, parameters, context, executemany):
        if len(sent) == accepted and statement.lstrip().upper().startswith(f"UPDATE {table.upper()}"):
            raise sa.exc.OperationalError(statement, parameters, Exception("server closed the connection"))

    monkeypatch.setattr(mail, "send", send)
    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", failing_database)
    try:
        with pytest.raises(sa.exc.OperationalError):
            yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", failing_database)
        monkeypatch.setattr(mail, "send", real_send)
    db.session.rollback()


def repeated_once(received, position: int) -> bool:
    """Every Message-ID received once, but the one at `position`, received twice."""
    ids = [m["Message-ID"] for m in received]
    repeated = [i for i in set(ids) if ids.count(i) == 2]
    return repeated == [received[position]["Message-ID"]] and all(ids.count(i) <= 2 for i in ids)
