"""« Mon espace » runs the same number of SQL statements for a person with 1 startup or with 51, every
section shown (intrapreneur, coach, sponsor, incubator staff, admin)."""

import datetime as dt

import pytest

from committees.models import (
    ActionItem,
    Committee,
    CommitteeKind,
    CommitteeStatus,
    Decision,
    DecisionKind,
    Participant,
    ParticipantRole,
)
from core import clock
from core.db import db
from indicators.models import Category, Indicator
from presentations.models import Presentation, PresentationStatus
from tests.factories import login, make_incubator, make_incubator_staff, make_membership, make_person, make_startup

MAX_QUERIES = 20


def build(count: int):
    from grids.versions import seed_official_grids
    from indicators.queries import official_grids

    today, now = clock.today(), clock.now()
    seed_official_grids(official_grids(), now=now)
    incubator = make_incubator(name=f"Incubateur de {count}")
    person = make_person(f"Personne aux {count} startups", is_admin=True)
    recorder = make_person("Coach qui saisit")
    make_incubator_staff(person, incubator)
    for n in range(count):
        startup = make_startup(name=f"Startup {count}-{n}", incubator_id=incubator.id,
                               phases=[("construction", today - dt.timedelta(days=210))])
        for role in ("intrapreneur", "coach", "sponsor"):
            make_membership(person, startup, role)
        planned = Committee(startup=startup, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.PLANNED,
                            scheduled_at=now + dt.timedelta(days=20))
        planned.participants.append(Participant(person=person, role=ParticipantRole.SPONSOR))
        # The decisions to sign off: of startups the person sponsors without being in their team (the team
        # does not review what concerns it).
        sponsored = make_startup(name=f"Startup {count}-{n} parrainée", incubator_id=incubator.id,
                                 phases=[("construction", today - dt.timedelta(days=210))])
        make_membership(person, sponsored, "sponsor")
        decided = Committee(startup=sponsored, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.DECIDED,
                            scheduled_at=now - dt.timedelta(days=230), held_on=today - dt.timedelta(days=230))
        decided.decision = Decision(kind=DecisionKind.CONTINUE, decided_by=recorder,
                                    decided_at=now - dt.timedelta(days=9))
        decided.action_items.append(ActionItem(title=f"Action {n}", owner=person, due_on=today))
        db.session.add_all([planned, decided])
        db.session.add(Presentation(committee=planned, status=PresentationStatus.SUBMITTED))
        db.session.add(Indicator(startup=startup, name="Usagers", category=Category.NORTH_STAR,
                                 created_at=now - dt.timedelta(days=100)))
    # The grids to fill: a committee of a startup the person sponsors without being in its team (the team
    # does not score itself).
    judged = make_startup(name=f"Startup {count} jugée", incubator_id=incubator.id,
                          phases=[("construction", today - dt.timedelta(days=210))])
    make_membership(person, judged, "sponsor")
    jury = Committee(startup=judged, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.PLANNED,
                     scheduled_at=now + dt.timedelta(days=20))
    jury.participants.append(Participant(person=person, role=ParticipantRole.SPONSOR))
    db.session.add(jury)
    db.session.flush()
    return person


def measure(client, count_queries, count: int) -> tuple[int, str]:
    person = build(count)
    login(client, person)
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get("/espace/")
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.fixture
def small(client, count_queries, session):
    counted = measure(client, count_queries, 1)
    session.rollback()
    # The first build's objects are gone with the rollback: nothing of them must be reloaded.
    db.session.expunge_all()
    return counted


def test_the_page_runs_the_same_statements_for_1_or_51_startups(client, count_queries, small):
    small_count, small_page = small
    large_count, large_page = measure(client, count_queries, 51)
    for page in (small_page, large_page):
        for section in ("Mes startups", "Les startups que j'accompagne", "Incubateur : Incubateur de",
                        "Décisions en attente de ma validation", "Grilles que je n", "Alertes du portefeuille"):
            assert section in page, f"{section} missing: the comparison would prove less"
    assert "Décisions en attente de ma validation (51)" in large_page
    assert large_count == small_count
    assert large_count <= MAX_QUERIES, large_count
