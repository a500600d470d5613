"""Accounts and login: people, one-time login links, the login rate limit, ProConnect agents.

Services flush, never commit: the view or command commits, and e-mails leave after the commit.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from core import mail
from core.text import contains_pattern
from core.values import jsonable
from core.db import db
from users.models import IncubatorStaff, LoginAttempt, LoginToken, Membership, Person, StartupRole


class UsersError(Exception):
    """A refused change, with a French message for the user."""


class RateLimited(UsersError):
    pass


def normalise_email(raw: str | None) -> str:
    """The stored form of an e-mail address: stripped, validated (syntax only, no DNS), lower-cased."""
    text = (raw or "").strip()
    if not text:
        raise UsersError("Indiquez une adresse e-mail.")
    try:
        validated = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise UsersError(f"L'adresse e-mail « {text} » n'est pas valide.") from error
    return validated.normalized.lower()


def name_or_email_contains(text: str) -> sa.ColumnElement[bool]:
    """People whose name or e-mail holds text, whatever its case (the e-mail is stored lower-cased)."""
    pattern = contains_pattern(text)
    return sa.or_(sa.func.lower(Person.name).like(pattern, escape="\\"), Person.email.like(pattern, escape="\\"))


def find_person_by_email(email: str) -> Person | None:
    try:
        email = normalise_email(email)
    except UsersError:
        return None
    return db.session.scalar(sa.select(Person).where(Person.email == email))


def create_person(
    *, email: str, name: str, organisation_id: str | None = None, is_admin: bool = False, now: dt.datetime
) -> Person:
    """A new account. The e-mail is unique whatever its case."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise UsersError("Indiquez le nom de la personne.")
    if db.session.scalar(sa.select(Person.id).where(Person.email == email)) is not None:
        raise UsersError(f"Une personne utilise déjà l'adresse {email}.")
    # The table, not the model: the startups area comes after users in the import order.
    organisations = db.metadata.tables["organisations"]
    if organisation_id and db.session.scalar(
        sa.select(organisations.c.id).where(organisations.c.id == organisation_id)
    ) is None:
        raise UsersError(f"L'organisation « {organisation_id} » n'existe pas.")
    person = Person(email=email, name=name, organisation_id=organisation_id or None, is_admin=is_admin, created_at=now)
    db.session.add(person)
    db.session.flush()
    return person


def record_about_person(action: str, person: Person, *, actor: Person | None, now: dt.datetime,
                        before: dict | None, after: dict | None) -> None:
    """An audit event about one person, in the transaction of the change. Not audit.services.record(): the
    users area comes before the audit area (tests/core/test_layout.py); the same columns it writes, the
    visibility included: the event is about one person (audit.visibility, personal data)."""
    db.session.execute(sa.insert(db.metadata.tables["audit_events"]).values(
        at=now, actor_id=actor.id if actor else None, actor_label=None if actor else "Jalons",
        action=action, object_type="person", object_id=str(person.id), startup_id=None,
        before=jsonable(before), after=jsonable(after), reason=None,
        visibility="personnel", visibility_ref=person.id,
    ))


def set_dinum_finance(person: Person, granted: bool, *, actor: Person | None, now: dt.datetime) -> bool:
    """Grant or remove the « finance DINUM » flag (conventions and orders: users.permissions.is_dinum_finance),
    audited; returns whether anything changed. Granted only to an active account."""
    granted = bool(granted)
    if granted and (person.archived_at is not None or person.anonymised_at is not None):
        raise UsersError("Ce compte est archivé ou anonymisé : il ne peut pas recevoir l'habilitation finance DINUM.")
    if bool(person.is_dinum_finance) == granted:
        return False
    person.is_dinum_finance = granted
    db.session.flush()
    record_about_person("person.dinum_finance_granted" if granted else "person.dinum_finance_removed", person,
                        actor=actor, now=now, before={"is_dinum_finance": not granted},
                        after={"is_dinum_finance": granted})
    return True


PERSON_FIELDS = ("name", "email", "organisation_id", "is_admin")


def create_account(*, email: str, name: str, organisation_id: str | None, actor: Person | None,
                   now: dt.datetime) -> Person:
    """A new account made by an admin (the administration's people page), audited. Roles come after, each
    through the policy (users.permissions.role_change_refusal)."""
    person = create_person(email=email, name=name, organisation_id=organisation_id, now=now)
    record_about_person("person.created", person, actor=actor, now=now, before=None,
                        after={name: getattr(person, name) for name in PERSON_FIELDS})
    return person


def _lock_actor_and(person: Person, actor: Person | None) -> None:
    """Take both rows (FOR UPDATE on PostgreSQL, in the order of their ids) and read them again, then check
    that the actor is still an active admin: two admins removing each other's role (or archiving each other)
    at the same moment would otherwise leave nobody to administer Jalons; the second one waits, and is then
    refused. actor None: the command line, which needs no account."""
    ids = sorted({person.id} | ({actor.id} if actor is not None else set()))
    db.session.scalars(sa.select(Person).where(Person.id.in_(ids)).order_by(Person.id).with_for_update()
                       .execution_options(populate_existing=True)).all()
    if actor is not None and not (actor.is_admin and actor.is_active):
        raise UsersError("Vous n'êtes plus administrateur : la modification n'a pas été faite.")


def set_admin(person: Person, granted: bool, *, actor: Person | None, now: dt.datetime) -> bool:
    """Grant or remove the admin role (every page of Jalons but the sponsor's review), audited; returns whether
    anything changed. Granted only to an active account; nobody removes their own (the last admin would
    lock everyone out)."""
    granted = bool(granted)
    if granted and not person.is_active:
        raise UsersError("Ce compte est archivé ou anonymisé : il ne peut pas devenir administrateur.")
    if not granted and actor is not None and actor.id == person.id:
        raise UsersError("Vous ne pouvez pas retirer votre propre rôle d'administrateur : demandez-le à un autre "
                         "administrateur.")
    if not granted:
        _lock_actor_and(person, actor)
    if bool(person.is_admin) == granted:
        return False
    person.is_admin = granted
    db.session.flush()
    record_about_person("person.admin_granted" if granted else "person.admin_removed", person, actor=actor, now=now,
                        before={"is_admin": not granted}, after={"is_admin": granted, "person_id": person.id})
    return True


def archive_person(person: Person, *, now: dt.datetime, actor: Person | None = None) -> None:
    """The person can no longer log in; their history stays. Their open sessions and unused login links die
    with the account. Audited; nobody archives their own account (an admin would lock themselves out)."""
    if actor is not None and actor.id == person.id:
        raise UsersError("Vous ne pouvez pas archiver votre propre compte.")
    if person.anonymised_at is not None:
        raise UsersError("Ce compte est anonymisé : il est déjà fermé.")
    if actor is not None:  # an admin, from Administration › Personnes
        _lock_actor_and(person, actor)
    if person.archived_at is None:
        person.archived_at = now
        record_about_person("person.archived", person, actor=actor, now=now, before={"archived_at": None},
                            after={"archived_at": now, "person_id": person.id})
    end_sessions(person)
    db.session.execute(
        sa.update(LoginToken)
        .where(LoginToken.person_id == person.id, LoginToken.used_at.is_(None))
        .values(expires_at=now)
    )
    db.session.flush()


def restore_person(person: Person, *, now: dt.datetime, actor: Person | None = None) -> bool:
    """An archived account opens again (a new login link is needed: the old ones died with the archiving);
    audited. An anonymised account stays closed. Returns whether anything changed."""
    if person.anonymised_at is not None:
        raise UsersError("Ce compte est anonymisé : il ne peut pas être rouvert.")
    if person.archived_at is None:
        return False
    before = {"archived_at": person.archived_at}
    person.archived_at = None
    db.session.flush()
    record_about_person("person.restored", person, actor=actor, now=now, before=before,
                        after={"archived_at": None, "person_id": person.id})
    return True


def end_sessions(person: Person) -> None:
    """Every session opened so far for person stops opening pages, copies of its cookie included
    (users.permissions.current_person compares the cookie's session_version with the person's)."""
    person.session_version = (person.session_version or 0) + 1
    db.session.flush()


def add_membership(person: Person, startup_id: str, role: StartupRole, *, starts_on: dt.date,
                   ends_on: dt.date | None = None) -> Membership:
    membership = Membership(person=person, startup_id=startup_id, role=role, starts_on=starts_on, ends_on=ends_on)
    db.session.add(membership)
    db.session.flush()
    return membership


def add_incubator_staff(person: Person, incubator_id: str, *, starts_on: dt.date,
                        ends_on: dt.date | None = None) -> IncubatorStaff:
    staff = IncubatorStaff(person=person, incubator_id=incubator_id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(staff)
    db.session.flush()
    return staff


# --- One-time login links ---------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_login_token(person: Person, *, now: dt.datetime) -> str:
    """A fresh one-time token for person; only its hash is stored. Returns the token itself."""
    if not person.is_active:
        raise UsersError("Ce compte est archivé : il ne peut plus se connecter.")
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["LOGIN_TOKEN_MINUTES"]
    db.session.add(LoginToken(person=person, token_hash=hash_token(token), created_at=now,
                              expires_at=now + dt.timedelta(minutes=minutes)))
    db.session.flush()
    return token


def find_login_token(token: str, *, now: dt.datetime) -> LoginToken | None:
    """The token's row if it can still open a session (unused, not expired, account active)."""
    row = db.session.scalar(sa.select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
    return row if row is not None and row.is_usable(now) else None


def consume_login_token(token: str, *, now: dt.datetime) -> Person:
    """Use the token: it opens one session, once. Two simultaneous uses: only one wins (conditional UPDATE)."""
    row = find_login_token(token, now=now)
    if row is not None:
        used = db.session.execute(
            sa.update(LoginToken)
            .where(LoginToken.id == row.id, LoginToken.used_at.is_(None), LoginToken.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount == 1:
            db.session.refresh(row)
            return row.person
    raise UsersError("Ce lien de connexion n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau.")


def check_rate_limit(buckets: list[str], *, now: dt.datetime) -> None:
    """Count one login link request in each bucket; RateLimited when any bucket is full for the window.

    Counted in the database so that the limit holds across web workers and processes.
    """
    config = current_app.config
    limit, window = config["LOGIN_RATE_LIMIT"], dt.timedelta(minutes=config["LOGIN_RATE_WINDOW_MINUTES"])
    since = now - window
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.created_at < since))
    counts = dict(db.session.execute(
        sa.select(LoginAttempt.bucket, sa.func.count())
        .where(LoginAttempt.bucket.in_(buckets), LoginAttempt.created_at >= since)
        .group_by(LoginAttempt.bucket)
    ).all())
    if any(counts.get(bucket, 0) >= limit for bucket in buckets):
        raise RateLimited(
            f"Trop de demandes de connexion. Réessayez dans {config['LOGIN_RATE_WINDOW_MINUTES']} minutes."
        )
    db.session.add_all(LoginAttempt(bucket=bucket, created_at=now) for bucket in buckets)
    db.session.flush()


def rate_buckets(email: str, ip: str | None) -> list[str]:
    # E-mails are hashed: the table would otherwise keep every address anyone typed.
    buckets = ["email:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:40]]
    if ip:
        buckets.append("ip:" + ip[:90])
    return buckets


def request_login_link(raw_email: str, *, ip: str | None, now: dt.datetime, link_for: Callable[[str], str]) -> None:
    """Send a one-time login link to an active account's address, after the commit.

    Unknown and archived addresses get exactly the same treatment from the caller's point of view (the
    view answers the same neutral message) and receive nothing: no account enumeration.
    """
    email = normalise_email(raw_email)
    check_rate_limit(rate_buckets(email, ip), now=now)
    person = db.session.scalar(sa.select(Person).where(Person.email == email))
    if person is None or not person.is_active:
        return
    token = issue_login_token(person, now=now)
    minutes = current_app.config["LOGIN_TOKEN_MINUTES"]
    mail.send_after_commit(mail.Mail(
        to=person.email,
        subject="Votre lien de connexion à Jalons",
        body=(
            f"Bonjour {person.name},\n\n"
            f"Pour vous connecter à Jalons, ouvrez ce lien puis confirmez :\n\n{link_for(token)}\n\n"
            f"Il est valable {minutes} minutes et ne sert qu'une fois.\n"
            "Si vous n'avez pas demandé ce lien, ignorez ce message : personne ne peut se connecter sans lui.\n\n"
            "— Jalons, le suivi des Startups d'État de beta.gouv.fr\n"
        ),
    ))


def record_login(person: Person, *, now: dt.datetime) -> None:
    person.last_login_at = now
    db.session.flush()


# --- ProConnect ------------------------------------------------------------------------------------

def match_proconnect_agent(*, sub: str, email: str | None, now: dt.datetime) -> Person:
    """The Jalons account of a ProConnect agent: by `sub`, else by the e-mail of an active account (then
    the `sub` is remembered). Agents unknown to Jalons are refused, never created."""
    person = db.session.scalar(sa.select(Person).where(Person.proconnect_sub == sub))
    if person is None and email:
        person = find_person_by_email(email)
        if person is not None and person.is_active:
            if person.proconnect_sub not in (None, sub):
                raise UsersError("Ce compte Jalons est déjà relié à un autre compte ProConnect.")
            person.proconnect_sub = sub
            db.session.flush()
    if person is None or not person.is_active:
        raise UsersError("unknown agent")
    return person


# --- Redirects -------------------------------------------------------------------------------------

def safe_next(value: str | None) -> str | None:
    """`next` only when it is a path on this site: never //host, a scheme, a backslash or a control char."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value
