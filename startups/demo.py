"""The demo personas of `make run`: an admin, a coach, an intrapreneur and a sponsor, with roles on real
startups of the demo data, so that a newcomer can try every role."""

import datetime as dt

import sqlalchemy as sa

from core.db import db
from startups.kept import current_periods
from startups.models import Startup
from startups.phases import ACTIVE_PHASES
from users import services
from users.forms import DEMO_PERSONAS
from users.models import Membership, Person, StartupRole


def seed_demo_personas(*, today: dt.date, now: dt.datetime) -> list[str]:
    """Idempotent: the four personas exist afterwards, each role given once.

    The admin is a programme admin; the intrapreneur and the sponsor belong to one real startup in an
    active phase (the sponsor in its partner administration); the coach coaches that startup and
    another active one of the same incubator. Without startups, the personas get no startup role.
    """
    people = {}
    lines = []
    for key, (email, name, _) in DEMO_PERSONAS.items():
        person = services.find_person_by_email(email)
        if person is None:
            person = services.create_person(email=email, name=name, is_admin=key == "admin", now=now)
            lines.append(f"Persona créée : {name} <{email}>")
        people[key] = person

    current = current_periods(today)
    candidates = db.session.execute(
        sa.select(Startup, current.c.start_on)
        .join(current, current.c.startup_id == Startup.id)
        .where(current.c.phase.in_([p.value for p in ACTIVE_PHASES]), Startup.archived_at.is_(None),
               Startup.incubator_id.is_not(None))
        .order_by(Startup.id)
    ).all()
    if not candidates:
        lines.append("Aucune startup en phase active : les personas n'ont pas de rôle de startup "
                     "(chargez les données avec « flask load-demo » puis relancez cette commande).")
        return lines
    with_sponsor = [row for row in candidates if row.Startup.sponsors] or candidates
    main, main_start = with_sponsor[len(with_sponsor) // 2]
    siblings = [row for row in candidates if row.Startup.incubator_id == main.incubator_id and row.Startup.id != main.id]

    def give(person: Person, startup: Startup, role: StartupRole, starts_on: dt.date) -> None:
        exists = db.session.scalar(sa.select(Membership.id).where(
            Membership.person_id == person.id, Membership.startup_id == startup.id, Membership.role == role))
        if exists is None:
            services.add_membership(person, startup.id, role, starts_on=min(starts_on, today))
            lines.append(f"{person.name} : {role.label} de {startup.name}")

    give(people["intrapreneur"], main, StartupRole.INTRAPRENEUR, main_start)
    give(people["sponsor"], main, StartupRole.SPONSOR, main_start)
    give(people["coach"], main, StartupRole.COACH, main_start)
    for sibling, start in siblings[:1]:
        give(people["coach"], sibling, StartupRole.COACH, start)
    if main.sponsors and people["sponsor"].organisation_id is None:
        people["sponsor"].organisation_id = main.sponsors[0].id
    db.session.flush()
    return lines or ["Personas de démonstration déjà en place."]
