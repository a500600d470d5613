"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, for the reminder tests."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """Keeps every message and the connection it came by (`peers`: one client address per connection);
    refuses every recipient while `refusing` is set (a server that fails); with `per_connection` set,
    answers 421 (closing the channel) to the next message of a connection that has carried that many, as
    servers that limit messages per connection do."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.peers: list = []
        self.refusing = False
        self.per_connection: int | None = None

    @property
    def connections(self) -> int:
        """The connections that carried at least one message."""
        return len(set(self.peers))

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.per_connection is not None and self.peers.count(session.peer) >= self.per_connection:
            return "421 4.7.0 Trop de messages sur cette connexion"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "451 4.3.0 Service momentanément indisponible"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.peers.append(session.peer)
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.sink = Sink()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


@pytest.fixture
def mail_config(app, monkeypatch):
    """The app sends e-mail to 127.0.0.1:<port> (nothing listens there until smtp_server starts)."""
    port = free_port()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", None)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "MAIL_ECHO", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "Jalons <ne-pas-repondre@jalons.beta.gouv.fr>")
    monkeypatch.setitem(app.config, "BASE_URL", "https://jalons.example.gouv.fr")
    return app.config


@pytest.fixture
def smtp_server(mail_config):
    """A running SMTP server; its .sink.messages are the e-mails received."""
    server = SmtpServer()
    mail_config["SMTP_PORT"] = server.port
    server.start()
    yield server
    server.stop()
