"""The current-phase rule, on synthetic periods and on the real fiches that break naive rules."""

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from startups import fiches
from startups.phases import Phase, UnknownPhase, current_period, parse_phase, resolve_starts
from tests.factories import d

SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "betagouv"

P = Phase


@dataclasses.dataclass
class Period:
    phase: Phase
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    position: int = 0
    effective_start_on: dt.date | None = None


def periods(*specs) -> list[Period]:
    result = [Period(Phase(spec[0]), *[d(x) if x else None for x in spec[1:]], position=i) for i, spec in enumerate(specs)]
    resolve_starts(result)
    return result


def current(specs, today: str) -> Phase | None:
    period = current_period(periods(*specs), d(today))
    return period.phase if period else None


# --- legacy names ----------------------------------------------------------------------------------


def test_alumni_without_construction_before_is_an_inconclusive_investigation():
    assert parse_phase("alumni", [P.INVESTIGATION]) == P.ABANDON_INVESTIGATION
    assert parse_phase("alumni", []) == P.ABANDON_INVESTIGATION


def test_alumni_after_a_construction_or_later_phase_is_a_stop():
    assert parse_phase("alumni", [P.INVESTIGATION, P.CONSTRUCTION]) == P.ABANDON
    assert parse_phase("alumni", [P.INVESTIGATION, P.CONSOLIDATION]) == P.ABANDON
    assert parse_phase("alumni", [P.ACCELERATION]) == P.ABANDON


def test_legacy_names_map_as_design_says():
    assert parse_phase("transfer") == P.CONSOLIDATION
    assert parse_phase("perennisation") == P.CONSOLIDATION
    assert parse_phase("success") == P.TRANSFERE
    assert parse_phase("death") == P.ABANDON  # the pre-2020 status of a stopped service
    assert parse_phase(" Construction ") == P.CONSTRUCTION


def test_an_unknown_phase_name_is_refused():
    with pytest.raises(UnknownPhase):
        parse_phase("incubation")


# --- starts of legacy periods ----------------------------------------------------------------------


def test_a_period_without_start_begins_at_the_end_of_the_period_before():
    result = periods(("investigation", "2020-01-01", "2020-04-15"), ("abandon-investigation", None))
    assert result[1].effective_start_on == d("2020-04-15")


def test_a_period_without_start_begins_at_the_start_of_the_period_before_when_it_has_no_end():
    result = periods(("investigation", "2020-01-01"), ("construction", None), ("abandon", None))
    assert [p.effective_start_on for p in result] == [d("2020-01-01")] * 3


def test_a_first_period_without_start_is_never_current():
    assert current([("investigation", None)], "2030-01-01") is None
    assert current([("investigation", None), ("construction", "2021-01-01")], "2020-06-01") is None
    assert current([("investigation", None), ("construction", "2021-01-01")], "2021-01-01") == P.CONSTRUCTION


# --- the rule --------------------------------------------------------------------------------------


def test_no_started_period_means_no_current_phase():
    assert current([], "2026-11-27") is None
    assert current([("investigation", "2027-01-01")], "2026-11-27") is None


def test_a_future_start_is_planned_not_current():
    specs = [("investigation", "2026-01-01"), ("construction", "2027-01-01")]
    assert current(specs, "2026-12-31") == P.INVESTIGATION
    assert current(specs, "2027-01-01") == P.CONSTRUCTION


def test_the_latest_start_wins_even_when_it_is_a_regression():
    specs = [("investigation", "2020-01-01"), ("acceleration", "2022-01-01"), ("construction", "2023-01-01")]
    assert current(specs, "2024-01-01") == P.CONSTRUCTION


def test_a_tie_on_the_start_goes_to_the_later_phase_of_the_lifecycle_whatever_the_order():
    assert current([("construction", "2020-01-01"), ("investigation", "2020-01-01")], "2020-01-01") == P.CONSTRUCTION
    assert current([("investigation", "2020-01-01"), ("construction", "2020-01-01")], "2020-01-01") == P.CONSTRUCTION


def test_a_tie_between_terminal_phases_goes_to_the_one_listed_last():
    assert current([("transfere", "2022-01-01"), ("abandon", "2022-01-01")], "2023-01-01") == P.ABANDON
    assert current([("abandon", "2022-01-01"), ("transfere", "2022-01-01")], "2023-01-01") == P.TRANSFERE


def test_a_phase_entered_twice_is_current_again():
    specs = [("construction", "2020-01-01"), ("acceleration", "2021-01-01"), ("construction", "2022-01-01")]
    period = current_period(periods(*specs), d("2022-06-01"))
    assert (period.phase, period.position) == (P.CONSTRUCTION, 2)


# --- the real fiches -------------------------------------------------------------------------------

# (snapshot, fiche, today, expected current phase), each checked by reading the fiche.
REAL_CASES = [
    # 2019: one `status:` with the startup's start.
    ("2019-01-01", "clara", "2019-01-01", P.ACCELERATION),
    ("2019-01-01", "clara", "2017-03-31", None),
    # 2021: `success` without start begins at `transfer`'s start (2019-09-01, no end): tie, terminal rank wins.
    ("2021-01-01", "clara", "2021-01-01", P.TRANSFERE),
    ("2021-01-01", "clara", "2018-01-01", P.CONSTRUCTION),
    # 2023: `success` and `alumni` (after a construction: abandon) the same day, same rank: alumni is listed last.
    ("2023-01-01", "clara", "2023-01-01", P.ABANDON),
    ("2023-01-01", "clara", "2022-11-29", P.CONSOLIDATION),
    # 2026: abandon and transfere the same day; transfere is listed last.
    ("2026-08", "clara", "2026-11-27", P.TRANSFERE),
    # 2026: construction listed before investigation, both on 2017-04-01: the lifecycle rank decides.
    ("2026-08", "clara", "2017-04-01", P.CONSTRUCTION),
    ("2026-08", "fichiers", "2026-11-27", P.CONSTRUCTION),
    ("2026-08", "fichiers", "2025-08-26", P.CONSTRUCTION),
    ("2026-08", "fichiers", "2025-08-25", None),
    ("2021-01-01", "chauffage-urbain", "2021-01-01", P.CONSTRUCTION),
    ("2021-01-01", "chauffage-urbain", "2020-11-30", P.INVESTIGATION),
    ("2023-01-01", "chauffage-urbain", "2023-01-01", P.ACCELERATION),
    # 2026: consolidation then acceleration again (a regression listed in date order).
    ("2026-08", "chauffage-urbain", "2026-11-27", P.ACCELERATION),
    ("2026-08", "chauffage-urbain", "2025-12-31", P.CONSOLIDATION),
    ("2019-01-01", "signaux-faibles", "2019-01-01", P.ACCELERATION),
    # 2021: `transfer` without start nor an end before it: begins at construction's start, wins on rank.
    ("2021-01-01", "signaux-faibles", "2021-01-01", P.CONSOLIDATION),
    ("2023-01-01", "signaux-faibles", "2023-01-01", P.ACCELERATION),
    ("2023-01-01", "signaux-faibles", "2020-02-29", P.CONSOLIDATION),
    ("2026-08", "signaux-faibles", "2026-11-27", P.ACCELERATION),
    ("2026-08", "signaux-faibles", "2025-06-21", P.CONSOLIDATION),
    # data.etat: acceleration planned for 2027-05-01.
    ("2026-08", "data.etat", "2026-11-27", P.CONSTRUCTION),
    ("2026-08", "data.etat", "2027-04-30", P.CONSTRUCTION),
    ("2026-08", "data.etat", "2027-05-01", P.ACCELERATION),
    # api-telerecours: a single investigation starting 2026-09-07.
    ("2026-08", "api-telerecours", "2026-08-15", None),
    ("2026-08", "api-telerecours", "2026-11-27", P.INVESTIGATION),
]


@pytest.mark.parametrize("snapshot, fiche, today, expected", REAL_CASES)
def test_the_current_phase_of_the_real_fiches(snapshot, fiche, today, expected):
    startup = fiches.load_startup(SNAPSHOTS / snapshot / "_startups" / f"{fiche}.md")
    period = current_period(startup.periods, d(today))
    assert (period.phase if period else None) == expected


def test_every_named_case_is_checked_in_every_snapshot_where_it_appears():
    checked = {(snapshot, fiche) for snapshot, fiche, _, _ in REAL_CASES}
    for fiche in ("clara", "fichiers", "chauffage-urbain", "signaux-faibles", "data.etat", "api-telerecours"):
        for snapshot in SNAPSHOTS.iterdir():
            if (snapshot / "_startups" / f"{fiche}.md").exists():
                assert (snapshot.name, fiche) in checked
