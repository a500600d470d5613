"""The programme's phases and the current-phase rule (README « What it does »), in Python and in SQL."""

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import Protocol

from core.dates import add_months


class Phase(enum.StrEnum):
    INVESTIGATION = "investigation"
    CONSTRUCTION = "construction"
    ACCELERATION = "acceleration"
    CONSOLIDATION = "consolidation"
    OPERE = "opere"
    TRANSFERE = "transfere"
    ABANDON_INVESTIGATION = "abandon-investigation"
    ABANDON = "abandon"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]

    @property
    def rank(self) -> int:
        """Lifecycle rank: the lifecycle's order; the three terminal phases share the last rank."""
        return PHASE_RANKS[self]

    @property
    def active(self) -> bool:
        return self not in TERMINAL_PHASES

    @property
    def typical_months(self) -> int | None:
        """Upper bound of the phase's typical length, beyond which the startup is flagged."""
        return TYPICAL_MONTHS.get(self)


PHASE_LABELS = {
    Phase.INVESTIGATION: "Investigation",
    Phase.CONSTRUCTION: "Construction",
    Phase.ACCELERATION: "Accélération",
    Phase.CONSOLIDATION: "Consolidation",
    Phase.OPERE: "Opéré au sein du réseau",
    Phase.TRANSFERE: "Transféré",
    Phase.ABANDON_INVESTIGATION: "Investigation non concluante",
    Phase.ABANDON: "Arrêté",
}
TERMINAL_PHASES = frozenset({Phase.TRANSFERE, Phase.ABANDON_INVESTIGATION, Phase.ABANDON})
PHASE_RANKS = {phase: min(index, 5) for index, phase in enumerate(Phase)}
TYPICAL_MONTHS = {
    Phase.INVESTIGATION: 3,
    Phase.CONSTRUCTION: 12,
    Phase.ACCELERATION: 12,
    Phase.CONSOLIDATION: 6,
}
ACTIVE_PHASES = tuple(p for p in Phase if p.active)

# Legacy names of older fiches. `alumni` depends on the history, see parse_phase().
LEGACY_NAMES = {
    # The pre-2020 single `status: death` named a stopped service. Such a fiche has no history to tell an
    # abandoned investigation apart, and the 2019 ones (mdph, assec, …) had all been built: `abandon`.
    "death": Phase.ABANDON,
    "transfer": Phase.CONSOLIDATION,
    "perennisation": Phase.CONSOLIDATION,
    "success": Phase.TRANSFERE,
}


class UnknownPhase(ValueError):
    pass


def parse_phase(name: str, earlier: Sequence[Phase] = ()) -> Phase:
    """The phase a fiche's name means, given the phases listed before it in the same fiche."""
    key = (name or "").strip().lower()
    try:
        return Phase(key)
    except ValueError:
        pass
    if key == "alumni":
        came_to_construction = any(p.rank >= Phase.CONSTRUCTION.rank for p in earlier if p.active)
        return Phase.ABANDON if came_to_construction else Phase.ABANDON_INVESTIGATION
    if key in LEGACY_NAMES:
        return LEGACY_NAMES[key]
    raise UnknownPhase(f"phase inconnue « {name} »")


class PeriodLike(Protocol):
    phase: Phase
    position: int
    start_on: dt.date | None
    end_on: dt.date | None
    effective_start_on: dt.date | None


def resolve_starts(periods: Sequence[PeriodLike]) -> None:
    """Fill effective_start_on, in source order.

    A period without a start begins at the end of the period listed before it or, without one, at that
    period's start; a first period without a start stays undated (and is therefore never current).
    """
    previous = None
    for period in periods:
        if period.start_on is not None:
            start = period.start_on
        elif previous is None:
            start = None
        else:
            start = previous.end_on or previous.effective_start_on
        if period.effective_start_on != start:  # an unchanged row stays clean: a re-import writes nothing
            period.effective_start_on = start
        previous = period


def sort_key(period: PeriodLike) -> tuple:
    return (period.effective_start_on, period.phase.rank, period.position)


def is_planned(period: PeriodLike, today: dt.date) -> bool:
    """Whether the period starts after today."""
    return period.effective_start_on is not None and period.effective_start_on > today


def current_period(periods: Iterable[PeriodLike], today: dt.date) -> PeriodLike | None:
    """Among the periods started on or before today, the latest start; ties by lifecycle rank, then the
    one listed last. None when no period has started."""
    started = [p for p in periods if p.effective_start_on is not None and p.effective_start_on <= today]
    return max(started, key=sort_key, default=None)


# The committees' cadence (committees/due.py explains the rule): here, beside the current phase, so that
# the import can date the next committee of the startups it inserts as it dates their current phase.
MONTHS_BETWEEN_COMMITTEES = 6


def committee_due_on(last_committee_on: dt.date | None, phase_start_on: dt.date) -> dt.date:
    """The next committee's due date from the last held committee and the current phase's start."""
    reference = phase_start_on if last_committee_on is None or last_committee_on < phase_start_on else last_committee_on
    return add_months(reference, MONTHS_BETWEEN_COMMITTEES)
