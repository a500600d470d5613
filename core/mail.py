"""E-mail over SMTP, sent once the transaction that decided it has committed.

Services and views call `send_after_commit(message)`: the message waits on the database session and
leaves when that session commits (it is dropped on rollback), so that nobody is told of a change that
did not happen. In a web request it leaves from a background thread started as the response goes out:
the response does not wait for the mail server, so its timing does not tell whether an e-mail left (the
login page must not reveal which addresses have an account), and a slow mail server slows nobody down.
`send(message)` sends at once (commands, scripts); inside `with connection():` the e-mails of the block
share one SMTP session (the reminders and alerts send their batch that way, core/outbox.py).

Settings: SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS, SMTP_TIMEOUT, MAIL_FROM; MAIL_ECHO
(on in development) also prints every e-mail on the console. Without SMTP_HOST nothing is sent.
"""

import contextvars
import logging
import smtplib
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import HeaderRegistry
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
# The SMTP session of the enclosing `with connection():`, if any (see connection()).
_connection: contextvars.ContextVar["Connection | None"] = contextvars.ContextVar("jalons_smtp", default=None)


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
            # A subject shared by a batch (build()) keeps its folding: encoding it is half the time of an e-mail.
            memo = getattr(value, "folded", None)
            if memo is not None and self.linesep in memo:
                return memo[self.linesep]
            folded = f"{name}: {Header(str(value), 'utf-8', header_name=name).encode(linesep=self.linesep)}{self.linesep}"
            if memo is not None:
                memo[self.linesep] = folded
            return folded
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if self._encode_whole(name, value):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)

    def _encode_whole(self, name, value) -> bool:
        return name.lower() == "subject" and not self.utf8 and not str(value).isascii()


class _HeaderRegistry(HeaderRegistry):
    """The standard header classes, each made once: the registry builds a new class for every header it
    parses (a fifth of the time of building an e-mail)."""

    def __init__(self):
        super().__init__()
        self._classes = {}

    def __getitem__(self, name):
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]


POLICY = _Policy(linesep="\r\n", header_factory=_HeaderRegistry())


def header_text(value: str) -> str:
    """A header value on one line: a line feed or any other control character stored in a name (data
    entered before the forms refused them) becomes a space instead of making the e-mail impossible."""
    return " ".join(one_line(value).split())


def build(mail: Mail, sender: str, shared: dict | None = None) -> EmailMessage:
    """The message of `mail`. `shared` keeps the headers parsed for a batch of e-mails (core/outbox.py):
    the sender and the fixed headers are then parsed once per batch, and a subject parsed and encoded once
    per kind of e-mail and subject (the reminders of one committee share theirs); the rest is each e-mail's
    own: the recipient, the date, the Message-ID, and the body, which greets its reader by name."""
    def header(name: str, value: str):
        if shared is None:
            return value
        key = (name, value)
        if key not in shared:
            made = shared[key] = POLICY.header_factory(name, value)  # immutable: safe in many messages
            made.folded = {}  # its folding, by line separator, once computed (_Policy.fold)
        return shared[key]

    message = EmailMessage(policy=POLICY)
    message["From"] = header("From", header_text(sender))
    message["To"] = header_text(mail.to)
    message["Subject"] = header("Subject", header_text(mail.subject))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id or make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = header("Auto-Submitted", "auto-generated")
    message.set_content(mail.body)
    return message


def send(mail: Mail) -> None:
    """Send now, through the connection of the enclosing `with connection():` when there is one, else
    through a connection of its own. Raises smtplib/OS errors (and the errors of a message that cannot be
    built): callers that must not fail use send_after_commit."""
    config = current_app.config
    shared = _connection.get()
    message = build(mail, config["MAIL_FROM"], shared.headers if shared is not None else None)
    if config.get("MAIL_ECHO"):
        # Readable, not the wire format (quoted-printable would break the links in two).
        print(f"\n----- e-mail -----\nÀ : {mail.to}\nObjet : {mail.subject}\n\n{mail.body}\n------------------",
              file=sys.stdout, flush=True)
    if not config.get("SMTP_HOST"):
        log.info("SMTP_HOST is not set: e-mail to %s not sent", mail.to)
        return
    if shared is not None:
        shared.send(message)
        return
    with Connection(config) as own:
        own.send(message)


class Connection:
    """One SMTP session for many e-mails: opened at the first send, closed (QUIT) at the end. A connection
    that has already carried e-mails and is dropped by the server (closed, reset, or a 421 « service not
    available » reply, as servers do after so many messages or so long idle) is opened again once, and the
    e-mail in flight sent again (with its Message-ID: a copy the server had accepted is recognisable); if
    that fails too, the error is raised and the batch stops."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.carried = 0  # e-mails sent through the current session
        self.headers: dict = {}  # the headers its e-mails share, parsed once (build())

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
        try:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        self.carried = 0
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, ConnectionError) as error:
            dropped = not isinstance(error, smtplib.SMTPResponseException) or error.smtp_code == 421
            if not dropped or not self.carried:
                if dropped:
                    self.close()
                raise
            log.warning("SMTP connection dropped after %s e-mail(s) (%s): connecting again", self.carried, error)
            self.close()
            self.smtp = self._open()
            self.smtp.send_message(message)
        self.carried += 1

    def close(self) -> None:
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


@contextmanager
def connection():
    """`with connection():` sends the e-mails of the block (mail.send) through one SMTP session, opened at
    the first one: a job's batch costs one connection instead of one per e-mail."""
    if not current_app.config.get("SMTP_HOST"):
        yield
        return
    with Connection(current_app.config) as shared:
        token = _connection.set(shared)
        try:
            yield
        finally:
            _connection.reset(token)


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
