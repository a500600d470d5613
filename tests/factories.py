"""Small factories for tests: build rows with sensible defaults, flush, return them."""

import datetime as dt
import itertools

from core.db import db
from startups.models import Event, EventKind, Incubator, Organisation, PhasePeriod, Startup
from startups.phases import Phase, resolve_starts

_sequence = itertools.count(1)


def make_organisation(id: str | None = None, **fields) -> Organisation:
    n = next(_sequence)
    organisation = Organisation(id=id or f"org-{n}", name=fields.pop("name", f"Administration {n}"), **fields)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_incubator(id: str | None = None, **fields) -> Incubator:
    n = next(_sequence)
    incubator = Incubator(id=id or f"incubateur-{n}", name=fields.pop("name", f"Incubateur {n}"), **fields)
    db.session.add(incubator)
    db.session.flush()
    return incubator


def make_startup(id: str | None = None, phases=(), events=(), sponsors=(), **fields) -> Startup:
    """phases: (phase, start) or (phase, start, end) tuples in source order; events: (kind, date) tuples."""
    n = next(_sequence)
    startup = Startup(id=id or f"startup-{n}", name=fields.pop("name", f"Startup {n}"), **fields)
    for position, spec in enumerate(phases):
        phase, start, end = (tuple(spec) + (None,))[:3]
        startup.periods.append(PhasePeriod(position=position, phase=Phase(phase), start_on=start, end_on=end))
    resolve_starts(startup.periods)
    for position, (kind, on) in enumerate(events):
        startup.events.append(Event(position=position, kind=EventKind(kind), happened_on=on))
    startup.sponsors = list(sponsors)
    db.session.add(startup)
    db.session.flush()
    return startup


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
