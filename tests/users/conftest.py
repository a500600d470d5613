"""Fixtures of the users area: a real SMTP server, a real OpenID Connect provider, extra applications."""

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from app import create_app
from core.db import db
from tests.users.oidc_provider import OIDCProvider


class SMTPSink:
    """aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    sink = SMTPSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def outbox(app, smtp_server, monkeypatch):
    """The messages the real local SMTP server received during this test."""
    smtp_server.handler.messages.clear()
    monkeypatch.setitem(app.config, "SMTP_HOST", smtp_server.hostname)
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "Jalons <ne-pas-repondre@jalons.example>")
    return smtp_server.handler.messages


def link_in(message) -> str:
    """The login link of an e-mail."""
    match = re.search(r"https?://\S+/users/login/\S+", message.get_content())
    assert match, message.get_content()
    return match.group(0)


@pytest.fixture(scope="session")
def oidc_provider():
    provider = OIDCProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def proconnect(app, oidc_provider, monkeypatch):
    """Jalons configured for the test provider."""
    oidc_provider.reset()
    monkeypatch.setitem(app.config, "PROCONNECT_CLIENT_ID", oidc_provider.client_id)
    monkeypatch.setitem(app.config, "PROCONNECT_CLIENT_SECRET", oidc_provider.client_secret)
    monkeypatch.setitem(app.config, "PROCONNECT_SERVER_METADATA_URL", oidc_provider.metadata_url)
    monkeypatch.setitem(app.config, "BASE_URL", None)
    return oidc_provider


@pytest.fixture
def other_app(app):
    """Build another application on the test database (other settings: CSRF on, development…)."""
    built = []

    def build(**overrides):
        config = {
            "JALONS_ENV": "test", "TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": None,
            "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            **overrides,
        }
        new_app = create_app(config)
        built.append(new_app)
        return new_app

    yield build
    for new_app in built:
        with new_app.app_context():
            db.engine.dispose()
