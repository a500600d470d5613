import dataclasses
import os

import pytest
import sqlalchemy as sa

from core.db import db
from startups.kept import rebuild_search_index, refresh_current_phases, refresh_phase_counts
from startups.models import Startup, startup_sponsors
from startups.phases import Phase
from startups.queries import (ListRow, Named, PortfolioFilters, count_by_phase, search_counts, filtered_startups,
                              list_query, list_rows, reads_in_name_order, with_details)
from tests.factories import bulk_portfolio, d, make_incubator, make_organisation, make_startup

TODAY = d("2026-11-27")
ON_POSTGRESQL = os.environ.get("JALONS_TEST_BACKEND") == "postgresql"
SQLITE_ONLY = pytest.mark.skipif(ON_POSTGRESQL, reason="needs sqlite: the FTS5 table and the choice of plan are SQLite's")


def test_the_portfolio_query_applies_the_current_phase_rule_in_sql():
    make_startup("a", phases=[("investigation", d("2024-01-01")), ("construction", d("2024-01-01"))])
    make_startup("b", phases=[("investigation", d("2027-01-01"))])
    make_startup("c", phases=[("construction", d("2020-01-01")), ("abandon", d("2022-01-01")), ("transfere", d("2022-01-01"))])
    rows = {s.id: (phase, start) for s, phase, start in db.session.execute(filtered_startups(PortfolioFilters(), TODAY))}
    assert rows["a"] == (Phase.CONSTRUCTION, d("2024-01-01"))
    assert rows["b"] == (None, None)
    assert rows["c"] == (Phase.TRANSFERE, d("2022-01-01"))
    assert count_by_phase(TODAY) == {Phase.CONSTRUCTION: 1, None: 1, Phase.TRANSFERE: 1}
    active = db.session.execute(filtered_startups(PortfolioFilters(active=True), TODAY)).scalars().all()
    assert [s.id for s in active] == ["a"]


def test_the_text_search_ignores_case_accents_included():
    make_startup("ecole", name="École inclusive", phases=[("investigation", d("2026-01-01"))])
    found = db.session.execute(filtered_startups(PortfolioFilters(text="école"), TODAY)).scalars().all()
    assert [s.id for s in found] == ["ecole"]


def test_the_text_search_ignores_accents_too():
    make_startup("ecole2", name="Ma Super École", mission="Aider les élèves", phases=[("investigation", d("2026-01-01"))])
    for text in ("ecole", "ÉCOLE", "eleves", "super  école"):
        found = db.session.execute(filtered_startups(PortfolioFilters(text=text), TODAY)).scalars().all()
        assert [s.id for s in found] == ["ecole2"], text


def test_a_renamed_startup_is_found_and_sorted_by_its_new_name():
    startup = make_startup("x", name="Zèbre", phases=[("investigation", d("2026-01-01"))])
    make_startup("y", name="Mouette", phases=[("investigation", d("2026-01-01"))])
    startup.name = "Abeille"
    db.session.flush()
    names = [s.name for s in db.session.execute(filtered_startups(PortfolioFilters(), TODAY)).scalars()]
    assert names == ["Abeille", "Mouette"]
    assert [s.id for s in db.session.execute(filtered_startups(PortfolioFilters(text="abeille"), TODAY)).scalars()] == ["x"]


def test_a_list_row_leaves_the_import_documents_unloaded():
    """The lists and the API load a row without the two JSON documents an import keeps (imported_values,
    fiche_history), nor the fiches kept for its incubator and sponsors: decoded for nothing at each load
    otherwise."""
    incubator = make_incubator("incubateur-gros", imported_values={"title": "Incubateur"})
    sponsor = make_organisation("sponsor-gros", imported_values={"name": "Sponsor"})
    startup = make_startup("gros", phases=[("investigation", d("2026-01-01"))], sponsors=[sponsor], incubator=incubator)
    startup.imported_values, startup.fiche_history = {"title": "Gros"}, {"phases": []}
    db.session.flush()
    db.session.expunge_all()
    row = db.session.execute(with_details(filtered_startups(PortfolioFilters(), TODAY))).scalars().one()
    assert {"imported_values", "fiche_history"} <= sa.inspect(row).unloaded
    assert "imported_values" in sa.inspect(row.incubator).unloaded
    assert "imported_values" in sa.inspect(row.sponsors[0]).unloaded
    assert row.imported_values == {"title": "Gros"}  # still there when asked
    assert (row.incubator.imported_values, row.sponsors[0].imported_values) == ({"title": "Incubateur"}, {"name": "Sponsor"})


def test_a_portfolio_row_is_what_the_row_shows():
    """The lists' rows (startup_table) are a startup's name, incubator, sponsors (in the fiche's order),
    kept due date and planned committee (none here), read as columns (no ORM object, none of the thirty other columns), the sponsors of the
    whole page in one more statement (tests/portfolio/test_query_count.py counts them)."""
    incubator = make_incubator("incubateur-liste", name="Incubateur liste", description="Longue description")
    first = make_organisation("sponsor-b", name="Sponsor B", acronym="SB")
    second = make_organisation("sponsor-a", name="Sponsor A")
    make_startup("liste", name="Liste", phases=[("investigation", d("2026-01-01"))], sponsors=[first, second],
                 incubator=incubator, mission="Une mission")
    db.session.execute(sa.update(startup_sponsors).where(startup_sponsors.c.organisation_id == "sponsor-a")
                       .values(position=1))  # the importer's order: the fiche's
    make_startup("seule", name="Seule", phases=[("construction", d("2026-02-01"))])
    db.session.expunge_all()
    rows = list_rows(db.session.execute(list_query(PortfolioFilters(), TODAY)).all())
    assert rows == [
        (ListRow("liste", "Liste", d("2026-07-01"), None, Named("incubateur-liste", "Incubateur liste"),
                 (Named("sponsor-b", "Sponsor B", "SB"), Named("sponsor-a", "Sponsor A"))),
         Phase.INVESTIGATION, d("2026-01-01")),
        (ListRow("seule", "Seule", d("2026-08-01"), None, None, ()), Phase.CONSTRUCTION, d("2026-02-01")),
    ]
    assert not db.session.identity_map
    assert list_rows([]) == []


@pytest.mark.parametrize("fresh", [True, False], ids=["phases-kept", "phases-computed"])
def test_a_searchs_counts_stop_past_their_bound_and_are_exact_within_it(fresh):
    """count_by_phase(at_most=…), count_at_most: a text search counted only so far (portfolio.views.
    searched_counts), on both databases (SQLite: the trigram table joined, read up to the bound), with the
    kept phases of the nightly job or without them."""
    bulk_portfolio(240, TODAY)  # « Startup lot NNNN », « Mission numéro N »: 30 in each of the eight phases
    make_startup("pourcent", name="Cent pour cent", mission="Opéré 100 % en ligne", phases=[("construction", d("2025-01-01"))])
    if fresh:
        refresh_current_phases(db.session, TODAY)
        refresh_phase_counts(db.session)
    for text, at_most in [("startup", 1000), ("startup", 100), ("numéro 1", 1000), ("numéro 1", 20), ("100 %", 5),
                          ("100%", 5), ("zzz", 5)]:
        filters = PortfolioFilters(text=text)
        exact = count_by_phase(TODAY, filters)
        found = search_counts(TODAY, filters, at_most)
        if sum(exact.values()) <= at_most:
            assert (found.counts, found.complete, found.total, found.at_least) == (exact, True, sum(exact.values()), False)
            assert found.matching == found.total, text
        else:
            assert (sum(found.counts.values()), found.complete, found.total, found.at_least) == (at_most + 1, False, at_most + 1, True)
            assert all(found.counts[phase] <= exact[phase] for phase in found.counts), text
            assert found.matching >= found.total, text
        for phase in (Phase.CONSTRUCTION, Phase.ABANDON):
            by_phase = search_counts(TODAY, dataclasses.replace(filters, phase=phase), at_most)
            assert by_phase.counts == found.counts, (text, phase)  # the tiles' counts: every phase
            assert by_phase.total == min(exact.get(phase, 0), at_most + 1), (text, phase)
            assert by_phase.at_least == (exact.get(phase, 0) > at_most), (text, phase)
    assert search_counts(TODAY, PortfolioFilters(text="100 %"), 5).counts == {Phase.CONSTRUCTION: 1}
    active = PortfolioFilters(text="startup", active=True)
    assert search_counts(TODAY, active, 1000).total == sum(n for p, n in count_by_phase(TODAY, active).items()
                                                           if p is not None and p.active)


@SQLITE_ONLY
def test_on_sqlite_a_searchs_count_stopped_at_its_bound_estimates_the_matches_from_how_far_it_read():
    """The trigram table is read in the order of the rows: when the count stops at its bound, the share of the
    rows it went through gives the estimate reads_in_name_order needs (here every startup matches)."""
    bulk_portfolio(400, TODAY)
    found = search_counts(TODAY, PortfolioFilters(text="startup"), 100)
    assert found.total == 101 and 360 <= found.matching <= 440
    found = search_counts(TODAY, PortfolioFilters(text="numéro 1"), 50)  # 111 of 400: 1, 10–19, 100–199
    assert found.total == 51 and 51 <= found.matching <= 400


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs postgresql: the trigram index exists there only")
def test_on_postgresql_a_search_can_read_the_trigram_index_and_finds_what_the_scan_finds():
    """0027_search_trigrams: PostgreSQL can answer the search's condition (a LIKE whose pattern is built from
    the text, with an escape clause) from the trigram index, and the search finds what a scan of every
    startup finds. (On a table this small the planner prefers other paths: the condition is explained alone,
    sequential scans off. At 13,200 startups it chooses the index by itself: README, Benchmarks.)"""
    bulk_portfolio(300, TODAY)
    make_startup("donnees-ouvertes", name="Données ouvertes", phases=[("investigation", d("2026-01-01"))])
    make_startup("autre", name="Autre", mission="Partager les données_publiques à 100 %")
    searches = {"données": ["autre", "donnees-ouvertes"], "nnées_pub": ["autre"], "100 %": ["autre"],
                "numéro 299": ["lot-0299"]}
    for text, expected in searches.items():
        query = filtered_startups(PortfolioFilters(text=text), TODAY).order_by(None).order_by(Startup.id)
        [condition] = [c for c in query.whereclause.clauses if "search_text" in str(c)]
        compiled = sa.select(Startup.id).where(condition).compile(db.engine)
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())
        db.session.execute(sa.text("RESET enable_seqscan"))
        assert "Bitmap Index Scan on ix_startups_search_text_trgm" in plan, plan
        found = [s.id for s in db.session.execute(query).scalars()]
        db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))  # the same search, without the index
        assert found == [s.id for s in db.session.execute(query).scalars()] == expected
        db.session.execute(sa.text("RESET enable_bitmapscan"))


def test_a_sponsors_page_reads_its_sponsorships_in_name_order_from_their_index():
    """A sponsor's startups by name: the first rows of the sponsorships' index (organisation, sort_name,
    startup), whatever the number of the sponsor's startups, on both databases; the same pages as the
    portfolio's name order filtered by sponsor."""
    bulk_portfolio(400, TODAY)
    make_organisation("grand-sponsor", name="Grand sponsor")
    db.session.execute(sa.insert(startup_sponsors), [
        {"startup_id": f"lot-{n:04d}", "organisation_id": "grand-sponsor", "position": 2} for n in range(0, 400, 2)])
    refresh_current_phases(db.session, TODAY)
    refresh_phase_counts(db.session)
    filters = PortfolioFilters(sponsor_id="grand-sponsor")
    assert not reads_in_name_order(filters, 200, 50)  # nothing to decide: the index gives the order
    query = filtered_startups(filters, TODAY).limit(50)
    compiled = query.compile(db.engine)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = " ".join(row[3] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params[name] for name in compiled.positiontup)))
        assert "ix_startup_sponsors_organisation_id_sort_name" in plan and "TEMP B-TREE" not in plan, plan
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        plan = " ".join(connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())
        assert "ix_startup_sponsors_organisation_id_sort_name" in plan, plan
    pages = [[s.id for s in db.session.execute(filtered_startups(filters, TODAY).limit(50).offset(offset)).scalars()]
             for offset in (0, 150)]
    assert pages == [[f"lot-{n:04d}" for n in range(0, 100, 2)], [f"lot-{n:04d}" for n in range(300, 400, 2)]]
    descending = filtered_startups(dataclasses.replace(filters, descending=True), TODAY).limit(3)
    assert [s.id for s in db.session.execute(descending).scalars()] == ["lot-0398", "lot-0396", "lot-0394"]
    by_phase = filtered_startups(dataclasses.replace(filters, sort="phase"), TODAY)
    assert sorted(s.id for s in db.session.execute(by_phase).scalars()) == [f"lot-{n:04d}" for n in range(0, 400, 2)]


def _plan(query) -> str:
    """The database's plan of `query`; on PostgreSQL with sequential scans and sorts made as dear as they go,
    so that a small table's plan shows whether an index can give the order (as at scale it does by itself)."""
    compiled = query.compile(db.engine)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return " ".join(row[3] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params[name] for name in compiled.positiontup)))
    # The table's statistics as they are now: autovacuum's last ANALYZE, taken while earlier tests left another
    # number of rows, once estimated 2 rows here and chose an index on a prefix of the order plus a sort.
    connection.exec_driver_sql("ANALYZE startups")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_sort = off")
    try:
        return " ".join(connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())
    finally:
        connection.exec_driver_sql("RESET enable_seqscan")
        connection.exec_driver_sql("RESET enable_sort")


@pytest.mark.parametrize("sort", ["phase", "phase_start", "incubator"])
def test_a_sorted_list_reads_its_page_from_the_orders_index_in_both_directions(sort):
    """0032_list_order_indexes, 0033_incubator_sort_name: a page sorted by phase (lifecycle order), by the date
    the phase was entered or by incubator is the first rows of its order's index, not every startup sorted,
    ascending and descending; the startups without a current phase (or without an incubator) last either way,
    ties by name then id."""
    bulk_portfolio(300, TODAY)
    for n in range(3):
        make_startup(f"sans-phase-{n}", name=f"Sans phase {n}")  # nor incubator
    refresh_current_phases(db.session, TODAY)
    rows = db.session.execute(sa.select(Startup.id, Startup.sort_name, Startup.cached_phase, Startup.cached_phase_start_on,
                                        Startup.incubator_sort_name)).all()
    assert len({row.incubator_sort_name for row in rows}) == 6  # five incubators, and none
    rank = {phase: index for index, phase in enumerate(Phase)}
    for descending in (False, True):
        filters = PortfolioFilters(sort=sort, descending=descending)
        page = filtered_startups(filters, TODAY, columns=(Startup.id,)).limit(50)
        plan = _plan(page)
        index = f"ix_startups_{sort}_order" + ("_desc" if descending else "")
        assert index in plan and "TEMP B-TREE" not in plan, plan
        sign = -1 if descending else 1

        def key(row):
            value = {"phase": row.cached_phase, "phase_start": row.cached_phase_start_on, "incubator": row.incubator_sort_name}[sort]
            if value is None:
                return (1, 0, row.sort_name, row.id)
            if sort == "incubator":  # "incubateur lot 0" … "incubateur lot 4": the last character orders them
                return (0, sign * ord(value[-1]), row.sort_name, row.id)
            return (0, sign * (rank[value] if sort == "phase" else value.toordinal()), row.sort_name, row.id)

        expected = [row.id for row in sorted(rows, key=key)]
        found = db.session.execute(filtered_startups(filters, TODAY, columns=(Startup.id,))).scalars().all()
        assert found == expected
        assert found[-3:] == ["sans-phase-0", "sans-phase-1", "sans-phase-2"]
        assert db.session.execute(page.offset(250)).scalars().all() == expected[250:300]


def _search_ids(text: str, in_name_order: bool = False) -> list[str]:
    query = filtered_startups(PortfolioFilters(text=text), TODAY, in_name_order)
    return [s.id for s in db.session.execute(query).scalars()]


@SQLITE_ONLY
def test_on_sqlite_a_search_reads_the_trigram_table_which_follows_every_change_and_finds_what_the_scan_finds():
    """0028_search_sqlite_trigrams: on SQLite the search's condition reads the FTS5 trigram table (kept by
    triggers on startups: this also fails if a later migration recreated the table without them), and finds
    what reading every startup finds, whatever the text."""
    bulk_portfolio(300, TODAY)
    make_startup("donnees-ouvertes", name="Données ouvertes", phases=[("investigation", d("2026-01-01"))])
    autre = make_startup("autre", name="Autre", mission='Partager les données_publiques à 100 % « sans "guillemets" »')
    compiled = filtered_startups(PortfolioFilters(text="données"), TODAY).compile(db.engine)
    plan = " ".join(row[3] for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params[name] for name in compiled.positiontup)))
    assert "startups_search VIRTUAL TABLE" in plan, plan
    searches = {"données": ["autre", "donnees-ouvertes"], "DONNEES": ["autre", "donnees-ouvertes"],
                "nnées_pub": ["autre"], "100 %": ["autre"], '"guillemets"': ["autre"], "numéro 299": ["lot-0299"],
                "es": None, "zzz": []}
    for text, expected in searches.items():
        found = _search_ids(text)
        assert found == _search_ids(text, in_name_order=True), text  # the LIKE alone, on every startup
        assert expected is None or found == expected, text
    autre.mission, autre.name = "Rien à voir", "Tout autre"  # search_text follows (startups.models)
    db.session.flush()
    assert _search_ids("données") == ["donnees-ouvertes"] and _search_ids("tout autre") == ["autre"]
    db.session.delete(autre)
    db.session.flush()
    assert _search_ids("tout autre") == []


@SQLITE_ONLY
def test_on_sqlite_a_search_index_out_of_step_misses_startups_never_shows_wrong_ones_until_rebuilt():
    """A VACUUM may renumber the startups' rows under the FTS5 table: the LIKE after it keeps every result
    right, and the nightly job's rebuild (startups.kept.rebuild_search_index) brings the missed ones back."""
    make_startup("a", name="Alpha santé")
    make_startup("b", name="Beta éducation")
    db.session.flush()
    # Swap the two rows' numbers in the index, as a renumbering would leave it.
    db.session.execute(sa.text("INSERT INTO startups_search (startups_search) VALUES ('delete-all')"))
    rowids = dict(db.session.execute(sa.text("SELECT id, rowid FROM startups WHERE id IN ('a', 'b')")).all())
    db.session.execute(sa.text("INSERT INTO startups_search (rowid, search_text) VALUES (:a, 'beta education'), "
                               "(:b, 'alpha sante')"), rowids)
    assert _search_ids("santé") == [] and _search_ids("education") == []
    assert search_counts(TODAY, PortfolioFilters(text="santé"), 10).counts == {}  # the counts neither
    rebuild_search_index(db.session)
    assert _search_ids("santé") == ["a"] and _search_ids("education") == ["b"]


@SQLITE_ONLY
def test_on_sqlite_a_common_texts_page_reads_in_name_order_a_rare_ones_from_the_index():
    bulk_portfolio(400, TODAY)
    refresh_current_phases(db.session, TODAY)
    refresh_phase_counts(db.session)
    assert reads_in_name_order(PortfolioFilters(text="mission"), 400, 50)  # 50 × 400 < 2 × 400²
    assert not reads_in_name_order(PortfolioFilters(text="numéro 12"), 11, 50)
    assert not reads_in_name_order(PortfolioFilters(text="mi"), 400, 50)  # too short for a trigram: a scan anyway
