"""The daily alerts of the money, each sent exactly once (README « The money »).

- ENGAGED_80 / ENGAGED_100: the year's engaged AE reach 80 % / 100 % of the AE released (the planned AE
  while nothing is released) — to the intrapreneurs, coaches and sponsors of the startups covered.
- ENDING_SOON: a convention in force ends within 90 days and no other signed convention covering one of its
  startups goes beyond it — to the coaches and sponsors, and DINUM finance.
- YEAR_END: from 1 October, AE released and not engaged this year (they lapse; to be reported by
  mid-November) — to the partner's budget contact, DINUM finance and the intrapreneurs.
- UNPUBLISHED: signed 30 days ago or more and not published — to DINUM finance.
- RUNNING_OUT: at the burn rate of the last three complete months, the AE released this year and not yet
  delivered run out within 45 days, and no committee is planned — to the coaches and the intrapreneur (plan
  a committee); at most once a month.

Exactly once, as the committee reminders (committees/jobs.py): each alert due today is first recorded as
an Alert row keyed by (kind, convention, person, date it is about) with INSERT … ON CONFLICT DO NOTHING and
committed; the unsent rows are then sent one by one by core/outbox.py (shared with the reminders): each
claimed with SELECT … FOR UPDATE SKIP LOCKED, sent with a Message-ID derived from its key, and marked sent
in a transaction committed before the next one, so that a crash or a database failure repeats at most the
e-mail in flight. A failed alert keeps its error and is tried again by the next run while it is still due;
the run's Delivery (sent / failed / untried) gives `flask conventions alerts` a non-zero exit code when
e-mails could not leave.
"""

import dataclasses
import datetime as dt
import logging
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from committees.models import Committee, CommitteeStatus
from conventions.models import Alert, AlertKind, AlertStatus, Convention, ConventionStatus, Order
from conventions.services import figures
from conventions.values import cents_fr
from core import clock
from core import mail, outbox
from core.outbox import Delivery
from core.db import db
from core.formats import date_fr
from users.models import Membership, Person, StartupRole

log = logging.getLogger(__name__)

ENDING_DAYS = 90
RUNWAY_DAYS = 45
BURN_MONTHS = 3
PUBLISH_DAYS = 30
YEAR_END_FROM = (10, 1)
SIGNATURE = "\n\n—\nJalons, le suivi des Startups d'État de beta.gouv.fr\nCet e-mail est envoyé automatiquement : merci de ne pas y répondre."


@dataclasses.dataclass(frozen=True)
class Due:
    kind: AlertKind
    convention_id: int
    person_id: int
    about_on: dt.date
    email: str
    person_name: str
    title: str
    detail: str

    @property
    def key(self) -> tuple:
        return (self.kind, self.convention_id, self.person_id, self.about_on)


def _reachable(person: Person) -> bool:
    return bool(person.email and person.archived_at is None and person.anonymised_at is None)


def due_alerts(today: dt.date) -> list[Due]:
    """Every alert whose day has come, in a fixed number of statements."""
    conventions = list(db.session.scalars(
        sa.select(Convention).where(Convention.dinum_signed_on.is_not(None), Convention.partner_signed_on.is_not(None))
        .options(selectinload(Convention.startups), selectinload(Convention.years), selectinload(Convention.releases),
                 selectinload(Convention.orders).selectinload(Order.invoices),
                 selectinload(Convention.orders).selectinload(Order.services), selectinload(Convention.budget_contact))))
    startup_ids = sorted({s.id for c in conventions for s in c.startups})
    members: dict[tuple[str, StartupRole], list[Person]] = {}
    if startup_ids:
        rows = db.session.execute(
            sa.select(Membership.startup_id, Membership.role, Person).join(Person, Person.id == Membership.person_id)
            .where(Membership.startup_id.in_(startup_ids), Membership.starts_on <= today,
                   sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= today))).all()
        for startup_id, role, person in rows:
            members.setdefault((startup_id, role), []).append(person)
    finance = list(db.session.scalars(sa.select(Person).where(Person.is_dinum_finance.is_(True))))
    ends_by_startup: dict[str, dt.date] = {}
    for item in conventions:
        if item.status(today) is not ConventionStatus.TERMINATED:
            for startup in item.startups:
                ends_by_startup[startup.id] = max(ends_by_startup.get(startup.id, item.last_day), item.last_day)

    dues: dict[tuple, Due] = {}

    def team(item: Convention, *roles: StartupRole) -> list[Person]:
        return [p for s in item.startups for role in roles for p in members.get((s.id, role), [])]

    def add(kind: AlertKind, item: Convention, people, about_on: dt.date, detail: str) -> None:
        for person in people:
            if person is not None and _reachable(person):
                due = Due(kind, item.id, person.id, about_on, person.email, person.name, item.title, detail)
                dues.setdefault(due.key, due)

    for item in conventions:
        status = item.status(today)
        if status in (ConventionStatus.ENDED, ConventionStatus.TERMINATED):
            continue
        year = figures(item).get(today.year)
        if year is not None and status is ConventionStatus.IN_FORCE:
            ceiling = year.ae_released or year.ae_planned
            people = team(item, StartupRole.INTRAPRENEUR, StartupRole.COACH, StartupRole.SPONSOR)
            if ceiling and year.engaged >= ceiling:
                add(AlertKind.ENGAGED_100, item, people, dt.date(today.year, 1, 1),
                    f"Engagé {cents_fr(year.engaged)} sur {cents_fr(ceiling)} d'AE en {today.year} : plus rien ne peut être engagé sans nouvelle mise à disposition ou avenant.")
            elif ceiling and year.engaged * 100 >= ceiling * 80:
                add(AlertKind.ENGAGED_80, item, people, dt.date(today.year, 1, 1),
                    f"Engagé {cents_fr(year.engaged)} sur {cents_fr(ceiling)} d'AE en {today.year}.")
            if (today.month, today.day) >= YEAR_END_FROM and year.ae_available > 0:
                add(AlertKind.YEAR_END, item, [item.budget_contact, *finance, *team(item, StartupRole.INTRAPRENEUR)],
                    dt.date(today.year, 12, 31),
                    f"{cents_fr(year.ae_available)} d'AE mises à disposition pour {today.year} ne sont pas engagées : "
                    "à signaler à la DINUM et au partenaire avant la mi-novembre, faute de quoi elles seront perdues.")
        if status is ConventionStatus.IN_FORCE and (item.last_day - today).days <= ENDING_DAYS:
            successor = any(ends_by_startup.get(s.id, item.last_day) > item.last_day for s in item.startups)
            if not successor:
                add(AlertKind.ENDING_SOON, item, [*team(item, StartupRole.COACH, StartupRole.SPONSOR), *finance],
                    item.last_day, f"La convention prend fin le {date_fr(item.last_day)} sans avenant ni convention qui lui succède.")
        if not item.is_published and item.signed_on <= today - dt.timedelta(days=PUBLISH_DAYS):
            add(AlertKind.UNPUBLISHED, item, finance, item.signed_on,
                f"Signée le {date_fr(item.signed_on)}, la convention n'est toujours pas publiée (data.gouv.fr, gouvernement.fr).")
    _running_out(conventions, today, members, add)
    return list(dues.values())


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _running_out(conventions: list[Convention], today: dt.date, members, add) -> None:
    """Per startup: money left this year on its open conventions (released AE not yet delivered) against its
    burn rate (services faits of the last complete months), when no committee is planned."""
    window = (_month_start(today, BURN_MONTHS), _month_start(today, 0))
    left: dict[str, int] = {}
    burn: dict[str, int] = {}
    about: dict[str, Convention] = {}
    for item in conventions:
        if item.status(today) is not ConventionStatus.IN_FORCE:
            continue
        numbers = figures(item).get(today.year)
        delivered = sum(s.amount_cents for o in item.orders if o.year == today.year for s in o.services)
        for startup in item.startups:
            if numbers is not None:
                left[startup.id] = left.get(startup.id, 0) + max(0, numbers.ae_released - delivered)
            about.setdefault(startup.id, item)
        for order in item.orders:
            for service in order.services:
                if window[0] <= service.delivered_on < window[1]:
                    burn[order.startup_id] = burn.get(order.startup_id, 0) + service.amount_cents
    if not about:
        return
    planned = set(db.session.scalars(sa.select(Committee.startup_id).where(
        Committee.startup_id.in_(sorted(about)), Committee.status == CommitteeStatus.PLANNED,
        Committee.archived_at.is_(None))))
    for startup_id, item in about.items():
        monthly = burn.get(startup_id, 0) // BURN_MONTHS
        if not monthly or startup_id in planned:
            continue
        days = left.get(startup_id, 0) * 3044 // (monthly * 100)  # 30.44 days a month
        if days < RUNWAY_DAYS:
            people = [*members.get((startup_id, StartupRole.COACH), []), *members.get((startup_id, StartupRole.INTRAPRENEUR), [])]
            add(AlertKind.RUNNING_OUT, item, people, dt.date(today.year, today.month, 1),
                f"Au rythme de {cents_fr(monthly)} par mois, les {cents_fr(left.get(startup_id, 0))} encore disponibles "
                f"seront épuisés vers le {date_fr(today + dt.timedelta(days=days))}, et aucun comité n'est planifié : "
                "planifiez-le 30 à 45 jours avant l'épuisement.")


def compose(due: Due, base_url: str) -> mail.Mail:
    url = f"{base_url.rstrip('/')}/conventions/{quote(str(due.convention_id))}"
    body = (f"Bonjour {due.person_name},\n\n{due.kind.label} : « {due.title} ».\n\n{due.detail}\n\n"
            f"La convention : {url}{SIGNATURE}")
    return mail.Mail(to=due.email, subject=f"[Jalons] {due.kind.label} — {due.title}", body=body)


def record(dues: list[Due]) -> None:
    """Record the alerts due today (those already recorded are left as they are), and commit."""
    if dues:
        dialect = sqlite if db.session.get_bind().dialect.name == "sqlite" else postgresql
        now = clock.now()
        rows = [{"kind": d.kind, "convention_id": d.convention_id, "person_id": d.person_id, "about_on": d.about_on,
                 "status": AlertStatus.PENDING, "attempts": 0, "created_at": now} for d in dues]
        db.session.execute(dialect.insert(Alert.__table__).on_conflict_do_nothing(), rows)
    db.session.commit()


def message_id(due: Due, sender: str) -> str:
    """The same Message-ID for every attempt at one alert (core/outbox.py)."""
    return outbox.message_id(due.key, sender, "alerte")


_COLUMNS = (Alert.id, Alert.kind, Alert.convention_id, Alert.person_id, Alert.about_on)


def deliver(dues: list[Due], base_url: str) -> Delivery:
    """Send the recorded alerts of `dues` that are not sent yet, one transaction per e-mail, with the
    guarantees of core/outbox.py (shared with the committee reminders): a crash or a database failure
    repeats at most the one e-mail in flight, with the same Message-ID; an e-mail that cannot be built or
    that the server refuses keeps its error and does not stop the others; a server that cannot be reached
    stops the run. Rows another scheduler holds are skipped."""
    sender = current_app.config["MAIL_FROM"]
    return outbox.deliver_dues(Alert, dues, columns=_COLUMNS, row_key=_row_key, sent=AlertStatus.SENT, failed=AlertStatus.FAILED,
                               compose=lambda due: dataclasses.replace(compose(due, base_url),
                                                                       message_id=message_id(due, sender)))


def _row_key(row) -> tuple:
    return (AlertKind(row.kind), row.convention_id, row.person_id, row.about_on)


def send_alerts(*, today: dt.date) -> Delivery:
    """The daily job: record the alerts due today, then send those not sent yet. Returns what was sent and
    what could not leave. Idempotent: a second run the same day sends nothing."""
    base_url = outbox.base_url_or_fail("les alertes des conventions")
    dues = due_alerts(today)
    record(dues)
    delivery = deliver(dues, base_url)
    if not delivery.complete:
        log.error("convention alerts of %s: %s", today.isoformat(), delivery)
    return delivery
