"""Form fields and validators shared by every area: text without control characters, plausible dates
and amounts, each refusal in French with the field's name and, for bounds, the bound itself.

Dates and amounts: PlausibleDate and Bounded, over the bounds of core/bounds.py.

A single-line field (a name, a place, a title) refuses every control character: a line feed in a
startup's name once reached an e-mail header and stopped the daily reminders. A multi-line field keeps
line feeds, carriage returns and tabs, and refuses the others (NUL, escape…). The services check the
same rules (core.text), since forms are not the only way in.
"""

import datetime as dt
from collections.abc import Callable

from wtforms import StringField, TextAreaField
from wtforms import validators
from wtforms.validators import InputRequired, StopValidation, ValidationError

from core import clock
from core import dates
from core.bounds import DateWindow, Range
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


def _only_whitespace(field) -> bool:
    """Whether what was sent for the field is whitespace and nothing else (not an empty text: nothing)."""
    raw = field.raw_data[0] if field.raw_data else None
    return isinstance(raw, str) and raw != "" and not raw.strip()


class Required(InputRequired):
    """A field that must be filled, whitespace alone counting as nothing entered: WTForms' InputRequired takes
    « » for an answer, and a number or text parsed from it reached the service empty (a budget's year as
    NULL: a 500). The message is the field's French one."""

    def __call__(self, form, field) -> None:
        if _only_whitespace(field):
            field.errors[:] = []
            raise StopValidation(self.message or "Ce champ est obligatoire.")  # without a message, no refusal
        super().__call__(form, field)


class Optional(validators.Optional):
    """A field that may be left empty, whitespace alone counting as nothing entered, for its value too:
    WTForms' Optional stops the checks on « » and clears their errors (a choice that is none of the select's
    options included), but leaves « » as the field's value, which a view then read as a choice (a phase of
    « »: a 500). The value is then the empty text, as if nothing had been sent."""

    def __call__(self, form, field) -> None:
        if _only_whitespace(field) and isinstance(field.data, str):
            field.data = ""
        super().__call__(form, field)


class LineField(StringField):
    """A single-line text field: SingleLine() runs before the field's own validators."""

    def pre_validate(self, form) -> None:
        SingleLine()(form, self)


class TextField(TextAreaField):
    """A multi-line text field: MultiLine() runs before the field's own validators."""

    def pre_validate(self, form) -> None:
        MultiLine()(form, self)


# --- Bounds (core/bounds.py) ----------------------------------------------------------------------------


class PlausibleDate:
    """A date within a DateWindow, relative to the application's today at validation time."""

    def __init__(self, window: DateWindow):
        self.window = window

    def __call__(self, form, field) -> None:
        message = self.window.refusal(field.data, field.label.text, clock.today())
        if message:
            raise ValidationError(message)


class Bounded:
    """An integer within a Range (or a function of today returning one), the bounds in the message."""

    def __init__(self, bounds: Range | Callable[[dt.date], Range]):
        self.bounds = bounds

    def __call__(self, form, field) -> None:
        bounds = self.bounds(clock.today()) if callable(self.bounds) else self.bounds
        message = bounds.refusal(field.data, field.label.text)
        if message:
            raise ValidationError(message)


def show_at_field(form, field: str | None, message: str) -> None:
    """A service's refusal about one value of `form` (the error's `field`): said at that field too, which
    takes the DSFR's error state and points to the message (templates/dsfr/macros.html, field)."""
    if field and field in form:
        form[field].errors = [*form[field].errors, message]


def refuse(form, message: str, field: str | None = None) -> None:
    """A service's French refusal on its form: in the alert above the fields (form_errors), and at the value it
    is about when it names one (show_at_field)."""
    form.form_errors.append(message)
    show_at_field(form, field, message)
