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


def two_runs_at_once(app, monkeypatch, job) -> dict[str, int]:
    """Run `job()` (which returns what it sent) twice at the same time, in two threads with their own
    connections and transactions, like two scheduler processes; each run waits in its first send until the
    other one is sending too, so that both hold claimed rows at the same moment and a missing lock would show
    as a duplicate. Returns {run: sent}; raises what a run raised."""
    import threading  # noqa: PLC0415

    both_sending = threading.Barrier(2, timeout=30)
    waited = threading.local()
    real_send = mail.send

    def send(message):
        if not getattr(waited, "done", False):
            waited.done = True
            both_sending.wait()
        real_send(message)

    monkeypatch.setattr(mail, "send", send)
    results, errors = {}, []

    def run(name):
        try:
            with app.app_context():
                results[name] = job()
                db.session.remove()
        except Exception as error:  # reported by the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results
