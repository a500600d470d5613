"""What a startup's page shows, computed from the loaded startup: its timeline, its links, its phase
warning. Pure functions of the startup and `today`, so they are tested without the database."""

import dataclasses
import datetime as dt
from urllib.parse import quote

from markupsafe import Markup

from core.formats import months_between, number_fr
from startups.models import Event, PhasePeriod, Startup
from startups.phases import Phase, current_period

LINKS = (
    ("link", "Site"),
    ("repository", "Dépôt de code"),
    ("stats_url", "Page de statistiques"),
    ("impact_url", "Impact"),
    ("budget_url", "Budget"),
    ("dashlord_url", "DashLord"),
)


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    on: dt.date | None
    period: PhasePeriod | None = None
    event: Event | None = None
    planned: bool = False
    current: bool = False

    @property
    def legacy_name(self) -> str | None:
        """The name the fiche used, when it differs from the phase (« alumni », « success »…)."""
        if self.period and self.period.source_name and self.period.source_name != self.period.phase.value:
            return self.period.source_name
        return None


def timeline(startup: Startup, today: dt.date) -> list[TimelineEntry]:
    """Phase periods and events in chronological order. Undated periods come first (they are never
    current); on the same day a period comes before an event; then the order of the source."""
    current = current_period(startup.periods, today)
    entries = [
        TimelineEntry(
            on=period.effective_start_on,
            period=period,
            planned=period.is_planned(today),
            current=period is current,
        )
        for period in startup.periods
    ]
    entries += [TimelineEntry(on=event.happened_on, event=event) for event in startup.events]

    def key(entry: TimelineEntry) -> tuple:
        item = entry.period or entry.event
        return (entry.on is not None, entry.on or dt.date.min, entry.event is not None, item.position)

    return sorted(entries, key=key)


@dataclasses.dataclass(frozen=True)
class PhaseStatus:
    phase: Phase | None
    start_on: dt.date | None
    months: int | None
    overdue: bool


def phase_status(startup: Startup, today: dt.date) -> PhaseStatus:
    """The current phase, since when, and whether it lasts longer than the phase's typical length."""
    period = current_period(startup.periods, today)
    if period is None:
        return PhaseStatus(phase=None, start_on=None, months=None, overdue=False)
    months = months_between(period.effective_start_on, today)
    typical = period.phase.typical_months
    return PhaseStatus(
        phase=period.phase,
        start_on=period.effective_start_on,
        months=months,
        overdue=typical is not None and months > typical,
    )


def external_url(value: str | None) -> str | None:
    """A link of a fiche as a safe absolute URL: spaces removed, https:// added when the scheme is missing
    (« beta.gouv.fr »); None when empty. Only http(s) links come out, never javascript: or the like."""
    if not value:
        return None
    url = "".join(value.split())
    if not url:
        return None
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")):
        return url
    if lowered.startswith("//"):
        return "https:" + url
    return "https://" + url.split("://", 1)[-1] if "://" in url else "https://" + url


def links(startup: Startup) -> list[tuple[str, str]]:
    """(label, url) of the links the startup has, in a fixed order."""
    result = []
    for attribute, label in LINKS:
        url = external_url(getattr(startup, attribute))
        if url:
            result.append((label, url))
    return result


def path_segment(value: str) -> str:
    """An id as a segment of a URL's path, quoted as url_for quotes it (Werkzeug's converters): lists
    build each row's links from one prefix instead of asking the URL map once per link."""
    return quote(str(value), safe="!$&'()*+,/:;=@")


_COUNTED = (*Phase, None)  # the table's columns; iterating the enum costs more, once per row


def phase_count_cells(counts: dict) -> Markup:
    """Counts per phase as a table row's cells, in the order of Phase, then « sans phase » and the total.

    Built here rather than by a template macro: the incubators' and organisations' tables have one row per
    incubator or organisation (142 organisations), and a macro call per row cost more than the rest of the page."""
    cells = [number_fr(counts[phase]) if counts.get(phase) else "—" for phase in _COUNTED]
    return Markup("".join(f'<td class="fr-cell--right">{cell}</td>' for cell in cells)
                  + f'<td class="fr-cell--right"><strong>{number_fr(sum(counts.values()))}</strong></td>')
