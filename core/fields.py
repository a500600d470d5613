"""Form fields and validators shared by every area: text without control characters, plausible dates
and amounts, each refusal in French with the field's name and, for bounds, the bound itself.

A single-line field (a name, a place, a title) refuses every control character: a line feed in a
startup's name once reached an e-mail header and stopped the daily reminders. A multi-line field keeps
line feeds, carriage returns and tabs, and refuses the others (NUL, escape…). The services check the
same rules (core.text), since forms are not the only way in.
"""

import datetime as dt
from collections.abc import Callable

from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from core import dates
from core.formats import date_fr, number_fr
from core.text import control_character


def control_message(label: str, text: str | None, *, multiline: bool = False) -> str | None:
    """The French refusal of a text holding a control character it may not hold, or None."""
    found = control_character(text, multiline=multiline)
    if found is None:
        return None
    if multiline:
        return f"« {label} » ne peut pas contenir {found}."
    return f"« {label} » doit tenir sur une ligne : il ne peut pas contenir {found}."


class SingleLine:
    """Refuses any control character, line feeds, carriage returns and tabs included."""

    multiline = False

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str):
            message = control_message(field.label.text, field.data, multiline=self.multiline)
            if message:
                raise ValidationError(message)


class MultiLine(SingleLine):
    """Accepts line feeds, carriage returns and tabs; refuses the other control characters."""

    multiline = True


class LineField(StringField):
    """A single-line text field: SingleLine() runs before the field's own validators."""

    def pre_validate(self, form) -> None:
        SingleLine()(form, self)


class TextField(TextAreaField):
    """A multi-line text field: MultiLine() runs before the field's own validators."""

    def pre_validate(self, form) -> None:
        MultiLine()(form, self)


# --- Bounds -----------------------------------------------------------------------------------------

# The beta.gouv.fr programme started in 2013: no startup, team, staff or committee date is earlier.
PROGRAMME_START = dt.date(2013, 1, 1)


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


Bound = dt.date | Callable[[], dt.date]


def _resolve(bound: Bound) -> dt.date:
    return bound() if callable(bound) else bound


def date_bounds_message(label: str, low: dt.date, high: dt.date) -> str:
    return f"« {label} » : la date doit être comprise entre le {date_fr(low)} et le {date_fr(high)}."


def check_date(value: dt.date | None, label: str, low: Bound, high: Bound) -> str | None:
    """The French refusal of a date outside [low, high] (bounds included), or None."""
    if value is None:
        return None
    low, high = _resolve(low), _resolve(high)
    if not low <= value <= high:
        return date_bounds_message(label, low, high)
    return None


class PlausibleDate:
    """A date within bounds the domain allows; each bound a date or a function of today (called at
    validation time, so that a form class defined at import time follows the application's today)."""

    def __init__(self, low: Bound = PROGRAMME_START, high: Bound | None = None):
        self.low = low
        self.high = high if high is not None else (lambda: years_after(dates.today(), 5))

    def __call__(self, form, field) -> None:
        message = check_date(field.data, field.label.text, self.low, self.high)
        if message:
            raise ValidationError(message)


def check_amount(value: int | None, label: str, low: int, high: int, unit: str = "€") -> str | None:
    """The French refusal of an integer amount outside [low, high], or None."""
    if value is None or low <= value <= high:
        return None
    suffix = f"\u00a0{unit}" if unit else ""
    return f"« {label} » doit être compris entre {number_fr(low)}{suffix} et {number_fr(high)}{suffix}."


class Bounded:
    """An integer within [low, high], the bounds in the message."""

    def __init__(self, low: int, high: int, unit: str = "€"):
        self.low, self.high, self.unit = low, high, unit

    def __call__(self, form, field) -> None:
        message = check_amount(field.data, field.label.text, self.low, self.high, self.unit)
        if message:
            raise ValidationError(message)
