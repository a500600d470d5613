"""Reading committees: a committee with what its page shows, a startup's committees, an incubator's
calendar, a person's committees, the iCalendar feeds' committees. Read-only."""

import dataclasses
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from committees.models import (
    ActionItem,
    Committee,
    CommitteeStatus,
    Decision,
    Participant,
    SignOff,
)
from committees.services import notices
from core import clock
from core.db import db
from core.text import fold
from indicators import queries as indicator_queries
from startups.models import Event, EventKind, Source, Startup
from users import permissions
from users.models import IncubatorStaff, Membership, Person, StartupRole


def committee_options():
    return (joinedload(Committee.startup), joinedload(Committee.chair), selectinload(Committee.decision))


def load_committee(committee_id: int) -> Committee | None:
    return db.session.scalars(
        sa.select(Committee)
        .where(Committee.id == committee_id, Committee.archived_at.is_(None))
        .options(joinedload(Committee.startup), joinedload(Committee.chair),
                 selectinload(Committee.participants).joinedload(Participant.person),
                 selectinload(Committee.decision),
                 selectinload(Committee.action_items).joinedload(ActionItem.owner))
    ).first()


def carried_items(committee: Committee) -> list[ActionItem]:
    """The earlier committees' open action items on this committee's agenda."""
    return list(db.session.scalars(
        sa.select(ActionItem)
        .where(ActionItem.carried_into_id == committee.id)
        .options(joinedload(ActionItem.owner), joinedload(ActionItem.committee))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
    ))


def startup_committees(startup_id: str) -> list[Committee]:
    return list(db.session.scalars(
        sa.select(Committee)
        .where(Committee.startup_id == startup_id, Committee.archived_at.is_(None))
        .options(*committee_options())
        .order_by(Committee.scheduled_at.desc().nulls_first(), Committee.id.desc())
    ))


def history_committees(startup_id: str) -> list[Event]:
    """The committees of the imported beta.gouv.fr history (timeline events of kind committee), most recent
    first: held before Jalons, they have no Committee row but are the startup's committees all the same."""
    return list(db.session.scalars(
        sa.select(Event)
        .where(Event.startup_id == startup_id, Event.kind == EventKind.COMMITTEE, Event.source == Source.BETAGOUV)
        .order_by(Event.happened_on.desc(), Event.position.desc())
    ))


def incubator_calendar(incubator_id: str, now: dt.datetime, held_limit: int = 100) -> dict[str, list[Committee]]:
    """An incubator's committees in three lists, in a fixed number of queries whatever their number:
    upcoming; past their date but not closed (to mark held, to decide, to sign off); signed off."""
    base = (
        sa.select(Committee)
        .join(Startup, Committee.startup_id == Startup.id)
        .where(Startup.incubator_id == incubator_id, Committee.archived_at.is_(None))
        .options(*committee_options())
    )
    upcoming = db.session.scalars(
        base.where(Committee.status.in_([CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED]),
                   sa.or_(Committee.scheduled_at.is_(None), Committee.scheduled_at >= now))
        .options(selectinload(Committee.participants))
        .order_by(Committee.scheduled_at.nulls_last())
    ).all()
    awaiting = db.session.scalars(
        base.where(sa.or_(
            Committee.status.in_([CommitteeStatus.HELD, CommitteeStatus.DECIDED]),
            sa.and_(Committee.status == CommitteeStatus.PLANNED, Committee.scheduled_at < now),
        )).order_by(Committee.scheduled_at)
    ).all()
    held = db.session.scalars(
        base.where(Committee.status == CommitteeStatus.SIGNED_OFF)
        .order_by(Committee.scheduled_at.desc()).limit(held_limit)
    ).all()
    return {"upcoming": list(upcoming), "awaiting": list(awaiting), "held": list(held)}


def _visible_startups(person: Person, today: dt.date):
    """The ids of the startups whose committees the person sees (memberships, incubator staff)."""
    members = sa.select(Membership.startup_id).where(
        Membership.person_id == person.id, Membership.starts_on <= today,
        sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= today))
    staff = sa.select(Startup.id).join(IncubatorStaff, IncubatorStaff.incubator_id == Startup.incubator_id).where(
        IncubatorStaff.person_id == person.id, IncubatorStaff.starts_on <= today,
        sa.or_(IncubatorStaff.ends_on.is_(None), IncubatorStaff.ends_on >= today))
    return members.union(staff)


def _startups_with_roles(person: Person, today: dt.date, roles: Sequence[StartupRole]):
    return sa.select(Membership.startup_id).where(
        Membership.person_id == person.id, Membership.role.in_(list(roles)), Membership.starts_on <= today,
        sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= today))


def my_committees(person: Person, now: dt.datetime, limit: int = 100) -> dict[str, list[Committee]]:
    """The committees page of a person: upcoming ones they may see, those they may decide, those they
    may sign off."""
    today = clock.day_of(now)
    base = sa.select(Committee).where(Committee.archived_at.is_(None)).options(*committee_options())
    if not person.is_admin:
        base = base.where(Committee.startup_id.in_(_visible_startups(person, today)))
    # A participant without a role in the startup (the DINUM portfolio manager) sees the committees they
    # are invited to.
    invited = sa.select(Committee).where(Committee.archived_at.is_(None)).options(*committee_options())
    if not person.is_admin:
        invited = invited.where(sa.or_(
            Committee.startup_id.in_(_visible_startups(person, today)),
            Committee.id.in_(sa.select(Participant.committee_id).where(Participant.person_id == person.id))))
    upcoming = db.session.scalars(
        invited.where(Committee.status == CommitteeStatus.PLANNED, Committee.scheduled_at >= now)
        .order_by(Committee.scheduled_at).limit(limit)).all()
    decide = base.where(sa.or_(Committee.status == CommitteeStatus.HELD,
                               sa.and_(Committee.status == CommitteeStatus.PLANNED, Committee.scheduled_at < now)))
    if not person.is_admin:
        staff_startups = sa.select(Startup.id).join(IncubatorStaff, IncubatorStaff.incubator_id == Startup.incubator_id).where(
            IncubatorStaff.person_id == person.id, IncubatorStaff.starts_on <= today,
            sa.or_(IncubatorStaff.ends_on.is_(None), IncubatorStaff.ends_on >= today))
        decide = decide.where(sa.or_(
            Committee.startup_id.in_(_startups_with_roles(person, today, [StartupRole.COACH])),
            Committee.startup_id.in_(staff_startups)))
    to_decide = db.session.scalars(decide.order_by(Committee.scheduled_at).limit(limit)).all()
    # Only the decisions the person may sign off (users/permissions.py): a current sponsor of the startup
    # who neither recorded the decision, nor chaired the committee, nor is in the startup's team; an admin
    # who is not one signs nothing.
    sign = base.join(Decision, Decision.committee_id == Committee.id).where(
        Committee.status == CommitteeStatus.DECIDED, Decision.sign_off == SignOff.PENDING,
        Committee.startup_id.in_(_startups_with_roles(person, today, [StartupRole.SPONSOR])),
        Committee.startup_id.not_in(
            _startups_with_roles(person, today, [StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER])),
        sa.or_(Decision.decided_by_id.is_(None), Decision.decided_by_id != person.id),
        sa.or_(Committee.chair_id.is_(None), Committee.chair_id != person.id))
    to_sign = db.session.scalars(sign.order_by(Committee.scheduled_at).limit(limit)).all()
    return {"upcoming": list(upcoming), "to_decide": list(to_decide), "to_sign": list(to_sign)}


def person_feed_committees(person: Person) -> list[Committee]:
    """The committees of a person's calendar: those they chair or attend, cancelled ones included (so that
    calendar apps remove them)."""
    attends = sa.select(Participant.committee_id).where(Participant.person_id == person.id)
    return list(db.session.scalars(
        sa.select(Committee)
        .where(Committee.archived_at.is_(None), Committee.scheduled_at.is_not(None),
               sa.or_(Committee.chair_id == person.id, Committee.id.in_(attends)))
        .options(joinedload(Committee.startup), joinedload(Committee.chair),
                 selectinload(Committee.participants).joinedload(Participant.person))
        .order_by(Committee.scheduled_at)
    ))


def incubator_feed_committees(incubator_id: str) -> list[Committee]:
    return list(db.session.scalars(
        sa.select(Committee)
        .join(Startup, Committee.startup_id == Startup.id)
        .where(Startup.incubator_id == incubator_id, Committee.archived_at.is_(None),
               Committee.scheduled_at.is_not(None))
        .options(joinedload(Committee.startup), joinedload(Committee.chair),
                 selectinload(Committee.participants).joinedload(Participant.person))
        .order_by(Committee.scheduled_at)
    ))




@dataclasses.dataclass
class TeamTodo:
    """What the startup's team has to do before its committee, and by when."""

    presentation: list[str]  # what to do about the presentation and by when, in words (presentations area)
    missing_months: list[dt.date]  # months of indicator values not entered


def team_todo(committee: Committee, person: Person, today: dt.date) -> TeamTodo | None:
    """For a member of the startup's team (intrapreneur, team member), while the committee is to come:
    the presentation to submit one week before it, or its state, and the months of values to enter."""
    team = {StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER}
    if committee.status not in (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED) or committee.archived_at is not None \
            or not permissions.startup_roles(person, committee.startup_id, today) & team:
        return None
    return TeamTodo(
        presentation=notices("team", committee),
        missing_months=indicator_queries.missing_months([committee.startup_id], today).get(committee.startup_id, []),
    )


def known_people(committee: Committee, today: dt.date) -> list[Person]:
    """The people a committee of this startup is likely to invite, by name, in one statement: its team
    (current roles), its incubator's current staff, and whoever took part in a committee of a startup of
    that incubator (the DINUM portfolio manager, the sponsors' delegates…). Active people only, not those
    already invited."""
    startup = committee.startup
    current = lambda model: sa.and_(model.starts_on <= today, sa.or_(model.ends_on.is_(None), model.ends_on >= today))  # noqa: E731
    circle = sa.union(
        sa.select(Membership.person_id).where(Membership.startup_id == startup.id, current(Membership)),
        sa.select(IncubatorStaff.person_id).where(IncubatorStaff.incubator_id == startup.incubator_id,
                                                  current(IncubatorStaff)),
        sa.select(Participant.person_id).join(Committee, Committee.id == Participant.committee_id)
        .join(Startup, Startup.id == Committee.startup_id)
        .where(sa.or_(Startup.id == startup.id, Startup.incubator_id == startup.incubator_id)),
    )
    invited = {p.person_id for p in committee.participants}
    people = db.session.scalars(
        sa.select(Person).where(Person.id.in_(circle), Person.archived_at.is_(None), Person.anonymised_at.is_(None))
        .options(joinedload(Person.organisation)).order_by(Person.name, Person.id)
    ).all()
    return [p for p in people if p.id not in invited]


def find_people(committee: Committee, text: str, today: dt.date) -> list[Person]:
    """Whom « text » names: an e-mail address (« Nom <adresse> » as the suggestions give it, or the address
    alone) is looked up among everyone in Jalons; words are looked up in the names of known_people(),
    accents and case aside, every word having to appear."""
    text = (text or "").strip()
    address = text[text.rindex("<") + 1:text.rindex(">")] if "<" in text and text.endswith(">") else text
    if "@" in address:
        person = db.session.scalar(sa.select(Person).where(Person.email == address.strip().lower()))
        return [person] if person is not None and person.is_active else []
    words = fold(text).split()
    return [p for p in known_people(committee, today) if words and all(w in fold(p.name) for w in words)]
