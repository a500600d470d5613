"""`flask conventions import FILE` and `flask conventions seed-demo`."""

import datetime as dt
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from conventions import demo, importer, jobs
from core import clock
from core import outbox, scheduler
from core.dates import Day
from core.db import db


def register(app: Flask) -> None:
    scheduler.daily("conventions.alerts", "conventions.jobs:send_alerts", hour=7, minute=10,
                    description="Alertes des conventions (AE engagées, fin proche, fin de gestion, publication)")
    group = AppGroup("conventions", help="Conventions de délégation de gestion : import, démonstration.")

    @group.command("import")
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--today", type=Day(), help="Date du jour (AAAA-MM-JJ) pour les contrôles de dates ; par défaut aujourd'hui.")
    def import_command(path: Path, today: dt.date | None):
        """Importe conventions, échéanciers et bons de commande d'un fichier CSV (UTF-8 ; modèle téléchargeable
        depuis la page des conventions). Code de sortie : 0 tout importé, 1 lignes rejetées, 2 fichier illisible."""
        try:
            report = importer.import_file(path, today=today or clock.today())
        except importer.ImportFileError as error:
            db.session.rollback()
            click.echo(str(error), err=True)
            raise click.exceptions.Exit(importer.EXIT_UNREADABLE) from None
        db.session.commit()
        click.echo(importer.summary(report))
        raise click.exceptions.Exit(importer.EXIT_REJECTED if report.rejected else importer.EXIT_OK)

    @group.command("alerts")
    @click.option("--today", type=Day(), help="Date du jour (AAAA-MM-JJ).")
    def alerts_command(today: dt.date | None):
        """Envoie les alertes des conventions dues ce jour (chacune une seule fois). Code de sortie 1 si des
        e-mails n'ont pas pu partir (ils seront retentés au prochain passage)."""
        day = today or clock.today()
        try:
            delivery = jobs.send_alerts(today=day)
        except outbox.MailJobError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Alertes des conventions du {day.isoformat()} : {delivery}.")
        if not delivery.complete:
            # A non-zero exit code: cron, systemd and the operators see that e-mails did not leave.
            raise click.ClickException("des alertes n'ont pas pu partir ; elles seront retentées au prochain passage.")

    @group.command("seed-demo")
    def seed_demo():
        """La convention de la graine (Fondation, CSM, 2024) et des conventions de démonstration (idempotent)."""
        lines = demo.seed_demo_conventions(today=clock.today())
        db.session.commit()
        for line in lines:
            click.echo(line)

    app.cli.add_command(group)
