"""What the domain allows for dates and amounts, one definition used by the forms (core/fields.py) and
the services (forms are not the only way in: CSV imports, scripts). A date of 3000-01-01 or 2001-01-01,
an annual budget of 10^20 € are typing mistakes: refused, with the bounds in the French message.

Bounds that move with time are functions of today (the application's today, passed in by the caller).
"""

import dataclasses
import datetime as dt
from collections.abc import Callable

from core.formats import date_fr, number_fr

# The beta.gouv.fr programme started in 2013: no startup, team, staff or committee date is earlier.
PROGRAMME_START = dt.date(2013, 1, 1)


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclasses.dataclass(frozen=True)
class DateWindow:
    """The dates a field may hold, between earliest(today) and latest(today), both included."""

    earliest: Callable[[dt.date], dt.date]
    latest: Callable[[dt.date], dt.date]

    @classmethod
    def between(cls, earliest: dt.date, latest: dt.date) -> "DateWindow":
        return cls(lambda today: earliest, lambda today: latest)

    def bounds(self, today: dt.date) -> tuple[dt.date, dt.date]:
        return self.earliest(today), self.latest(today)

    def refusal(self, value: dt.date | None, label: str, today: dt.date) -> str | None:
        """The French refusal of a date outside the window, or None."""
        if value is None:
            return None
        low, high = self.bounds(today)
        if low <= value <= high:
            return None
        return f"« {label} » : la date doit être comprise entre le {date_fr(low)} et le {date_fr(high)}."

    def check(self, value: dt.date | None, label: str, today: dt.date, error: type[Exception] = ValueError) -> None:
        message = self.refusal(value, label, today)
        if message:
            raise error(message)


def _from_start(years_ahead: int) -> DateWindow:
    return DateWindow(lambda today: PROGRAMME_START, lambda today: years_after(today, years_ahead))


# A committee, a next committee's date, an action item's due date: within two years.
COMMITTEE_DATE = _from_start(2)
# Team memberships and incubator staff: arrivals and departures planned up to five years ahead.
TEAM_DATE = _from_start(5)
# An indicator's or a presentation's objective: a target within three years.
OBJECTIVE_DATE = _from_start(3)
# The money's dates (a convention's effect, end and signatures, releases, copies to the CBCMs, publication,
# suspension, quotes, FAST's decisions): a convention runs a few years, not ten.
CONVENTION_DATE = _from_start(10)


@dataclasses.dataclass(frozen=True)
class Range:
    """An integer quantity between low and high, both included, in a unit (« € », « personnes »)."""

    low: int
    high: int
    unit: str = "€"
    grouped: bool = True  # thousands separated (« 100 000 000 »), not for years

    def _text(self, value: int) -> str:
        text = number_fr(value) if self.grouped else str(value)
        return f"{text}\u00a0{self.unit}" if self.unit else text

    def refusal(self, value: int | None, label: str) -> str | None:
        if value is None or self.low <= value <= self.high:
            return None
        return f"« {label} » : la valeur doit être comprise entre {self._text(self.low)} et {self._text(self.high)}."

    def check(self, value: int | None, label: str, error: type[Exception] = ValueError) -> None:
        message = self.refusal(value, label)
        if message:
            raise error(message)


# A startup's annual budget, a committee's envelope for the next period: the largest startups of the
# programme spend a few million euros a year.
AMOUNT_EUR = Range(0, 100_000_000)
TEAM_SIZE = Range(0, 500, "personnes")


def budget_years(today: dt.date) -> Range:
    return Range(PROGRAMME_START.year, today.year + 5, "", grouped=False)
