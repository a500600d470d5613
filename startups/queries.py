"""Read-side queries of the portfolio, shared by the pages and the API.

Every list is a fixed number of SQL statements, whatever the number of startups: the current phase is
the kept one, or computed in SQL (kept.current_periods); the lists' rows are read as columns (list_query,
list_rows), the API's startups with their relationships loaded eagerly (with_details: joinedload for
one-to-one, selectinload for lists); the counts per phase are read from the kept counts, or one GROUP BY.
"""

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, selectinload

from core.db import among_bound, db, unindexed
from core.text import fold
from startups.kept import SEARCH_INDEX, cache_is_fresh, current_periods, has_search_index
from startups.models import (PHASE_RANKS, Incubator, Organisation, PhaseCount, Startup, organisation_name,
                             phase_rank_sql, startup_sponsors)
from startups.phases import TERMINAL_PHASES, Phase

SORTS = {
    "name": "nom",
    "phase": "phase",
    "phase_start": "date d'entrée dans la phase",
    "incubator": "incubateur",
}


@dataclasses.dataclass(frozen=True)
class PortfolioFilters:
    phase: Phase | None = None
    # Only the startups without any started period (no current phase); phase must then be None.
    without_phase: bool = False
    active: bool | None = None
    incubator_id: str | None = None
    sponsor_id: str | None = None
    text: str | None = None
    sort: str = "name"
    descending: bool = False
    # A filter computed by an area above startups: a condition on Startup (the committee status,
    # committees.due.with_status: a range of an index of startups), or a select of the ids to keep (the late
    # indicators). None: no restriction.
    within: sa.ColumnElement | sa.Select | None = None


def _phase_order(column, cached: bool):
    """Lifecycle order of the phases (investigation, construction, acceleration, consolidation, then the ends), for
    sorting. cached: `column` is the startups' cached phase, and the order is written as the index holds it."""
    if cached:
        return sa.literal_column(phase_rank_sql(Startup.__tablename__ + ".cached_phase"), sa.Integer)
    return sa.case(PHASE_RANKS, value=column)


def _sponsored_by(organisation_id: str):
    """The condition of being sponsored by the organisation: the startups of the sponsor's index (IN). A page
    in name order joins the sponsorships instead (filtered_startups)."""
    return Startup.id.in_(
        sa.select(startup_sponsors.c.startup_id).where(startup_sponsors.c.organisation_id == organisation_id)
    )


def _current(today: dt.date):
    """(phase column, start column, subquery to outer-join or None) of the current phase: the startups' own
    cached columns when they are today's (no join: a filter or sort by phase reads their index), else the
    ranked periods."""
    if cache_is_fresh(today):
        return Startup.cached_phase, Startup.cached_phase_start_on, None
    current = current_periods(today)
    return current.c.phase, current.c.start_on, current


def _filter(query, phase, filters: PortfolioFilters, in_name_order: bool = False, sponsor_joined: bool = False,
            index_joined: bool = False):
    query = query.where(Startup.archived_at.is_(None))
    if filters.phase is not None:
        query = query.where(phase == filters.phase)
    elif filters.without_phase:
        query = query.where(phase.is_(None))
    if filters.active is True:
        query = query.where(phase.is_not(None), phase.not_in(list(TERMINAL_PHASES)))
    elif filters.active is False:
        query = query.where(sa.or_(phase.is_(None), phase.in_(list(TERMINAL_PHASES))))
    if filters.incubator_id:
        query = query.where(Startup.incubator_id == filters.incubator_id)
    if filters.sponsor_id and not sponsor_joined:
        query = query.where(_sponsored_by(filters.sponsor_id))
    if filters.within is not None:
        query = query.where(Startup.id.in_(filters.within) if isinstance(filters.within, sa.Select) else filters.within)
    if filters.text and filters.text.strip():
        # index_joined: the trigram table is already joined (_capped_counts), only the LIKE is left to check.
        query = query.where(_like(filters.text) if index_joined else _searched(filters.text, in_name_order))
    return query


def _indexed_phrase(text: str | None) -> str | None:
    """The FTS5 phrase finding the startups whose search_text contains the folded text, when the database is
    SQLite with the trigram table and the text is long enough for a trigram; else None."""
    folded = fold(text)
    if len(folded) < 3 or not has_search_index(db.session):
        return None
    return '"' + folded.replace('"', '""') + '"'


def _searched(text: str, in_name_order: bool = False):
    """The condition of a text search: the folded text within the folded name and mission (a LIKE, which
    PostgreSQL answers from its trigram index). On SQLite, the startups the FTS5 trigram table finds, the
    LIKE checking each of them (a rowid changed by a VACUUM can make the index miss a startup until the
    nightly rebuild, never show a wrong one); in_name_order, the LIKE alone, on each startup read in name order."""
    like = _like(text)
    phrase = None if in_name_order else _indexed_phrase(text)
    if phrase is None:
        return like
    found = (sa.select(sa.literal_column("rowid")).select_from(sa.table(SEARCH_INDEX))
             .where(_matches(phrase)))
    return sa.and_(sa.literal_column("startups.rowid").in_(found), like)


def _like(text: str):
    return Startup.search_text.contains(fold(text), autoescape=True)


def _matches(phrase: str):
    return sa.literal_column(SEARCH_INDEX).op("MATCH")(phrase)


def filtered_startups(filters: PortfolioFilters, today: dt.date, in_name_order: bool = False, columns=(Startup,)):
    """A select of (Startup, current phase, current phase start) rows, filtered and sorted; `columns` instead
    of Startup (list_query). in_name_order: a sponsor's startups, or a search's, are found by reading the
    portfolio in name order rather than from an index (on SQLite: see reads_in_name_order)."""
    phase, start_on, current = _current(today)
    query = sa.select(*columns, phase.label("phase"), start_on.label("start_on"))
    if current is not None:
        query = query.outerjoin(current, current.c.startup_id == Startup.id)
    sort = filters.sort if filters.sort in SORTS else "name"
    # A sponsor's startups by name: its sponsorships read in the order of their index (organisation, the
    # startup's sort_name copied there by the database, startup), one row per startup shown.
    sponsor_joined = bool(filters.sponsor_id) and sort == "name"
    if sponsor_joined:
        query = query.join(startup_sponsors, sa.and_(startup_sponsors.c.startup_id == Startup.id,
                                                     startup_sponsors.c.organisation_id == filters.sponsor_id))
    query = _filter(query, phase, filters, in_name_order, sponsor_joined)
    if sponsor_joined:
        order = startup_sponsors.c.sort_name
        order = order.desc() if filters.descending else order
        return query.order_by(order, startup_sponsors.c.startup_id)
    # Only the chosen order is built (the phases' CASE costs a tenth of a millisecond). The startups without
    # a value last, whatever the direction: `IS NULL` first (false before true), as the order's index reads
    # them (ix_startups_phase_order…: SQLite has no NULLS LAST in an index). sort_name is never NULL.
    if sort == "name":
        null, order = None, Startup.sort_name
    elif sort == "phase":
        null, order = phase, _phase_order(phase, cached=current is None)
    elif sort == "phase_start":
        null, order = start_on, start_on
    else:
        null = order = Startup.incubator_sort_name
    order = order.desc() if filters.descending else order.asc()
    # Ties (same phase, same incubator…) in name order, then by id so that pages never overlap.
    return query.order_by(*(() if null is None else (null.is_(None),)), order, Startup.sort_name, Startup.id)


GATHER_COST = 2  # a match gathered from an index and sorted, in rows read in name order (reads_in_name_order)


def reads_in_name_order(filters: PortfolioFilters, matching: int, rows_needed: int) -> bool:
    """Whether a page of a text search in name order is found faster by reading the portfolio in name order
    until the page is full than by gathering every match from the trigram table and sorting them.

    SQLite has no statistics of how many startups a text matches, so it always gathers then sorts. Reading in
    name order reads about rows_needed × portfolio ÷ matching rows (the matches are spread over the
    alphabet), gathering reads `matching` rows and sorts them, each match costing about twice a row read in
    name order (GATHER_COST, measured at 30 times: 791 found by the trigram table in 1.6 ms against 830 read
    in 0.8): the name order pays when rows_needed × portfolio < GATHER_COST × matching². Either way a page
    reads at most about √(rows_needed × portfolio) rows more than it shows. A sponsor's page reads its
    sponsorships in name order from their own index (filtered_startups): nothing to decide. PostgreSQL's
    planner chooses by its own statistics: nothing to decide there either (and one statement less)."""
    if filters.sort != "name" or matching == 0 or db.session.get_bind().dialect.name != "sqlite":
        return False
    if filters.sponsor_id or not _indexed_phrase(filters.text):
        return False
    return rows_needed * portfolio_size() < GATHER_COST * matching * matching


def portfolio_size() -> int:
    """The number of startups not archived, from the kept counts."""
    return sum(_kept_total().values())


def without_import_documents():
    """Loader options leaving out the two JSON documents an import keeps for each startup (imported_values,
    fiche_history: about 1.3 KB a startup of the real snapshot, decoded at each load), for pages that list
    startups without showing them."""
    return (defer(Startup.imported_values), defer(Startup.fiche_history))


def with_details(query):
    """Load a startup with its incubator and sponsors, as the API's list serialises them: the incubator in
    the same statement, the sponsors in one more statement (per 500 startups: pages show fewer); not the
    import's documents, the startup's nor its incubator's and sponsors' (the API does not show them). The
    portfolio's lists load less: list_rows."""
    return query.options(joinedload(Startup.incubator).defer(Incubator.imported_values),
                         selectinload(Startup.sponsors).defer(Organisation.imported_values), *without_import_documents())


@dataclasses.dataclass(frozen=True, slots=True)
class Named:
    """An incubator or sponsor as a list's row links to it."""

    id: str
    name: str
    acronym: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ListRow:
    """What a row of a list of startups shows (templates/portfolio/_macros.html startup_table): its name, its
    incubator, its sponsors, and its kept committee due date and planned committee (committees.due.page_due_rows)."""

    id: str
    name: str
    committee_due_on: dt.date | None
    committee_planned_at: dt.datetime | None
    incubator: Named | None
    sponsors: tuple[Named, ...]


_ROW_INCUBATOR = sa.orm.aliased(Incubator, name="row_incubator")


def columns_query(filters: PortfolioFilters, today: dt.date, columns, in_name_order: bool = False):
    """filtered_startups selecting `columns` of Startup, then its incubator's id and name (outer-joined), its
    current phase and that phase's start: rows of plain values, no ORM object (list_query, the API's list)."""
    return (filtered_startups(filters, today, in_name_order, (*columns, _ROW_INCUBATOR.id, _ROW_INCUBATOR.name))
            .outerjoin(_ROW_INCUBATOR, _ROW_INCUBATOR.id == Startup.incubator_id))


def list_query(filters: PortfolioFilters, today: dt.date, in_name_order: bool = False):
    """The columns of a ListRow (list_rows makes the rows): none of a startup's thirty other columns nor the
    fiches kept for its incubator and sponsors."""
    return columns_query(filters, today, (Startup.id, Startup.name, Startup.committee_due_on, Startup.committee_planned_at),
                         in_name_order)


# Built once (core.db.among_bound), the page's ids bound as `ids`: every list and the API's pages read it.
_SPONSORS_OF = (sa.select(startup_sponsors.c.startup_id, Organisation.id, Organisation.name, Organisation.acronym)
                .join(Organisation, Organisation.id == startup_sponsors.c.organisation_id)
                .where(among_bound(startup_sponsors.c.startup_id, "ids"))
                .order_by(startup_sponsors.c.startup_id, startup_sponsors.c.position, Organisation.id))


def sponsors_of(startup_ids: list[str]) -> dict[str, tuple[Named, ...]]:
    """{startup id: its sponsors in the fiche's order} for a page of startups, in one statement."""
    sponsors: dict[str, list[Named]] = defaultdict(list)
    if startup_ids:
        for startup_id, *sponsor in db.session.execute(_SPONSORS_OF, {"ids": list(startup_ids)}):
            sponsors[startup_id].append(Named(*sponsor))
    return {startup_id: tuple(named) for startup_id, named in sponsors.items()}


def list_rows(rows) -> list[tuple[ListRow, Phase | None, dt.date | None]]:
    """(ListRow, current phase, phase start) of list_query's rows, their sponsors read in one statement."""
    sponsors = sponsors_of([row[0] for row in rows])
    return [(ListRow(startup_id, name, due_on, planned_at, Named(incubator_id, incubator_name) if incubator_id else None,
                     sponsors.get(startup_id, ())), phase, start_on)
            for startup_id, name, due_on, planned_at, incubator_id, incubator_name, phase, start_on in rows]


def count_by_phase(today: dt.date, filters: PortfolioFilters | None = None, **where) -> dict[Phase | None, int]:
    """Number of startups per current phase (None: no started phase), for the whole portfolio, the
    startups of one incubator (incubator_id=…) or sponsor (sponsor_id=…), or those matching filters
    (their phase and active fields are ignored: the counts are what the phase filter would give).
    Without a search or another area's filter, read from the kept counts (PhaseCount) when they are today's."""
    incubator_id = where.get("incubator_id") or (filters.incubator_id if filters else None)
    sponsor_id = where.get("sponsor_id") or (filters.sponsor_id if filters else None)
    searched = filters is not None and (bool(filters.text and filters.text.strip()) or filters.within is not None)
    if not searched and not (incubator_id and sponsor_id) and cache_is_fresh(today):
        scope, scope_id = ((PhaseCount.SPONSOR, sponsor_id) if sponsor_id else (PhaseCount.INCUBATOR, incubator_id))
        return _kept_counts(scope, scope_id)[scope_id] if scope_id else _kept_total()
    phase, _, current = _current(today)
    filters = dataclasses.replace(
        filters or PortfolioFilters(),
        phase=None,
        without_phase=False,
        active=None,
        incubator_id=incubator_id,
        sponsor_id=sponsor_id,
    )
    query = sa.select(unindexed(phase), sa.func.count()).select_from(Startup).group_by(unindexed(phase))
    if current is not None:
        query = query.outerjoin(current, current.c.startup_id == Startup.id)
    query = _filter(query, phase, filters)
    return {phase: count for phase, count in db.session.execute(query)}


# A text search's page counts its matches only so far (search_counts), so that the count of a common text
# is bounded whatever the portfolio: at 30 times the real one, « les » is in 7,152 startups, counted in 13.7 ms,
# 1.4 ms up to 1,000 (bench/pages.py's database). The real portfolio (440 startups) is always counted exactly.
SEARCH_COUNTED = 1000


@dataclasses.dataclass(frozen=True)
class SearchCounts:
    """What a text search's page knows of its matches (search_counts)."""

    counts: dict[Phase | None, int]  # per phase: of every match when complete, else of the first ones found
    complete: bool
    total: int  # the page's total (its phase and active filters applied): at most `at_most` + 1
    at_least: bool  # total is a lower bound: the count stopped there
    matching: int  # the page's matches: total, or an estimate beyond the bound (reads_in_name_order)


def search_counts(today: dt.date, filters: PortfolioFilters, at_most: int) -> SearchCounts:
    """The counts of a text search, each statement stopping at at_most + 1 matches: per phase (the phase and
    active filters ignored, as count_by_phase), then, when the page is filtered by phase or activity, the
    page's own total (one more statement, whatever the number of matches; exact when within the bound)."""
    everywhere = dataclasses.replace(filters, phase=None, without_phase=False, active=None)
    counts, matching = _capped_counts(today, everywhere, at_most)
    complete = sum(counts.values()) <= at_most
    if filters.phase is not None or filters.without_phase or filters.active is not None:
        found, matching = _capped_counts(today, filters, at_most)
        total = sum(found.values())
    else:
        total = total_from_counts(counts, filters)
    return SearchCounts(counts, complete, total, total > at_most, max(total, matching))


_LAST_ROW = sa.select(sa.func.max(sa.literal_column("rowid"))).select_from(Startup).scalar_subquery()


def _capped_counts(today: dt.date, filters: PortfolioFilters, at_most: int) -> tuple[dict[Phase | None, int], int]:
    """({phase: number} of the first at_most + 1 startups of a text search with its filters, an estimate of
    their number), in one statement that stops reading there. On SQLite the trigram table drives the join
    and is read only as far as that, in the order of the rows (a startup's rowid IN the table's matches would
    read them all first: 0.7 against 0.4 ms at 30 times the portfolio for 200 of 795 matches), each match
    checked by the LIKE as the page's rows are; when it stops, the share of the rows it went through gives the
    estimate (the last row reached against the last row of all). Elsewhere the estimate is the count."""
    phase, _, current = _current(today)
    phrase = _indexed_phrase(filters.text)
    if phrase is not None:
        index = sa.table(SEARCH_INDEX, sa.column("rowid"))
        inner = (sa.select(phase.label("phase"), index.c.rowid.label("reached")).select_from(index)
                 .join(Startup, sa.literal_column("startups.rowid") == index.c.rowid).where(_matches(phrase)))
    else:
        inner = sa.select(phase.label("phase"), sa.null().label("reached")).select_from(Startup)
    if current is not None:
        inner = inner.outerjoin(current, current.c.startup_id == Startup.id)
    # The phase filter does not lead SQLite to the phases' index: the matches are found by the search.
    inner = _filter(inner, unindexed(phase), filters, index_joined=phrase is not None).limit(at_most + 1).subquery()
    query = sa.select(inner.c.phase, sa.func.count(), sa.func.max(inner.c.reached),
                      _LAST_ROW if phrase is not None else sa.null()).group_by(inner.c.phase)
    counts, reached, last = {}, 0, None
    for value, count, phase_reached, last in db.session.execute(query):
        counts[value] = count
        reached = max(reached, phase_reached or 0)
    found = sum(counts.values())
    if found <= at_most or not reached or not last:
        return counts, found
    return counts, max(found, found * last // reached)


_PHASES = {phase.value: phase for phase in Phase}  # Phase(value) costs more than a dict, once per kept count


def _phase(value: str) -> Phase | None:
    return _PHASES[value] if value else None


# The fixed statements of the list pages, built once with bound parameters: building a statement and its
# cache key at each request cost about a third of running it on PostgreSQL (0.1 ms of 0.3).
_KEPT_COUNTS = sa.select(PhaseCount.scope_id, PhaseCount.phase, PhaseCount.startups).where(
    PhaseCount.scope == sa.bindparam("scope"), PhaseCount.startups > 0)
_KEPT_COUNTS_OF = _KEPT_COUNTS.where(PhaseCount.scope_id == sa.bindparam("scope_id"))
# Every scope id's counts, one row per scope id ("phase:number,…"): /organisations reads its 142
# organisations' counts as 142 rows, however many phases each has startups in (up to 852 rows otherwise,
# more as the portfolio grows and fills them).
_KEPT_COUNTS_PACKED = (
    sa.select(PhaseCount.scope_id,
              sa.func.aggregate_strings(PhaseCount.phase + ":" + sa.cast(PhaseCount.startups, sa.String), ","))
    .where(PhaseCount.scope == sa.bindparam("scope"), PhaseCount.startups > 0)
    .group_by(PhaseCount.scope_id))
_KEPT_TOTAL = (sa.select(PhaseCount.phase, sa.func.sum(PhaseCount.startups))
               .where(PhaseCount.scope == PhaseCount.INCUBATOR).group_by(PhaseCount.phase))
_INCUBATOR_CHOICES = (sa.select(Incubator.id, Incubator.name).where(Incubator.archived_at.is_(None))
                      .order_by(sa.func.lower(Incubator.name), Incubator.id))


def _kept_counts(scope: str, scope_id: str | None = None) -> dict[str, dict[Phase | None, int]]:
    """{scope id: {phase: number}} from PhaseCount, for one scope id or all of them."""
    counts: dict[str, dict[Phase | None, int]] = defaultdict(dict)
    if scope_id is None:
        for kept_id, packed in db.session.execute(_KEPT_COUNTS_PACKED, {"scope": scope}):
            for item in packed.split(","):
                phase, _, number = item.rpartition(":")
                counts[kept_id][_phase(phase)] = int(number)
        return counts
    counts[scope_id] = {}
    for kept_id, phase, number in db.session.execute(_KEPT_COUNTS_OF, {"scope": scope, "scope_id": scope_id}):
        counts[kept_id][_phase(phase)] = number
    return counts


def kept_counts(scope: str, scope_id: str) -> dict[Phase | None, int]:
    """{phase: number} of one scope id's kept counts (PhaseCount), without asking whether they are today's:
    the caller knows (count_by_phase; committees.due.kept_counts_with_status)."""
    return _kept_counts(scope, scope_id)[scope_id]


def _kept_total() -> dict[Phase | None, int]:
    """The whole portfolio's counts: the sum of the incubators' (each startup has one incubator, or "")."""
    return {_phase(phase): int(number) for phase, number in db.session.execute(_KEPT_TOTAL) if number}


def total_from_counts(counts: dict[Phase | None, int], filters: PortfolioFilters) -> int:
    """The number of startups the filters give, from count_by_phase(today, filters) (which ignores the
    phase and active filters): no second count of the portfolio for the pagination."""
    def kept(phase: Phase | None) -> bool:
        if filters.phase is not None and phase != filters.phase:
            return False
        if filters.without_phase and phase is not None:
            return False
        if filters.active is True and (phase is None or phase in TERMINAL_PHASES):
            return False
        if filters.active is False and not (phase is None or phase in TERMINAL_PHASES):
            return False
        return True

    return sum(number for phase, number in counts.items() if kept(phase))


def count_filtered(filters: PortfolioFilters, today: dt.date) -> int:
    """How many startups the filters give: from the kept counts when they can say it (one short statement),
    never a count over the whole portfolio for a list's pagination."""
    return total_from_counts(count_by_phase(today, filters), filters)


def count_by_phase_per_incubator(today: dt.date) -> dict[str, dict[Phase | None, int]]:
    """{incubator id: {current phase: number of startups}} in one statement."""
    if cache_is_fresh(today):
        counts = _kept_counts(PhaseCount.INCUBATOR)
        counts.pop("", None)
        return dict(counts)
    current = current_periods(today)
    query = (
        sa.select(Startup.incubator_id, current.c.phase, sa.func.count(Startup.id))
        .outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None), Startup.incubator_id.is_not(None))
        .group_by(Startup.incubator_id, current.c.phase)
    )
    counts: dict[str, dict[Phase | None, int]] = defaultdict(dict)
    for incubator_id, phase, count in db.session.execute(query):
        counts[incubator_id][phase] = count
    return dict(counts)


def count_by_phase_per_sponsor(today: dt.date) -> dict[str, dict[Phase | None, int]]:
    """{organisation id: {current phase: number of startups it sponsors}} in one statement."""
    if cache_is_fresh(today):
        return dict(_kept_counts(PhaseCount.SPONSOR))
    current = current_periods(today)
    query = (
        sa.select(startup_sponsors.c.organisation_id, current.c.phase, sa.func.count(Startup.id))
        .select_from(startup_sponsors)
        .join(Startup, Startup.id == startup_sponsors.c.startup_id)
        .outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None))
        .group_by(startup_sponsors.c.organisation_id, current.c.phase)
    )
    counts: dict[str, dict[Phase | None, int]] = defaultdict(dict)
    for organisation_id, phase, count in db.session.execute(query):
        counts[organisation_id][phase] = count
    return dict(counts)


@dataclasses.dataclass(frozen=True, slots=True)
class OrganisationRow:
    """What /organisations shows of an organisation: read as columns, not loaded as an object (142 rows)."""
    id: str
    name: str
    acronym: str | None
    incubators: int  # the incubators it owns, not archived

    @property
    def display_name(self) -> str:
        return organisation_name(self.name, self.acronym)


def organisations_with_incubators() -> list[OrganisationRow]:
    """Every organisation, by name, with the number of incubators it owns, in one statement: only the id,
    name and acronym of each (what /organisations shows), the count read by the index on the owner."""
    owned = (sa.select(sa.func.count(Incubator.id))
             .where(Incubator.owner_id == Organisation.id, Incubator.archived_at.is_(None))
             .scalar_subquery())
    query = (sa.select(Organisation.id, Organisation.name, Organisation.acronym, owned)
             .where(Organisation.archived_at.is_(None))
             .order_by(sa.func.lower(Organisation.name), Organisation.id))
    return [OrganisationRow(*row) for row in db.session.execute(query)]


def organisation_and_incubators(organisation_id: str) -> tuple[Organisation | None, list[Incubator]]:
    """An organisation and the incubators it owns (not archived), by name, in one statement (outer join)."""
    rows = db.session.execute(
        sa.select(Organisation, Incubator)
        .outerjoin(Incubator, sa.and_(Incubator.owner_id == Organisation.id, Incubator.archived_at.is_(None)))
        .where(Organisation.id == organisation_id)
        .order_by(sa.func.lower(Incubator.name), Incubator.id)
    ).all()
    return (rows[0][0] if rows else None), [incubator for _, incubator in rows if incubator is not None]


def incubator_choices() -> list[tuple[str, str]]:
    """(id, name) of every incubator, by name, for a filter."""
    return [(row.id, row.name) for row in db.session.execute(_INCUBATOR_CHOICES)]


def find_sponsor(value: str) -> str | None:
    """The id of the organisation a sponsor filter names — by its id, else its name or acronym (case
    aside) — or None. One statement, by index for an id; it reads the organisations, never the startups."""
    lowered = value.lower()
    query = (
        sa.select(Organisation.id)
        .where(sa.or_(Organisation.id == value, sa.func.lower(Organisation.name) == lowered,
                      sa.func.lower(Organisation.acronym) == lowered))
        .order_by((Organisation.id == value).desc(), Organisation.archived_at.is_not(None), Organisation.id)
        .limit(1)
    )
    return db.session.scalar(query)
