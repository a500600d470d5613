"""Who reads the confidential values of the audit trail.

Every page that shows events passes them through `shown()` once, with the viewer. An event of visibility
STANDARD shows as recorded to whoever sees the log where it is. An event carrying confidential content
(grid scores, personal data) still shows — its fact is not confidential: the team may know that a grid
was submitted — but its confidential values are masked, unless the rule of the content itself lets the
viewer see that content. The rule is not copied here: the area that owns the content registers it
(`register`, from its audit_labels module, as it registers its labels), and it is the rule its own pages
ask (the grids area answers with the rule of a committee's grid page). The users area comes before the
audit area: the rule of personal data (person.view) is registered here. An event whose visibility has
no registered rule shows none of its values.

One pass per page: each rule answers for all the page's events of its kind at once, in a few statements,
and none runs when the page holds no confidential event.
"""

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from audit.models import AuditEvent, Visibility
from core.db import db
from users.models import Person
from users.permissions import can, current_person

# Of these records (visibility_ref), the ones whose content the person may see.
MaySee = Callable[[set, Person | None], set]

EVERYTHING = "*"
NOTHING_SHOWN = "masqués : ils ne sont visibles que de qui peut voir leur contenu"


def _named_record(event: AuditEvent) -> Any:
    return event.visibility_ref


@dataclasses.dataclass(frozen=True)
class Rule:
    may_see: MaySee
    # The confidential fields of the events' values, each with the French words shown in its place; None:
    # every value and the reason are confidential, and `notice` shows in their place.
    fields: Mapping[str, str] | None
    notice: str = NOTHING_SHOWN
    # What the rule asks about, read from the event: the record it names (visibility_ref), or else.
    about: Callable[[AuditEvent], Any] = _named_record


_rules: dict[Visibility, Rule] = {}


def register(visibility: Visibility, may_see: MaySee, *, fields: Mapping[str, str] | None = None,
             notice: str = NOTHING_SHOWN, about: Callable[[AuditEvent], Any] = _named_record) -> None:
    _rules[visibility] = Rule(may_see, dict(fields) if fields is not None else None, notice, about)


def _about(event: AuditEvent) -> Any:
    rule = _rules.get(event.visibility)
    return rule.about(event) if rule is not None else event.visibility_ref


@dataclasses.dataclass(frozen=True)
class ShownEvent:
    """An event as one viewer reads it: the values they may not see taken out, and listed in `masked` as
    (field, French notice) — (EVERYTHING, notice) when nothing of the event's values shows."""

    event: AuditEvent
    before: dict | None
    after: dict | None
    reason: str | None
    masked: tuple[tuple[str, str], ...] = ()

    def __getattr__(self, name: str) -> Any:  # at, actor, action, object_type, startup_id…: as recorded
        if name == "event":
            raise AttributeError(name)
        return getattr(self.event, name)


_CURRENT = object()


def shown(events: Iterable[AuditEvent], person: Person | None | object = _CURRENT) -> list[ShownEvent]:
    """The events as `person` (by default the current one) may read them."""
    events = list(events)
    viewer = current_person() if person is _CURRENT else person
    wanted: dict[Visibility, set[int]] = {}
    for event in events:
        if event.visibility is not Visibility.STANDARD and (about := _about(event)) is not None:
            wanted.setdefault(event.visibility, set()).add(about)
    allowed = {visibility: (_rules[visibility].may_see(refs, viewer) if visibility in _rules else set())
               for visibility, refs in wanted.items()}
    return [_shown(event, allowed) for event in events]


def _shown(event: AuditEvent, allowed: Mapping[Visibility, set[int]]) -> ShownEvent:
    if event.visibility is Visibility.STANDARD or _about(event) in allowed.get(event.visibility, ()):
        return ShownEvent(event, event.before, event.after, event.reason)
    rule = _rules.get(event.visibility)
    if rule is None or rule.fields is None:
        return ShownEvent(event, None, None, None, ((EVERYTHING, rule.notice if rule else NOTHING_SHOWN),))
    fields = rule.fields
    masked = tuple((key, notice) for key, notice in fields.items()
                   if any(not _empty((values or {}).get(key)) for values in (event.before, event.after)))

    def kept(values: dict | None) -> dict | None:
        return None if values is None else {key: value for key, value in values.items() if key not in fields}

    return ShownEvent(event, kept(event.before), kept(event.after), event.reason, masked)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


# -- personal data: the person themselves and admins (the rule of /users/<id>) ----------------------------

def _people_seen(refs: set[int], person: Person | None) -> set[int]:
    if person is None:
        return set()
    people = db.session.scalars(sa.select(Person).where(Person.id.in_(refs)))
    return {about.id for about in people if can("person.view", about, person)}


register(Visibility.PERSONAL, _people_seen, notice="réservés à la personne concernée et aux administrateurs")
