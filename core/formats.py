"""French formatting for everything the user reads: « 27 novembre 2026 », « 1 234,5 », « 42 000 € »."""

import datetime as dt

from core.clock import day_of

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def date_fr(value: dt.date | None, empty: str = "—") -> str:
    """« 1er mars 2027 »; an instant (datetime) by its day in Paris."""
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        value = day_of(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def month_fr(value: dt.date | None, empty: str = "—") -> str:
    if value is None:
        return empty
    return f"{MONTHS[value.month - 1]} {value.year}"


def number_fr(value: float | int | None, decimals: int = 0, empty: str = "—") -> str:
    if value is None:
        return empty
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def money_fr(value: int | None, empty: str = "—") -> str:
    if value is None:
        return empty
    return f"{number_fr(value)}\u00a0€"


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end (a month is complete on the same day of the month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def duration_fr(start: dt.date | None, end: dt.date) -> str:
    """« 3 mois », « 1 an et 2 mois », « 12 jours », « 1 jour », « aujourd'hui » (same day: read with « depuis »)."""
    if start is None:
        return "—"
    months = months_between(start, end)
    if months < 1:
        days = (end - start).days
        if days <= 0:
            return "aujourd'hui"
        return f"{days} jour{'s' if days > 1 else ''}"
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} an{'s' if years > 1 else ''}")
    if rest:
        parts.append(f"{rest} mois")
    return " et ".join(parts)


VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüÿæœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÆŒ")


def de(name: str | None) -> str:
    """« de » before a name, elided and contracted as French requires: « d'Agora », « de Lieu »,
    « de l'Incubateur des Territoires », « du Lab… » (Le Lab…), « des Bureaux… » (Les Bureaux…),
    « de la Fabrique… » (La Fabrique…). Before an h, whether mute or aspirated cannot be told: « de ».
    """
    name = (name or "").strip()
    for article, contracted in (("Le ", "du "), ("Les ", "des "), ("La ", "de la "), ("L'", "de l'"), ("L’", "de l’")):
        if name.startswith(article) and len(name) > len(article):
            return contracted + name[len(article):].lstrip()
    if name[:1] in VOWELS:
        return f"d'{name}"
    return f"de {name}"


def register(app) -> None:
    app.add_template_filter(date_fr)
    app.add_template_filter(month_fr)
    app.add_template_filter(number_fr)
    app.add_template_filter(money_fr)
    app.add_template_filter(de)
    app.add_template_global(duration_fr)
    app.add_template_filter(day_of)
