"""How the audit pages read what the log recorded: French labels of actions, object types and fields, and how
each field's values are written (enums by their label, dates in French, datetimes in Paris time, money in
euros, people by their current name, lists of records as lines).

Each area registers its own actions and object types (the audit area comes before them in the import
order, so it cannot know their enums): `register_action` and `register_object`, from the area's
`audit_labels` module. Nothing here changes the log: the values stay as they were recorded, only their
display is French. A field is looked up in its action's fields, then its object type's, then the common
ones; a field registered with `HIDDEN` (or an unregistered id) is internal and not shown.
"""

import dataclasses
import datetime as dt
import decimal
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from core.formats import date_fr, money_fr, number_fr

PARIS = ZoneInfo("Europe/Paris")

People = Mapping[int, str]
Value = str | list[str]  # a list: one line each
Row = tuple[str, Value, Value]  # (field label, before, after); "" when the side was not recorded


def at_paris(value: dt.datetime) -> str:
    """« 27 novembre 2026 à 14 h 05 », in Paris time."""
    local = value.astimezone(PARIS)
    return f"{date_fr(local.date())} à {local.hour} h {local.minute:02d}"


# -- value formats ------------------------------------------------------------------------------------

class Format:
    """Writes one recorded value in French; the values that name people say which (for one query)."""

    def __call__(self, value: Any, people: People) -> Value:
        return plain(value)

    def person_ids(self, value: Any) -> Iterable[int]:
        return ()

    def references(self, value: Any) -> Iterable[tuple[str, Any]]:
        """(kind, id) of the other records the value names (incubators, organisations…), for one query
        per kind of their current names; they come back in `people` under the key (kind, id)."""
        return ()


def plain(value: Any) -> str:
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, (int, float)):
        return number_fr(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value if v not in (None, ""))
    return str(value)


TEXT = Format()


class Verbatim(Format):
    """As recorded (a year, a code): no thousands separator."""

    def __call__(self, value, people):
        return str(value)


VERBATIM = Verbatim()


class Enum(Format):
    """A coded value by its enum's French label (the raw code when the enum no longer knows it)."""

    def __init__(self, enum_class: type[enum.Enum]):
        self.enum_class = enum_class

    def __call__(self, value, people):
        if isinstance(value, list):
            return ", ".join(self(v, people) for v in value)
        try:
            return self.enum_class(value).label
        except (ValueError, KeyError, AttributeError):
            return plain(value)


class Choice(Format):
    """A coded value from a fixed table of labels."""

    def __init__(self, labels: Mapping[Any, str]):
        self.labels = labels

    def __call__(self, value, people):
        return self.labels.get(value, plain(value))


class Date(Format):
    def __call__(self, value, people):
        try:
            return date_fr(dt.date.fromisoformat(str(value)[:10]))
        except ValueError:
            return plain(value)


class DateTime(Format):
    """An aware datetime in Paris time; a bare date as a date."""

    def __call__(self, value, people):
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return plain(value)
        if parsed.tzinfo:
            return at_paris(parsed)
        return date_fr(dt.date(parsed.year, parsed.month, parsed.day))  # a bare date, not an instant


class Money(Format):
    def __call__(self, value, people):
        return money_fr(value) if isinstance(value, int) else plain(value)


class Number(Format):
    """A number recorded as a decimal string (« 1200.5 ») written the French way (« 1 200,5 »)."""

    def __call__(self, value, people):
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return plain(value)
        if not number.is_finite():
            return plain(value)
        whole, _, fraction = format(abs(number), "f").partition(".")
        fraction = fraction.rstrip("0")
        text = ("-" if number < 0 else "") + number_fr(int(whole))
        return f"{text},{fraction}" if fraction else text


class Unit(Format):
    """A count with its unit: « 50 minutes », « 1 personne »."""

    def __init__(self, singular: str, plural: str):
        self.singular, self.plural = singular, plural

    def __call__(self, value, people):
        if isinstance(value, list):
            value = len(value)
        if not isinstance(value, int):
            return plain(value)
        return f"{number_fr(value)} {self.singular if value <= 1 else self.plural}"


class PersonName(Format):
    """A person id by the person's current name (an anonymised person shows anonymised)."""

    def __call__(self, value, people):
        if isinstance(value, int) and not isinstance(value, bool):
            return people.get(value, f"personne n° {value}")
        return plain(value)

    def person_ids(self, value):
        return [value] if isinstance(value, int) and not isinstance(value, bool) else []


class Reference(Format):
    """An id (or a list of ids) of a record of another area, by its current name; an id whose record is
    gone shows as recorded. The area registers how to read the names: `register_reference`."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, value, people):
        if isinstance(value, list):
            return ", ".join(self(item, people) for item in value if not _empty(item))
        return people.get((self.kind, value), plain(value))

    def references(self, value):
        return [(self.kind, item) for item in (value if isinstance(value, list) else [value]) if not _empty(item)]


class Lines(Format):
    """A list of records (participants, criteria, objectives…), one French line each: the record's shown
    fields, formatted, joined by « , » (or written by `line_text` from the formatted fields, "" when empty)."""

    def __init__(self, fields: Mapping[str, "Field"], line_text: Callable[[dict[str, str]], str] | None = None):
        self.fields = fields
        self.line_text = line_text

    def line(self, record: Any, people: People) -> str:
        if not isinstance(record, Mapping):
            return plain(record)
        parts = {}
        for key, field in self.fields.items():
            value = record.get(key)
            parts[key] = "" if field.label is None or _empty(value) else _flat(field.format(value, people))
        if self.line_text is not None:
            return self.line_text(parts)
        return ", ".join(text for text in parts.values() if text)

    def __call__(self, value, people):
        if isinstance(value, Mapping):
            return [self.line(value, people)]
        if not isinstance(value, list):
            return plain(value)
        return [self.line(record, people) for record in value]

    def person_ids(self, value):
        records = value if isinstance(value, list) else [value]
        return [pid for record in records if isinstance(record, Mapping)
                for key, field in self.fields.items() for pid in field.format.person_ids(record.get(key))]


class Mapping_(Format):
    """A {key: value} record as « key : value » lines (scores by criterion…)."""

    def __call__(self, value, people):
        if not isinstance(value, Mapping):
            return plain(value)
        return [f"{key} : {plain(item)}" for key, item in value.items()]


DATE, DATETIME, MONEY, NUMBER, PERSON, MAPPING = Date(), DateTime(), Money(), Number(), PersonName(), Mapping_()


@dataclasses.dataclass(frozen=True)
class Field:
    label: str | None  # None: internal, never shown
    format: Format = TEXT


HIDDEN = Field(None)


def field(label: str, format: Format = TEXT) -> Field:
    return Field(label, format)


# -- the registry -------------------------------------------------------------------------------------

FieldsSpec = Mapping[str, Field | str]
RowsHook = Callable[[dict, dict, People], list[Row]]

_actions: dict[str, str] = {}
_objects: dict[str, str] = {}
_fields: dict[str, dict[str, Field]] = {"*": {}}  # scope (an action, an object type, "*") → field → Field
_rows: dict[str, RowsHook] = {}
_references: dict[str, Callable[[set], Mapping[Any, str]]] = {}  # kind → ids → {id: current name}


def _as_fields(fields: FieldsSpec | None) -> dict[str, Field]:
    return {key: spec if isinstance(spec, Field) else Field(spec) for key, spec in (fields or {}).items()}


def register_action(action: str, label: str, *, fields: FieldsSpec | None = None,
                    rows: RowsHook | None = None) -> None:
    """The French label of an action; fields that read differently for it; or a hook writing its rows."""
    _actions[action] = label
    if fields:
        _fields.setdefault(action, {}).update(_as_fields(fields))
    if rows is not None:
        _rows[action] = rows


def register_actions(labels: Mapping[str, str]) -> None:
    for action, label in labels.items():
        register_action(action, label)


def register_object(object_type: str, label: str, fields: FieldsSpec | None = None) -> None:
    _objects[object_type] = label
    _fields.setdefault(object_type, {}).update(_as_fields(fields))


def register_reference(kind: str, names: Callable[[set], Mapping[Any, str]]) -> None:
    """How to read the current names of records of `kind` (one query for a set of ids)."""
    _references[kind] = names


def reference_names(wanted: Iterable[tuple[str, Any]]) -> dict[tuple[str, Any], str]:
    """{(kind, id): current name} of the references wanted: one query per kind."""
    by_kind: dict[str, set] = {}
    for kind, id_ in wanted:
        by_kind.setdefault(kind, set()).add(id_)
    return {(kind, id_): name for kind, ids in by_kind.items() if kind in _references
            for id_, name in _references[kind](ids).items()}


def register_common(fields: FieldsSpec) -> None:
    """Fields that read the same whatever the object (archiving dates…)."""
    _fields["*"].update(_as_fields(fields))


def action_label(action: str) -> str:
    """The French label of an action; an unknown one reads as a generic change, never as its code."""
    return _actions.get(action, "Modification")


def action_labels() -> dict[str, str]:
    return dict(_actions)


def object_label(object_type: str) -> str:
    return _objects.get(object_type, "Autre")


def is_internal(key: str) -> bool:
    return key in ("id", "version") or key.endswith("_id") or key.endswith("_ids")


def field_for(action: str, object_type: str, key: str) -> Field:
    for scope in (action, object_type, "*"):
        found = _fields.get(scope, {}).get(key)
        if found is not None:
            return found
    return HIDDEN if is_internal(key) else Field(key.replace("_", " ").capitalize())


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _flat(value: Value) -> str:
    return value if isinstance(value, str) else " ; ".join(value)


def value_text(fmt: Format, value: Any, people: People) -> Value:
    if _empty(value):
        return "—"
    return fmt(value, people)


def change_rows(action: str, object_type: str, before: dict | None, after: dict | None, people: People) -> list[Row]:
    """(field, before, after) of an event for display, internal fields left out. A change reads as what
    changed: a field recorded the same on both sides is left out (some events record a whole record, and
    events recorded before every service kept only the changes), and of a list (participants, criteria…)
    only the lines that differ show."""
    before, after = before or {}, after or {}
    if action in _rows:
        return _rows[action](before, after, people)
    rows = []
    for key in dict.fromkeys([*after, *before]):
        spec = field_for(action, object_type, key)
        if spec.label is None:
            continue
        if _empty(before.get(key)) and _empty(after.get(key)):
            continue  # an empty field of a record created or removed says nothing
        if key in before and key in after and before[key] == after[key]:
            continue  # unchanged
        old = value_text(spec.format, before.get(key), people) if key in before else ""
        new = value_text(spec.format, after.get(key), people) if key in after else ""
        if isinstance(old, list) and isinstance(new, list):
            old, new = [line for line in old if line not in new], [line for line in new if line not in old]
            if not old and not new:
                continue  # the same lines in another order
        rows.append((spec.label, old, new))
    return rows


def person_ids(action: str, object_type: str, values: Mapping | None) -> set[int]:
    """The people an event's values name, for one query of their current names."""
    ids: set[int] = set()
    for key, value in (values or {}).items():
        ids.update(field_for(action, object_type, key).format.person_ids(value))
    return ids


def references(action: str, object_type: str, values: Mapping | None) -> set[tuple[str, Any]]:
    """The other records an event's values name, as (kind, id)."""
    found: set[tuple[str, Any]] = set()
    for key, value in (values or {}).items():
        found.update(field_for(action, object_type, key).format.references(value))
    return found


register_common({
    "archived_at": field("Archivage", DATETIME),
    "anonymised_at": field("Anonymisation", DATETIME),
    "created_at": HIDDEN,
    "updated_at": HIDDEN,
    "version": HIDDEN,
    "position": HIDDEN,
    "person_id": field("Personne", PERSON),
    "name": "Nom",
    "comment": "Commentaire",
    "description": "Description",
    "status": "Statut",
})

# The users area comes before the audit area: its actions are registered here.
register_object("person", "Personne", {"is_dinum_finance": "Finance DINUM", "email": "Adresse e-mail",
                                        "is_admin": "Administrateur·rice",
                                        "organisation_id": field("Organisation", Reference("organisation"))})
register_actions({
    "person.created": "Compte créé",
    "person.archived": "Compte archivé",
    "person.restored": "Compte rouvert",
    "person.admin_granted": "Rôle d'administrateur accordé",
    "person.admin_removed": "Rôle d'administrateur retiré",
    "person.anonymised": "Anonymisation d'une personne",
    "person.login_link_issued": "Lien de connexion délivré par un opérateur (ligne de commande)",
    "person.dinum_finance_granted": "Habilitation finance DINUM accordée",
    "person.dinum_finance_removed": "Habilitation finance DINUM retirée",
    "calendar_token.created": "Lien d'abonnement à l'agenda créé",
    "calendar_token.regenerated": "Lien d'abonnement à l'agenda renouvelé",
})
