"""A form that creates something is recorded once, however many times it is sent.

A second entry of the same service fait, event or objective is legitimate (two deliveries of the same
amount, two events the same day), so the services cannot tell a twin from it. What can is the form: each
form that creates a record carries a token of its own (`{{ once_field() }}`, a new one each time the page
is shown). The request's commit writes the token in `sent_forms` (primary key) with what the form created,
in the same transaction: the token is spent only if that is committed. The same form sent again (a network
retry, a script replaying a request, a second window, a browser without `static/jalons.js`) finds it spent
before its view runs and is answered 409 with a French page saying that it was recorded once; sent at the
same moment, the second commit fails on the token's key (PostgreSQL holds it until the first transaction
ends; SQLite has one writer at a time) and nothing of it is recorded (409). A form refused (a wrong field)
commits nothing: its token is not spent, and the page shown again carries a new one anyway.

Forms without the field are not concerned (edits carry a version, state changes check the state); the
API has its own rules. Tokens older than KEEP are purged daily (`core.sent_forms`).
"""

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column

from core import clock, scheduler
from core.db import db
from core.errors import Refused, respond

FIELD = "jeton_envoi"
KEEP = dt.timedelta(days=30)
_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
ALREADY_SENT = ("Ce formulaire a déjà été envoyé : ce qu'il contenait a été enregistré une fois, pas deux. "
                "Revenez à la page précédente et rechargez-la pour voir ce qui a été enregistré ; pour une "
                "nouvelle saisie, remplissez le formulaire à nouveau.")


class SentForm(db.Model):
    """A token of a form already sent (and committed)."""

    __tablename__ = "sent_forms"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(index=True)


def new_token() -> str:
    return secrets.token_urlsafe(18)


def once_field() -> Markup:
    """The hidden field of a form that creates a record (its token, new on each page shown)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, new_token())


def check() -> object | None:
    """Before the view: a form whose token is already spent is answered 409 (« Formulaire déjà envoyé »); a
    token with another shape than ours is refused (400). The token is kept for the commit (_spend)."""
    g.pop("once_token", None)
    if request.method != "POST" or FIELD not in request.form:
        return None
    token = request.form[FIELD]
    if not _SHAPE.fullmatch(token):
        raise Refused("Le jeton d'envoi du formulaire est mal formé : rechargez la page et envoyez-le à nouveau.",
                      FIELD)
    if db.session.get(SentForm, token) is not None:
        return _already_sent()
    g.once_token = token
    return None


@sa.event.listens_for(sa.orm.Session, "before_commit")
def _spend(session: sa.orm.Session) -> None:
    """The request's first commit writes the token with what the form created: the same form sent at the same
    moment by another request then fails on the token's primary key (PostgreSQL holds the second insert until
    the first transaction ends), and nothing of the second is recorded (409)."""
    if not has_request_context() or g.get("once_token") is None:
        return
    session.add(SentForm(token=g.pop("once_token"), sent_at=clock.now()))


def _already_sent():
    return respond(409, ALREADY_SENT, title="Formulaire déjà envoyé")


def purge(*, today: dt.date) -> int:
    """The daily job: forget the tokens sent more than KEEP before the day it runs for (a form that old is
    shown again to be sent); the day is the job's, as every job's (a catch-up run forgets what that day would)."""
    limit = dt.datetime.combine(today, dt.time(), tzinfo=clock.PARIS) - KEEP
    done = db.session.execute(sa.delete(SentForm).where(SentForm.sent_at < limit)).rowcount
    db.session.commit()
    return done


def register(app: Flask) -> None:
    app.before_request(check)
    app.add_template_global(once_field)
    scheduler.daily("core.sent_forms", "core.once:purge", hour=3, minute=30,
                    description="Oubli des jetons d'envoi des formulaires de plus de 30 jours")
