"""Small factories for tests: build rows with sensible defaults, flush, return them."""

import datetime as dt
import itertools

from core.db import db
from core.text import fold
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
        session["session_version"] = person.session_version


def bulk_portfolio(count: int, today: dt.date, incubators: int = 5, organisations: int = 8, prefix: str = "lot") -> None:
    """A synthetic portfolio in a handful of bulk INSERTs (1,000 startups in well under a second):
    organisations, incubators owned by them, and `count` startups each with an incubator, one or two
    sponsors, two to three phase periods (one planned after today for every fifth startup) and two
    events. Startup n's current phase cycles through the eight phases; ids are f"{prefix}-{n:04d}"."""
    import sqlalchemy as sa

    from startups.models import startup_sponsors

    phases = list(Phase)
    db.session.execute(sa.insert(Organisation), [
        {"id": f"{prefix}-org-{n}", "name": f"Administration {prefix} {n}", "acronym": f"ADM{n}"} for n in range(organisations)
    ])
    db.session.execute(sa.insert(Incubator), [
        {"id": f"{prefix}-inc-{n}", "name": f"Incubateur {prefix} {n}", "owner_id": f"{prefix}-org-{n % organisations}"}
        for n in range(incubators)
    ])
    startups, sponsors, periods, events = [], [], [], []
    for n in range(count):
        startup_id = f"{prefix}-{n:04d}"
        startups.append({
            "id": startup_id, "name": f"Startup {prefix} {n:04d}", "mission": f"Mission numéro {n}",
            "incubator_id": f"{prefix}-inc-{n % incubators}", "user_types": [], "themes": [], "techno": [],
            # A bulk insert skips the mapper events that fold these (startups.models).
            "sort_name": fold(f"Startup {prefix} {n:04d}"),
            "search_text": fold(f"Startup {prefix} {n:04d} Mission numéro {n}"),
        })
        sponsors.append({"startup_id": startup_id, "organisation_id": f"{prefix}-org-{n % organisations}", "position": 0})
        if n % 3 == 0:
            sponsors.append({"startup_id": startup_id, "organisation_id": f"{prefix}-org-{(n + 1) % organisations}", "position": 1})
        first = today - dt.timedelta(days=400 + n % 300)
        second = today - dt.timedelta(days=30 + n % 200)
        specs = [(Phase.INVESTIGATION, first), (phases[n % len(phases)], second)]
        if n % 5 == 0:
            specs.append((Phase.CONSOLIDATION, today + dt.timedelta(days=60)))
        for position, (phase, start) in enumerate(specs):
            periods.append({"startup_id": startup_id, "position": position, "phase": phase, "start_on": start,
                            "effective_start_on": start, "end_on": None, "comment": None})
        events.append({"startup_id": startup_id, "position": 0, "kind": EventKind.COMMITTEE, "happened_on": first, "comment": None})
        events.append({"startup_id": startup_id, "position": 1, "kind": EventKind.PRODUCT_LAUNCH, "happened_on": second, "comment": None})
    db.session.execute(sa.insert(Startup), startups)
    db.session.execute(sa.insert(startup_sponsors), sponsors)
    db.session.execute(sa.insert(PhasePeriod), periods)
    db.session.execute(sa.insert(Event), events)


def make_incubator_staff(person, incubator, starts_on: dt.date = dt.date(2020, 1, 1), ends_on=None):
    """person is on incubator's staff between the dates."""
    from users.models import IncubatorStaff

    staff = IncubatorStaff(person=person, incubator_id=incubator.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(staff)
    db.session.flush()
    return staff
