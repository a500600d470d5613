"""Calendar helpers: Easter, French public holidays, working days. Today itself comes from core/clock.py."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import click

PARIS = ZoneInfo("Europe/Paris")


# The years a date typed or put in a URL may have: beyond them it is a typo or an attack, and dates near
# year 1 or 9999 overflow once converted between time zones or shifted by a few months.
FIRST_YEAR, LAST_YEAR = 1900, 2100


def check_year(day: dt.date) -> dt.date:
    """day, or ValueError with a French message when its year is outside FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"L'année doit être comprise entre {FIRST_YEAR} et {LAST_YEAR} (reçu : {day.year}).")
    return day


class Day(click.ParamType):
    """A command's --today: AAAA-MM-JJ within FIRST_YEAR..LAST_YEAR, else click's usage error (exit 2) in French.
    The jobs count days and months from it: near year 1 or 9999 they would overflow, and an import would take
    any fiche for newer than Jalons' history of its startup."""

    name = "AAAA-MM-JJ"

    def convert(self, value, param, ctx) -> dt.date:
        if isinstance(value, dt.date):
            return value
        if not value.strip():
            self.fail("la date est vide : attendu AAAA-MM-JJ.", param, ctx)
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"« {value} » n'est pas une date au format AAAA-MM-JJ.", param, ctx)
        try:
            return check_year(day)
        except ValueError as error:
            self.fail(str(error), param, ctx)


def easter(year: int) -> dt.date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


_FIXED_HOLIDAYS = {
    (1, 1): "jour de l'an", (5, 1): "fête du Travail", (5, 8): "Victoire 1945", (7, 14): "fête nationale",
    (8, 15): "Assomption", (11, 1): "Toussaint", (11, 11): "Armistice 1918", (12, 25): "Noël",
}
_EASTER_HOLIDAYS = {1: "lundi de Pâques", 39: "Ascension", 50: "lundi de Pentecôte"}


def public_holiday(day: dt.date) -> str | None:
    """The name of the French public holiday (jour férié, metropolitan France) on `day`, or None."""
    if (day.month, day.day) in _FIXED_HOLIDAYS:
        return _FIXED_HOLIDAYS[(day.month, day.day)]
    return _EASTER_HOLIDAYS.get((day - easter(day.year)).days)


def non_working_day(day: dt.date) -> str | None:
    """« un samedi », « un dimanche », « un jour férié (Noël) », or None for a working day."""
    holiday = public_holiday(day)
    if holiday:
        return f"un jour férié ({holiday})"
    if day.weekday() >= 5:
        return "un samedi" if day.weekday() == 5 else "un dimanche"
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the end of the month: add_months(2026-05-31, 6) == 2026-11-30."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
