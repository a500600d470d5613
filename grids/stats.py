"""Statistics of a grid's scores: pure functions on numbers, no database.

Choices (documented for the committee and the README):
- The standard deviation is the POPULATION one (statistics.pstdev): the participants who scored are the
  whole set of raters, not a sample of a larger one, and one score gives 0 rather than no value.
- Disagreement: at least two scores and a spread (highest − lowest) of at least half the scale's range,
  e.g. 2 and 7 on 0–10, or 1 and 4 on 0–5. For population deviations this also covers « standard
  deviation ≥ 25 % of the range » (a population deviation is at most half the spread), so one rule
  says both, and a single dissenting score is enough to put the criterion up for discussion.
- Abstentions carry no score: the callers pass only the scores of submitted, non-abstaining grids.
- The overall mean is the mean of the criteria's means weighted by their weights; with every weight
  at 1 it is the plain mean. Criteria without any score are left out of it.
"""

import dataclasses
import statistics
from collections.abc import Sequence
from decimal import Decimal

DISAGREEMENT_SPREAD = 0.5  # share of the scale's range


@dataclasses.dataclass(frozen=True)
class CriterionStats:
    count: int
    mean: float | None
    median: float | None
    std: float | None
    minimum: int | None
    maximum: int | None
    disagreement: bool


def disagreement(scores: Sequence[int], scale_min: int, scale_max: int) -> bool:
    """Large spread: at least two scores, and highest − lowest ≥ half of (scale_max − scale_min)."""
    if len(scores) < 2:
        return False
    return max(scores) - min(scores) >= DISAGREEMENT_SPREAD * (scale_max - scale_min)


def summarize(scores: Sequence[int], scale_min: int, scale_max: int) -> CriterionStats:
    """Count, mean, median, population standard deviation, extremes and disagreement of scores."""
    if scale_min >= scale_max:
        raise ValueError("the scale's minimum must be below its maximum")
    scores = list(scores)
    if not scores:
        return CriterionStats(0, None, None, None, None, None, False)
    return CriterionStats(
        count=len(scores),
        mean=statistics.fmean(scores),
        median=float(statistics.median(scores)),
        std=statistics.pstdev(scores),
        minimum=min(scores),
        maximum=max(scores),
        disagreement=disagreement(scores, scale_min, scale_max),
    )


def weighted_mean(means_and_weights: Sequence[tuple[float | None, Decimal | float]]) -> float | None:
    """Mean of the criteria's means weighted by their weights; None means (no score) are left out."""
    pairs = [(float(mean), float(weight)) for mean, weight in means_and_weights if mean is not None]
    total = sum(weight for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    return sum(mean * weight for mean, weight in pairs) / total


def decimal_comma(value: float | None, decimals: int = 2) -> str:
    """« 6,25 » — French decimal comma, no thousands separator (what a French Excel reads as a number)."""
    if value is None:
        return ""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",")
