"""Import of beta.gouv.fr fiches: organisations, then incubators, then startups, merged in place.

A service: it flushes, never commits (the command commits once at the end). The fiches are written in
batches, each inside a savepoint: the changes flushed once, new startups (their current phase cached as
they are inserted) and their periods, events and links inserted in one statement per table, the audit
events inserted last in one; when the database refuses a batch, its fiches are written again each inside
its own savepoint, so that a file the database refuses is rejected alone and leaves nothing behind.
What the database holds is read in a few statements, as plain rows: a startup fiche identical to what the
last import wrote, in a startup Jalons has not touched since, is recognised from them and costs nothing
more; only the startups a fiche changes are loaded as objects, one batch at a time.
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
import json
import operator
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from audit.models import AuditEvent
from audit.services import event_values, record_all, snapshot
from core import clock, errors
from core.db import db, insert_rows
from core.text import whole_number
from core.values import jsonable
from startups import fiche_out, fiches
from startups.fiches import FicheError
from startups.import_merge import (
    EVENT_FIELDS, PERIOD_FIELDS, Merge, assign, labels, merge_events, merge_fields, merge_periods, older_than_jalons,
)
from startups.import_report import CREATED, OLDER, UNCHANGED, UPDATED, FicheNotes, ImportReport, KindReport
from startups.kept import refresh_phase_counts
from startups.models import (
    Event, EventKind, Incubator, Organisation, PhasePeriod, Source, Startup, search_columns, startup_co_incubators,
    startup_sponsors,
)
from startups.phases import TERMINAL_PHASES, committee_due_on, current_period
from startups.queries import count_by_phase

KINDS = ("_organisations", "_incubators", "_startups")

# The actor of the audit events an import writes.
IMPORT_ACTOR = "Import beta.gouv.fr"

# A startup's own fields that a fiche gives (besides its sponsors and further incubators).
STARTUP_FIELDS = tuple(field.name for field in dataclasses.fields(fiches.StartupData)
                       if field.name not in ("id", "co_incubator_ids", "sponsors", "periods", "events"))


class ImportDirectoryError(Exception):
    """The folder cannot be read at all (missing, not a folder, no fiche); str() is the French reason."""


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
    importer.run(importer.report.organisations, found["_organisations"], fiches.load_organisation,
                 importer.apply_organisation)
    importer.run(importer.report.incubators, found["_incubators"], fiches.load_incubator, importer.apply_incubator)
    importer.run(importer.report.startups, found["_startups"], fiches.load_startup, importer.apply_startup,
                 importer.prepare_startups)
    if importer.report.startups.number(CREATED):
        # New startups are inserted without the ORM: the list pages' counts, which a flush keeps, follow here.
        refresh_phase_counts(db.session)
    importer.report.by_phase = count_by_phase(today)
    return importer.report


# Fiches written per savepoint. A batch the database refuses is written again one fiche at a time.
BATCH = 500


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
        # Periods and events someone deleted or corrected in Jalons: a fiche that still lists them as they were
        # does not bring them back.
        self.deleted = self._removed_here()
        self.held = self._held_startups()
        # The startups a fiche changes, as objects (prepare_startups loads them a batch at a time).
        self.startups: dict[str, Startup] = {}
        self.same: set[str] = set()

    @staticmethod
    def _removed_here() -> dict[tuple[str, str], set[tuple]]:
        """{(startup id, "phase_period" or "event"): {(phase, start) or (kind, date)}} of every period and
        event as it was before a person deleted or corrected it in Jalons (the audit trail), as JSON values.
        A correction's event holds only the fields it changed: each row's states are rebuilt from its
        present one (or its deletion's), walking its changes back from the latest."""
        actions = {"phase_period.deleted": "phase_period", "phase_period.corrected": "phase_period",
                   "event.deleted": "event", "event.updated": "event"}
        changes = db.session.execute(
            sa.select(AuditEvent.startup_id, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.action,
                      AuditEvent.before)
            .where(AuditEvent.action.in_(list(actions)),
                   sa.or_(AuditEvent.actor_label.is_(None), AuditEvent.actor_label != IMPORT_ACTOR))
            .order_by(AuditEvent.id.desc())
        ).all()
        if not changes:
            return {}
        key_fields = {"phase_period": ("phase", "start_on"), "event": ("kind", "happened_on")}
        present: dict[tuple[str, str], dict] = {}
        for object_type, model in (("phase_period", PhasePeriod), ("event", Event)):
            ids = {int(c.object_id) for c in changes if c.object_type == object_type and whole_number(c.object_id) is not None}
            columns = [model.id, *(getattr(model, f) for f in key_fields[object_type])]
            for row_id, *values in db.session.execute(sa.select(*columns).where(model.id.in_(ids))) if ids else ():
                present[(object_type, str(row_id))] = dict(zip(key_fields[object_type], map(jsonable, values)))
        removed: dict[tuple[str, str], set[tuple]] = {}
        states: dict[tuple[str, str], dict] = {}
        for startup_id, object_type, object_id, action, before in changes:  # the latest first
            if not before or not startup_id:
                continue
            row = (object_type, object_id)
            if action.endswith(".deleted"):
                states[row] = dict(before)
            else:
                states[row] = {**states.get(row, present.get(row, {})), **before}
            removed.setdefault((startup_id, object_type), set()).add(
                tuple(states[row].get(f) for f in key_fields[object_type]))
        return removed

    def _held_startups(self) -> dict[str, tuple | None]:
        """Each startup as plain rows, in the form of `_fiche_key`: {id: key} when no period or event of it
        was made or deleted in Jalons, {id: None} otherwise. JSON columns are read as their text, so that
        comparing needs no decoding: the text the import wrote is that of json.dumps()."""
        sponsors, co_incubators = defaultdict(list), defaultdict(list)
        for startup_id, organisation_id in db.session.execute(
                sa.select(startup_sponsors.c.startup_id, startup_sponsors.c.organisation_id)
                .order_by(startup_sponsors.c.position)):
            sponsors[startup_id].append(organisation_id)
        for startup_id, incubator_id in db.session.execute(
                sa.select(startup_co_incubators.c.startup_id, startup_co_incubators.c.incubator_id)
                .order_by(startup_co_incubators.c.incubator_id)):
            co_incubators[startup_id].append(incubator_id)
        touched = {startup_id for startup_id, object_type in self.deleted}
        rows = {"periods": defaultdict(list), "events": defaultdict(list)}
        for name, model, fields in (("periods", PhasePeriod, PERIOD_KEY), ("events", Event, EVENT_FIELDS)):
            columns = model.__table__.c
            query = sa.select(columns.startup_id, columns.source, *(columns[f] for f in fields)).order_by(columns.position)
            for startup_id, source, *values in db.session.execute(query):
                if source == Source.JALONS:
                    touched.add(startup_id)
                rows[name][startup_id].append(tuple(values))
        table = Startup.__table__
        as_text = [sa.cast(table.c[name], sa.Text) if name in JSON_FIELDS else table.c[name]
                   for name in ("imported_values", *STARTUP_FIELDS)]
        return {
            id: None if id in touched else (imported, tuple(values), tuple(sponsors[id]), tuple(co_incubators[id]),
                                             tuple(rows["periods"][id]), tuple(rows["events"][id]))
            for id, imported, *values in db.session.execute(sa.select(table.c.id, *as_text))
        }

    def prepare_startups(self, batch: list) -> None:
        """Before a batch of startup fiches: those the database holds as they are need nothing (`same`);
        the startups the others change are loaded as objects, in a few statements for the whole batch."""
        self.same = {data.id for _, data in batch
                     if self.held.get(data.id) is not None and self.held[data.id] == _fiche_key(data, _wanted(data))}
        changed = [data.id for _, data in batch
                   if data.id in self.held and data.id not in self.same and data.id not in self.startups]
        if changed:
            self.startups.update((s.id, s) for s in db.session.scalars(
                sa.select(Startup).where(Startup.id.in_(changed)).options(
                    selectinload(Startup.periods),
                    selectinload(Startup.events),
                    selectinload(Startup.sponsors),
                    selectinload(Startup.co_incubators),
                )
            ))

    def run(self, kind: KindReport, files: list[Path], load: Callable, apply: Callable,
            prepare: Callable | None = None) -> None:
        """Read each file and write the fiches in batches (`prepare(batch)` first, when given); a fiche
        that cannot be read is rejected alone."""
        batch, folders = [], {}  # {folder: its path from the root, as the report names files}
        for file in files:
            if file.parent not in folders:
                folders[file.parent] = "" if file.parent == self.root else f"{file.parent.relative_to(self.root)}/"
            name = folders[file.parent] + file.name
            try:
                batch.append((name, load(file)))
            except FicheError as error:
                kind.rejected.append((name, str(error)))
            if len(batch) == BATCH:
                self._write(kind, batch, apply, prepare)
                batch = []
        if batch:
            self._write(kind, batch, apply, prepare)

    def _write(self, kind: KindReport, batch: list, apply: Callable, prepare: Callable | None) -> None:
        """Write a batch in one savepoint; if the database refuses it, each fiche in a savepoint of its own."""
        refused = _refusals()
        if len(batch) > 1:
            try:
                results = self._apply(batch, apply, prepare)
            except refused as error:
                _raise_if_unavailable(error)
                self._load()  # the savepoint's rollback expunged what it had created
            else:
                for (name, _), (outcome, notes) in zip(batch, results):
                    self._report(kind, name, outcome, notes)
                return
        for name, data in batch:
            try:
                [(outcome, notes)] = self._apply([(name, data)], apply, prepare)
            except refused as error:
                _raise_if_unavailable(error)
                reason = str(getattr(error, "orig", None) or error).strip()
                kind.rejected.append((name, "refusée par la base de données"
                                            + (f" : {reason.splitlines()[0]}" if reason else "")))
                self._load()
                continue
            self._report(kind, name, outcome, notes)

    def _apply(self, batch: list, apply: Callable, prepare: Callable | None) -> list[tuple[str, FicheNotes]]:
        """Apply the fiches inside one savepoint: the changed rows flushed (their current phase refreshed by
        the flush, in one set-based UPDATE), then the new startups inserted with their periods, events and
        links (one statement per table), the sponsors' order of changed startups written, and the audit
        events (one statement), which need the rows' ids."""
        self.audit, self.sponsor_positions = [], []
        self.new_rows = {table: [] for table in NEW_STARTUP_TABLES}
        results = []
        with db.session.begin_nested():
            if prepare is not None:
                prepare(batch)
            for name, data in batch:
                notes = FicheNotes()
                self.reason = f"Fiche {name}"
                results.append((apply(data, notes, self.reason), notes))
            db.session.flush()
            for table, rows in self.new_rows.items():
                if rows:
                    insert_rows(db.session.connection(), table, rows)
            if self.new_rows[Startup.__table__]:
                _analyze((Startup.__table__, PhasePeriod.__table__))  # what the counts per phase read
            if self.sponsor_positions:
                db.session.execute(
                    sa.update(startup_sponsors)
                    .where(
                        startup_sponsors.c.startup_id == sa.bindparam("s"),
                        startup_sponsors.c.organisation_id == sa.bindparam("o"),
                    )
                    .values(position=sa.bindparam("p")),
                    self.sponsor_positions,
                )
            record_all([event_values(action, object_type, row if isinstance(row, str) else row.id,
                                     actor_label=IMPORT_ACTOR, **fields)
                        for action, object_type, row, fields in self.audit])
        return results

    def _record(self, action: str, object_type: str, row, **fields) -> None:
        """An audit event written once the batch is flushed (`row`: the row, or its id when it is a string)."""
        self.audit.append((action, object_type, row, {"reason": self.reason, **fields}))

    def _report(self, kind: KindReport, name: str, outcome: str, notes: FicheNotes) -> None:
        if outcome != OLDER:
            kind.count(outcome)
        self.report.placeholders.extend(notes.placeholders)
        kind.older += [(name, why) for why in notes.older]
        kind.kept += [(name, what) for what in notes.kept]
        kind.conflicts += [(name, what) for what in notes.conflicts]

    # --- each kind ---------------------------------------------------------------------------------

    def apply_organisation(self, data: fiches.OrganisationData, notes: FicheNotes, reason: str) -> str:
        values = {name: getattr(data, name) for name in ORGANISATION_FIELDS}
        organisation = self.organisations.get(data.id)
        if organisation is None:
            self._add_organisation(Organisation(id=data.id, **values))
            return CREATED
        return self._merge_plain(organisation, "organisation", values, notes, reason)

    def apply_incubator(self, data: fiches.IncubatorData, notes: FicheNotes, reason: str) -> str:
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

    def _merge_plain(self, row, object_type: str, values: dict, notes: FicheNotes, reason: str,
                     merge: Merge | None = None) -> str:
        """An organisation or an incubator already there: the fiche's fields merged with Jalons' edits."""
        merge = merge or merge_fields(_state(row, values), values, row.imported_values)
        before = assign(row, merge.apply)
        self._remember(row, merge, notes)
        if not before:
            return UNCHANGED
        self._record(f"{object_type}.updated", object_type, row.id, before=before,
                     after={name: merge.apply[name] for name in before})
        return UPDATED

    def _remember(self, row, merge: Merge, notes: FicheNotes) -> None:
        if merge.kept:
            notes.kept.append(f"{labels(merge.kept)} : modifié dans Jalons, la fiche n'a pas changé")
        if merge.conflicts:
            notes.conflicts.append(f"{labels(merge.conflicts)} : modifié dans Jalons et dans la fiche")
        if row.imported_values != merge.imported:
            row.imported_values = merge.imported

    def apply_startup(self, data: fiches.StartupData, notes: FicheNotes, reason: str) -> str:
        if data.id in self.same:
            return UNCHANGED
        wanted = _wanted(data)
        if data.id not in self.held:
            return self._create_startup(data, wanted, notes, reason)
        startup = self.startups[data.id]
        why = older_than_jalons(startup, data, self.today)
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
        before = assign(startup, apply)
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
        seen = fiche_out.fiche_history(data.periods, data.events, fiche_out.fiche_links(data))
        if startup.fiche_history != seen:
            startup.fiche_history = seen  # what the fiche says now: the export compares Jalons with it
        history = (merge_periods(startup, data, self.deleted.get((startup.id, "phase_period"), set()), notes)
                   + merge_events(startup, data, self.deleted.get((startup.id, "event"), set()), notes))
        if not before and not history:
            return UNCHANGED
        startup.updated_at = clock.now()
        if new_sponsors is not None:
            self._number_sponsors(startup)
        if before:
            self._record("startup.updated", "startup", startup.id, startup_id=startup.id, before=before, after=after)
        for action, object_type, row, row_before, row_after in history:
            self._record(action, object_type, row, startup_id=startup.id, before=row_before, after=row_after)
        return UPDATED

    def _create_startup(self, data: fiches.StartupData, wanted: dict, notes: FicheNotes, reason: str) -> str:
        """A new startup, as rows inserted once the batch is flushed (plain inserts: hundreds at a time)."""
        for incubator_id in [data.incubator_id, *data.co_incubator_ids]:
            if incubator_id:
                self._incubator(incubator_id, notes)
        sponsors = [self._organisation(ref.id, ref.inline, notes) for ref in data.sponsors]
        values = {name: wanted[name] for name in STARTUP_FIELDS}
        # The current phase cached as a flush of its periods would refresh it (models.refresh_current_phases):
        # the same rule, in Python (phases.current_period), for the day the application lives in.
        today = clock.today()
        current = current_period(data.periods, today)
        cached = {"cached_phase": current.phase if current else None,
                  "cached_phase_start_on": current.effective_start_on if current else None, "cached_phase_on": today}
        # So is its next committee's due date (committees.due.refresh_committee_dues): a new startup has no
        # committee in Jalons yet, only the `committee` events of its timeline.
        held = [e.happened_on for e in data.events if e.kind == EventKind.COMMITTEE and e.happened_on <= today]
        due = (committee_due_on(max(held, default=None), current.effective_start_on)
               if current and current.phase not in TERMINAL_PHASES else None)
        cached.update(committee_due_on=due, committee_due_checked_on=today)
        rows = self.new_rows
        rows[Startup.__table__].append({"id": data.id, **values, **search_columns(values["name"], values["mission"]),
                                        **cached, "imported_values": wanted,
                                        "fiche_history": fiche_out.fiche_history(data.periods, data.events,
                                                                                  fiche_out.fiche_links(data))})
        rows[startup_sponsors] += [{"startup_id": data.id, "organisation_id": o.id, "position": index}
                                   for index, o in enumerate(sponsors)]
        rows[startup_co_incubators] += [{"startup_id": data.id, "incubator_id": i}
                                        for i in sorted(data.co_incubator_ids)]
        for table, items, fields in ((PhasePeriod.__table__, data.periods, PERIOD_KEY),
                                     (Event.__table__, data.events, EVENT_FIELDS)):
            rows[table] += [{"startup_id": data.id, "position": item.position, "source": Source.BETAGOUV,
                             **{name: getattr(item, name) for name in fields}} for item in items]
        self._record("startup.created", "startup", data.id, startup_id=data.id,
                     after={**wanted, "periods": len(data.periods), "events": len(data.events)})
        return CREATED

    # --- references --------------------------------------------------------------------------------

    def _organisation(self, id: str, inline: fiches.OrganisationData | None, notes: FicheNotes) -> Organisation:
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

    def _incubator(self, id: str, notes: FicheNotes) -> Incubator:
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
        self._record(f"{object_type}.created", object_type, row.id, after=row.imported_values)

    def _number_sponsors(self, startup: Startup) -> None:
        """Keep the fiche's order of sponsors (the association table's `position`, written after the flush)."""
        self.sponsor_positions += [{"s": startup.id, "o": o.id, "p": index} for index, o in enumerate(startup.sponsors)]


ORGANISATION_FIELDS = ("name", "acronym", "kind", "ministerial_domain")
# The tables a new startup is inserted into, in the order of their foreign keys.
NEW_STARTUP_TABLES = (Startup.__table__, startup_sponsors, startup_co_incubators, PhasePeriod.__table__, Event.__table__)
# The startup's columns held as JSON (imported_values and the lists), compared as text.
JSON_FIELDS = {column.name for column in Startup.__table__.columns if isinstance(column.type, sa.JSON)}
# What the import compares of a startup's periods: the fields it writes and the start the rule uses.
PERIOD_KEY = (*PERIOD_FIELDS, "effective_start_on")


def _refusals() -> tuple[type[Exception], ...]:
    """What the database's refusal of a write may be raised as: SQLAlchemy's errors (the ORM's flush), and
    the driver's own, which new startups' rows meet unwrapped (core.db.insert_rows: psycopg's COPY raises a
    psycopg.DataError for a NUL, NumericValueOutOfRange for an amount beyond the column; sqlite3 an
    OverflowError for an integer beyond 64 bits)."""
    dbapi = db.session.get_bind().dialect.loaded_dbapi
    return (sa.exc.SQLAlchemyError, OverflowError, *((dbapi.Error,) if dbapi is not None else ()))


def _raise_if_unavailable(error: Exception) -> None:
    """A database restarted, unreachable or not answering refuses no fiche: the import stops there (nothing
    of it kept), instead of taking each fiche after for refused and failing on the dead connection anyway
    (`flask import-betagouv` then printed a traceback with exit code 1, « fiches rejected »; now the commands'
    exit code 4)."""
    if errors.is_unavailable(error):
        raise error


def _analyze(tables) -> None:
    """Have PostgreSQL's statistics count the rows just inserted. Until autovacuum does, the planner takes a
    table filled by a first import for empty, and joins the periods to the startups by nested loops: the
    counts per phase of the report (and of the first pages) take a second instead of milliseconds."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"ANALYZE {', '.join(table.name for table in tables)}"))


def _wanted(data: fiches.StartupData) -> dict:
    """A startup fiche's fields, as the import compares and remembers them (imported_values). They are
    JSON's own types already (strings, numbers, booleans, lists of strings: fiches.StartupData), copied
    without jsonable()'s walk, which took a third of comparing an unchanged fiche."""
    wanted = {name: list(value) if isinstance(value, list) else value
              for name, value in zip(STARTUP_FIELDS, _startup_fields(data))}
    wanted["sponsor_ids"] = [ref.id for ref in data.sponsors]
    wanted["co_incubator_ids"] = sorted(data.co_incubator_ids)
    return wanted


def _fiche_key(data: fiches.StartupData, wanted: dict) -> tuple:
    """What a startup holds when the last import wrote this fiche and nothing changed it since, in the form
    of _Importer._held_startups: (imported_values, fields, sponsors, co-incubators, periods, events), the
    JSON columns as the text json.dumps() gives them."""
    return (
        json.dumps(wanted),
        tuple(json.dumps(wanted[name]) if as_json else wanted[name] for name, as_json in _FIELDS_AS_JSON),
        tuple(wanted["sponsor_ids"]),
        tuple(wanted["co_incubator_ids"]),
        tuple(map(_period_key, data.periods)),
        tuple(map(_event_key, data.events)),
    )


# The same, as functions the key calls once per row (it is computed for every fiche of every import).
_FIELDS_AS_JSON = tuple((name, name in JSON_FIELDS) for name in STARTUP_FIELDS)
_period_key, _event_key = operator.attrgetter(*PERIOD_KEY), operator.attrgetter(*EVENT_FIELDS)
_startup_fields = operator.attrgetter(*STARTUP_FIELDS)


INCUBATOR_FIELDS = ("name", "owner_id", "website", "github", "address", "description")


def _state(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def _startup_state(startup: Startup, names) -> dict:
    state = {name: getattr(startup, name) for name in names if name not in ("sponsor_ids", "co_incubator_ids")}
    state["sponsor_ids"] = [o.id for o in startup.sponsors]
    state["co_incubator_ids"] = [i.id for i in startup.co_incubators]
    return state
