"""Operators' commands: `flask users create`, `flask users login-link`, `flask users archive`,
`flask users seed-demo`."""

import datetime as dt

import click
import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask.cli import AppGroup

from core.db import db, utcnow
from users import services
from users.forms import DEMO_PERSONAS
from users.models import Membership, Person, StartupRole

users = AppGroup("users", help="Comptes et connexion.")


def _fail(message: str):
    raise click.ClickException(message)


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Nom affiché (prénom et nom).")
@click.option("--role", type=click.Choice(["admin"]), default=None, help="admin : équipe du programme, accès à tout.")
@click.option("--organisation", "organisation_id", default=None, help="Identifiant de l'organisation de rattachement.")
def create(email: str, name: str, role: str | None, organisation_id: str | None):
    """Crée un compte."""
    try:
        person = services.create_person(email=email, name=name, organisation_id=organisation_id,
                                        is_admin=role == "admin", now=utcnow())
    except services.UsersError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Compte créé : {person.name} <{person.email}>{' (admin)' if person.is_admin else ''}.")


@users.command("login-link")
@click.argument("email")
def login_link(email: str):
    """Affiche un lien de connexion à usage unique (valable LOGIN_TOKEN_MINUTES minutes)."""
    base = current_app.config.get("BASE_URL")
    if not base:
        _fail("BASE_URL n'est pas défini : indiquez l'adresse du site (par exemple https://jalons.beta.gouv.fr).")
    person = services.find_person_by_email(email)
    if person is None:
        _fail(f"Aucun compte pour l'adresse {email}.")
    try:
        token = services.issue_login_token(person, now=utcnow())
    except services.UsersError as error:
        _fail(str(error))
    db.session.commit()
    with current_app.test_request_context(base_url=base):
        path = url_for("users.login_token", token=token)
    click.echo(base.rstrip("/") + path)


@users.command("archive")
@click.argument("email")
def archive(email: str):
    """Archive un compte : il ne peut plus se connecter, son historique reste."""
    person = services.find_person_by_email(email)
    if person is None:
        _fail(f"Aucun compte pour l'adresse {email}.")
    services.archive_person(person, now=utcnow())
    db.session.commit()
    click.echo(f"Compte archivé : {person.name} <{person.email}>.")


@users.command("seed-demo")
def seed_demo():
    """Crée (ou complète) les personas de démonstration, avec des rôles sur de vraies startups."""
    summary = seed_demo_personas(today=dt.date.today(), now=utcnow())
    db.session.commit()
    for line in summary:
        click.echo(line)


def seed_demo_personas(*, today: dt.date, now: dt.datetime) -> list[str]:
    """Idempotent: the four personas exist afterwards, each role given once.

    The admin is a programme admin; the intrapreneur and the sponsor belong to one real startup in an
    active phase (the sponsor in its partner administration); the coach coaches that startup and
    another active one of the same incubator. Without startups, the personas get no startup role.
    """
    # Runtime import by design: demo seeding reads the portfolio, which sits after users in import order.
    from startups.models import Startup, current_periods
    from startups.phases import ACTIVE_PHASES

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


def register(app: Flask) -> None:
    app.cli.add_command(users)
