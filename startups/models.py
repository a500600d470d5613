import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import db
from core.text import fold
from startups.phases import Phase, current_period, is_planned


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


class Source(enum.StrEnum):
    """Who owns a phase period or an event. An import updates or removes only what the fiches brought
    (BETAGOUV); what was made in Jalons (a phase change, a sign-off's consequences, an event added by
    hand) is never touched by an import (README « Who owns what »)."""

    BETAGOUV = "betagouv"
    JALONS = "jalons"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {Source.BETAGOUV: "Fiche beta.gouv.fr", Source.JALONS: "Jalons"}


def unprintable_in_id(value: str) -> str | None:
    """The first character that a startup's, an incubator's or an organisation's id may not hold, as
    « U+00A0 », or None. Their pages answer 404 for an id that is not printable (startups.views.checked_id:
    PostgreSQL refuses a NUL, and a control character or a non-breaking space has no place in an address),
    so the import refuses such a fiche rather than create a row whose page cannot be reached."""
    if value.isprintable():  # the common case, in one call
        return None
    return next(f"U+{ord(c):04X}" for c in value if not c.isprintable())


class Organisation(db.Model):
    """A partner administration (sponsor) or the owner of an incubator."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(100))
    kind: Mapped[str | None] = mapped_column(sa.String(100))
    ministerial_domain: Mapped[str | None] = mapped_column(sa.String(100))
    # The fields a fiche owns, as the last import wrote them (None: never imported, e.g. created in Jalons).
    # An import compares them with the fiche and with the row, to tell an edit made in Jalons (kept) from
    # a change upstream (applied), and both at once (a conflict, kept as Jalons has it).
    imported_values: Mapped[dict | None] = mapped_column(sa.JSON)
    archived_at: Mapped[dt.datetime | None]
    # Optimistic locking: an edit form carries the version it loaded; a stale save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        return organisation_name(self.name, self.acronym)


def organisation_name(name: str, acronym: str | None) -> str:
    """« Agence nationale de la cohésion des territoires (ANCT) »: the acronym after the name unless the
    name already holds it."""
    if acronym and acronym.lower() not in name.lower():
        return f"{name} ({acronym})"
    return name


class Incubator(db.Model):
    __tablename__ = "incubators"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    owner_id: Mapped[str | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    website: Mapped[str | None] = mapped_column(sa.String(500))
    github: Mapped[str | None] = mapped_column(sa.String(500))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # The fields a fiche owns, as the last import wrote them (None: never imported, e.g. created in Jalons).
    # An import compares them with the fiche and with the row, to tell an edit made in Jalons (kept) from
    # a change upstream (applied), and both at once (a conflict, kept as Jalons has it).
    imported_values: Mapped[dict | None] = mapped_column(sa.JSON)
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
    sa.Column("organisation_id", sa.ForeignKey("organisations.id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False, default=0),
    # The startup's sort_name, copied by the database (the triggers of migration 0030) at each insert of a row
    # and each change of the startup's name: a sponsor's page reads its first startups in name order from the
    # index below, whatever the number of its startups (startups.queries.filtered_startups).
    sa.Column("sort_name", sa.String(300), nullable=False, server_default=""),
    sa.Index("ix_startup_sponsors_organisation_id_sort_name", "organisation_id", "sort_name", "startup_id"),
)

# Further incubators following a startup (the `incubators:` list of a few 2026 fiches), besides `incubator`.
startup_co_incubators = sa.Table(
    "startup_co_incubators",
    db.metadata,
    sa.Column("startup_id", sa.ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("incubator_id", sa.ForeignKey("incubators.id"), primary_key=True, index=True),
)


PHASE_RANKS = {phase.value: rank for rank, phase in enumerate(Phase)}  # lifecycle order: 0 for investigation…


def phase_rank_sql(column: str) -> str:
    """The lifecycle rank of the phase in `column` (PHASE_RANKS), as SQL text: the lists sort by it and
    an index holds it (ix_startups_phase_order), and an index's expression is only read for the same
    expression written with its values, not bound parameters."""
    return f"CASE {column}" + "".join(f" WHEN '{value}' THEN {rank}" for value, rank in PHASE_RANKS.items()) + " END"


def _order_indexes(name: str, key: str, null: str) -> tuple[sa.Index, sa.Index]:
    """The indexes of a list's order by `key`, ascending and descending, the startups whose `null` column is
    NULL last either way (SQLite has no NULLS LAST in an index: `null IS NULL` first), then by name and id."""
    return tuple(sa.Index(f"ix_startups_{name}_order{suffix}", sa.text(f"({null} IS NULL)"), sa.text(f"({key}){direction}"),
                          "sort_name", "id") for suffix, direction in (("", ""), ("_desc", " DESC")))


class Startup(db.Model):
    """A Startup d'État. Its id is the fiche's file name without `.md`, kept exactly (accents, capitals)."""

    __tablename__ = "startups"
    # A list filtered by phase or incubator and sorted by name reads its page in index order and stops there,
    # instead of sorting every startup of that phase or incubator.
    __table_args__ = (
        sa.Index("ix_startups_cached_phase_sort_name", "cached_phase", "sort_name"),
        sa.Index("ix_startups_incubator_id_sort_name", "incubator_id", "sort_name"),
        # The committee filters' counts per phase read this index alone (a range of due dates).
        sa.Index("ix_startups_committee_due_on", "committee_due_on", "cached_phase", "archived_at"),
        # A list sorted by phase, by the date it was entered or by incubator reads its page in index order too
        # (startups.queries.filtered_startups writes the same expressions).
        *_order_indexes("phase", phase_rank_sql("cached_phase"), "cached_phase"),
        *_order_indexes("phase_start", "cached_phase_start_on", "cached_phase_start_on"),
        *_order_indexes("incubator", "incubator_sort_name", "incubator_sort_name"),
    )

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    mission: Mapped[str | None] = mapped_column(sa.Text)
    incubator_id: Mapped[str | None] = mapped_column(sa.ForeignKey("incubators.id"), index=True)
    # Its incubator's name in lower case, copied by the database (0033's triggers, whichever way the startup or
    # the incubator is written), so that a list sorted by incubator reads its page from an index; None without
    # an incubator. Only the lists' SQL reads it.
    incubator_sort_name: Mapped[str | None] = mapped_column(sa.String(300), deferred=True)
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
    # The fields a fiche owns, as the last import wrote them (None: never imported, e.g. created in Jalons).
    # An import compares them with the fiche and with the row, to tell an edit made in Jalons (kept) from
    # a change upstream (applied), and both at once (a conflict, kept as Jalons has it).
    imported_values: Mapped[dict | None] = mapped_column(sa.JSON)
    # The `phases`, `events` and `links` of the fiche as the last import read them (None: no fiche). When Jalons
    # holds another history or other links, the fiche is « à mettre à jour » (startups/fiche_out.py).
    fiche_history: Mapped[dict | None] = mapped_column(sa.JSON)

    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    archived_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The current phase as it stood on cached_phase_on, so that lists filter and count on indexed columns
    # instead of ranking every period (see current_periods and refresh_current_phases in startups/kept.py).
    cached_phase: Mapped[Phase | None] = mapped_column(index=True)
    cached_phase_start_on: Mapped[dt.date | None]
    cached_phase_on: Mapped[dt.date | None] = mapped_column(index=True)
    # Name and mission folded (core.text.fold), kept by the mapper events below: the portfolio searches and
    # sorts on plain columns, accent- and case-insensitive on every database.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    sort_name: Mapped[str] = mapped_column(sa.String(300), default="", server_default="", index=True)
    # The due date of the next committee (committees/due.py's rule) as it stood on committee_due_checked_on
    # (None: no committee due, the startup being archived, in a terminal phase or without a current phase),
    # so that the committee filters and counts read an index instead of dating every startup's committees.
    # Kept by committees.due.refresh_committee_dues in the transaction of each change, and each night.
    committee_due_on: Mapped[dt.date | None]
    committee_due_checked_on: Mapped[dt.date | None] = mapped_column(index=True)
    # The date and time of its earliest committee in the « planifié » status, kept with committee_due_on (None
    # when none is planned), so that a list shows « Planifié le … » without reading the committees.
    committee_planned_at: Mapped[dt.datetime | None]

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
    # Made in Jalons unless the import says otherwise (see Source).
    source: Mapped[Source] = mapped_column(default=Source.JALONS)

    startup: Mapped[Startup] = relationship(back_populates="periods")

    def is_planned(self, today: dt.date) -> bool:
        return is_planned(self, today)


class Event(db.Model):
    """An event of a startup's timeline; `position` is unique per startup (services.next_position)."""

    __tablename__ = "events"
    __table_args__ = (sa.UniqueConstraint("startup_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[EventKind]
    happened_on: Mapped[dt.date]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # Made in Jalons unless the import says otherwise (see Source).
    source: Mapped[Source] = mapped_column(default=Source.JALONS)

    startup: Mapped[Startup] = relationship(back_populates="events")


@sa.event.listens_for(Startup, "before_insert")
@sa.event.listens_for(Startup, "before_update")
def _fold_search_columns(_mapper, _connection, startup: Startup) -> None:
    for name, value in search_columns(startup.name, startup.mission).items():
        setattr(startup, name, value)


def search_columns(name: str, mission: str | None) -> dict:
    """The folded columns the portfolio searches and sorts on (kept by the mapper events above; written
    by hand where startups are inserted without the ORM, as the import does)."""
    return {"sort_name": fold(name), "search_text": fold(f"{name} {mission or ''}")}


class SyncStatus(enum.StrEnum):
    OK = "ok"  # every fiche read, nothing to settle
    TO_SETTLE = "a_regler"  # done, with fiches rejected or in conflict with Jalons
    FAILED = "echec"  # the source could not be updated or read, or the run stopped on an error: nothing imported

    @property
    def label(self) -> str:
        return SYNC_STATUS_LABELS[self]


SYNC_STATUS_LABELS = {SyncStatus.OK: "Réussie", SyncStatus.TO_SETTLE: "À régler", SyncStatus.FAILED: "En échec"}


class SyncRun(db.Model):
    """One run of the daily synchronisation from beta.gouv.fr (startups/sync.py), kept for the admins."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(index=True)
    finished_at: Mapped[dt.datetime]
    source: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[SyncStatus]
    revision: Mapped[str | None] = mapped_column(sa.String(100))  # the checkout's commit, when a git source
    summary: Mapped[str] = mapped_column(sa.Text, default="")  # the import's summary, as `flask import-betagouv` prints it
    error: Mapped[str | None] = mapped_column(sa.Text)  # why it failed, in French
    archived: Mapped[list] = mapped_column(sa.JSON, default=list)  # startups archived: fiche gone from the source
    restored: Mapped[list] = mapped_column(sa.JSON, default=list)  # startups whose fiche came back
    # On the first run of a series of failures: set, and committed, before the admins are e-mailed about the
    # series (at most once); set back to NULL when no admin could be mailed, for the next failed run to try again.
    alerted_at: Mapped[dt.datetime | None]


# --- The phase counts of the list pages -----------------------------------------------------------------

class PhaseCount(db.Model):
    """How many startups (not archived) are in each cached current phase, per incubator and per sponsor.

    The list pages read these few hundred rows by key instead of grouping the whole portfolio. They follow
    the cached current phase: moved by deltas in the transaction that changes a startup's cached phase,
    incubator, sponsors or archiving (the flush listeners of startups/kept.py, apply_count_deltas: row
    locks on the counts it changes, held until commit, so two writes wait for each other only when they
    move startups of the same incubator or sponsor and phase), and recounted each night (startups.jobs, a
    table lock). A zero stays as a row (readers skip it) until the nightly recount. So they hold for the
    day of the cached phases: pages read them only when kept.cache_is_fresh(today), else they count over
    kept.current_periods(today) as before. Per committee status too (COMMITTEE, committees.due), moved by the
    same deltas when a due date or a phase changes, read when the due dates are also today's.
    """

    __tablename__ = "phase_counts"

    scope: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # INCUBATOR, SPONSOR or COMMITTEE
    scope_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)  # "": no incubator
    phase: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # "": no current phase
    startups: Mapped[int]

    INCUBATOR = "incubator"
    SPONSOR = "sponsor"
    COMMITTEE = "committee"  # per committee status (the status as scope id), kept by committees.due
