"""E-mail over SMTP, sent once the transaction that decided it has committed.

Services and views call `send_after_commit(message)`: the message waits on the database session and
leaves when that session commits (it is dropped on rollback), so that nobody is told of a change that
did not happen. In a web request it leaves from a background thread started as the response goes out:
the response does not wait for the mail server, so its timing does not tell whether an e-mail left (the
login page must not reveal which addresses have an account), and a slow mail server slows nobody down.
`send(message)` sends at once (commands, scripts).

Settings: SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS, SMTP_TIMEOUT, MAIL_FROM; MAIL_ECHO
(on in development) also prints every e-mail on the console. Without SMTP_HOST nothing is sent.
"""

import logging
import smtplib
import sys
import threading
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy.orm import Session

from core.text import one_line

log = logging.getLogger(__name__)

_OUTBOX = "jalons_outbox"
_AFTER_RESPONSE = "jalons.mail.after_response"  # request.environ: e-mails committed by this request
_senders: set[threading.Thread] = set()  # background threads still sending
_senders_lock = threading.Lock()


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    message_id: str | None = None  # a stable one lets a copy sent again be recognised; else a new one


class _Policy(EmailPolicy):
    """The SMTP policy, except that non-ASCII unstructured headers (the subject) are folded by
    email.header.Header: the default folder of Python 3.11 drops the space between an encoded word and
    the next word now and then (« le 5décembre 2026 »)."""

    def fold(self, name, value):
        if self._encode_whole(name, value):
            return f"{name}: {Header(str(value), 'utf-8', header_name=name).encode(linesep=self.linesep)}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if self._encode_whole(name, value):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)

    def _encode_whole(self, name, value) -> bool:
        return name.lower() == "subject" and not self.utf8 and not str(value).isascii()


POLICY = _Policy(linesep="\r\n")


def header_text(value: str) -> str:
    """A header value on one line: a line feed or any other control character stored in a name (data
    entered before the forms refused them) becomes a space instead of making the e-mail impossible."""
    return " ".join(one_line(value).split())


def build(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = header_text(sender)
    message["To"] = header_text(mail.to)
    message["Subject"] = header_text(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id or make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


def send(mail: Mail) -> None:
    """Send now. Raises smtplib/OS errors: callers that must not fail use send_after_commit."""
    config = current_app.config
    message = build(mail, config["MAIL_FROM"])
    if config.get("MAIL_ECHO"):
        # Readable, not the wire format (quoted-printable would break the links in two).
        print(f"\n----- e-mail -----\nÀ : {mail.to}\nObjet : {mail.subject}\n\n{mail.body}\n------------------",
              file=sys.stdout, flush=True)
    if not config.get("SMTP_HOST"):
        log.info("SMTP_HOST is not set: e-mail to %s not sent", mail.to)
        return
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def send_after_commit(mail: Mail, session: Session | None = None) -> None:
    """Queue the e-mail on the session; it leaves when the session commits, never on rollback."""
    if session is None:
        from core.db import db

        session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any query still drops the e-mail
    session.info.setdefault(_OUTBOX, []).append(mail)


@sa.event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    outbox = session.info.pop(_OUTBOX, None)
    if not outbox or not has_app_context():
        return
    if has_request_context():
        request.environ.setdefault(_AFTER_RESPONSE, []).extend(outbox)
        return
    _send_all(outbox)


def _send_all(outbox: list[Mail]) -> None:
    for mail in outbox:
        try:
            send(mail)
        except (OSError, smtplib.SMTPException):
            # The change is committed; a mail server that is down must not turn it into an error page.
            log.exception("could not send the e-mail %r to %s", mail.subject, mail.to)


def init_app(app: Flask) -> None:
    app.after_request(_send_after_response)


def _send_after_response(response):
    """The request's committed e-mails leave from a thread of their own: the response does not wait."""
    outbox = request.environ.pop(_AFTER_RESPONSE, None)
    if outbox:
        app = current_app._get_current_object()

        def send_all() -> None:
            try:
                with app.app_context():
                    _send_all(outbox)
            finally:
                with _senders_lock:
                    _senders.discard(thread)

        # Not a daemon: a process that stops lets its e-mails leave first.
        thread = threading.Thread(target=send_all, name="jalons-mail")
        with _senders_lock:
            _senders.add(thread)
        thread.start()
    return response


def wait_sent(timeout: float = 30.0) -> None:
    """Wait for the e-mails being sent in the background (tests: as if the server had finished)."""
    with _senders_lock:
        pending = list(_senders)
    for thread in pending:
        thread.join(timeout)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_OUTBOX, None)
