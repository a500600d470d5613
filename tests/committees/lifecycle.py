"""A startup with its whole cast, and committees brought to each step through the services."""

import dataclasses
import datetime as dt

from committees import decisions, services
from committees.models import Committee, CommitteeKind, DecisionKind, ParticipantRole
from core import clock
from core import dates
from core.db import db
from startups.models import Startup
from startups.phases import Phase
from tests.factories import d, make_incubator, make_membership, make_person, make_startup
from users.models import IncubatorStaff, Person

UTC = dt.timezone.utc
# A fixed "now" for the rules; the dates below are chosen around it.
NOW = dt.datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def ahead(month_day: str | None = None, weekday: int | None = None) -> str:
    """A day to plan a committee on through the pages, which compare with the real today: the first one
    at least 30 days from now with that month and day (« 12-25 ») or that weekday (a working day), never
    more than two years ahead (the bound of core/bounds.py)."""
    day = clock.today() + dt.timedelta(days=30)
    while True:
        if month_day is not None and day.strftime("%m-%d") == month_day:
            return day.isoformat()
        if weekday is not None and day.weekday() == weekday and dates.public_holiday(day) is None:
            return day.isoformat()
        day += dt.timedelta(days=1)


def paris(day: str, hour: int = 14, minute: int = 0) -> dt.datetime:
    return services.paris_to_utc(d(day), dt.time(hour, minute))


@dataclasses.dataclass
class Cast:
    startup: Startup
    intrapreneur: Person
    sponsor: Person
    coach: Person
    head: Person  # incubator staff
    manager: Person  # DINUM portfolio manager (no membership: invited by hand)
    representative: Person  # the partner administration's representative, who chairs (no membership)
    outsider: Person
    admin: Person


def make_staff(person: Person, incubator, starts_on=d("2020-01-01")) -> IncubatorStaff:
    staff = IncubatorStaff(person=person, incubator_id=incubator.id, starts_on=starts_on)
    db.session.add(staff)
    db.session.flush()
    return staff


def cast(phases=(("investigation", d("2026-06-01")),), name: str = "Lieu", incubator=None) -> Cast:
    incubator = incubator or make_incubator()
    startup = make_startup(name=name, phases=phases, incubator_id=incubator.id)
    people = Cast(
        startup=startup,
        intrapreneur=make_person("Inès Intra"),
        sponsor=make_person("Sophie Sponsor"),
        coach=make_person("Camille Coach"),
        head=make_person("Hugo Head"),
        manager=make_person("Paula Portefeuille"),
        representative=make_person("Rémi Représentant"),
        outsider=make_person("Olivier Outsider"),
        admin=make_person("Ada Admin", is_admin=True),
    )
    make_membership(people.intrapreneur, startup, "intrapreneur")
    make_membership(people.sponsor, startup, "sponsor")
    make_membership(people.coach, startup, "coach")
    make_staff(people.head, incubator)
    return people


def plan(c: Cast, when: str = "2026-11-10", now: dt.datetime = NOW, **fields) -> Committee:
    fields.setdefault("kind", CommitteeKind.SEMESTRIAL)
    fields.setdefault("place", "20 avenue de Ségur, Paris")
    fields.setdefault("video_link", None)
    # As the convention says: the partner administration's representative chairs (the DINUM is invited by held()).
    fields.setdefault("chair", c.representative)
    fields.setdefault("participants", services.propose_participants(c.startup, d(when))
                      + [(c.representative, ParticipantRole.PARTNER_REPRESENTATIVE)])
    return services.plan_committee(c.startup, scheduled_at=paris(when), actor=c.coach, now=now, **fields)


def held(c: Cast, when: str = "2026-11-10") -> Committee:
    committee = plan(c, when)
    services.add_participant(committee, c.manager, ParticipantRole.PORTFOLIO_MANAGER, actor=c.coach, now=NOW)
    services.mark_held(committee, actor=c.coach, today=d(when))
    return committee


def decided(c: Cast, when: str = "2026-11-10", kind=DecisionKind.CONTINUE, next_phase: Phase | None = None,
            next_committee_on=d("2027-05-10"), envelope_eur=300_000) -> Committee:
    committee = held(c, when)
    decisions.record_decision(committee, kind=kind, next_phase=next_phase, envelope_eur=envelope_eur, team_size=5,
                             hypotheses="Les agents adoptent l'outil", success_criteria="500 utilisateurs par mois",
                             next_committee_on=next_committee_on, actor=c.coach, now=NOW)
    return committee
