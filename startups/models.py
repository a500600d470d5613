import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from startups.phases import PHASE_RANKS, Phase, current_period


class EventKind(enum.StrEnum):
    PRODUCT_LAUNCH = "product_launch"
    COMMITTEE = "committee"
    FAST = "fast"
    NATIONAL_IMPACT = "national_impact"
    EIG = "eig"
    OTHER = "other"
    END = "end"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    EventKind.PRODUCT_LAUNCH: "Lancement du produit",
    EventKind.COMMITTEE: "Passage en comité",
    EventKind.FAST: "Financement FAST",
    EventKind.NATIONAL_IMPACT: "Impact national",
    EventKind.EIG: "Entrepreneurs d'intérêt général",
    EventKind.OTHER: "Autre",
    EventKind.END: "Fin",
}


class Organisation(db.Model):
    """A partner administration (sponsor) or the owner of an incubator."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(100))
    kind: Mapped[str | None] = mapped_column(sa.String(100))
    ministerial_domain: Mapped[str | None] = mapped_column(sa.String(100))
    archived_at: Mapped[dt.datetime | None]
    # Optimistic locking: an edit form carries the version it loaded; a stale save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        if self.acronym and self.acronym.lower() not in self.name.lower():
            return f"{self.name} ({self.acronym})"
        return self.name


class Incubator(db.Model):
    __tablename__ = "incubators"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    owner_id: Mapped[str | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    website: Mapped[str | None] = mapped_column(sa.String(500))
    github: Mapped[str | None] = mapped_column(sa.String(500))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.Text)
    archived_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    owner: Mapped[Organisation | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (None, self.id)


startup_sponsors = sa.Table(
    "startup_sponsors",
    db.metadata,
    sa.Column("startup_id", sa.ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id"), primary_key=True, index=True),
    sa.Column("position", sa.Integer, nullable=False, default=0),
)

# Further incubators following a startup (the `incubators:` list of a few 2026 fiches), besides `incubator`.
startup_co_incubators = sa.Table(
    "startup_co_incubators",
    db.metadata,
    sa.Column("startup_id", sa.ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("incubator_id", sa.ForeignKey("incubators.id"), primary_key=True, index=True),
)


class Startup(db.Model):
    """A Startup d'État. Its id is the fiche's file name without `.md`, kept exactly (accents, capitals)."""

    __tablename__ = "startups"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    mission: Mapped[str | None] = mapped_column(sa.Text)
    incubator_id: Mapped[str | None] = mapped_column(sa.ForeignKey("incubators.id"), index=True)
    # Free-text owner of fiches older than the sponsors list.
    legacy_owner: Mapped[str | None] = mapped_column(sa.String(500))

    link: Mapped[str | None] = mapped_column(sa.String(1000))
    repository: Mapped[str | None] = mapped_column(sa.String(1000))
    stats: Mapped[bool | None]
    stats_url: Mapped[str | None] = mapped_column(sa.String(1000))
    impact_url: Mapped[str | None] = mapped_column(sa.String(1000))
    budget_url: Mapped[str | None] = mapped_column(sa.String(1000))
    dashlord_url: Mapped[str | None] = mapped_column(sa.String(1000))

    user_types: Mapped[list] = mapped_column(sa.JSON, default=list)
    themes: Mapped[list] = mapped_column(sa.JSON, default=list)
    techno: Mapped[list] = mapped_column(sa.JSON, default=list)
    accessibility_status: Mapped[str | None] = mapped_column(sa.String(100))
    risk_analysis_done: Mapped[bool | None]
    risk_analysis_url: Mapped[str | None] = mapped_column(sa.String(1000))
    mon_service_securise: Mapped[bool | None]
    fast_promotion: Mapped[int | None]
    fast_amount: Mapped[int | None]  # euros

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    archived_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    incubator: Mapped[Incubator | None] = relationship()
    sponsors: Mapped[list[Organisation]] = relationship(
        secondary=startup_sponsors, order_by=startup_sponsors.c.position
    )
    co_incubators: Mapped[list[Incubator]] = relationship(
        secondary=startup_co_incubators, order_by=Incubator.id
    )
    periods: Mapped[list["PhasePeriod"]] = relationship(
        back_populates="startup", order_by="PhasePeriod.position", cascade="all, delete-orphan"
    )
    events: Mapped[list["Event"]] = relationship(
        back_populates="startup", order_by=lambda: (Event.happened_on, Event.position), cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.id, self.incubator_id)

    @property
    def incubators(self) -> list[Incubator]:
        """The main incubator first, then the others following the startup."""
        return ([self.incubator] if self.incubator else []) + [i for i in self.co_incubators if i.id != self.incubator_id]

    def current_period(self, today: dt.date) -> "PhasePeriod | None":
        return current_period(self.periods, today)

    def current_phase(self, today: dt.date) -> Phase | None:
        period = self.current_period(today)
        return period.phase if period else None


class PhasePeriod(db.Model):
    """A period in a phase. A phase may be entered more than once; `position` is the order in the source."""

    __tablename__ = "phase_periods"
    __table_args__ = (sa.UniqueConstraint("startup_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    phase: Mapped[Phase]
    # The name as written in the fiche, when it differs (legacy names such as `alumni`, `success`).
    source_name: Mapped[str | None] = mapped_column(sa.String(100))
    start_on: Mapped[dt.date | None]
    # The start the current-phase rule uses: start_on, or for a legacy period without one, the previous
    # period's end or start (see phases.resolve_starts).
    effective_start_on: Mapped[dt.date | None] = mapped_column(index=True)
    end_on: Mapped[dt.date | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)

    startup: Mapped[Startup] = relationship(back_populates="periods")

    def is_planned(self, today: dt.date) -> bool:
        return self.effective_start_on is not None and self.effective_start_on > today


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[EventKind]
    happened_on: Mapped[dt.date]
    comment: Mapped[str | None] = mapped_column(sa.Text)

    startup: Mapped[Startup] = relationship(back_populates="events")


def phase_rank_sql():
    return sa.case({phase.value: rank for phase, rank in PHASE_RANKS.items()}, value=PhasePeriod.phase, else_=0)


def current_periods(today: dt.date):
    """One row per startup with a started period: (startup_id, phase, start_on), by the rule of DESIGN.md.

    The same rule as phases.current_period, as a subquery that pages join and group by, so that a page
    of the portfolio never loads every period to compute it.
    """
    row_number = sa.func.row_number().over(
        partition_by=PhasePeriod.startup_id,
        order_by=(PhasePeriod.effective_start_on.desc(), phase_rank_sql().desc(), PhasePeriod.position.desc()),
    )
    ranked = (
        sa.select(
            PhasePeriod.startup_id,
            PhasePeriod.phase,
            PhasePeriod.effective_start_on.label("start_on"),
            row_number.label("row_number"),
        )
        .where(PhasePeriod.effective_start_on <= today)
        .subquery("ranked_periods")
    )
    return (
        sa.select(ranked.c.startup_id, ranked.c.phase, ranked.c.start_on)
        .where(ranked.c.row_number == 1)
        .subquery("current_periods")
    )
