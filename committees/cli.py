"""Commands of the committees area: `flask committees …`, and `flask scheduler` with its daily jobs.

`committees` is a click group importable from here (`from committees.cli import committees`): other
commands of the area are added to it with `@committees.command(...)`.
"""

import datetime as dt

import click
from flask import Flask
from flask.cli import AppGroup

from core import clock, scheduler
from core.dates import Day

committees = AppGroup("committees", help="Comités d'investissement.")


@committees.command("remind")
@click.option("--today", "today", type=Day(), help="Le jour pour lequel envoyer les rappels (par défaut aujourd'hui, à Paris).")
def remind(today: dt.date | None):
    """Envoie les rappels des comités dus ce jour-là (chaque rappel part une seule fois)."""
    from committees.jobs import ReminderError, send_reminders

    day = today or clock.today()
    try:
        delivery = send_reminders(today=day)
    except ReminderError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Rappels du {day.isoformat()} : {delivery}.")
    if not delivery.complete:
        # A non-zero exit code: cron, systemd and the operators see that e-mails did not leave.
        raise click.ClickException("des rappels n'ont pas pu partir ; ils seront retentés au prochain passage.")


def register(app: Flask) -> None:
    """Click commands of this area, and its daily job in the scheduler."""
    app.cli.add_command(committees)
    scheduler.daily(
        "committees.reminders",
        "committees.jobs:send_reminders",
        hour=7,
        description="Rappels des comités d'investissement",
    )
    scheduler.daily(
        "committees.dues",
        "committees.jobs:refresh_committee_dues",
        hour=0,
        minute=2,
        description="Date du prochain comité de chaque startup (une phase prévue peut commencer)",
    )
    if "scheduler" not in app.cli.commands:
        scheduler.register(app)
