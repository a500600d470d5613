"""How an import merges a fiche with what Jalons holds (startups.importer, whose docstring says who owns
what): a row's fields, three-way against the values the last import wrote (merge_fields); a startup's
phase periods and events, the rows the fiches brought beside those made in Jalons (merge_periods,
merge_events); and whether a fiche is older than Jalons' history of the startup (older_than_jalons)."""

import dataclasses
import datetime as dt
import itertools

from audit.services import snapshot
from core.formats import date_fr
from core.values import jsonable
from startups import fiches
from startups.import_report import FicheNotes
from startups.models import Event, PhasePeriod, Source, Startup
from startups.phases import resolve_starts, sort_key

FIELD_LABELS = {
    "name": "Nom", "mission": "Mission", "incubator_id": "Incubateur", "co_incubator_ids": "Autres incubateurs",
    "sponsor_ids": "Sponsors", "legacy_owner": "Porteur (ancien format)", "link": "Site",
    "repository": "Dépôt de code", "stats": "Statistiques publiques", "stats_url": "Page de statistiques",
    "impact_url": "Page d'impact", "budget_url": "Page de budget", "dashlord_url": "DashLord",
    "user_types": "Publics", "themes": "Thématiques", "techno": "Technologies",
    "accessibility_status": "Accessibilité", "risk_analysis_done": "Analyse de risques faite",
    "risk_analysis_url": "Analyse de risques", "mon_service_securise": "MonServiceSécurisé",
    "fast_promotion": "Promotion FAST", "fast_amount": "Montant FAST", "acronym": "Sigle", "kind": "Type",
    "ministerial_domain": "Périmètre ministériel", "owner_id": "Organisation porteuse", "website": "Site",
    "github": "GitHub", "address": "Adresse", "description": "Description",
}
PERIOD_FIELDS = ("phase", "source_name", "start_on", "end_on", "comment")
EVENT_FIELDS = ("kind", "happened_on", "comment")


def assign(row, values: dict) -> dict:
    """Set the attributes that differ; return {name: value before} of those. Equal values are not assigned
    (no dirty row)."""
    before = {}
    for name, value in values.items():
        if getattr(row, name) != value:
            before[name] = getattr(row, name)
            setattr(row, name, value)
    return before


def _empty(value):
    return [] if isinstance(value, list) else None


@dataclasses.dataclass
class Merge:
    """What the fiche's fields do to a row: applied {field: fiche value}, kept (changed in Jalons only),
    conflicts (changed on both sides), and the imported values to remember."""

    apply: dict
    kept: list[str]
    conflicts: list[str]
    imported: dict


def merge_fields(current: dict, wanted: dict, imported: dict | None) -> Merge:
    """Three-way merge of a row's fields: Jalons' value, the fiche's, and the last imported one (a row
    never imported counts as imported empty: a value Jalons set is its own)."""
    last = imported or {}
    apply, kept, conflicts, remembered = {}, [], [], dict(wanted)
    for name, theirs in wanted.items():
        ours = jsonable(current[name])
        base = last[name] if name in last else _empty(ours)
        if ours == theirs:
            continue
        if ours == base:
            apply[name] = theirs
        elif theirs == base:
            kept.append(name)
        else:
            conflicts.append(name)
            remembered[name] = base  # reported again at the next import, until both sides agree
    return Merge(apply, kept, conflicts, remembered)


def labels(names) -> str:
    return ", ".join(FIELD_LABELS.get(name, name) for name in names)


def counted(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _day(day: dt.date | None) -> str:
    return date_fr(day) if day else "une date inconnue"


# --- a startup's history -----------------------------------------------------------------------------

def older_than_jalons(startup: Startup, data: fiches.StartupData, today: dt.date) -> str | None:
    """Why the fiche is older than what Jalons holds for the startup, or None when it is not."""
    def latest(periods, events):
        dates = [p.effective_start_on for p in periods] + [e.happened_on for e in events]
        return max((day for day in dates if day is not None and day <= today), default=None)

    held = latest(startup.periods, startup.events)
    known = latest(data.periods, data.events)
    if held is not None and (known is None or known < held):
        since = f"sa dernière date est le {date_fr(known)}" if known else "elle n'a aucune date passée"
        return f"{since}, Jalons connaît le {date_fr(held)}"
    imported = sum(1 for p in startup.periods if p.source == Source.BETAGOUV)
    if len(data.periods) < imported:
        return (f"elle a {counted(len(data.periods), 'période', 'périodes')} de phase, les fiches déjà "
                f"importées en avaient {imported}")
    return None


def merge_periods(startup: Startup, data: fiches.StartupData, deleted: set, notes: FicheNotes) -> list:
    """Merge the fiche's phase periods into the startup's (deleted: the (phase, start) Jalons deleted or corrected away); return
    the audit events to write once flushed (_merge_rows)."""
    ours = [p for p in startup.periods if p.source == Source.JALONS]
    theirs = sorted((p for p in startup.periods if p.source != Source.JALONS), key=lambda p: p.position)
    held = {(p.phase, p.start_on) for p in ours}
    matched = {(p.phase, p.start_on) for p in data.periods} & held
    entered_here = {p.phase: p for p in ours if (p.phase, p.start_on) not in matched}
    # The phase Jalons led the startup to last (a signed-off decision, a phase change): a fiche period from
    # its start on may only go on from it, as a phase change in Jalons may (startups.services.allowed_phases);
    # otherwise it would undo it (a stopped startup back in construction), which only an admin's correction
    # of the history does.
    last_here = max((p for p in ours if p.effective_start_on is not None), key=sort_key, default=None)
    wanted, removed_here = [], 0
    for period in data.periods:
        key = (period.phase, period.start_on)
        if key in held:
            continue
        if (period.phase.value, jsonable(period.start_on)) in deleted:
            removed_here += 1
        elif period.phase in entered_here:
            mine = entered_here[period.phase]
            notes.conflicts.append(
                f"phase « {period.phase.label} » : depuis le {_day(mine.start_on)} dans Jalons, "
                f"depuis le {_day(period.start_on)} dans la fiche"
            )
        elif _goes_back(period, last_here):
            notes.conflicts.append(
                f"phase « {period.phase.label} » depuis le {_day(period.start_on)} dans la fiche : Jalons a fait "
                f"passer la startup en phase « {last_here.phase.label} » le {_day(last_here.effective_start_on)}, "
                "seul·e un·e administrateur·rice peut revenir en arrière"
            )
        else:
            wanted.append(period)
    conflicting = {p.phase for p in data.periods if p.phase in entered_here and (p.phase, p.start_on) not in held}
    kept = sum(1 for p in ours if (p.phase, p.start_on) not in matched and p.phase not in conflicting)
    if kept:
        notes.kept.append(f"{counted(kept, 'période de phase faite', 'périodes de phase faites')} dans Jalons")
    if removed_here:
        notes.kept.append(f"{counted(removed_here, 'période supprimée ou corrigée', 'périodes supprimées ou corrigées')} dans Jalons")
    # A phase change made in Jalons closed the period before it (change_phase): a fiche without that end
    # does not reopen it.
    closed_here = {p.start_on for p in ours}
    wanted = [
        dataclasses.replace(period, end_on=row.end_on)
        if row is not None and period.end_on is None and row.end_on in closed_here else period
        for period, row in itertools.zip_longest(wanted, theirs[:len(wanted)])
    ]
    history = _merge_rows(startup.periods, theirs, wanted, PhasePeriod, PERIOD_FIELDS, "phase_period")
    if history:
        resolve_starts(sorted(startup.periods, key=lambda p: p.position))
    return history


def _goes_back(period: fiches.PeriodData, last_here: PhasePeriod | None) -> bool:
    """Whether the fiche's period, starting on or after the phase Jalons led the startup to last, leaves it
    for an earlier phase, or leaves a terminal one."""
    if last_here is None or period.start_on is None or period.start_on < last_here.effective_start_on:
        return False
    return not last_here.phase.active or not (period.phase.rank > last_here.phase.rank or not period.phase.active)


def merge_events(startup: Startup, data: fiches.StartupData, deleted: set, notes: FicheNotes) -> list:
    """Merge the fiche's events into the startup's (deleted: the (kind, date) Jalons deleted or corrected away); return the audit
    events to write once flushed (_merge_rows)."""
    ours = [e for e in startup.events if e.source == Source.JALONS]
    theirs = sorted((e for e in startup.events if e.source != Source.JALONS), key=lambda e: e.position)
    held = {(e.kind, e.happened_on) for e in ours}
    matched = {(e.kind, e.happened_on) for e in data.events} & held
    wanted, removed_here = [], 0
    for event in data.events:
        if (event.kind, event.happened_on) in held:
            continue
        if (event.kind.value, jsonable(event.happened_on)) in deleted:
            removed_here += 1
        else:
            wanted.append(event)
    kept = sum(1 for e in ours if (e.kind, e.happened_on) not in matched)
    if kept:
        notes.kept.append(f"{counted(kept, 'événement fait', 'événements faits')} dans Jalons")
    if removed_here:
        notes.kept.append(f"{counted(removed_here, 'événement supprimé ou corrigé', 'événements supprimés ou corrigés')} dans Jalons")
    return _merge_rows(startup.events, theirs, wanted, Event, EVENT_FIELDS, "event")


def _merge_rows(collection: list, theirs: list, wanted: list, model, fields: tuple,
                object_type: str) -> list:
    """Make the rows the fiches brought (`theirs`, in their order) hold `wanted`: updated in place, added
    after every other row, or removed, so that ids survive and an unchanged list writes nothing. Returns
    the audit events to write once flushed: (action, type, row, before, after)."""
    history = []
    for row, data in zip(theirs, wanted):
        values = {name: getattr(data, name) for name in fields}
        if object_type == "phase_period":
            values["effective_start_on"] = row.effective_start_on  # resolved over the merged list below
        before = assign(row, values)
        if before:
            history.append((f"{object_type}.updated", object_type, row, jsonable(before),
                            {name: jsonable(getattr(row, name)) for name in before}))
    position = max((row.position for row in collection), default=-1) + 1
    for data in wanted[len(theirs):]:
        row = model(**{name: getattr(data, name) for name in fields}, position=position, source=Source.BETAGOUV)
        collection.append(row)
        position += 1
        history.append((f"{object_type}.created", object_type, row, None, snapshot(row, fields)))
    for row in theirs[len(wanted):]:
        history.append((f"{object_type}.deleted", object_type, row, snapshot(row, fields), None))
        collection.remove(row)
    return history
