"""What a logged-in person has to do, per role, read from the other areas' rules. Read-only.

Bounded: the page runs the same statements whether the person follows 1 or 200 startups. Everything
about the startups in the person's reach (their team roles and their incubators) is read in one pass
(startups, due dates, open committees with their presentation and decision, action items), then split per
role in Python; admins' portfolio alerts are three aggregate statements.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from committees import due as committee_due
from committees.models import ActionItem, Committee, CommitteeStatus, Decision, Participant, SignOff
from core.db import db
from core.formats import months_between
from grids import services as grids_services
from grids.models import FilledGrid, FilledStatus, GridTemplate
from indicators import queries as indicator_queries
from presentations.models import Presentation, PresentationStatus
from startups.kept import current_periods
from startups.models import Incubator, Startup
from startups.phases import TYPICAL_MONTHS, Phase
from startups.queries import without_import_documents
from users import permissions
from users.models import IncubatorStaff, Membership, Person, StartupRole

# The team sends its presentation one week before the committee.
PRESENTATION_DAYS_BEFORE = 7
# How far back « Mon espace » looks for months of indicator values not entered (the values form's span).
MISSING_MONTHS_WINDOW = indicator_queries.MISSING_MONTHS_WINDOW
# A decision waiting for the sponsor longer than this is an alert of the portfolio.
UNSIGNED_ALERT_DAYS = 7
# The longest list shown per kind of item; the count says how many there are.
SHOWN = 20

TEAM_ROLES = (StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER)
OPEN = (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED, CommitteeStatus.HELD, CommitteeStatus.DECIDED)


class PresentationState:
    """The presentation's state as the team reads it: not started, or the Presentation's status."""

    NOT_STARTED = "Non commencée"


@dataclasses.dataclass
class StartupLine:
    """One startup with its committee: due date and status, next open committee, its presentation."""

    startup: Startup
    due: committee_due.CommitteeDue | None
    committee: Committee | None
    presentation: Presentation | None

    @property
    def presentation_due_on(self) -> dt.date | None:
        if self.committee is None or self.committee.local_date is None:
            return None
        return self.committee.local_date - dt.timedelta(days=PRESENTATION_DAYS_BEFORE)

    @property
    def presentation_label(self) -> str:
        return self.presentation.status.label if self.presentation else PresentationState.NOT_STARTED

    @property
    def presentation_done(self) -> bool:
        return self.presentation is not None and self.presentation.status in (
            PresentationStatus.SUBMITTED, PresentationStatus.ACCEPTED)


@dataclasses.dataclass
class Pipeline:
    """A set of startups' committee work: the lists a coach or an incubator's staff acts on."""

    overdue: list[StartupLine] = dataclasses.field(default_factory=list)
    due45: list[StartupLine] = dataclasses.field(default_factory=list)
    planned: list[Committee] = dataclasses.field(default_factory=list)
    awaiting_decision: list[Committee] = dataclasses.field(default_factory=list)
    contested: list[Committee] = dataclasses.field(default_factory=list)
    to_review: list[Committee] = dataclasses.field(default_factory=list)
    actions_due: list[ActionItem] = dataclasses.field(default_factory=list)
    # The startups whose indicator values are missing (indicators.queries.missing_months), with the months.
    missing_indicators: list[tuple[StartupLine, list[dt.date]]] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(getattr(self, f.name)) for f in dataclasses.fields(self))


@dataclasses.dataclass
class Espace:
    person: Person
    today: dt.date
    now: dt.datetime
    # Intrapreneur and team member
    team_startups: list[StartupLine] = dataclasses.field(default_factory=list)
    missing_months: dict[str, list[dt.date]] = dataclasses.field(default_factory=dict)
    my_actions: list[ActionItem] = dataclasses.field(default_factory=list)
    # Coach (their startups) and incubator staff (per incubator)
    is_coach: bool = False
    coached: Pipeline = dataclasses.field(default_factory=Pipeline)
    incubators: list[tuple[Incubator, Pipeline]] = dataclasses.field(default_factory=list)
    # Sponsor
    is_sponsor: bool = False
    to_sign: list[Committee] = dataclasses.field(default_factory=list)
    sponsored: list[StartupLine] = dataclasses.field(default_factory=list)
    # Any evaluator of a committee (sponsor, coach, portfolio manager…)
    grids_to_fill: list[tuple[Committee, GridTemplate]] = dataclasses.field(default_factory=list)
    # Admin
    alerts: "PortfolioAlerts | None" = None

    @property
    def is_team(self) -> bool:
        return bool(self.team_startups)

    @property
    def has_anything(self) -> bool:
        return bool(self.team_startups or self.is_coach or self.incubators or self.is_sponsor
                    or self.grids_to_fill or self.alerts or self.my_actions)


@dataclasses.dataclass
class PortfolioAlerts:
    overdue_per_incubator: list[tuple[Incubator | None, int]]
    unsigned: list[Committee]
    phase_too_long: list[tuple["StartupName", str, dt.date]]

    @property
    def overdue_total(self) -> int:
        return sum(n for _, n in self.overdue_per_incubator)


class StartupName(NamedTuple):
    """A startup as a list of alerts shows it: its page's id and its name."""

    id: str
    name: str


def _current(model, today: dt.date):
    return sa.and_(model.starts_on <= today, sa.or_(model.ends_on.is_(None), model.ends_on >= today))


def espace_of(person: Person, today: dt.date, now: dt.datetime) -> Espace:
    """Everything « Mon espace » shows to person on the day."""
    espace = Espace(person=person, today=today, now=now)
    memberships = db.session.scalars(
        sa.select(Membership).where(Membership.person_id == person.id, _current(Membership, today))
    ).all()
    staff_of = db.session.scalars(
        sa.select(IncubatorStaff).where(IncubatorStaff.person_id == person.id, _current(IncubatorStaff, today))
        .options(joinedload(IncubatorStaff.incubator))
    ).all()
    roles: dict[str, set[StartupRole]] = defaultdict(set)
    for membership in memberships:
        roles[membership.startup_id].add(membership.role)
    staff_incubators = {s.incubator_id: s.incubator for s in staff_of}

    if roles or staff_incubators:
        _fill_startups(espace, roles, staff_incubators)
    espace.grids_to_fill = _grids_to_fill(person)
    if permissions.is_admin(person):
        espace.alerts = portfolio_alerts(today, now)
    return espace


def _fill_startups(espace: Espace, roles: dict[str, set[StartupRole]], staff_incubators: dict) -> None:
    person, today, now = espace.person, espace.today, espace.now
    in_reach = sa.or_(Startup.id.in_(list(roles)), Startup.incubator_id.in_(list(staff_incubators)))
    startups = {s.id: s for s in db.session.scalars(
        sa.select(Startup).where(in_reach, Startup.archived_at.is_(None)).order_by(Startup.name)
        .options(*without_import_documents()))}
    ids = sa.select(Startup.id).where(in_reach, Startup.archived_at.is_(None))

    dues = committee_due.page_due_rows(today, list(startups.values()))
    committees = db.session.execute(
        sa.select(Committee, Presentation)
        .outerjoin(Presentation, Presentation.committee_id == Committee.id)
        .outerjoin(Decision, Decision.committee_id == Committee.id)
        .where(Committee.startup_id.in_(ids), Committee.archived_at.is_(None), Committee.status.in_(OPEN))
        .options(contains_eager(Committee.decision), joinedload(Committee.startup))
        .order_by(Committee.scheduled_at.nulls_last(), Committee.id)
    ).unique().all()
    presentations = {c.id: p for c, p in committees}
    committees = [c for c, _ in committees]
    # The next committee of each startup: the earliest open one not yet held (planned or to plan).
    next_committee: dict[str, Committee] = {}
    for committee in committees:
        if committee.status in (CommitteeStatus.TO_PLAN, CommitteeStatus.PLANNED):
            next_committee.setdefault(committee.startup_id, committee)

    def line(startup_id: str) -> StartupLine:
        committee = next_committee.get(startup_id)
        return StartupLine(startups[startup_id], dues.get(startup_id), committee,
                           presentations.get(committee.id) if committee else None)

    actions = db.session.scalars(
        sa.select(ActionItem).join(Committee, ActionItem.committee_id == Committee.id)
        .where(ActionItem.done_at.is_(None), Committee.archived_at.is_(None),
               sa.or_(ActionItem.owner_id == person.id, Committee.startup_id.in_(ids)))
        .options(joinedload(ActionItem.owner), contains_eager(ActionItem.committee).joinedload(Committee.startup))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
    ).unique().all()

    team = [sid for sid in startups if roles.get(sid, set()) & set(TEAM_ROLES)]
    espace.team_startups = [line(sid) for sid in team]
    espace.my_actions = [a for a in actions if a.owner_id == person.id]
    coached = {sid for sid in startups if StartupRole.COACH in roles.get(sid, set())}
    # One statement for every startup of the page: the team's months to enter, the coach's and the
    # staff's startups with months missing.
    watched = set(team) | coached | ({sid for sid, s in startups.items() if s.incubator_id in staff_incubators})
    missing = indicator_queries.missing_months(sorted(watched), today) if watched else {}
    espace.missing_months = {sid: missing[sid] for sid in team if sid in missing}

    def pipeline(scope) -> Pipeline:
        result = _pipeline(scope, startups, dues, committees, presentations, actions, line, today, now)
        result.missing_indicators = sorted(((line(sid), missing[sid]) for sid in scope if sid in missing),
                                           key=lambda item: item[0].startup.name)
        return result

    espace.is_coach = bool(coached)
    if coached:
        espace.coached = pipeline(coached)
    for incubator_id, incubator in sorted(staff_incubators.items(), key=lambda i: i[1].name):
        scope = {sid for sid, s in startups.items() if s.incubator_id == incubator_id}
        espace.incubators.append((incubator, pipeline(scope)))

    sponsored = [sid for sid in startups if StartupRole.SPONSOR in roles.get(sid, set())]
    espace.is_sponsor = bool(sponsored)
    if sponsored:
        espace.to_sign = sorted(
            (c for c in committees if c.startup_id in sponsored and c.status is CommitteeStatus.DECIDED
             and c.decision is not None and c.decision.sign_off is SignOff.PENDING
             and permissions.can("committee.sign_off", c, person=person, on=today)),
            key=lambda c: c.decision.decided_at)
        espace.sponsored = [line(sid) for sid in sponsored]


def _pipeline(scope, startups, dues, committees, presentations, actions, line, today, now) -> Pipeline:
    pipeline = Pipeline()
    for sid in scope:
        status = dues[sid].status if sid in dues else None
        if status is committee_due.CommitteeDueStatus.OVERDUE:
            pipeline.overdue.append(line(sid))
        elif status is committee_due.CommitteeDueStatus.DUE45:
            pipeline.due45.append(line(sid))
    pipeline.overdue.sort(key=lambda l: l.due.next_committee_due)
    pipeline.due45.sort(key=lambda l: l.due.next_committee_due)
    for committee in committees:
        if committee.startup_id not in scope:
            continue
        contested = committee.decision is not None and committee.decision.sign_off is SignOff.CONTESTED
        past = committee.scheduled_at is not None and committee.scheduled_at < now
        if committee.status is CommitteeStatus.HELD and contested:
            pipeline.contested.append(committee)
        elif committee.status is CommitteeStatus.HELD or (committee.status is CommitteeStatus.PLANNED and past):
            pipeline.awaiting_decision.append(committee)
        elif committee.status is CommitteeStatus.PLANNED:
            pipeline.planned.append(committee)
        presentation = presentations.get(committee.id)
        if presentation is not None and presentation.status is PresentationStatus.SUBMITTED:
            pipeline.to_review.append(committee)
    pipeline.actions_due = [a for a in actions if a.committee.startup_id in scope and a.due_on is not None]
    return pipeline


def _grids_to_fill(person: Person) -> list[tuple[Committee, GridTemplate]]:
    """The grids of committees still open for filling where person is an evaluator and has not submitted
    their grid yet (the grids area's rules: suitable templates, who fills which grid, until when)."""
    committees = db.session.scalars(
        sa.select(Committee).join(Participant, Participant.committee_id == Committee.id)
        .where(Participant.person_id == person.id, Participant.role.not_in(list(grids_services.NOT_EVALUATORS)),
               Committee.status.in_(list(grids_services.FILLING_UNTIL_SIGN_OFF)), Committee.archived_at.is_(None))
        .options(joinedload(Committee.startup), selectinload(Committee.participants))
        .order_by(Committee.scheduled_at.nulls_last(), Committee.id)
    ).all()
    if not committees:
        return []
    codes = {code for c in committees for code in grids_services.suitable_codes(c.kind)}
    templates = {t.code: t for t in db.session.scalars(
        sa.select(GridTemplate).where(GridTemplate.code.in_(codes), GridTemplate.archived_at.is_(None))
        .options(selectinload(GridTemplate.versions))) if t.latest_version is not None}
    submitted = set(map(tuple, db.session.execute(
        sa.select(FilledGrid.committee_id, FilledGrid.template_id).where(
            FilledGrid.person_id == person.id, FilledGrid.status == FilledStatus.SUBMITTED,
            FilledGrid.committee_id.in_([c.id for c in committees]))
    )))
    return [(c, templates[code]) for c in committees for code in grids_services.suitable_codes(c.kind)
            if code in templates and (c.id, templates[code].id) not in submitted
            and grids_services.fills(c, templates[code], person) and grids_services.filling_open(c, templates[code])]


def portfolio_alerts(today: dt.date, now: dt.datetime) -> PortfolioAlerts:
    """The portfolio's alerts: committees overdue per incubator, decisions unsigned for more than
    UNSIGNED_ALERT_DAYS days, startups in a phase past its typical length."""
    per_incubator = db.session.execute(
        sa.select(Incubator, sa.func.count())
        .select_from(Startup)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
        .where(committee_due.with_status(today, committee_due.CommitteeDueStatus.OVERDUE))
        .group_by(Incubator.id).order_by(sa.func.count().desc(), Incubator.name)
    ).all()
    unsigned = db.session.scalars(
        sa.select(Committee).join(Decision, Decision.committee_id == Committee.id)
        .where(Committee.status == CommitteeStatus.DECIDED, Committee.archived_at.is_(None),
               Decision.sign_off == SignOff.PENDING,
               Decision.decided_at < now - dt.timedelta(days=UNSIGNED_ALERT_DAYS))
        .options(joinedload(Committee.startup), contains_eager(Committee.decision))
        .order_by(Decision.decided_at)
    ).all()
    current = current_periods(today)
    # months_between(start, today) > typical  ⇔  start on or before today shifted back by typical + 1 months.
    too_long = sa.or_(*(
        sa.and_(current.c.phase == phase.value, current.c.start_on <= committee_due.add_months(today, -(months + 1)))
        for phase, months in TYPICAL_MONTHS.items()))
    # Their id and name only, not Startup objects: at ten times the portfolio about 2,000 startups are past
    # their phase's typical length, and the page lists the first few with their number.
    long_rows = db.session.execute(
        sa.select(Startup.id, Startup.name, current.c.phase, current.c.start_on)
        .join(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None), too_long)
        .order_by(current.c.start_on, Startup.name)
    ).all()
    phases = {str(phase): phase for phase in Phase}
    return PortfolioAlerts(
        overdue_per_incubator=[(incubator, count) for incubator, count in per_incubator],
        unsigned=list(unsigned),
        phase_too_long=[(StartupName(id, name), phases[str(phase)].label, start_on)
                        for id, name, phase, start_on in long_rows
                        if months_between(start_on, today) > TYPICAL_MONTHS[phases[str(phase)]]],
    )
