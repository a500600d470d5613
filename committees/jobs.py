"""The daily reminder job: who is reminded of what, when, and how each reminder leaves exactly once.

Timing (all days are calendar days in Paris; `today` is a parameter, never the wall clock):
- PLAN_COMMITTEE, to the startup's coach (without one: its incubator's staff): from 45 days before the
  committee due date (committees/due.py) until the due date itself, while no committee is planned.
  Once the due date is past the startup shows as overdue on the portfolio; no e-mail is sent late.
- PREPARE_PRESENTATION, to the intrapreneur (the committee's, else the startup's): from 21 days before
  a planned committee until its day, while its presentation is expected (presentation_expected(),
  the hook of issue 5).
- READ_PACK, to every participant of the committee: from 7 days before it until its day, with the link
  to the pack.
- RECORD_DECISION, to the chair when they may record it (otherwise: the committee's coach, else the startup's): from 2 days
  after a held committee, as long as it has no decision.
- SIGN_OFF_DECISION, to the sponsor (the committee's, else the startup's): from 7 days after the
  decision, as long as it is not signed off.
- INDICATORS_REQUEST, INDICATORS_REMINDER_7, INDICATORS_REMINDER_14, to the startup's intrapreneurs: on
  the first working day of the month (core/dates.py: no weekend, no public holiday), then 7 and 14 days
  later, while the values of last month (of last quarter, in the month after a quarter, for a quarterly
  startup; never for a startup reporting « aucune ») are missing (indicators.queries.missing_select, the
  definition Mon espace and the portfolio use). Each step is due from its day until the next step's day
  (D+14: until the end of the month), so a missed day is caught up but only the latest step is sent;
  the key is (kind, startup, person, first month asked for): each step leaves at most once.

"From N days before/after": a run sends every reminder whose day has come (today >= that day) and that
has not been sent yet, as long as what it is about is still ahead or still pending. A day without a run
(scheduler stopped, server down) is therefore caught up by the next run; a reminder is never sent for a
committee that has taken place, a due date that has passed, or a decision already made or signed off.

Exactly once: each reminder due today is first recorded as a Reminder row, keyed by (kind, committee or
startup, person, date it is about), with INSERT … ON CONFLICT DO NOTHING, and committed. Rows not yet
sent are then claimed in batches with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL: a second scheduler
running at the same time skips the rows the first one holds), sent, and marked sent or failed in the
same transaction as the claim, one reminder at a time. A failed reminder keeps its error and is tried again by the next run,
for as long as it is still due; when the mail server cannot be reached at all the run stops and leaves
the rest pending. The only duplicate possible is a process killed (or a database failing) between an SMTP send and
its commit: at most the one e-mail in flight, which carries the same Message-ID as the first copy.
The sending one by one is shared with the money alerts: core/outbox.py.
"""

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from committees.due import committee_due
from committees.models import Committee, CommitteeStatus, Decision, Participant, ParticipantRole, SignOff
from committees.models import Reminder, ReminderKind, ReminderStatus
from committees.reminders import Due, compose
from core import clock
from core import outbox
from core.dates import non_working_day
from core.outbox import Delivery, MailJobError
from core.db import db
from indicators import queries as indicator_queries
from indicators.models import IndicatorReporting, Reporting
from startups.kept import current_periods
from startups.models import Startup
from startups.phases import TERMINAL_PHASES
from users.models import IncubatorStaff, Membership, Person, StartupRole

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
PLAN_DAYS_BEFORE_DUE = 45
PREPARE_DAYS_BEFORE = 21
PACK_DAYS_BEFORE = 7
DECISION_DAYS_AFTER_HELD = 2
SIGN_OFF_DAYS_AFTER_DECISION = 7
ReminderError = MailJobError  # the job cannot run (configuration); the message is French

# The indicators' request on the first working day of the month, then its reminders at D+7 and D+14.
INDICATOR_STEPS = (
    (0, ReminderKind.INDICATORS_REQUEST),
    (7, ReminderKind.INDICATORS_REMINDER_7),
    (14, ReminderKind.INDICATORS_REMINDER_14),
)

# Filled at import time by the presentations area (after committees in the import order, so not
# imported from here): (committee_ids) -> those whose presentation is not submitted yet, in one query.
_presentation_filters: list[Callable[[Collection[int]], set[int]]] = []


def register_presentation_filter(function: Callable[[Collection[int]], set[int]]) -> None:
    if function not in _presentation_filters:
        _presentation_filters.append(function)


def presentation_expected(committee_ids: Collection[int]) -> set[int]:
    """HOOK (issue 5): the planned committees whose intrapreneur should still be reminded to prepare
    the presentation: those whose presentation is not submitted yet (presentations.services.not_submitted,
    registered above); without the presentations area, every planned committee expects one."""
    expected = set(committee_ids)
    for function in _presentation_filters:
        expected = set(function(expected))
    return expected


def paris_midnight(day: dt.date) -> dt.datetime:
    """The start of a Paris calendar day, as an aware UTC datetime (for comparisons with *_at columns)."""
    return dt.datetime.combine(day, dt.time(), PARIS).astimezone(dt.timezone.utc)


def paris_date(value: dt.datetime) -> dt.date:
    return clock.day_of(value)


# --- Who is reminded of what today -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Person:
    id: int
    name: str
    email: str


def _reachable(person: Person | None) -> bool:
    return bool(person and person.email and person.archived_at is None and person.anonymised_at is None)


def _as_recipient(person: Person) -> _Person:
    return _Person(person.id, person.name, person.email)


class _Teams:
    """The startups' current coaches, intrapreneurs and sponsors, and their incubators' staff, loaded in
    two statements for all the startups a run is about."""

    ROLES = (StartupRole.COACH, StartupRole.INTRAPRENEUR, StartupRole.SPONSOR, StartupRole.TEAM_MEMBER)

    def __init__(self, startup_ids: Iterable[str], today: dt.date):
        self.members: dict[tuple[str, StartupRole], list[_Person]] = defaultdict(list)
        self.staff: dict[str, list[_Person]] = defaultdict(list)
        self.incubator_of: dict[str, str | None] = {}
        ids = sorted(set(startup_ids))
        if not ids:
            return
        reachable = (Person.email.is_not(None), Person.archived_at.is_(None), Person.anonymised_at.is_(None))
        members = db.session.execute(
            sa.select(Membership.startup_id, Membership.role, Person.id, Person.name, Person.email)
            .join(Person, Person.id == Membership.person_id)
            .where(
                Membership.startup_id.in_(ids),
                Membership.role.in_(self.ROLES),
                Membership.starts_on <= today,
                sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= today),
                *reachable,
            )
            .order_by(Membership.startup_id, Person.id)
        )
        for startup_id, role, person_id, name, email in members:
            if all(p.id != person_id for p in self.members[(startup_id, role)]):
                self.members[(startup_id, role)].append(_Person(person_id, name, email))
        staff = db.session.execute(
            sa.select(Startup.id, Startup.incubator_id, Person.id, Person.name, Person.email)
            .outerjoin(IncubatorStaff, sa.and_(
                IncubatorStaff.incubator_id == Startup.incubator_id,
                IncubatorStaff.starts_on <= today,
                sa.or_(IncubatorStaff.ends_on.is_(None), IncubatorStaff.ends_on >= today),
            ))
            .outerjoin(Person, sa.and_(Person.id == IncubatorStaff.person_id, *reachable))
            .where(Startup.id.in_(ids))
            .order_by(Startup.id, Person.id)
        )
        for startup_id, incubator_id, person_id, name, email in staff:
            self.incubator_of[startup_id] = incubator_id
            if person_id is not None and all(p.id != person_id for p in self.staff[startup_id]):
                self.staff[startup_id].append(_Person(person_id, name, email))

    def role(self, startup_id: str, role: StartupRole) -> list[_Person]:
        return self.members.get((startup_id, role), [])

    def incubator_staff(self, startup_id: str) -> list[_Person]:
        return self.staff.get(startup_id, [])


def _participants(committee: Committee, *roles: ParticipantRole) -> list[_Person]:
    return [
        _as_recipient(p.person)
        for p in committee.participants
        if (not roles or p.role in roles) and _reachable(p.person)
    ]


def _due(kind: ReminderKind, committee: Committee | None, startup_id: str, startup_name: str,
         person: _Person, target_on: dt.date) -> Due:
    return Due(
        kind=kind,
        startup_id=startup_id,
        committee_id=committee.id if committee is not None else None,
        person_id=person.id,
        target_on=target_on,
        email=person.email,
        person_name=person.name,
        startup_name=startup_name,
        committee_at=committee.scheduled_at if committee is not None else None,
    )


def due_reminders(today: dt.date) -> list[Due]:
    """Every reminder whose day has come and that is still relevant, in a fixed number of statements
    (whatever the number of startups and committees)."""
    due = committee_due(today)
    to_plan = db.session.execute(
        sa.select(due.c.startup_id, due.c.next_committee_due, Startup.name)
        .join(Startup, Startup.id == due.c.startup_id)
        .where(
            due.c.next_planned_at.is_(None),
            due.c.next_committee_due >= today,
            due.c.next_committee_due <= today + dt.timedelta(days=PLAN_DAYS_BEFORE_DUE),
        )
    ).all()

    with_people = (
        joinedload(Committee.startup),
        joinedload(Committee.chair),
        selectinload(Committee.participants).joinedload(Participant.person),
    )
    planned = db.session.scalars(
        sa.select(Committee)
        .where(
            Committee.status == CommitteeStatus.PLANNED,
            Committee.archived_at.is_(None),
            Committee.scheduled_at >= paris_midnight(today),
            Committee.scheduled_at < paris_midnight(today + dt.timedelta(days=PREPARE_DAYS_BEFORE + 1)),
        )
        .options(*with_people)
    ).unique().all()
    held = db.session.scalars(
        sa.select(Committee)
        .outerjoin(Decision, Decision.committee_id == Committee.id)
        .where(
            Committee.status == CommitteeStatus.HELD,
            Committee.archived_at.is_(None),
            Committee.held_on <= today - dt.timedelta(days=DECISION_DAYS_AFTER_HELD),
            Decision.id.is_(None),
        )
        .options(*with_people)
    ).unique().all()
    decided = db.session.scalars(
        sa.select(Committee)
        .join(Decision, Decision.committee_id == Committee.id)
        .where(
            Committee.status == CommitteeStatus.DECIDED,
            Committee.archived_at.is_(None),
            Decision.sign_off == SignOff.PENDING,
            Decision.decided_at < paris_midnight(today - dt.timedelta(days=SIGN_OFF_DAYS_AFTER_DECISION - 1)),
        )
        .options(*with_people, joinedload(Committee.decision))
    ).unique().all()

    committees = [*planned, *held, *decided]
    teams = _Teams([row.startup_id for row in to_plan] + [c.startup_id for c in committees], today)
    dues: dict[tuple, Due] = {}

    def add(item: Due) -> None:
        dues.setdefault(item.key, item)

    for startup_id, due_on, name in to_plan:
        for person in teams.role(startup_id, StartupRole.COACH) or teams.incubator_staff(startup_id):
            add(_due(ReminderKind.PLAN_COMMITTEE, None, startup_id, name, person, due_on))

    expecting = presentation_expected([c.id for c in planned])
    for committee in planned:
        day = paris_date(committee.scheduled_at)
        name = committee.startup.name
        if day - dt.timedelta(days=PREPARE_DAYS_BEFORE) <= today <= day and committee.id in expecting:
            people = _participants(committee, ParticipantRole.INTRAPRENEUR) or teams.role(committee.startup_id, StartupRole.INTRAPRENEUR)
            for person in people:
                add(_due(ReminderKind.PREPARE_PRESENTATION, committee, committee.startup_id, name, person, day))
        if day - dt.timedelta(days=PACK_DAYS_BEFORE) <= today <= day:
            for person in _participants(committee):
                add(_due(ReminderKind.READ_PACK, committee, committee.startup_id, name, person, day))

    for committee in held:
        # The chair records the decision when they may (a partner administration's representative who chairs
        # without a role in the startup may not: the coaches do).
        chair = [_as_recipient(committee.chair)] if _reachable(committee.chair) else []
        # Who may record it (users/permissions.py, committee.decide): admins, the incubator's staff, the coaches.
        deciders = {p.id for p in teams.role(committee.startup_id, StartupRole.COACH)
                    + teams.incubator_staff(committee.startup_id)}
        if chair and (committee.chair.is_admin or committee.chair_id in deciders):
            people = chair
        else:
            people = (_participants(committee, ParticipantRole.COACH) or teams.role(committee.startup_id, StartupRole.COACH)
                      or chair)
        for person in people:
            add(_due(ReminderKind.RECORD_DECISION, committee, committee.startup_id, committee.startup.name, person, committee.held_on))

    for committee in decided:
        day = paris_date(committee.decision.decided_at)
        # Only who may sign it off (users/permissions.py): a current sponsor of the startup who neither
        # recorded the decision, nor chaired the committee, nor is in the startup's team; the committee's
        # sponsors first.
        excluded = {committee.decision.decided_by_id, committee.chair_id} | {
            p.id for role in (StartupRole.INTRAPRENEUR, StartupRole.TEAM_MEMBER)
            for p in teams.role(committee.startup_id, role)}
        current = {p.id: p for p in teams.role(committee.startup_id, StartupRole.SPONSOR) if p.id not in excluded}
        people = [p for p in _participants(committee, ParticipantRole.SPONSOR) if p.id in current] or list(current.values())
        for person in people:
            add(_due(ReminderKind.SIGN_OFF_DECISION, committee, committee.startup_id, committee.startup.name, person, day))

    for item in indicator_requests(today):
        add(item)
    return list(dues.values())


def first_working_day(month: dt.date) -> dt.date:
    day = month.replace(day=1)
    while non_working_day(day):
        day += dt.timedelta(days=1)
    return day


def indicator_step(today: dt.date) -> ReminderKind | None:
    """The step of this month's indicators request due today: the latest whose day has come."""
    start = first_working_day(today)
    due = None
    for days, kind in INDICATOR_STEPS:
        if today >= start + dt.timedelta(days=days):
            due = kind
    return due


def indicator_requests(today: dt.date) -> list[Due]:
    """The indicators' request (or reminder) due today to each intrapreneur of a startup whose values
    are missing, in a fixed number of statements."""
    kind = indicator_step(today)
    if kind is None:
        return []
    month = dt.date(today.year, today.month, 1)
    last_month = indicator_queries.month_shift(month, -1)
    after_quarter = month.month in (1, 4, 7, 10)
    current = current_periods(today)
    asked = (
        sa.select(Startup.id)
        .outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None),
               sa.or_(current.c.phase.is_(None), current.c.phase.not_in(list(TERMINAL_PHASES))))
    )
    first = indicator_queries.month_shift(month, -3) if after_quarter else last_month
    missing = indicator_queries.missing_months(asked, today, first, last_month)
    if not missing:
        return []
    reporting = dict(db.session.execute(
        sa.select(IndicatorReporting.startup_id, IndicatorReporting.frequency)
        .where(IndicatorReporting.startup_id.in_(list(missing)))
    ).all())
    names = dict(db.session.execute(sa.select(Startup.id, Startup.name).where(Startup.id.in_(list(missing)))).all())
    periods: dict[str, tuple[dt.date, int, tuple[dt.date, ...]]] = {}
    for startup_id, months in missing.items():
        frequency = reporting.get(startup_id, Reporting.MONTHLY)
        if frequency is Reporting.MONTHLY and last_month in months:
            periods[startup_id] = (last_month, 1, (last_month,))
        elif frequency is Reporting.QUARTERLY and after_quarter:
            periods[startup_id] = (first, 3, tuple(months))
    teams = _Teams(periods, today)
    dues = []
    for startup_id, (target_on, length, months) in sorted(periods.items()):
        for person in teams.role(startup_id, StartupRole.INTRAPRENEUR):
            dues.append(Due(
                kind=kind, startup_id=startup_id, committee_id=None, person_id=person.id, target_on=target_on,
                email=person.email, person_name=person.name, startup_name=names[startup_id],
                months=length, missing=months,
            ))
    return dues


# --- Exactly once ----------------------------------------------------------------------------------


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def record(dues: list[Due]) -> None:
    """Record the reminders due today; those already recorded (sent or not) are left as they are.
    Commits, so that a run on another connection sees them."""
    if dues:
        dialect = sqlite if db.session.get_bind().dialect.name == "sqlite" else postgresql
        rows = [
            {"kind": d.kind, "startup_id": d.startup_id, "committee_id": d.committee_id,
             "person_id": d.person_id, "target_on": d.target_on}
            for d in dues
        ]
        for chunk in _chunks(rows, 1000):
            db.session.execute(dialect.insert(Reminder.__table__).on_conflict_do_nothing(), chunk)
    db.session.commit()


def _row_key(row) -> tuple:
    kind = ReminderKind(row.kind)
    return (kind, row.committee_id if kind.about_committee else row.startup_id, row.person_id, row.target_on)


def message_id(due: Due, sender: str) -> str:
    """The same Message-ID for every attempt at one reminder (core/outbox.py)."""
    return outbox.message_id(due.key, sender, "rappel")


_COLUMNS = (Reminder.id, Reminder.kind, Reminder.startup_id, Reminder.committee_id, Reminder.person_id, Reminder.target_on)


def deliver(dues: list[Due], base_url: str) -> Delivery:
    """Send the recorded reminders of `dues` that are not sent yet, one transaction per e-mail, with the
    guarantees of core/outbox.py: a crash or a database failure repeats at most the one e-mail in flight;
    an e-mail that cannot be built or that the server refuses keeps its error and does not stop the
    others; a server that cannot be reached stops the run."""
    sender = current_app.config["MAIL_FROM"]
    return outbox.deliver_dues(Reminder, dues, columns=_COLUMNS, row_key=_row_key, sent=ReminderStatus.SENT, failed=ReminderStatus.FAILED,
                               compose=lambda due: dataclasses.replace(compose(due, base_url),
                                                                       message_id=message_id(due, sender)))


# A reminder still failing after this long is reported to the administrators.
ALERT_AFTER = dt.timedelta(days=1)


def failing_reminders(now: dt.datetime) -> int:
    """The reminders that have been failing for more than a day and are still being tried: what the
    administrators are told about (home page, and the log of each run)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Reminder).where(
            Reminder.status == ReminderStatus.FAILED,
            Reminder.created_at <= now - ALERT_AFTER,
            Reminder.last_attempt_at >= now - ALERT_AFTER,
        )
    )


def send_reminders(*, today: dt.date) -> Delivery:
    """The daily job: record the reminders due today, then send those not sent yet. Returns what was sent
    and what could not leave. Idempotent: a second run the same day sends nothing (see the module
    docstring)."""
    base_url = outbox.base_url_or_fail("les rappels")
    dues = due_reminders(today)
    record(dues)
    delivery = deliver(dues, base_url)
    if not delivery.complete:
        log.error("reminders of %s: %s", today.isoformat(), delivery)
    failing = failing_reminders(clock.now())
    if failing:
        log.error("%s reminder(s) have been failing for more than a day: check the mail server (SMTP_*)", failing)
    return delivery


def refresh_committee_dues(*, today: dt.date) -> int:
    """Each night, every startup's kept due date becomes today's (a planned phase may have started, a
    future-dated committee may have come to pass), and the counts per committee status are recounted for the
    new day (statuses change with the date). Idempotent: a second run the same day refreshes nothing.
    Returns the number refreshed."""
    from committees.due import refresh_committee_dues as refresh
    from startups.kept import refresh_phase_counts

    count = refresh(db.session, today)
    if count:
        refresh_phase_counts(db.session, today)
    db.session.commit()
    return count
