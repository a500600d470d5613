import datetime as dt
import enum
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import db
from core.text import fold
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
    # A list filtered by phase or incubator and sorted by name reads its page in index order and stops there,
    # instead of sorting every startup of that phase or incubator.
    __table_args__ = (
        sa.Index("ix_startups_cached_phase_sort_name", "cached_phase", "sort_name"),
        sa.Index("ix_startups_incubator_id_sort_name", "incubator_id", "sort_name"),
        # The committee filters' counts per phase read this index alone (a range of due dates).
        sa.Index("ix_startups_committee_due_on", "committee_due_on", "cached_phase", "archived_at"),
    )

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
    # instead of ranking every period (see current_periods and refresh_current_phases below).
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
        return self.effective_start_on is not None and self.effective_start_on > today


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


def phase_rank_sql():
    return sa.case({phase.value: rank for phase, rank in PHASE_RANKS.items()}, value=PhasePeriod.phase, else_=0)


def _ranked_periods(today: dt.date, startup_ids=None):
    """The exact current-phase rule in SQL: each startup's started periods, ranked by latest start, then
    lifecycle rank, then position in the source (the last listed wins); the first of each (of the given
    startups only, when startup_ids is given)."""
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
    )
    if startup_ids is not None:
        ranked = ranked.where(PhasePeriod.startup_id.in_(startup_ids))
    ranked = ranked.subquery("ranked_periods")
    return (
        sa.select(ranked.c.startup_id, ranked.c.phase, ranked.c.start_on)
        .where(ranked.c.row_number == 1)
        .subquery("current_periods")
    )


def _cached_periods():
    return (
        sa.select(
            Startup.id.label("startup_id"),
            Startup.cached_phase.label("phase"),
            Startup.cached_phase_start_on.label("start_on"),
        )
        .where(Startup.cached_phase.is_not(None))
        .subquery("current_periods")
    )


_FRESH = "startups.cache_fresh"  # session.info key: (day, whether every cached phase is that day's)
_DUES_FRESH = "startups.dues_fresh"  # session.info key: (day, whether every kept committee due date is that day's)
_REFRESHED = "startups.refreshed"  # session.info key: startups refreshed by the flush under way
_COUNTED = "startups.counted"  # session.info key: {startup id: the phase counts it was in before the flush}


def stale(today: dt.date, column=None):
    # Three ranges of the index on the column, not `!= today`, which would read every startup.
    column = Startup.cached_phase_on if column is None else column
    return sa.or_(column.is_(None), column < today, column > today)


def _probe_freshness(today: dt.date) -> None:
    """One statement, two probes of three index ranges each (it reads no startup when all are fresh): whether
    every cached phase, and every kept committee due date (committees/due.py), is today's. The session
    remembers both answers until a refresh or the end of its transaction."""
    def probe(column):
        return sa.select(Startup.id).where(stale(today, column)).limit(1).scalar_subquery()

    phase, due = db.session.execute(
        sa.select(probe(Startup.cached_phase_on), probe(Startup.committee_due_checked_on))).one()
    db.session.info[_FRESH] = (today, phase is None)
    db.session.info[_DUES_FRESH] = (today, due is None)


def _fresh(key: str, today: dt.date) -> bool:
    """What the session knows of a kept column's freshness on `today`, probed once for both columns."""
    known = db.session.info.get(key)
    if known is None or known[0] != today:
        _probe_freshness(today)
        known = db.session.info[key]
    return known[1]


def cache_is_fresh(today: dt.date) -> bool:
    """Whether every startup's cached phase is the one of `today` (see _probe_freshness)."""
    return _fresh(_FRESH, today)


def committee_dues_fresh(today: dt.date) -> bool:
    """Whether every startup's kept committee due date (committee_due_on) is the one of `today`."""
    return _fresh(_DUES_FRESH, today)


def forget_freshness(session) -> None:
    """What the session knew of the kept columns' freshness no longer holds (a refresh is under way, or the
    transaction ended: another process may have refreshed them, or changed what they derive from, since)."""
    session.info.pop(_FRESH, None)
    session.info.pop(_DUES_FRESH, None)


def current_periods(today: dt.date, exact: bool = False, startup_ids=None):
    """One row per startup with a started period: (startup_id, phase, start_on), by the current-phase rule.

    The same rule as phases.current_period, as a subquery that pages join and group by. When every
    startup's cached phase is today's (kept by refresh_current_phases after each change of periods and
    each night), it reads the cached columns; otherwise (another day asked, the nightly refresh not run
    yet) it ranks the periods: exact, only slower. Reading never writes. exact=True ranks without asking
    whether the cache is fresh (a day in the past, e.g. the statistics' month ends: no statement spent),
    of the startup_ids only when given.
    """
    if exact:
        return _ranked_periods(today, startup_ids)
    return _cached_periods() if cache_is_fresh(today) else _ranked_periods(today)


def refresh_current_phases(session, today: dt.date, startup_ids=None) -> int:
    """Write each startup's current phase on `today` into its cached columns: every startup whose cache is
    not today's, or the given ones. One set-based UPDATE (the periods ranked once, joined to the startups;
    a startup without a started period gets none), leaving the row's version and updated_at alone (the
    cache is not an edit). Returns the number of startups refreshed."""
    table = Startup.__table__
    ids = sorted(startup_ids) if startup_ids is not None else None
    current = _ranked_periods(today, ids)
    target = table.c.id.in_(ids) if ids is not None else stale(today)
    startups = sa.orm.aliased(Startup, name="refreshed")
    fresh = (
        sa.select(startups.id, current.c.phase, current.c.start_on)
        .outerjoin(current, current.c.startup_id == startups.id)
        .where(startups.id.in_(ids) if ids is not None else sa.true())
        .subquery("fresh")
    )
    forget_freshness(session)
    result = session.connection().execute(
        table.update()
        .where(table.c.id == fresh.c.id, target)
        .values(
            cached_phase=fresh.c.phase,
            cached_phase_start_on=fresh.c.start_on,
            cached_phase_on=today,
            updated_at=table.c.updated_at,
            version=table.c.version,
        )
    )
    return result.rowcount


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _hold_counted_startups(session, _context, _instances):
    """Before a flush that may move startups between phase counts (their periods, incubator, sponsors or
    archiving change): what they count for now, read from the database, their rows locked on PostgreSQL
    until the transaction ends, so that the counts' deltas after the flush are those of this transaction
    alone (apply_count_deltas)."""
    ids = _counted_startups(session)
    if ids:
        held = session.info.setdefault(_COUNTED, {})
        held.update(counted_in(session, ids - held.keys(), lock=True))


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _refresh_after_changes(session, _context):
    """A flush that adds, changes or removes phase periods (or adds startups) refreshes those startups'
    cached phase for today in the same transaction, and makes the session check freshness again; the phase
    counts of the startups it moves (phase, incubator, sponsors, archiving) follow by deltas."""
    touched = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PhasePeriod) and obj.startup_id is not None:
            touched.add(obj.startup_id)
        elif isinstance(obj, Startup) and obj in session.new:
            touched.add(obj.id)
    if touched:
        refresh_current_phases(session, clock.today(), touched)
        session.info.setdefault(_REFRESHED, set()).update(touched)
    before = session.info.pop(_COUNTED, {})
    for id in touched - before.keys():
        before[id] = frozenset()  # a new startup counted nowhere until now
    if before:
        apply_count_deltas(session, before, counted_in(session, before))


@sa.event.listens_for(sa.orm.Session, "after_flush_postexec")
def _expire_refreshed(session, _context):
    """Loaded startups must not keep the values the cache had before the refresh (once the flush is over,
    new startups are in the identity map too)."""
    expire_loaded_startups(session, session.info.pop(_REFRESHED, None),
                           ["cached_phase", "cached_phase_start_on", "cached_phase_on"])


def expire_loaded_startups(session, ids, attributes: list[str]) -> None:
    """Expire those attributes of the startups of the session's identity map whose id is in ids. Read from
    the identity keys, never from the objects: an object left expired by an earlier rollback, whose row is
    gone, would be loaded again by reading its id (and its absence raise)."""
    if not ids:
        return
    for key, obj in list(session.identity_map.items()):
        if issubclass(key[0], Startup) and key[1][0] in ids:
            session.expire(obj, attributes)


@sa.event.listens_for(sa.orm.Session, "after_commit")
@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _forget_freshness(session, *_):
    """What the session knew of the cache holds for its transaction only (another process may have
    refreshed it, or changed periods, since); what a flush that failed had read of the counts, neither."""
    forget_freshness(session)
    session.info.pop(_COUNTED, None)


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
    FAILED = "echec"  # the source could not be updated or read: nothing imported

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
    # Set, and committed, before the admins are e-mailed about the first failure of a series: at most once.
    alerted_at: Mapped[dt.datetime | None]


# --- The phase counts of the list pages -----------------------------------------------------------------

class PhaseCount(db.Model):
    """How many startups (not archived) are in each cached current phase, per incubator and per sponsor.

    The list pages read these few hundred rows by key instead of grouping the whole portfolio. They follow
    the cached current phase: moved by deltas in the transaction that changes a startup's cached phase,
    incubator, sponsors or archiving (the flush listeners above, apply_count_deltas: row locks on the
    counts it changes, held until commit, so two writes wait for each other only when they move startups
    of the same incubator or sponsor and phase), and recounted each night (startups.jobs, a table lock).
    A zero stays as a row (readers skip it) until the nightly recount. So they hold for the day of the
    cached phases: pages read them only when cache_is_fresh(today), else they count over
    current_periods(today) as before.
    """

    __tablename__ = "phase_counts"

    scope: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # INCUBATOR or SPONSOR
    scope_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)  # "": no incubator
    phase: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # "": no current phase
    startups: Mapped[int]

    INCUBATOR = "incubator"
    SPONSOR = "sponsor"


def _counted_startups(session) -> set[str]:
    """The startups already in the database whose phase counts the session's pending changes may move."""
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PhasePeriod):
            startup = obj.startup_id or (obj.startup.id if obj.startup is not None else None)
            if startup is not None:
                ids.add(startup)
        elif isinstance(obj, Startup) and obj not in session.new:
            state = sa.inspect(obj)
            if obj in session.deleted or any(state.attrs[name].history.has_changes() for name in _COUNTED_FIELDS):
                ids.add(obj.id)
    return ids - {o.id for o in session.new if isinstance(o, Startup)}  # a new one counts nowhere yet


_COUNTED_FIELDS = ("incubator_id", "incubator", "archived_at", "sponsors", "periods")


def counted_in(session, startup_ids, lock: bool = False) -> dict[str, frozenset]:
    """{startup id: the phase counts it is in} from the database: (scope, scope id, phase) of its incubator
    and of each sponsor, none when archived (or gone). lock=True locks the startups' rows on PostgreSQL
    (FOR NO KEY UPDATE), as a change of the startup would, so that what is read stays true until commit."""
    ids = sorted(startup_ids)
    if not ids:
        return {}
    table = Startup.__table__
    query = (
        sa.select(table.c.id, table.c.incubator_id, table.c.cached_phase, table.c.archived_at,
                  startup_sponsors.c.organisation_id)
        .outerjoin(startup_sponsors, startup_sponsors.c.startup_id == table.c.id)
        .where(table.c.id.in_(ids))
        .order_by(table.c.id)
    )
    if lock:
        query = query.with_for_update(key_share=True, of=table)
    counted = {id: set() for id in ids}
    for id, incubator_id, phase, archived_at, sponsor_id in session.connection().execute(query):
        if archived_at is not None:
            continue
        phase = str(phase) if phase else ""
        counted[id].add((PhaseCount.INCUBATOR, incubator_id or "", phase))
        if sponsor_id is not None:
            counted[id].add((PhaseCount.SPONSOR, sponsor_id, phase))
    return {id: frozenset(keys) for id, keys in counted.items()}


def apply_count_deltas(session, before: dict, after: dict) -> None:
    """Add to the phase counts what the startups moved from `before` to `after` ({id: keys of counted_in}):
    one upsert adding each key's delta to its row, so that transactions moving different startups at the
    same time each add their own (row locks, taken in key order), never a recount over a snapshot."""
    deltas = defaultdict(int)
    for id in before.keys() | after.keys():
        for key in after.get(id, frozenset()) - before.get(id, frozenset()):
            deltas[key] += 1
        for key in before.get(id, frozenset()) - after.get(id, frozenset()):
            deltas[key] -= 1
    rows = [{"scope": scope, "scope_id": scope_id, "phase": phase, "startups": delta}
            for (scope, scope_id, phase), delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    connection = session.connection()
    table = PhaseCount.__table__
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    connection.execute(insert.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.scope_id, table.c.phase],
        set_={"startups": table.c.startups + insert.excluded.startups},
    ), rows)


def _counts_by_incubator():
    table = Startup.__table__
    return (
        sa.select(sa.literal(PhaseCount.INCUBATOR), sa.func.coalesce(table.c.incubator_id, ""),
                  sa.func.coalesce(sa.type_coerce(table.c.cached_phase, sa.String), ""), sa.func.count())
        .where(table.c.archived_at.is_(None))
        .group_by(table.c.incubator_id, table.c.cached_phase)
    )


def _counts_by_sponsor():
    table = Startup.__table__
    return (
        sa.select(sa.literal(PhaseCount.SPONSOR), startup_sponsors.c.organisation_id,
                  sa.func.coalesce(sa.type_coerce(table.c.cached_phase, sa.String), ""), sa.func.count())
        .join(table, table.c.id == startup_sponsors.c.startup_id)
        .where(table.c.archived_at.is_(None))
        .group_by(startup_sponsors.c.organisation_id, table.c.cached_phase)
    )


def refresh_phase_counts(session) -> None:
    """Count again, from the cached phases, the phase counts of every incubator and sponsor: after the
    nightly refresh of the cached phases, an import's new startups, or rows changed without the ORM. On
    PostgreSQL the table is locked meanwhile: a transaction adding deltas (apply_count_deltas) waits for
    the recount, or the recount for it, so that its delta lands on a count that does not include it."""
    table = PhaseCount.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE phase_counts IN SHARE ROW EXCLUSIVE MODE")
    connection.execute(table.delete())
    columns = [table.c.scope, table.c.scope_id, table.c.phase, table.c.startups]
    connection.execute(table.insert().from_select(columns, _counts_by_incubator()))
    connection.execute(table.insert().from_select(columns, _counts_by_sponsor()))
