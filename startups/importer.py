"""Import of beta.gouv.fr fiches: organisations, then incubators, then startups, updated in place.

A service: it flushes, never commits (the command commits once at the end). Each file is written inside
its own savepoint, so that a file the database refuses is rejected alone and leaves nothing behind.
Values are compared before they are assigned: an unchanged fiche leaves its rows untouched.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import clock
from core.db import db
from startups import fiches
from startups.fiches import FicheError
from startups.models import Event, Incubator, Organisation, PhasePeriod, Startup, startup_sponsors
from startups.phases import Phase
from startups.queries import count_by_phase

KINDS = ("_organisations", "_incubators", "_startups")

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class ImportDirectoryError(Exception):
    """The folder cannot be read at all (missing, not a folder, no fiche); str() is the French reason."""


@dataclasses.dataclass
class KindReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (file, reason)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


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

    def total(self, outcome: str) -> int:
        return sum(getattr(kind, outcome) for kind in self.kinds.values())


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
    importer = _Importer(path)
    importer.report.skipped = [str(file.relative_to(path)) for file in skipped]
    for file in found["_organisations"]:
        importer.run(importer.report.organisations, file, fiches.load_organisation, importer.apply_organisation)
    for file in found["_incubators"]:
        importer.run(importer.report.incubators, file, fiches.load_incubator, importer.apply_incubator)
    for file in found["_startups"]:
        importer.run(importer.report.startups, file, fiches.load_startup, importer.apply_startup)
    importer.report.by_phase = count_by_phase(today)
    return importer.report


def _assign(row, values: dict) -> bool:
    """Set the attributes that differ; True when one did. Equal values are not assigned (no dirty row)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


class _Importer:
    def __init__(self, root: Path):
        self.root = root
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

    def run(self, kind: KindReport, file: Path, load: Callable, apply: Callable) -> None:
        name = str(file.relative_to(self.root))
        try:
            data = load(file)
        except FicheError as error:
            kind.rejected.append((name, str(error)))
            return
        placeholders: list[tuple[str, str]] = []
        try:
            with db.session.begin_nested():
                outcome = apply(data, placeholders)
                db.session.flush()
        except sa.exc.SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            kind.rejected.append((name, f"refusée par la base de données : {str(reason).splitlines()[0]}"))
            self._load()  # the savepoint's rollback expunged what it had created
            return
        kind.count(outcome)
        self.report.placeholders.extend(placeholders)

    # --- each kind ---------------------------------------------------------------------------------

    def apply_organisation(self, data: fiches.OrganisationData, placeholders) -> str:
        values = {
            "name": data.name,
            "acronym": data.acronym,
            "kind": data.kind,
            "ministerial_domain": data.ministerial_domain,
        }
        organisation = self.organisations.get(data.id)
        if organisation is None:
            self._add_organisation(Organisation(id=data.id, **values))
            return CREATED
        return UPDATED if _assign(organisation, values) else UNCHANGED

    def apply_incubator(self, data: fiches.IncubatorData, placeholders) -> str:
        if data.owner_id:
            self._organisation(data.owner_id, None, placeholders)
        values = {
            "name": data.name,
            "owner_id": data.owner_id,
            "website": data.website,
            "github": data.github,
            "address": data.address,
            "description": data.description,
        }
        incubator = self.incubators.get(data.id)
        if incubator is None:
            self._add_incubator(Incubator(id=data.id, **values))
            return CREATED
        return UPDATED if _assign(incubator, values) else UNCHANGED

    def apply_startup(self, data: fiches.StartupData, placeholders) -> str:
        for incubator_id in [data.incubator_id, *data.co_incubator_ids]:
            if incubator_id:
                self._incubator(incubator_id, placeholders)
        sponsors = [self._organisation(ref.id, ref.inline, placeholders) for ref in data.sponsors]
        co_incubators = [self.incubators[i] for i in sorted(data.co_incubator_ids)]
        values = {
            field.name: getattr(data, field.name)
            for field in dataclasses.fields(data)
            if field.name not in ("id", "co_incubator_ids", "sponsors", "periods", "events")
        }
        startup = self.startups.get(data.id)
        if startup is None:
            startup = Startup(id=data.id, **values)
            startup.co_incubators = co_incubators
            startup.sponsors = sponsors
            startup.periods = [PhasePeriod(**dataclasses.asdict(p)) for p in data.periods]
            startup.events = [Event(**dataclasses.asdict(e)) for e in data.events]
            db.session.add(startup)
            db.session.flush()
            self._number_sponsors(startup)
            self.startups[startup.id] = startup
            return CREATED

        changed = _assign(startup, values)
        if [i.id for i in startup.co_incubators] != [i.id for i in co_incubators]:
            startup.co_incubators = co_incubators
            changed = True
        sponsors_changed = [o.id for o in startup.sponsors] != [o.id for o in sponsors]
        if sponsors_changed:
            startup.sponsors = sponsors
            changed = True
        changed |= _replace_rows(startup.periods, data.periods, PhasePeriod, startup)
        changed |= _replace_rows(sorted(startup.events, key=lambda e: e.position), data.events, Event, startup)
        if not changed:
            return UNCHANGED
        startup.updated_at = clock.now()
        if sponsors_changed:
            db.session.flush()
            self._number_sponsors(startup)
        return UPDATED

    # --- references --------------------------------------------------------------------------------

    def _organisation(self, id: str, inline: fiches.OrganisationData | None, placeholders) -> Organisation:
        """The organisation a fiche refers to; created from the inline description, or named after its id."""
        organisation = self.organisations.get(id)
        if organisation is None:
            if inline is not None:
                organisation = Organisation(**dataclasses.asdict(inline))
            else:
                organisation = Organisation(id=id, name=id)
            self._add_organisation(organisation)
            placeholders.append(("organisation", id))
        return organisation

    def _incubator(self, id: str, placeholders) -> Incubator:
        incubator = self.incubators.get(id)
        if incubator is None:
            incubator = Incubator(id=id, name=id)
            self._add_incubator(incubator)
            placeholders.append(("incubator", id))
        return incubator

    def _add_organisation(self, organisation: Organisation) -> None:
        db.session.add(organisation)
        self.organisations[organisation.id] = organisation

    def _add_incubator(self, incubator: Incubator) -> None:
        db.session.add(incubator)
        self.incubators[incubator.id] = incubator

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


def _replace_rows(rows: list, wanted: list, model, startup: Startup) -> bool:
    """Make `rows` (periods or events, by position) hold `wanted`: rows are updated in place, added or
    removed, so that ids survive and an unchanged list writes nothing. True when something changed."""
    changed = False
    for row, data in zip(rows, wanted):
        changed |= _assign(row, dataclasses.asdict(data))
    collection = startup.periods if model is PhasePeriod else startup.events
    for data in wanted[len(rows):]:
        collection.append(model(**dataclasses.asdict(data)))
        changed = True
    for row in rows[len(wanted):]:
        collection.remove(row)
        changed = True
    return changed
