"""Import of beta.gouv.fr fiches: organisations, then incubators, then startups, merged in place.

A service: it flushes, never commits (the command commits once at the end). Each file is written inside
its own savepoint, so that a file the database refuses is rejected alone and leaves nothing behind.
Values are compared before they are assigned: an unchanged fiche leaves its rows untouched and writes
nothing.

Who owns what (README « Importing the beta.gouv.fr data »): an import never deletes nor overwrites what
was made in Jalons.
- Phase periods and events carry their `source`. The import adds, updates and removes only the rows the
  fiches brought (BETAGOUV, matched in their order); rows made in Jalons (phase changes, a sign-off's
  phase and `committee` event, events added by hand) are kept. A fiche period or event that Jalons already
  holds (same phase and start, same kind and date) is not added twice; a fiche period entering a phase
  that Jalons entered at another date is a conflict, kept as Jalons has it.
- A fiche whose history is older than Jalons' (its latest start or event up to today is before the latest
  one Jalons holds for the startup, whoever made it) changes nothing: « fiche plus ancienne que Jalons ».
- The other fields are compared with the values the last import wrote (`imported_values`): changed
  upstream only, they are updated; changed in Jalons only, kept; changed on both sides, a conflict, kept
  as Jalons has it (reported at each import until both sides agree).
Every change is audited with the import as its actor (IMPORT_ACTOR).
"""

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from audit.models import AuditEvent
from audit.services import record, snapshot
from core import clock
from core.db import db
from core.formats import date_fr
from core.values import jsonable
from startups import fiche_out, fiches
from startups.fiches import FicheError
from startups.models import Event, Incubator, Organisation, PhasePeriod, Source, Startup, startup_sponsors
from startups.phases import Phase, resolve_starts
from startups.queries import count_by_phase

KINDS = ("_organisations", "_incubators", "_startups")

CREATED, UPDATED, UNCHANGED, OLDER = "created", "updated", "unchanged", "older"

# The actor of the audit events an import writes.
IMPORT_ACTOR = "Import beta.gouv.fr"

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


class ImportDirectoryError(Exception):
    """The folder cannot be read at all (missing, not a folder, no fiche); str() is the French reason."""


@dataclasses.dataclass
class KindReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (file, reason)
    # Fiches older than what Jalons holds, left without any change: (file, why).
    older: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # What a fiche would have changed and that was kept as Jalons has it: (file, what and why). A fiche
    # with kept items still counts as created, updated or unchanged for the rest.
    kept: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # Changed in Jalons and upstream alike, kept as Jalons has it: (file, the fields or phases).
    conflicts: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def number(self, outcome: str) -> int:
        """How many fiches had this outcome (created, updated, unchanged, older, rejected)."""
        value = getattr(self, outcome)
        return len(value) if isinstance(value, list) else value


@dataclasses.dataclass
class ImportReport:
    organisations: KindReport = dataclasses.field(default_factory=KindReport)
    incubators: KindReport = dataclasses.field(default_factory=KindReport)
    startups: KindReport = dataclasses.field(default_factory=KindReport)
    # Rows created because a fiche refers to them without a fiche of their own in the folder:
    # ("organisation" | "incubator", id). Inline sponsors of 2021 fiches are listed here too.
    placeholders: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # Files of the fiche folders that are not `.md` fiches (left aside, e.g. `_organisations/Préfecture`).
    skipped: list[str] = dataclasses.field(default_factory=list)
    by_phase: dict[Phase | None, int] = dataclasses.field(default_factory=dict)

    @property
    def kinds(self) -> dict[str, KindReport]:
        return {"organisations": self.organisations, "incubators": self.incubators, "startups": self.startups}

    @property
    def rejected(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.rejected]

    @property
    def older(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.older]

    @property
    def kept(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.kept]

    @property
    def conflicts(self) -> list[tuple[str, str]]:
        return [item for kind in self.kinds.values() for item in kind.conflicts]

    def total(self, outcome: str) -> int:
        return sum(kind.number(outcome) for kind in self.kinds.values())


def find_fiches(path: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """The `.md` files per kind, and the other files of the fiche folders. Raises ImportDirectoryError."""
    if not path.exists():
        raise ImportDirectoryError(f"le dossier {path} n'existe pas")
    if not path.is_dir():
        raise ImportDirectoryError(f"{path} n'est pas un dossier")
    try:
        if any((path / kind).is_dir() for kind in KINDS):  # laid out like beta.gouv.fr's content/
            folders = {kind: path / kind for kind in KINDS if (path / kind).is_dir()}
        else:  # a folder holding only startup fiches
            folders = {"_startups": path}
        found, skipped = {kind: [] for kind in KINDS}, []
        for kind, folder in folders.items():
            for file in sorted(folder.iterdir()):
                if file.is_file() and file.name.endswith(".md"):
                    found[kind].append(file)
                elif file.is_file() and not file.name.startswith("."):
                    skipped.append(file)
    except OSError as error:
        raise ImportDirectoryError(f"le dossier {path} ne peut pas être lu : {error.strerror}") from None
    if not any(found.values()):
        raise ImportDirectoryError(f"aucune fiche .md dans {path} (ni dans _startups/, _incubators/, _organisations/)")
    return found, skipped


def import_directory(path: Path | str, today: dt.date) -> ImportReport:
    """Import the fiches of a folder; return what was created, updated, left unchanged or rejected."""
    path = Path(path)
    found, skipped = find_fiches(path)
    importer = _Importer(path, today)
    importer.report.skipped = [str(file.relative_to(path)) for file in skipped]
    for file in found["_organisations"]:
        importer.run(importer.report.organisations, file, fiches.load_organisation, importer.apply_organisation)
    for file in found["_incubators"]:
        importer.run(importer.report.incubators, file, fiches.load_incubator, importer.apply_incubator)
    for file in found["_startups"]:
        importer.run(importer.report.startups, file, fiches.load_startup, importer.apply_startup)
    importer.report.by_phase = count_by_phase(today)
    return importer.report


def _assign(row, values: dict) -> dict:
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


def _labels(names) -> str:
    return ", ".join(FIELD_LABELS.get(name, name) for name in names)


def _counted(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


@dataclasses.dataclass
class _Notes:
    """What one fiche leaves for the report, kept only when its savepoint succeeds."""

    placeholders: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    older: list[str] = dataclasses.field(default_factory=list)
    kept: list[str] = dataclasses.field(default_factory=list)
    conflicts: list[str] = dataclasses.field(default_factory=list)


class _Importer:
    def __init__(self, root: Path, today: dt.date):
        self.root = root
        self.today = today
        self.report = ImportReport()
        self._load()

    def _load(self) -> None:
        """Every existing row in a few statements, so that each fiche costs no lookup query."""
        self.organisations = {o.id: o for o in db.session.scalars(sa.select(Organisation))}
        self.incubators = {i.id: i for i in db.session.scalars(sa.select(Incubator))}
        self.startups = {
            s.id: s
            for s in db.session.scalars(
                sa.select(Startup).options(
                    selectinload(Startup.periods),
                    selectinload(Startup.events),
                    selectinload(Startup.sponsors),
                    selectinload(Startup.co_incubators),
                )
            )
        }
        # Periods and events someone deleted in Jalons: a fiche that still lists them does not bring them back.
        self.deleted = {}
        deletions = db.session.execute(
            sa.select(AuditEvent.startup_id, AuditEvent.object_type, AuditEvent.before).where(
                AuditEvent.action.in_(["phase_period.deleted", "event.deleted"]),
                sa.or_(AuditEvent.actor_label.is_(None), AuditEvent.actor_label != IMPORT_ACTOR),
            )
        )
        for startup_id, object_type, before in deletions:
            if before and startup_id:
                key = (before.get("phase"), before.get("start_on")) if object_type == "phase_period" else (
                    before.get("kind"), before.get("happened_on"))
                self.deleted.setdefault((startup_id, object_type), set()).add(key)

    def run(self, kind: KindReport, file: Path, load: Callable, apply: Callable) -> None:
        name = str(file.relative_to(self.root))
        try:
            data = load(file)
        except FicheError as error:
            kind.rejected.append((name, str(error)))
            return
        notes = _Notes()
        self.reason = f"Fiche {name}"
        try:
            with db.session.begin_nested():
                outcome = apply(data, notes, self.reason)
                db.session.flush()
        except sa.exc.SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            kind.rejected.append((name, f"refusée par la base de données : {str(reason).splitlines()[0]}"))
            self._load()  # the savepoint's rollback expunged what it had created
            return
        if outcome != OLDER:
            kind.count(outcome)
        self.report.placeholders.extend(notes.placeholders)
        kind.older += [(name, why) for why in notes.older]
        kind.kept += [(name, what) for what in notes.kept]
        kind.conflicts += [(name, what) for what in notes.conflicts]

    # --- each kind ---------------------------------------------------------------------------------

    def apply_organisation(self, data: fiches.OrganisationData, notes: _Notes, reason: str) -> str:
        values = {name: getattr(data, name) for name in ORGANISATION_FIELDS}
        organisation = self.organisations.get(data.id)
        if organisation is None:
            self._add_organisation(Organisation(id=data.id, **values))
            return CREATED
        return self._merge_plain(organisation, "organisation", values, notes, reason)

    def apply_incubator(self, data: fiches.IncubatorData, notes: _Notes, reason: str) -> str:
        values = {name: getattr(data, name) for name in INCUBATOR_FIELDS}
        incubator = self.incubators.get(data.id)
        if incubator is None:
            if data.owner_id:
                self._organisation(data.owner_id, None, notes)
            self._add_incubator(Incubator(id=data.id, **values))
            return CREATED
        merge = merge_fields(_state(incubator, values), values, incubator.imported_values)
        if merge.apply.get("owner_id"):
            self._organisation(merge.apply["owner_id"], None, notes)
        return self._merge_plain(incubator, "incubator", values, notes, reason, merge)

    def _merge_plain(self, row, object_type: str, values: dict, notes: _Notes, reason: str,
                     merge: Merge | None = None) -> str:
        """An organisation or an incubator already there: the fiche's fields merged with Jalons' edits."""
        merge = merge or merge_fields(_state(row, values), values, row.imported_values)
        before = _assign(row, merge.apply)
        self._remember(row, merge, notes)
        if not before:
            return UNCHANGED
        db.session.flush()
        record(f"{object_type}.updated", object_type, row.id, actor_label=IMPORT_ACTOR, before=before,
               after={name: merge.apply[name] for name in before}, reason=reason)
        return UPDATED

    def _remember(self, row, merge: Merge, notes: _Notes) -> None:
        if merge.kept:
            notes.kept.append(f"{_labels(merge.kept)} : modifié dans Jalons, la fiche n'a pas changé")
        if merge.conflicts:
            notes.conflicts.append(f"{_labels(merge.conflicts)} : modifié dans Jalons et dans la fiche")
        if row.imported_values != merge.imported:
            row.imported_values = merge.imported

    def apply_startup(self, data: fiches.StartupData, notes: _Notes, reason: str) -> str:
        wanted = jsonable({
            **{field.name: getattr(data, field.name) for field in dataclasses.fields(data)
               if field.name not in ("id", "co_incubator_ids", "sponsors", "periods", "events")},
            "sponsor_ids": [ref.id for ref in data.sponsors],
            "co_incubator_ids": sorted(data.co_incubator_ids),
        })
        startup = self.startups.get(data.id)
        if startup is None:
            return self._create_startup(data, wanted, notes, reason)
        why = self._older(startup, data)
        if why is not None:
            notes.older.append(why)
            return OLDER

        merge = merge_fields(_startup_state(startup, wanted), wanted, startup.imported_values)
        apply = dict(merge.apply)
        if apply.get("incubator_id"):
            self._incubator(apply["incubator_id"], notes)
        new_co_incubators = new_sponsors = None
        if "co_incubator_ids" in apply:
            new_co_incubators = [self._incubator(i, notes) for i in apply.pop("co_incubator_ids")]
        if "sponsor_ids" in apply:
            apply.pop("sponsor_ids")
            new_sponsors = [self._organisation(ref.id, ref.inline, notes) for ref in data.sponsors]
        before = _assign(startup, apply)
        after = {name: apply[name] for name in before}
        if new_co_incubators is not None:
            before["co_incubator_ids"] = [i.id for i in startup.co_incubators]
            after["co_incubator_ids"] = [i.id for i in new_co_incubators]
            startup.co_incubators = new_co_incubators
        if new_sponsors is not None:
            before["sponsor_ids"] = [o.id for o in startup.sponsors]
            after["sponsor_ids"] = [o.id for o in new_sponsors]
            startup.sponsors = new_sponsors
        self._remember(startup, merge, notes)
        seen = fiche_out.fiche_history(data.periods, data.events)
        if startup.fiche_history != seen:
            startup.fiche_history = seen  # what the fiche says now: the export compares Jalons with it
        history = self._merge_periods(startup, data, notes) + self._merge_events(startup, data, notes)
        if not before and not history:
            return UNCHANGED
        startup.updated_at = clock.now()
        db.session.flush()
        if new_sponsors is not None:
            self._number_sponsors(startup)
        if before:
            record("startup.updated", "startup", startup.id, actor_label=IMPORT_ACTOR, startup_id=startup.id,
                   before=before, after=after, reason=reason)
        for action, object_type, row, row_before, row_after in history:
            record(action, object_type, row.id, actor_label=IMPORT_ACTOR, startup_id=startup.id,
                   before=row_before, after=row_after, reason=reason)
        return UPDATED

    def _create_startup(self, data: fiches.StartupData, wanted: dict, notes: _Notes, reason: str) -> str:
        for incubator_id in [data.incubator_id, *data.co_incubator_ids]:
            if incubator_id:
                self._incubator(incubator_id, notes)
        values = {name: value for name, value in wanted.items() if name not in ("sponsor_ids", "co_incubator_ids")}
        startup = Startup(id=data.id, **values, imported_values=wanted,
                          fiche_history=fiche_out.fiche_history(data.periods, data.events))
        startup.co_incubators = [self.incubators[i] for i in sorted(data.co_incubator_ids)]
        startup.sponsors = [self._organisation(ref.id, ref.inline, notes) for ref in data.sponsors]
        startup.periods = [PhasePeriod(**dataclasses.asdict(p), source=Source.BETAGOUV) for p in data.periods]
        startup.events = [Event(**dataclasses.asdict(e), source=Source.BETAGOUV) for e in data.events]
        db.session.add(startup)
        db.session.flush()
        self._number_sponsors(startup)
        self.startups[startup.id] = startup
        record("startup.created", "startup", startup.id, actor_label=IMPORT_ACTOR, startup_id=startup.id,
               after={**wanted, "periods": len(data.periods), "events": len(data.events)}, reason=reason)
        return CREATED

    # --- history -------------------------------------------------------------------------------------

    def _older(self, startup: Startup, data: fiches.StartupData) -> str | None:
        """Why the fiche is older than what Jalons holds for the startup, or None when it is not."""
        def latest(periods, events):
            dates = [p.effective_start_on for p in periods] + [e.happened_on for e in events]
            return max((day for day in dates if day is not None and day <= self.today), default=None)

        held = latest(startup.periods, startup.events)
        known = latest(data.periods, data.events)
        if held is not None and (known is None or known < held):
            since = f"sa dernière date est le {date_fr(known)}" if known else "elle n'a aucune date passée"
            return f"{since}, Jalons connaît le {date_fr(held)}"
        imported = sum(1 for p in startup.periods if p.source == Source.BETAGOUV)
        if len(data.periods) < imported:
            return (f"elle a {_counted(len(data.periods), 'période', 'périodes')} de phase, les fiches déjà "
                    f"importées en avaient {imported}")
        return None

    def _merge_periods(self, startup: Startup, data: fiches.StartupData, notes: _Notes) -> list:
        ours = [p for p in startup.periods if p.source == Source.JALONS]
        theirs = sorted((p for p in startup.periods if p.source != Source.JALONS), key=lambda p: p.position)
        deleted = self.deleted.get((startup.id, "phase_period"), set())
        held = {(p.phase, p.start_on) for p in ours}
        matched = {(p.phase, p.start_on) for p in data.periods} & held
        entered_here = {p.phase: p for p in ours if (p.phase, p.start_on) not in matched}
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
            else:
                wanted.append(period)
        conflicting = {p.phase for p in data.periods if p.phase in entered_here and (p.phase, p.start_on) not in held}
        kept = sum(1 for p in ours if (p.phase, p.start_on) not in matched and p.phase not in conflicting)
        if kept:
            notes.kept.append(f"{_counted(kept, 'période de phase faite', 'périodes de phase faites')} dans Jalons")
        if removed_here:
            notes.kept.append(f"{_counted(removed_here, 'période supprimée', 'périodes supprimées')} dans Jalons")
        # A phase change made in Jalons closed the period before it (change_phase): a fiche without that end
        # does not reopen it.
        closed_here = {p.start_on for p in ours}
        wanted = [
            dataclasses.replace(period, end_on=row.end_on)
            if row is not None and period.end_on is None and row.end_on in closed_here else period
            for period, row in itertools.zip_longest(wanted, theirs[:len(wanted)])
        ]
        history = self._merge_rows(startup, startup.periods, theirs, wanted, PhasePeriod, PERIOD_FIELDS, "phase_period")
        if history:
            resolve_starts(sorted(startup.periods, key=lambda p: p.position))
        return history

    def _merge_events(self, startup: Startup, data: fiches.StartupData, notes: _Notes) -> list:
        ours = [e for e in startup.events if e.source == Source.JALONS]
        theirs = sorted((e for e in startup.events if e.source != Source.JALONS), key=lambda e: e.position)
        deleted = self.deleted.get((startup.id, "event"), set())
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
            notes.kept.append(f"{_counted(kept, 'événement fait', 'événements faits')} dans Jalons")
        if removed_here:
            notes.kept.append(f"{_counted(removed_here, 'événement supprimé', 'événements supprimés')} dans Jalons")
        return self._merge_rows(startup, startup.events, theirs, wanted, Event, EVENT_FIELDS, "event")

    def _merge_rows(self, startup: Startup, collection: list, theirs: list, wanted: list, model, fields: tuple,
                    object_type: str) -> list:
        """Make the rows the fiches brought (`theirs`, in their order) hold `wanted`: updated in place, added
        after every other row, or removed, so that ids survive and an unchanged list writes nothing. Returns
        the audit events to write once flushed: (action, type, row, before, after)."""
        history = []
        for row, data in zip(theirs, wanted):
            values = {name: getattr(data, name) for name in fields}
            if object_type == "phase_period":
                values["effective_start_on"] = row.effective_start_on  # resolved over the merged list below
            before = _assign(row, values)
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

    # --- references --------------------------------------------------------------------------------

    def _organisation(self, id: str, inline: fiches.OrganisationData | None, notes: _Notes) -> Organisation:
        """The organisation a fiche refers to; created from the inline description, or named after its id."""
        organisation = self.organisations.get(id)
        if organisation is None:
            if inline is not None:
                organisation = Organisation(**dataclasses.asdict(inline))
            else:
                organisation = Organisation(id=id, name=id)
            self._add_organisation(organisation)
            notes.placeholders.append(("organisation", id))
        return organisation

    def _incubator(self, id: str, notes: _Notes) -> Incubator:
        incubator = self.incubators.get(id)
        if incubator is None:
            incubator = Incubator(id=id, name=id)
            self._add_incubator(incubator)
            notes.placeholders.append(("incubator", id))
        return incubator

    def _add_organisation(self, organisation: Organisation) -> None:
        self._add(organisation, "organisation", ORGANISATION_FIELDS)
        self.organisations[organisation.id] = organisation

    def _add_incubator(self, incubator: Incubator) -> None:
        self._add(incubator, "incubator", INCUBATOR_FIELDS)
        self.incubators[incubator.id] = incubator

    def _add(self, row, object_type: str, fields: tuple) -> None:
        row.imported_values = snapshot(row, fields)
        db.session.add(row)
        record(f"{object_type}.created", object_type, row.id, actor_label=IMPORT_ACTOR, after=row.imported_values,
               reason=self.reason)

    def _number_sponsors(self, startup: Startup) -> None:
        """Keep the fiche's order of sponsors (the association table's `position`)."""
        if not startup.sponsors:
            return
        db.session.execute(
            sa.update(startup_sponsors)
            .where(
                startup_sponsors.c.startup_id == sa.bindparam("s"),
                startup_sponsors.c.organisation_id == sa.bindparam("o"),
            )
            .values(position=sa.bindparam("p")),
            [{"s": startup.id, "o": o.id, "p": index} for index, o in enumerate(startup.sponsors)],
        )


ORGANISATION_FIELDS = ("name", "acronym", "kind", "ministerial_domain")
INCUBATOR_FIELDS = ("name", "owner_id", "website", "github", "address", "description")


def _state(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def _startup_state(startup: Startup, names) -> dict:
    state = {name: getattr(startup, name) for name in names if name not in ("sponsor_ids", "co_incubator_ids")}
    state["sponsor_ids"] = [o.id for o in startup.sponsors]
    state["co_incubator_ids"] = [i.id for i in startup.co_incubators]
    return state


def _day(day: dt.date | None) -> str:
    return date_fr(day) if day else "une date inconnue"
