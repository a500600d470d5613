"""Each figure of /stats on the hand-built history of conftest.py, whose answers are worked out by hand."""

import datetime as dt

import pytest

from committees.models import DecisionKind
from core import clock
from startups.phases import Phase
from stats import money_queries, queries
from stats.queries import Filters

ALL = Filters()


def test_the_funnel_counts_each_startup_once_per_year_of_entry_with_legacy_phases_mapped(history):
    rows = {row.year: row for row in queries.funnel(history, ALL)}
    assert sorted(rows) == [2023, 2024, 2026]  # `future` has not entered investigation yet
    # 2023: transferee (transferred) and ancienne-perennisation (perennisation → consolidation, then alumni → abandon).
    assert (rows[2023].entered, rows[2023].construction, rows[2023].acceleration, rows[2023].consolidation,
            rows[2023].transferred, rows[2023].stopped_investigation, rows[2023].stopped_later) == (2, 2, 2, 2, 1, 0, 1)
    # 2024: reprise (construction entered twice: counted once) and ancienne-alumni (alumni → abandon-investigation).
    assert (rows[2024].entered, rows[2024].construction, rows[2024].acceleration, rows[2024].consolidation,
            rows[2024].transferred, rows[2024].stopped_investigation, rows[2024].stopped_later) == (2, 1, 1, 0, 0, 1, 0)
    assert (rows[2026].entered, rows[2026].construction) == (1, 0)
    assert rows[2024].rates == {"construction": 50.0, "acceleration": 100.0, "consolidation": 0.0, "transferred": None}
    total = queries.funnel_total(list(rows.values()))
    assert (total.entered, total.construction, total.transferred) == (5, 3, 1)


def test_the_funnel_follows_the_filters(history):
    by_incubator = {row.year: row.entered for row in queries.funnel(history, Filters(incubator_id="inc-a"))}
    assert by_incubator == {2023: 1, 2024: 1}
    by_partner = {row.year: row.entered for row in queries.funnel(history, Filters(partner_id="partenaire"))}
    assert by_partner == {2024: 1}
    by_years = {row.year: row.entered for row in queries.funnel(history, Filters(first_year=2024, last_year=2025))}
    assert by_years == {2024: 2}


def test_time_in_phase_ends_a_period_at_the_next_one_and_counts_the_current_one_until_today(history):
    found = queries.time_in_phase(history, ALL).by_phase
    investigation = found[Phase.INVESTIGATION]
    assert sorted(investigation.ended) == [60, 90, 92, 121]
    assert investigation.ongoing == [106]  # recente, since 1 March 2026
    q1, median, q3 = investigation.months("ended")
    assert median == pytest.approx(91 / 30.4375)
    # Past 3 months: ancienne-alumni (4 months) and recente (3.5 months so far); transferee's 3 months exactly is not.
    assert investigation.past_typical == 2 and investigation.past_typical_share == 40.0
    construction = found[Phase.CONSTRUCTION]
    # reprise entered construction twice: two periods, the second still under way.
    assert sorted(construction.ended) == [184, 275, 366] and construction.ongoing == [471]
    assert construction.past_typical == 1
    assert sorted(found[Phase.ACCELERATION].ended) == [181, 366]
    consolidation = found[Phase.CONSOLIDATION]  # includes the legacy `perennisation`
    assert sorted(consolidation.ended) == [181, 365] and consolidation.past_typical_share == 50.0
    assert Phase.TRANSFERE not in found and Phase.ABANDON not in found


def test_time_in_phase_per_incubator_and_per_year_the_period_started(history):
    found = queries.time_in_phase(history, ALL)
    assert sorted(found.by_incubator[("inc-a", Phase.INVESTIGATION)].ended) == [60, 90]
    assert sorted(found.by_incubator[("inc-b", Phase.INVESTIGATION)].ended) == [92, 121]
    assert found.by_incubator[("inc-b", Phase.INVESTIGATION)].ongoing == [106]
    assert found.incubator_names == {"inc-a": "Incubateur A", "inc-b": "Incubateur B"}
    assert found.by_year[(2025, Phase.CONSTRUCTION)].ongoing == [471]
    assert sorted(found.by_year[(2023, Phase.CONSTRUCTION)].ended) == [275, 366]


def test_the_share_of_active_startups_with_an_overdue_committee_month_by_month(history):
    months = {s.label: s for s in queries.overdue_by_month(history, ALL)}
    assert len(months) == 24 and list(months)[0] == "2024-07" and list(months)[-1] == "2026-06"
    # Today: reprise (due 10 March 2026, six months after its committee) is overdue; recente is not.
    assert (months["2026-06"].whole, months["2026-06"].part, months["2026-06"].percent) == (2, 1, 50.0)
    # 31 August 2025: reprise (due 1 September 2025) is not overdue yet; ancienne-perennisation (due 1 March
    # 2025 after its February committee... no: six months after 1 September 2024, its consolidation) is.
    assert (months["2025-08"].whole, months["2025-08"].part) == (2, 1)
    # 31 December 2024: reprise (acceleration since 1 September 2024), transferee (committee 20 December
    # 2024), ancienne-perennisation (consolidation since 1 September 2024): none overdue.
    assert (months["2024-12"].whole, months["2024-12"].part) == (3, 0)


def test_overdue_committees_per_incubator_today(history):
    shares = {s.label: (s.whole, s.part) for s in queries.overdue_by_incubator(history, ALL)}
    assert shares == {"Incubateur A": (1, 1), "Incubateur B": (1, 0)}


def test_committees_held_per_semester_count_a_committee_and_its_event_once(history):
    assert queries.held_by_semester(history, ALL) == [("2024 S2", 1), ("2025 S1", 1), ("2025 S2", 1), ("2026 S1", 1)]
    assert queries.held_by_semester(history, Filters(incubator_id="inc-b")) == [("2025 S1", 1), ("2026 S1", 1)]


def test_committees_held_per_semester_and_incubator_add_up_to_the_total(history):
    found = queries.held_per_semester_and_incubator(history, ALL)
    assert found.semesters == ["2024 S2", "2025 S1", "2025 S2", "2026 S1"]
    # transferee and reprise in A (December 2024, September 2025); ancienne-perennisation and recente in B.
    assert found.by_incubator == {"inc-a": {"2024 S2": 1, "2025 S2": 1}, "inc-b": {"2025 S1": 1, "2026 S1": 1}}
    assert found.incubators() == [("inc-a", "Incubateur A"), ("inc-b", "Incubateur B")]
    assert found.total == {"2024 S2": 1, "2025 S1": 1, "2025 S2": 1, "2026 S1": 1}
    from_2025 = queries.held_per_semester_and_incubator(history, Filters(first_year=2025))
    assert from_2025.by_incubator == {"inc-a": {"2025 S2": 1}, "inc-b": {"2025 S1": 1, "2026 S1": 1}}


def test_a_startup_without_incubator_is_counted_apart(history):
    from startups.models import Startup
    from core.db import db

    db.session.get(Startup, "recente").incubator_id = None
    db.session.flush()
    found = queries.held_per_semester_and_incubator(history, ALL)
    assert found.by_incubator[None] == {"2026 S1": 1} and found.incubators()[-1] == (None, "Sans incubateur")
    decisions = queries.decisions_per_semester_and_incubator(history, ALL)
    assert decisions[DecisionKind.PIVOT].by_incubator == {None: {"2026 S1": 1}}


def test_the_delay_between_the_due_date_and_the_committee(history):
    delays = {d.label: d for d in queries.committee_delays(history, ALL)}
    # transferee: due 1 July 2024 (acceleration since 1 January 2024), held 20 December 2024.
    assert delays["2024"].days == [172]
    # ancienne-perennisation: due 1 March 2025, held 10 February (-19); reprise: due 1 September 2025, held
    # the 10th (+9).
    assert delays["2025"].days == [-19, 9] and delays["2025"].median == -5 and delays["2025"].late == 1
    # recente: due 1 September 2026, held 20 May 2026.
    assert delays["2026"].days == [-104]


def test_decisions_per_semester_and_kind_and_the_time_to_sign_off(history):
    semesters, counts = queries.decisions_by_semester(history, ALL)
    assert semesters == ["2025 S2", "2026 S1"]
    assert counts == {DecisionKind.CONTINUE: {"2025 S2": 1}, DecisionKind.PIVOT: {"2026 S1": 1}}
    per_incubator = queries.decisions_per_semester_and_incubator(history, ALL)
    assert {kind: found.by_incubator for kind, found in per_incubator.items()} == {
        DecisionKind.CONTINUE: {"inc-a": {"2025 S2": 1}}, DecisionKind.PIVOT: {"inc-b": {"2026 S1": 1}}}
    assert queries.decisions_per_semester_and_incubator(history, Filters(incubator_id="inc-a")).keys() == {DecisionKind.CONTINUE}
    signoffs = queries.signoff_delays(history, ALL)
    assert [(d.label, d.days, d.median) for d in signoffs] == [("2025", [7], 7)]


def test_the_share_of_startups_reporting_their_indicators_on_time(history):
    months = {s.label: (s.whole, s.part) for s in queries.reporting_on_time(history, clock.now(), ALL)}
    assert list(months)[-1] == "2026-04" and len(months) == 24
    # April: reprise has no value (late); recente's quarter is not due before 1 August.
    assert months["2026-04"] == (1, 0)
    # March: reprise in time (10 April), recente in time for its quarter (20 April < 1 May).
    assert months["2026-03"] == (2, 2)
    # February: reprise's value came on 5 April (after 31 March); recente's indicator did not exist yet.
    assert months["2026-02"] == (1, 0)
    assert months["2025-06"] == (1, 0)  # reprise's indicator existed, no value
    assert months["2024-12"] == (0, 0)  # before any indicator


def test_money_counts_only_published_conventions_by_partner_phase_and_year(history):
    by_partner = money_queries.money_by("partner", history, ALL)
    assert by_partner == {(2025, "Ministère partenaire"): {
        "ae_released": 10_000_000, "ae_engaged": 3_000_000, "cp_released": 5_000_000, "cp_paid": 2_000_000}}
    assert money_queries.money_by("phase", history, ALL) == {(2025, Phase.CONSTRUCTION): by_partner[(2025, "Ministère partenaire")]}
    assert money_queries.money_by_year(by_partner) == {2025: by_partner[(2025, "Ministère partenaire")]}
    assert money_queries.money_by("partner", history, Filters(incubator_id="inc-b")) == {}
    assert money_queries.money_by("partner", history, Filters(first_year=2026)) == {}


def test_the_quartiles_of_one_value_and_of_none():
    assert queries.quartiles([]) is None
    assert queries.quartiles([5]) == (5, 5, 5)
    assert queries.quartiles([1, 2, 3, 4, 5]) == (2, 3, 4)


def test_month_ends_end_with_today():
    assert queries.month_ends(dt.date(2026, 3, 31), 3) == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)]


def test_the_median_cost_per_use_by_current_phase(history):
    # reprise: 100,000 € / 500 users in March 2026 (its latest month); recente: 50,000 € / 100 in April.
    assert queries.cost_per_use_by_phase(history, ALL) == {Phase.CONSTRUCTION: [200.0], Phase.INVESTIGATION: [500.0]}
    assert queries.cost_per_use_by_phase(history, Filters(incubator_id="inc-a")) == {Phase.CONSTRUCTION: [200.0]}
