"""The values of the money, as people type them and as the import reads them: amounts in cents (never a
float), one-line and multi-line texts, the dates' bounds, the Chorus references' shapes, the links. Each
check raises ConventionError with a French message naming the value and, when it comes from a form, its
field. conventions/services.py and conventions/spending.py apply them before any change."""

import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from conventions.models import Convention
from core.bounds import CONVENTION_DATE
from core.fields import control_message
from core.formats import date_fr, number_fr

MAX_CENTS = 10**13  # 100 billion euros: far beyond any convention, well inside a BIGINT


class ConventionError(ValueError):
    """A rule refused the change; the message is French, for the user. field: the value refused, by the name
    its form gives it (conventions.views.applied shows the message there too), when it is about one value."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def cents_fr(cents: int | None, empty: str = "—") -> str:
    """« 42 000 € », « 1 234,50 € »: whole euros without decimals, otherwise two."""
    if cents is None:
        return empty
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    text = number_fr(euros) + (f",{rest:02d}" if rest else "")
    return f"{sign}{text}\u00a0€"


def parse_cents(text: str | int | Decimal | None, *, label: str = "Le montant") -> int:
    """Euros as people write them (« 42 000 », « 42000,50 », « 1 234.5 ») to integer cents; never a float."""
    if isinstance(text, int):
        return text * 100
    raw = str(text if text is not None else "").strip()
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", raw).replace(",", ".")
    if not cleaned:
        raise ConventionError(f"{label} est obligatoire.")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned, re.ASCII):
        raise ConventionError(f"{label} « {raw} » n'est pas un montant en euros (au centime près, par exemple 42 000 ou 1 234,50).")
    try:
        cents = int((Decimal(cleaned) * 100).to_integral_exact())
    except InvalidOperation:
        raise ConventionError(f"{label} « {raw} » n'est pas un montant en euros.") from None
    if cents < 0:
        raise ConventionError(f"{label} ne peut pas être négatif.")
    if cents > MAX_CENTS:
        raise ConventionError(f"{label} « {raw} » est trop grand.")
    return cents


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the last day of the month when that month is shorter (30 nov. + 3 → 28 févr.)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


# Shapes of the Chorus codes (kept as given, validated for shape only).
CHORUS_SHAPES = {
    "chorus_uo": (r"\d{4}-[A-Z0-9]{2,8}-[A-Z0-9]{2,8}", "UO", "0335-CCSM-C001"),
    "chorus_domaine": (r"\d{4}-\d{2}(-\d{2}){0,2}", "domaine fonctionnel", "0335-01"),
    "chorus_centre_financier": (r"\d{4}-[A-Z0-9]{2,8}(-[A-Z0-9]{2,8})?", "centre financier", "0335-CCSM-C001"),
    "chorus_activites": (r"\d{12}(\s*[,;]\s*\d{12})*", "activité(s)", "033501010101"),
    "chorus_centre_cout": (r"[A-Z0-9]{4,12}", "centre de coût", "DSJCSM1075"),
    "chorus_axe": (r"[A-Za-z0-9_-]{1,30}", "axe ministériel", "AXE-01"),
}


def check_chorus(fields: dict) -> None:
    for key, (pattern, label, example) in CHORUS_SHAPES.items():
        value = fields.get(key)
        if value is None:
            continue
        value = str(value).strip() or None
        fields[key] = value
        message = control_message(f"Référence Chorus « {label} »", value)
        if message:
            raise ConventionError(message, key)
        longest = Convention.__table__.c[key].type.length
        if value is not None and len(value) > longest:
            raise ConventionError(f"Référence Chorus « {label} » : {longest} caractères au plus ({len(value)} saisis).", key)
        if value is not None and not re.fullmatch(pattern, value, re.ASCII):
            raise ConventionError(f"Référence Chorus « {label} » mal formée : « {value} » (attendu par exemple « {example} »).", key)


def one_line(fields: dict, key: str, label: str, *, required: bool = False, max_length: int = 300,
             field: str | None = None, multiline: bool = False) -> None:
    """Collapse the value's spaces; refused when required and empty or too long, or when it holds a control
    character (core.fields' rule: none in a single-line text, none but line feeds, carriage returns and tabs
    in a multi-line one), at `field` of its form (by default the key). The forms check the same, but the CSV
    import and scripts come here without them."""
    value = fields.get(key)
    if value is None and not required:
        return
    message = control_message(label, str(value or ""), multiline=multiline)
    if message:
        raise ConventionError(message, field or key)
    value = " ".join(str(value or "").split())
    if required and not value:
        raise ConventionError(f"{label} est obligatoire.", field or key)
    if len(value) > max_length:
        raise ConventionError(f"{label} dépasse {max_length} caractères.", field or key)
    fields[key] = value or None


def long_text(value: str | None, label: str, *, max_length: int = 5000, field: str | None = None) -> str | None:
    """A multi-line text (an order's or a quote's object): stripped, None when empty; refused when longer than
    max_length or holding a control character other than line feeds, carriage returns and tabs."""
    text = (value or "").strip()
    message = control_message(label, text, multiline=True)
    if message:
        raise ConventionError(message, field)
    if len(text) > max_length:
        raise ConventionError(f"{label} dépasse {max_length} caractères.", field)
    return text or None


def check_url(fields: dict, key: str, label: str) -> None:
    value = (fields.get(key) or "").strip() or None
    if value is not None and (len(value) > 1000 or not re.fullmatch(r"https?://[^\s]+", value)):
        raise ConventionError(f"{label} doit être une adresse commençant par http:// ou https://.", key)
    if key in fields:
        fields[key] = value


def check_date(value: dt.date | None, label: str, today: dt.date, field: str | None = None) -> None:
    """A date of the money within core.bounds.CONVENTION_DATE (« 0001-03-01 » or « 9999-12-31 » are typing
    mistakes), refused with the bounds; None passes (the caller says when it is required)."""
    message = CONVENTION_DATE.refusal(value, label, today)
    if message:
        raise ConventionError(message, field)


def check_period(value: dt.date | None, label: str, today: dt.date, field: str | None = None) -> None:
    if value is None:
        raise ConventionError(f"{label} est obligatoire.", field)
    check_date(value, label, today, field)
    if value > today:
        raise ConventionError(f"{label} ({date_fr(value)}) ne peut pas être dans le futur.", field)
