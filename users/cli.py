"""Operators' commands: `flask users create`, `flask users login-link`, `flask users archive`.
(`flask users seed-demo` is registered by the startups area, which the demo roles need.)"""

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup

from core import clock
from core.db import db
from users import services

users = AppGroup("users", help="Comptes et connexion.")


def _fail(message: str):
    raise click.ClickException(message)


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Nom affiché (prénom et nom).")
@click.option("--role", type=click.Choice(["admin", "dinum_finance"]), default=None,
              help="admin : équipe du programme, accès à tout ; dinum_finance : gère les conventions et les bons de commande.")
@click.option("--organisation", "organisation_id", default=None, help="Identifiant de l'organisation de rattachement.")
def create(email: str, name: str, role: str | None, organisation_id: str | None):
    """Crée un compte."""
    try:
        now = clock.now()
        # Audited as from the pages (Administration › Personnes, « finance DINUM »), by « Jalons ».
        person = services.create_account(email=email, name=name, organisation_id=organisation_id, actor=None, now=now)
        if role == "admin":
            services.set_admin(person, True, actor=None, now=now)
        if role == "dinum_finance":
            services.set_dinum_finance(person, True, actor=None, now=now)
    except services.UsersError as error:
        _fail(str(error))
    db.session.commit()
    label = " (admin)" if person.is_admin else " (finance DINUM)" if person.is_dinum_finance else ""
    click.echo(f"Compte créé : {person.name} <{person.email}>{label}.")


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
        now = clock.now()
        token = services.issue_login_token(person, now=now)
    except services.UsersError as error:
        _fail(str(error))
    # Whoever runs it can open the account: the log says so (the link's secret is not recorded).
    services.record_about_person("person.login_link_issued", person, actor=None, now=now, before=None,
                                 after=None)
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
    try:
        services.archive_person(person, now=clock.now())
    except services.UsersError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Compte archivé : {person.name} <{person.email}>.")


def register(app: Flask) -> None:
    app.cli.add_command(users)
