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


def make_person(name: str | None = None, **fields):
    """A person with an account (active), optionally admin (is_admin=True)."""
    from users.models import Person

    n = next(_sequence)
    person = Person(name=name or f"Personne {n}", email=fields.pop("email", f"personne-{n}@example.gouv.fr"), **fields)
    db.session.add(person)
    db.session.flush()
    return person


def make_membership(person, startup, role: str, starts_on: dt.date = dt.date(2020, 1, 1), ends_on=None):
    """person holds role ("intrapreneur", "coach", "sponsor", "team_member") in startup's team."""
    from users.models import Membership, StartupRole

    membership = Membership(person=person, startup_id=startup.id, role=StartupRole(role), starts_on=starts_on,
                            ends_on=ends_on)
    db.session.add(membership)
    db.session.flush()
    return membership


def login(client, person) -> None:
    """Log person in on the test client, without going through the login pages."""
    with client.session_transaction() as session:
        session["person_id"] = person.id
