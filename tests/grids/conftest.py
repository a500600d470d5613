"""Fixtures of the grids tests: the official grids seeded (as `flask grids seed` does) and a committee
with participants in every role."""

import datetime as dt
import types

import pytest

from committees.models import Committee, CommitteeKind, CommitteeStatus, Participant, ParticipantRole
from core.db import db
from grids.versions import seed_official_grids
from indicators.queries import official_grids
from tests.factories import make_incubator, make_membership, make_person, make_startup

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def templates(session):
    """The three official grids, version 1, by code."""
    seed_official_grids(official_grids(), now=NOW)
    from grids.models import GridTemplate
    import sqlalchemy as sa

    return {t.code: t for t in db.session.scalars(sa.select(GridTemplate))}


def make_committee(startup, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.PLANNED, participants=()) -> Committee:
    """participants: (person, ParticipantRole) pairs."""
    committee = Committee(startup=startup, kind=kind, status=status,
                          scheduled_at=dt.datetime(2026, 12, 10, 13, 0, tzinfo=dt.timezone.utc))
    for person, role in participants:
        committee.participants.append(Participant(person=person, role=role))
    db.session.add(committee)
    db.session.flush()
    return committee


@pytest.fixture
def world(templates):
    """A startup with its team, and a planned semestrial committee: sponsor, incubator head and portfolio
    manager evaluate; the intrapreneur takes part without evaluating; outsiders have no role."""
    incubator = make_incubator()
    startup = make_startup(name="Mon Service Public", incubator=incubator)
    people = types.SimpleNamespace(
        sponsor=make_person("Sophie Sponsor"),
        head=make_person("Hugo Responsable"),
        manager=make_person("Maya Portefeuille"),
        intrapreneur=make_person("Inès Intrapreneure"),
        coach=make_person("Camille Coach"),
        outsider=make_person("Octave Extérieur"),
        admin=make_person("Ada Admin", is_admin=True),
    )
    make_membership(people.intrapreneur, startup, "intrapreneur")
    make_membership(people.coach, startup, "coach")
    make_membership(people.sponsor, startup, "sponsor")
    committee = make_committee(startup, participants=[
        (people.sponsor, ParticipantRole.SPONSOR),
        (people.head, ParticipantRole.INCUBATOR_HEAD),
        (people.manager, ParticipantRole.PORTFOLIO_MANAGER),
        (people.intrapreneur, ParticipantRole.INTRAPRENEUR),
    ])
    # Committed (a savepoint of the test's transaction): a view that rolls back keeps the fixture's rows.
    db.session.commit()
    return types.SimpleNamespace(startup=startup, committee=committee, people=people, templates=templates,
                                 incubator=incubator)
