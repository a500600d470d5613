"""`flask grids seed`: the official grids (indicators/data/official-grids.json) as version 1, once."""

import click
from flask import Flask
from flask.cli import AppGroup

from core import clock
from core.db import db

grids = AppGroup("grids", help="Grilles d'évaluation.")


def seed() -> list[str]:
    """Seed the official grids in the current transaction; the codes of the templates created."""
    from grids.versions import seed_official_grids
    from indicators.queries import official_grids

    return [t.code for t in seed_official_grids(official_grids(), now=clock.now())]


@grids.command("seed")
def seed_command():
    """Crée les trois grilles officielles (lancement, accélération, arbitrage du sponsor) en version 1 ;
    sans effet sur une grille qui existe déjà."""
    created = seed()
    db.session.commit()
    if created:
        click.echo(f"Grilles officielles créées : {', '.join(created)}.")
    else:
        click.echo("Les grilles officielles existent déjà : rien à faire.")


def register(app: Flask) -> None:
    app.cli.add_command(grids)
