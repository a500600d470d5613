"""Builders for the committee reminder tests: people, team roles, committees in every state."""

import datetime as dt
import itertools

from committees.models import (
    Committee,
    CommitteeKind,
    CommitteeStatus,
    Decision,
    DecisionKind,
    Participant,
    ParticipantRole,
    SignOff,
)
from core import clock
from core.db import db
from users.models import IncubatorStaff, Membership, Person, StartupRole

_sequence = itertools.count(1)
PARIS = dt.timezone(dt.timedelta(hours=1))  # Paris in winter (CET), enough for the dates of these tests


def make_person(name: str | None = None, email: str | None = "", **fields) -> Person:
    """email="" (the default) gives a unique address; None, a person without one."""
    n = next(_sequence)
    person = Person(name=name or f"Personne {n}", email=f"personne-{n}@example.gouv.fr" if email == "" else email, **fields)
    db.session.add(person)
    db.session.flush()
    return person


def make_member(person: Person, startup, role: StartupRole, starts_on=dt.date(2020, 1, 1), ends_on=None) -> Membership:
    membership = Membership(person=person, startup_id=startup.id, role=role, starts_on=starts_on, ends_on=ends_on)
    db.session.add(membership)
    db.session.flush()
    return membership


def make_staff(person: Person, incubator_id: str, starts_on=dt.date(2020, 1, 1)) -> IncubatorStaff:
    staff = IncubatorStaff(person=person, incubator_id=incubator_id, starts_on=starts_on)
    db.session.add(staff)
    db.session.flush()
    return staff


def at(day: str, hour: int = 14) -> dt.datetime:
    """A committee's date and time (Paris, winter), as an aware datetime."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), PARIS).astimezone(dt.timezone.utc)


def make_committee(startup, status=CommitteeStatus.PLANNED, *, scheduled_at=None, held_on=None, chair=None,
                   participants=(), decided_at=None, sign_off=SignOff.PENDING, **fields) -> Committee:
    """participants: (person, ParticipantRole) pairs."""
    committee = Committee(startup=startup, kind=CommitteeKind.SEMESTRIAL, status=status,
                          scheduled_at=scheduled_at, held_on=held_on, chair=chair, **fields)
    for person, role in participants:
        committee.participants.append(Participant(person=person, role=role))
    if status in (CommitteeStatus.DECIDED, CommitteeStatus.SIGNED_OFF) or decided_at is not None:
        committee.decision = Decision(
            kind=DecisionKind.CONTINUE,
            decided_at=decided_at or clock.now(),
            sign_off=SignOff.SIGNED if status == CommitteeStatus.SIGNED_OFF else sign_off,
        )
    db.session.add(committee)
    db.session.flush()
    return committee
