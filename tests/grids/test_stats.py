"""The statistics on known values: mean, median, population standard deviation, disagreement, weights."""

import math
from decimal import Decimal

import pytest

from grids.stats import decimal_comma, disagreement, summarize, weighted_mean


def test_summary_of_known_scores_uses_the_population_standard_deviation():
    stats = summarize([2, 4, 4, 4, 5, 5, 7, 9], 0, 10)
    assert stats.count == 8
    assert stats.mean == 5
    assert stats.median == 4.5
    assert stats.std == 2  # the textbook example: population deviation 2 (the sample one would be 2.138…)
    assert (stats.minimum, stats.maximum) == (2, 9)


def test_median_of_an_odd_count_is_the_middle_score():
    stats = summarize([7, 1, 3], 0, 10)
    assert stats.median == 3
    assert stats.mean == pytest.approx(11 / 3)
    assert stats.std == pytest.approx(math.sqrt(56 / 9))


def test_one_score_has_no_spread_and_no_disagreement():
    stats = summarize([4], 0, 5)
    assert (stats.count, stats.mean, stats.median, stats.std, stats.disagreement) == (1, 4, 4, 0, False)


def test_no_score_gives_empty_statistics():
    stats = summarize([], 0, 10)
    assert stats.count == 0 and stats.mean is None and stats.median is None and stats.std is None
    assert not stats.disagreement


def test_disagreement_starts_at_half_the_scale_range():
    assert disagreement([2, 7], 0, 10)  # spread 5 = half of 10
    assert not disagreement([3, 7], 0, 10)  # spread 4
    assert disagreement([1, 4], 0, 5)  # spread 3 >= 2.5
    assert not disagreement([2, 4], 0, 5)
    assert disagreement([8, 8, 8, 8, 3], 0, 10)  # one dissenting score is enough


def test_disagreement_shows_in_the_summary():
    assert summarize([0, 5], 0, 5).disagreement
    assert not summarize([3, 4, 4], 0, 5).disagreement


def test_weighted_mean_applies_the_weights():
    assert weighted_mean([(8.0, Decimal(2)), (5.0, Decimal(1))]) == 7
    assert weighted_mean([(8.0, 1), (5.0, 1)]) == 6.5


def test_weighted_mean_leaves_out_criteria_without_scores():
    assert weighted_mean([(None, 3), (4.0, 1)]) == 4
    assert weighted_mean([(None, 1)]) is None


def test_a_scale_upside_down_is_refused():
    with pytest.raises(ValueError):
        summarize([1], 5, 5)


def test_decimal_comma_is_french():
    assert decimal_comma(6.25) == "6,25"
    assert decimal_comma(7.0) == "7"
    assert decimal_comma(2 / 3) == "0,67"
    assert decimal_comma(None) == ""
