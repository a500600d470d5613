"""Editing the lifecycle: startups, their phases and events (their team: startups/team.py; organisations
and incubators: startups/organisations.py), and the rules those share: input cleaning, ids, conflicts.

Every function checks its rule, changes the data, writes an audit event (who, before, after) and
flushes; the view commits. A refused change raises StartupError with a French message for the user.

Optimistic locking: the edit forms carry the version they loaded (the `version` column of startups,
organisations and incubators, or a fingerprint of the row for periods, events and memberships); a save
made from a stale form is refused with Conflict and the first save is kept. Two saves racing between
load and commit are caught by SQLAlchemy's version check (StaleDataError) or by the unique position of a
period, and refused the same way.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from audit.services import changes, record, snapshot
from core.db import db
from core.values import jsonable
from core.formats import date_fr
from core.text import control_character
from startups.models import Event, EventKind, Incubator, Organisation, PhasePeriod, Source, Startup, startup_sponsors
from startups.phases import TERMINAL_PHASES, Phase, resolve_starts, sort_key
from users.models import Person

# Ids that would hide a page of the application (/startups/new, /organisations/manage…).
RESERVED_IDS = frozenset({"new", "manage"})
ID_PATTERN = re.compile(r"^[\w.-]+$")  # letters (accents included), digits, « _ », « - », « . »
MAX_LIST_ITEMS = 30
MAX_ITEM_LENGTH = 100
# A transition may be planned, but not absurdly far ahead.
MAX_DAYS_AHEAD = 366


class StartupError(Exception):
    """A refused change, with a French message for the user. field: the value refused, by the name its form
    gives it (startups.views.refused shows the message there too), when it is about one value."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Forbidden(StartupError):
    """The permission policy refuses the change to this person (a 403). The service refuses before it
    changes anything and records the attempt (audit event) in the caller's transaction: the caller commits
    that event alone, so that the log keeps the attempt while nothing of the change exists."""


class Conflict(StartupError):
    """Someone else saved the same record since the form was loaded: this save is refused."""

    def __init__(self, what: str, feminine: bool = False):
        super().__init__(
            f"{what} a été modifié{'e' if feminine else ''} par quelqu'un d'autre pendant que vous l'éditiez : vos changements n'ont pas "
            "été enregistrés, pour ne pas écraser les siens. Rechargez la page pour voir la version actuelle, "
            "puis refaites vos modifications."
        )


def flush(what: str, feminine: bool = False) -> None:
    """Flush; a row changed by a concurrent transaction (version check, duplicate position, SQLite's single
    writer) is a Conflict."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict(what, feminine) from error
    except sa.exc.OperationalError as error:
        # SQLite lets one writer at a time: a transaction that read before another one wrote is refused
        # at its first write instead of waiting (PostgreSQL makes it wait on the row lock).
        if "database is locked" in str(error.orig):
            raise Conflict(what, feminine) from error
        raise


def next_event_position(startup: Startup) -> int:
    """The position of a new event of `startup`, unique per startup under concurrency.

    The startup's row is locked first (SELECT … FOR UPDATE on PostgreSQL; SQLite lets one writer at a time
    anyway), then the largest position is read from the database, where another writer's committed events
    are: two writers adding an event at once take turns instead of both computing the same max + 1. The
    unique (startup_id, position) constraint stays as the last guard (see flush)."""
    db.session.execute(sa.select(Startup.id).where(Startup.id == startup.id).with_for_update())
    stored = db.session.scalar(sa.select(sa.func.max(Event.position)).where(Event.startup_id == startup.id))
    pending = max((event.position for event in startup.events if event.position is not None), default=-1)
    return max(-1 if stored is None else stored, pending) + 1


def check_version(obj, expected_version: int | None, what: str, feminine: bool = False) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(what, feminine)


def fingerprint(state: dict) -> str:
    """A short digest of a row's state, carried by the edit forms of rows without a version column."""
    text = json.dumps(jsonable(state), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def check_fingerprint(state: dict, expected: str | None, what: str, feminine: bool = False) -> None:
    if expected is not None and fingerprint(state) != expected:
        raise Conflict(what, feminine)


# --- Cleaning input -------------------------------------------------------------------------------------

def clean_text(value: str | None, label: str, *, required: bool = False, max_length: int = 300,
               multiline: bool = False, field: str | None = None) -> str | None:
    """Stripped text, None when empty. A single-line text (a name) refuses every control character, a
    multi-line one (a mission, a comment) every one but line feeds, carriage returns and tabs."""
    text = (value or "").strip()
    if not text:
        if required:
            raise StartupError(f"{label} : ce champ est obligatoire.", field)
        return None
    if len(text) > max_length:
        raise StartupError(f"{label} : {max_length} caractères au plus ({len(text)} saisis).", field)
    found = control_character(text, multiline=multiline)
    if found:
        if multiline:
            raise StartupError(f"{label} : le texte ne peut pas contenir {found}.", field)
        raise StartupError(f"{label} : le texte doit tenir sur une ligne, sans {found}.", field)
    return text


def clean_url(value: str | None, label: str) -> str | None:
    """An absolute http(s) address, or None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    invalid = StartupError(
        f"{label} : « {text} » n'est pas une adresse web valide (elle doit commencer par https:// ou http://)."
    )
    if len(text) > 1000 or any(c.isspace() or not c.isprintable() for c in text):
        raise invalid
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise invalid from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not port_ok or not ("." in host or host == "localhost"):
        raise invalid
    return text


def clean_list(value: str | Iterable[str] | None, label: str) -> list[str]:
    """Tags typed one per line or separated by commas: stripped, without duplicates, in their order."""
    if value is None:
        return []
    items = re.split(r"[,\n]", value) if isinstance(value, str) else list(value)
    result: list[str] = []
    for item in items:
        text = (item or "").strip()
        if not text or text in result:
            continue
        if len(text) > MAX_ITEM_LENGTH:
            raise StartupError(f"{label} : « {text[:30]}… » dépasse {MAX_ITEM_LENGTH} caractères.")
        result.append(text)
    if len(result) > MAX_LIST_ITEMS:
        raise StartupError(f"{label} : {MAX_LIST_ITEMS} éléments au plus.")
    return result


def slugify(name: str) -> str:
    """« Aides simplifiées » → « aides-simplifiees »."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:150]


def check_id(value: str, label: str, field: str | None = "id") -> str:
    """An id typed by the user, kept exactly as typed (accents and capitals included)."""
    if not value or len(value) > 200 or not ID_PATTERN.match(value) or value.startswith("."):
        raise StartupError(
            f"{label} : « {value} » ne convient pas. Utilisez des lettres, des chiffres, des tirets ou des "
            "tirets bas, sans espace ni barre oblique.", field
        )
    if value.lower() in RESERVED_IDS:
        raise StartupError(f"{label} : « {value} » est réservé par l'application ; choisissez-en un autre.", field)
    return value


def _id_taken(column, value: str) -> bool:
    # Case-insensitively: « Clara » next to « clara » would confuse everyone.
    # Both sides lowered by the database, so that they fold alike (SQLite folds ASCII letters only).
    return db.session.scalar(sa.select(sa.func.count()).where(sa.func.lower(column) == sa.func.lower(value))) > 0


def choose_id(given: str | None, name: str, column, label: str) -> str:
    """The id the user gave (refused when taken), or one derived from the name (made unique)."""
    given = (given or "").strip()
    if given:
        check_id(given, label)
        if _id_taken(column, given):
            raise StartupError(f"{label} : « {given} » est déjà utilisé ; choisissez-en un autre.", "id")
        return given
    base = slugify(name)
    if not base:
        raise StartupError(f"{label} : impossible de le déduire du nom ; saisissez-le.", "id")
    candidate, n = base, 1
    while candidate in RESERVED_IDS or _id_taken(column, candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def organisation_or_error(organisation_id: str, label: str, field: str | None = None) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise StartupError(f"{label} : l'organisation « {organisation_id} » n'existe pas.", field)
    return organisation


def _incubator(incubator_id: str | None, *, allow_archived: bool = False) -> Incubator:
    if not incubator_id:
        raise StartupError("Incubateur : ce champ est obligatoire.", "incubator")
    incubator = db.session.get(Incubator, incubator_id)
    if incubator is None:
        raise StartupError(f"Incubateur : l'incubateur « {incubator_id} » n'existe pas.", "incubator")
    if incubator.archived_at is not None and not allow_archived:
        raise StartupError(f"Incubateur : l'incubateur « {incubator.name} » est archivé.", "incubator")
    return incubator


# --- Startups ---------------------------------------------------------------------------------------

@dataclasses.dataclass
class StartupData:
    """What the startup form edits."""

    name: str
    incubator_id: str | None
    mission: str | None = None
    sponsor_ids: list[str] = dataclasses.field(default_factory=list)
    link: str | None = None
    repository: str | None = None
    stats_url: str | None = None
    impact_url: str | None = None
    budget_url: str | None = None
    dashlord_url: str | None = None
    user_types: str | list[str] | None = None
    themes: str | list[str] | None = None
    techno: str | list[str] | None = None
    accessibility_status: str | None = None


URL_FIELDS = {
    "link": "Site",
    "repository": "Dépôt de code",
    "stats_url": "Page de statistiques",
    "impact_url": "Page d'impact",
    "budget_url": "Page de budget",
    "dashlord_url": "DashLord",
}
LIST_FIELDS = {"user_types": "Publics", "themes": "Thématiques", "techno": "Technologies"}
STARTUP_FIELDS = ("name", "mission", "incubator_id", *URL_FIELDS, *LIST_FIELDS, "accessibility_status")


def startup_state(startup: Startup) -> dict:
    return {**snapshot(startup, STARTUP_FIELDS), "sponsor_ids": [s.id for s in startup.sponsors]}


def _apply(startup: Startup, data: StartupData) -> None:
    """Validate every field, then write them all (nothing is written when one is wrong)."""
    values = {
        "name": clean_text(data.name, "Nom", required=True, field="name"),
        "mission": clean_text(data.mission, "Mission", max_length=5000, multiline=True, field="mission"),
        "accessibility_status": clean_text(data.accessibility_status, "Accessibilité", max_length=100,
                                           field="accessibility_status"),
    }
    values.update({field: clean_url(getattr(data, field), label) for field, label in URL_FIELDS.items()})
    values.update({field: clean_list(getattr(data, field), label) for field, label in LIST_FIELDS.items()})
    incubator = _incubator(data.incubator_id, allow_archived=data.incubator_id == startup.incubator_id)
    sponsor_ids = list(dict.fromkeys(s for s in data.sponsor_ids if s))
    sponsors = [organisation_or_error(s, "Sponsors", "sponsors") for s in sponsor_ids]
    for field, value in values.items():
        setattr(startup, field, value)
    startup.incubator = incubator
    startup.incubator_id = incubator.id
    if [s.id for s in startup.sponsors] != sponsor_ids:
        startup.sponsors = sponsors


def _number_sponsors(startup: Startup) -> None:
    """Keep the order of the sponsors as given (the association table's `position`), once flushed."""
    if startup.sponsors:
        db.session.execute(
            sa.update(startup_sponsors)
            .where(startup_sponsors.c.startup_id == sa.bindparam("s"),
                   startup_sponsors.c.organisation_id == sa.bindparam("o"))
            .values(position=sa.bindparam("p")),
            [{"s": startup.id, "o": o.id, "p": index} for index, o in enumerate(startup.sponsors)],
        )


def create_startup(data: StartupData, *, id: str | None, investigation_on: dt.date | None, actor: Person | None,
                   now: dt.datetime) -> Startup:
    """A new startup, in investigation from the date given. Its id is the one typed, kept exactly, or one
    derived from its name."""
    if investigation_on is None:
        raise StartupError("Début de l'investigation : indiquez une date.", "investigation_on")
    name = clean_text(data.name, "Nom", required=True, field="name")
    startup = Startup(id=choose_id(id, name, Startup.id, "Identifiant"), name=name, created_at=now, updated_at=now,
                      user_types=[], themes=[], techno=[])
    _apply(startup, data)
    startup.periods.append(PhasePeriod(position=0, phase=Phase.INVESTIGATION, start_on=investigation_on))
    resolve_starts(startup.periods)
    db.session.add(startup)
    flush(f"La startup « {startup.name} »", True)
    _number_sponsors(startup)
    record("startup.created", "startup", startup.id, actor=actor, startup_id=startup.id,
           after={**startup_state(startup), "phase": Phase.INVESTIGATION, "start_on": investigation_on})
    return startup


def edit_startup(startup: Startup, data: StartupData, *, expected_version: int | None, actor: Person | None,
                 now: dt.datetime) -> bool:
    """Save the startup form. False when nothing changed (no audit event then)."""
    what = f"La startup « {startup.name} »"
    check_version(startup, expected_version, what, True)
    before = startup_state(startup)
    _apply(startup, data)
    before, after = changes(before, startup_state(startup))
    if not after:
        return False
    # Always an UPDATE of the row, even when only the sponsors changed, so that the version moves on.
    startup.updated_at = now
    flush(what, True)
    if "sponsor_ids" in after:
        _number_sponsors(startup)
    record("startup.updated", "startup", startup.id, actor=actor, startup_id=startup.id, before=before, after=after)
    return True


def set_link(startup: Startup, field: str, url: str, *, actor: Person | None, now: dt.datetime, reason: str) -> bool:
    """Set one link field of the startup (`repository`, `stats_url`, …: URL_FIELDS) to a checked address,
    as another area decided it (a commitment's evidence), with the reason in the audit event. A value other
    than the fiche's makes the fiche « à mettre à jour » (fiche_out). False when it already held it."""
    if field not in URL_FIELDS:
        raise StartupError(f"« {field} » n'est pas un lien de la startup.")
    url = clean_url(url, URL_FIELDS[field])
    if url is None or getattr(startup, field) == url:
        return False
    before = {field: getattr(startup, field)}
    setattr(startup, field, url)
    startup.updated_at = now
    flush(f"La startup « {startup.name} »", True)
    record("startup.updated", "startup", startup.id, actor=actor, startup_id=startup.id, reason=reason,
           before=before, after={field: url})
    return True


# --- Phases -----------------------------------------------------------------------------------------

PERIOD_FIELDS = ("phase", "start_on", "end_on", "comment")


def periods_fingerprint(startup: Startup) -> str:
    """The version of a startup's phase history that the phase form carries."""
    return fingerprint({"periods": [[p.id, *snapshot(p, PERIOD_FIELDS).values()] for p in startup.periods]})


def check_periods(startup: Startup, expected: str | None, what: str) -> None:
    if expected is not None and periods_fingerprint(startup) != expected:
        raise Conflict(what)


def latest_period(startup: Startup) -> PhasePeriod | None:
    """The last period of the lifecycle, planned ones included: the one a transition must come after."""
    dated = [p for p in startup.periods if p.effective_start_on is not None]
    return max(dated, key=sort_key, default=None)


def allowed_phases(startup: Startup) -> list[Phase]:
    """The phases a transition may go to without correcting the history: later ones, or a terminal one."""
    latest = latest_period(startup)
    if latest is None:
        return list(Phase)
    if latest.phase in TERMINAL_PHASES:
        return []
    return [p for p in Phase if p.rank > latest.phase.rank or p in TERMINAL_PHASES]


def change_phase(startup: Startup, *, phase: Phase, starts_on: dt.date | None, reason: str | None,
                 actor: Person | None, today: dt.date, correction: bool = False,
                 expected: str | None = None) -> PhasePeriod:
    """A dated transition with its reason: a new period appended after the others.

    Only to a later phase (lifecycle rank) or to a terminal one, on or after the latest period's start;
    an admin correcting the history (correction=True, checked by the view) may add any phase at any date.
    The current phase then follows the current-phase rule (phases.current_period).
    """
    what = f"L'historique des phases de « {startup.name} »"
    check_periods(startup, expected, what)
    reason = clean_text(reason, "Motif", required=True, max_length=2000, multiline=True, field="reason")
    if starts_on is None:
        raise StartupError("Date : indiquez la date du changement de phase.", "starts_on")
    if starts_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise StartupError(f"Date : le {date_fr(starts_on)} est à plus d'un an ; choisissez une date plus proche.",
                           "starts_on")
    latest = latest_period(startup)
    before_period = startup.current_period(today)
    if not correction and latest is not None:
        if latest.phase in TERMINAL_PHASES:
            raise StartupError(
                f"La startup est en phase terminale ({latest.phase.label}) : seul·e un·e administrateur·rice "
                "peut corriger l'historique."
            )
        if phase not in allowed_phases(startup):
            raise StartupError(
                f"La startup ne peut pas passer de « {latest.phase.label} » à « {phase.label} » : seule une phase "
                "ultérieure ou une phase terminale est possible. Pour revenir en arrière, un·e "
                "administrateur·rice doit corriger l'historique.", "phase"
            )
        if starts_on < latest.effective_start_on:
            raise StartupError(
                f"Date : la phase « {latest.phase.label} » commence le {date_fr(latest.effective_start_on)} ; "
                "le changement de phase ne peut pas être daté d'avant.", "starts_on"
            )
    ended = None
    if not correction and latest is not None and latest.end_on is None and latest.effective_start_on <= starts_on:
        ended = latest
        latest.end_on = starts_on
    # From the periods loaded and checked above: a transition made meanwhile by another transaction takes
    # the same position, and the unique constraint refuses this one as a Conflict (the rule was checked
    # against a history that is no longer the current one).
    position = max((p.position for p in startup.periods), default=-1) + 1
    period = PhasePeriod(position=position, phase=phase, start_on=starts_on, comment=reason)
    startup.periods.append(period)
    resolve_starts(startup.periods)
    flush(what)
    before = {"phase": before_period.phase if before_period else None,
              "start_on": before_period.effective_start_on if before_period else None}
    after = {"phase": phase, "start_on": starts_on, "period_id": period.id}
    if ended is not None:
        after["previous_period_end_on"] = starts_on
    record("startup.phase_corrected" if correction else "startup.phase_changed", "startup", startup.id,
           actor=actor, startup_id=startup.id, before=before, after=after, reason=reason)
    return period


def period_state(period: PhasePeriod) -> dict:
    return snapshot(period, PERIOD_FIELDS)


def edit_period(period: PhasePeriod, *, phase: Phase, start_on: dt.date | None, end_on: dt.date | None,
                comment: str | None, reason: str | None, actor: Person | None, expected: str | None) -> bool:
    """An admin's correction of one period of the history, with a reason."""
    what = "Cette période"
    check_fingerprint(period_state(period), expected, what, True)
    reason = clean_text(reason, "Motif de la correction", required=True, max_length=2000, multiline=True, field="reason")
    if start_on and end_on and end_on < start_on:
        raise StartupError("Fin : la fin de la période ne peut pas précéder son début.", "end_on")
    before = period_state(period)
    period.phase, period.start_on, period.end_on = phase, start_on, end_on
    period.comment = clean_text(comment, "Commentaire", max_length=2000, multiline=True, field="comment")
    before, after = changes(before, period_state(period))
    if not after:
        return False
    period.source = Source.JALONS  # corrected here: the next import keeps it (startups/importer.py)
    resolve_starts(period.startup.periods)
    flush(what, True)
    record("phase_period.corrected", "phase_period", period.id, actor=actor, startup_id=period.startup_id,
           before=before, after=after, reason=reason)
    return True


def delete_period(period: PhasePeriod, *, reason: str | None, actor: Person | None, expected: str | None) -> None:
    """An admin removes a period entered by mistake, with a reason; the log keeps what it was."""
    what = "Cette période"
    check_fingerprint(period_state(period), expected, what, True)
    reason = clean_text(reason, "Motif de la suppression", required=True, max_length=2000, multiline=True,
                        field="deletion_reason")
    startup, before, period_id = period.startup, period_state(period), period.id
    startup.periods.remove(period)
    resolve_starts(startup.periods)
    flush(what, True)
    record("phase_period.deleted", "phase_period", period_id, actor=actor, startup_id=startup.id, before=before,
           reason=reason)


# --- Events -----------------------------------------------------------------------------------------

EVENT_FIELDS = ("kind", "happened_on", "comment")


def event_state(event: Event) -> dict:
    return snapshot(event, EVENT_FIELDS)


def _check_event(kind: EventKind | None, happened_on: dt.date | None, today: dt.date) -> None:
    if kind is None:
        raise StartupError("Type : choisissez le type d'événement.", "kind")
    if happened_on is None:
        raise StartupError("Date : indiquez la date de l'événement.", "happened_on")
    if happened_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise StartupError(f"Date : le {date_fr(happened_on)} est à plus d'un an ; choisissez une date plus proche.",
                           "happened_on")


def _check_committee_event(kinds, records_committees: bool) -> None:
    """A `committee` event counts as a committee held (committees.due): the next one falls due six months
    later. Only who runs the startup's committees (committee.edit, checked by the view) adds, changes or
    retypes one; otherwise the team would clear its own overdue committee without one being held."""
    if EventKind.COMMITTEE in kinds and not records_committees:
        raise StartupError("Type : un passage en comité compte comme un comité tenu pour l'échéance du suivant ; "
                           "seuls le coach de la startup et l'équipe de son incubateur l'ajoutent ou le modifient.",
                           "kind")


def add_event(startup: Startup, *, kind: EventKind, happened_on: dt.date, comment: str | None,
              actor: Person | None, today: dt.date, records_committees: bool = False) -> Event:
    _check_event(kind, happened_on, today)
    _check_committee_event({kind}, records_committees)
    event = Event(position=next_event_position(startup), kind=kind, happened_on=happened_on,
                  comment=clean_text(comment, "Commentaire", max_length=2000, multiline=True, field="comment"))
    startup.events.append(event)
    flush(f"La chronologie de « {startup.name} »")
    record("event.created", "event", event.id, actor=actor, startup_id=startup.id, after=event_state(event))
    return event


def edit_event(event: Event, *, kind: EventKind, happened_on: dt.date, comment: str | None,
               actor: Person | None, today: dt.date, expected: str | None, records_committees: bool = False) -> bool:
    what = "Cet événement"
    check_fingerprint(event_state(event), expected, what)
    _check_event(kind, happened_on, today)
    _check_committee_event({kind, event.kind}, records_committees)
    before = event_state(event)
    event.kind, event.happened_on = kind, happened_on
    event.comment = clean_text(comment, "Commentaire", max_length=2000, multiline=True, field="comment")
    before, after = changes(before, event_state(event))
    if not after:
        return False
    event.source = Source.JALONS  # corrected here: the next import keeps it (startups/importer.py)
    flush(what)
    record("event.updated", "event", event.id, actor=actor, startup_id=event.startup_id, before=before, after=after)
    return True
