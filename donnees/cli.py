"""`flask donnees refresh`, and the nightly job that does the same."""

import click
from flask import Flask
from flask.cli import AppGroup

from core import clock, scheduler

EXIT_OK, EXIT_FAILED = 0, 1


def register(app: Flask) -> None:
    scheduler.daily(
        "donnees.refresh",
        "donnees.jobs:refresh_files",
        hour=5,
        minute=30,
        description="Fichiers des données ouvertes (/donnees), après la synchronisation beta.gouv.fr",
    )
    group = AppGroup("donnees", help="Données ouvertes (/donnees).")

    @group.command("refresh")
    def refresh():
        """Régénère les fichiers CSV et JSON de chaque jeu de données, comme chaque nuit le planificateur.
        Un jeu en échec garde ses fichiers précédents. Code de sortie : 0 tous mis à jour, 1 au moins un en échec,
        4 base de données injoignable."""
        from donnees.jobs import refresh_files

        done = refresh_files(today=clock.today())
        click.echo(str(done), err=bool(done.failed))
        raise click.exceptions.Exit(EXIT_FAILED if done.failed else EXIT_OK)

    app.cli.add_command(group)
