import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import db


class StartupRole(enum.StrEnum):
    INTRAPRENEUR = "intrapreneur"
    COACH = "coach"
    SPONSOR = "sponsor"
    TEAM_MEMBER = "team_member"

    @property
    def label(self) -> str:
        return STARTUP_ROLE_LABELS[self]


STARTUP_ROLE_LABELS = {
    StartupRole.INTRAPRENEUR: "Intrapreneur·e",
    StartupRole.COACH: "Coach",
    StartupRole.SPONSOR: "Sponsor",
    StartupRole.TEAM_MEMBER: "Membre de l'équipe",
}


class Person(db.Model):
    """Someone Jalons knows: an account when active. The e-mail is stored lower-cased, unique."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320), unique=True)  # None once anonymised
    organisation_id: Mapped[str | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # DINUM's finance team: manages every convention and order (conventions area).
    is_dinum_finance: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    proconnect_sub: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[dt.datetime | None]
    archived_at: Mapped[dt.datetime | None]
    anonymised_at: Mapped[dt.datetime | None]
    # Stored in the session cookie at login; a session opens pages only while they match. Logging out and
    # archiving raise it, so that a copy of the cookie dies with the session (the cookie itself is only
    # signed: clearing it in one browser does not stop a copy).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821 (startups area, by name)
    memberships: Mapped[list["Membership"]] = relationship(back_populates="person", order_by="Membership.starts_on")
    incubator_roles: Mapped[list["IncubatorStaff"]] = relationship(back_populates="person")

    @property
    def is_active(self) -> bool:
        return self.archived_at is None and self.anonymised_at is None

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (None, None)


class Membership(db.Model):
    """A person's role in a startup's team, with dates: intrapreneur, coach, sponsor or team member."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id"), index=True)
    role: Mapped[StartupRole]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    person: Mapped[Person] = relationship(back_populates="memberships")
    # By name: the startups area comes after users in the import order.
    startup: Mapped["Startup"] = relationship()  # noqa: F821

    def is_current(self, today: dt.date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)


class IncubatorStaff(db.Model):
    """Incubator staff (head, coaches of the incubator, portfolio managers of a ministerial incubator)."""

    __tablename__ = "incubator_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    incubator_id: Mapped[str] = mapped_column(sa.ForeignKey("incubators.id"), index=True)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    person: Mapped[Person] = relationship(back_populates="incubator_roles")
    incubator: Mapped["Incubator"] = relationship()  # noqa: F821

    def is_current(self, today: dt.date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)


class LoginToken(db.Model):
    """A one-time login link. Only the SHA-256 of the token is kept: a leaked table opens no session."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship()

    def is_usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at and self.person.is_active


class LoginAttempt(db.Model):
    """One login link request, counted per bucket (a hashed e-mail or an IP address) to rate-limit them.

    Kept in the database so that the limit holds across web workers; rows older than the window are purged.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(100), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
