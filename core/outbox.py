"""E-mails that must leave exactly once, one by one: what the committee reminders (committees/jobs.py) and
the money alerts (conventions/jobs.py) share.

An area records each e-mail due as a row under a unique key (kind, what it is about, person, date), and
commits. `deliver()` then takes the rows one at a time: it claims the row (SELECT … FOR UPDATE SKIP LOCKED:
a second scheduler skips the rows the first one holds, and a row it has sent meanwhile is no longer
unsent), builds the message, sends it, and marks the row sent or failed in the same transaction, committed
before the next row. The e-mails of a run share one SMTP connection (core/mail.connection(); a connection
the server drops is opened again once). A crash or a database failure between a send and its commit repeats at most the one
e-mail in flight, which carries the same Message-ID (`message_id()`, derived from the row's key) as the
first copy. A message that cannot be built fails alone; a message the server refuses fails alone; a
server that cannot be reached stops the run (the others would wait for the same timeout) and leaves the
rest untried. The rows' model needs the columns id, status, attempts, last_error and sent_at
(last_attempt_at is set when it has one).
"""

import dataclasses
import hashlib
import logging
import smtplib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from flask import current_app

from core import clock
from core import mail
from core.db import db

log = logging.getLogger(__name__)

# SMTP errors about one message (a recipient refused, the data refused): the next message may pass. Any
# other error (connection refused, timeout, authentication) stops the run. smtplib's errors are OSErrors.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


class MailJobError(RuntimeError):
    """The job cannot run (configuration); the message is French."""


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What a run did: e-mails sent, e-mails that could not leave (kept with their error, tried again by
    the next run), and e-mails left untried because the mail server could not be reached (unreachable: the
    run stopped for that; the scheduler runs the job again later that day, core/scheduler.py)."""

    sent: int = 0
    failed: int = 0
    untried: int = 0
    unreachable: bool = False

    @property
    def complete(self) -> bool:
        return not self.failed and not self.untried

    def __str__(self) -> str:
        text = f"{self.sent} e-mail(s) envoyé(s)"
        if self.failed:
            text += f", {self.failed} en échec (nouvel essai au prochain passage)"
        if self.untried:
            text += f", {self.untried} non tenté(s) (serveur de messagerie injoignable)"
        return text


def message_id(key: Sequence, sender: str, prefix: str) -> str:
    """The same Message-ID for every attempt at one e-mail, derived from its key: a copy sent again after a
    crash is recognisable as the same message (and mail servers and clients drop it as a duplicate)."""
    text = "|".join(str(part) for part in key)
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]  # short: a folded Message-ID is mangled
    domain = sender.rpartition("@")[2].strip("> ") or "jalons.localhost"
    return f"<{prefix}.{digest}@{domain}>"


def base_url_or_fail(what: str) -> str:
    base_url = current_app.config.get("BASE_URL")
    if not base_url:
        raise MailJobError(f"BASE_URL n'est pas défini : {what} ont besoin de l'adresse du site pour leurs liens.")
    return base_url


def settle(model, row_id: int, error: str | None, *, sent, failed) -> None:
    """Record the outcome of one attempt and commit it at once: a crash after this point cannot send this
    e-mail again."""
    now = clock.now()
    values = {"attempts": model.attempts + 1}
    if hasattr(model, "last_attempt_at"):
        values["last_attempt_at"] = now
    if error is None:
        values |= {"status": sent, "sent_at": now, "last_error": None}
    else:
        values |= {"status": failed, "last_error": error[:2000]}
    db.session.execute(sa.update(model).where(model.id == row_id).values(**values))
    db.session.commit()


def deliver(model, ids: Sequence[int], *, columns: Sequence, sent, failed,
            message_for: Callable[[sa.Row], mail.Mail]) -> Delivery:
    """Send the rows `ids` of `model` not sent yet, one transaction per e-mail, all through one SMTP
    connection (see the module docstring). `columns` are read from each claimed row and given to
    `message_for`, which returns the e-mail (its Message-ID set by the caller with message_id())."""
    db.session.commit()  # each claim below runs in a transaction of its own
    with mail.connection():
        return _deliver(model, ids, columns, sent, failed, message_for)


def _deliver(model, ids, columns, sent, failed, message_for) -> Delivery:
    done = errors = 0
    for position, row_id in enumerate(ids):
        # SQLite has no row locks: its writers are serialised by the database lock.
        row = db.session.execute(
            sa.select(*columns).where(model.id == row_id, model.status != sent).with_for_update(skip_locked=True)
        ).one_or_none()
        if row is None:
            db.session.commit()
            continue
        try:
            message = message_for(row)
            mail.send(message)
        except OSError as error:  # smtplib.SMTPException included
            log.warning("%s %s not sent: %s", model.__tablename__, row_id, error)
            settle(model, row_id, f"{type(error).__name__}: {error}", sent=sent, failed=failed)
            errors += 1
            # Unless the server refused this message only, it cannot be reached (or refuses us): the
            # other e-mails would fail the same way, after the same timeout.
            if not isinstance(error, MESSAGE_ERRORS):
                untried = len(ids) - position - 1
                log.error("mail server unreachable: %s e-mail(s) stay pending until the next run", untried)
                return Delivery(done, errors, untried, unreachable=True)
            continue
        except Exception as error:  # noqa: BLE001 (a message that cannot be built, from any data: it fails alone, before any send)
            log.exception("%s %s could not be built", model.__tablename__, row_id)
            settle(model, row_id, f"{type(error).__name__}: {error}", sent=sent, failed=failed)
            errors += 1
            continue
        settle(model, row_id, None, sent=sent, failed=failed)
        done += 1
    return Delivery(done, errors)


def deliver_dues(model, dues: Sequence, *, columns: Sequence, row_key: Callable, sent, failed,
                 compose: Callable[[object], mail.Mail]) -> Delivery:
    """deliver() for the rows of `model` recorded for `dues` (each with a `key`) and not sent yet: row_key
    reads a row's key from `columns`; compose builds the e-mail of a due (its Message-ID included)."""
    by_key = {due.key: due for due in dues}
    unsent = db.session.execute(sa.select(*columns).where(model.status != sent)).all()
    ids = sorted(row.id for row in unsent if row_key(row) in by_key)
    return deliver(model, ids, columns=columns, sent=sent, failed=failed,
                   message_for=lambda row: compose(by_key[row_key(row)]))
