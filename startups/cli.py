"""`flask import-betagouv DIR` and `flask load-demo`: the real beta.gouv.fr data into the database."""

import datetime as dt
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import selectinload

from core import scheduler
from core.db import db
from core.formats import date_fr, number_fr
from core import clock
from core.dates import Day
from startups import demo, fiche_out
from startups.import_report import ImportReport
from startups.importer import ImportDirectoryError, import_directory
from startups.models import Startup, SyncStatus
from startups.phases import Phase

DEMO_FOLDER = Path("demo") / "betagouv-2026-08"

KIND_LABELS = {"organisations": "Organisations", "incubators": "Incubateurs", "startups": "Startups"}
PLACEHOLDER_LABELS = {"organisation": "organisation", "incubator": "incubateur"}

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2


def register(app: Flask) -> None:
    _register_demo_personas()
    scheduler.daily(
        "startups.current_phases",
        "startups.jobs:refresh_current_phases",
        hour=0,
        minute=1,
        description="Phase actuelle de chaque startup (une phase prévue peut commencer)",
    )
    @app.cli.command("import-betagouv")
    @click.argument("directory", type=click.Path(path_type=Path))
    @click.option(
        "--today",
        type=Day(),
        help="Date de référence de la phase actuelle (AAAA-MM-JJ) ; par défaut aujourd'hui.",
    )
    def import_betagouv(directory: Path, today: dt.date | None):
        """Importe les fiches beta.gouv.fr d'un dossier (_startups/, _incubators/, _organisations/ ou
        des fiches de startups .md), sans jamais défaire ce qui a été fait dans Jalons. Code de sortie : 0 tout
        importé, 1 fiches rejetées ou en conflit avec Jalons, 2 dossier illisible."""
        raise click.exceptions.Exit(run_import(directory, today or clock.today()))

    scheduler.daily(
        "startups.sync",
        "startups.jobs:sync_betagouv",
        hour=5,
        minute=0,
        description="Synchronisation quotidienne des fiches beta.gouv.fr (BETAGOUV_SOURCE)",
    )

    @app.cli.command("sync-betagouv")
    def sync_betagouv():
        """Met à jour la source beta.gouv.fr configurée (BETAGOUV_SOURCE : copie git mise à jour par
        « git pull », ou dossier) et l'importe, comme le fait chaque nuit le planificateur. Code de sortie :
        0 réussie, 1 fiches rejetées ou en conflit, 2 source injoignable ou non configurée."""
        from startups import sync

        source = current_app.config.get("BETAGOUV_SOURCE")
        if not source:
            click.echo("BETAGOUV_SOURCE n'est pas défini : aucune source à synchroniser.", err=True)
            raise click.exceptions.Exit(EXIT_UNREADABLE)
        run = sync.run(Path(source))
        if run is None:
            click.echo("Une synchronisation est déjà en cours (planificateur ou autre commande) : celle-ci n'a rien fait.")
            raise click.exceptions.Exit(EXIT_OK)
        if run.status == SyncStatus.FAILED:
            click.echo(f"Synchronisation en échec : {run.error}", err=True)
            raise click.exceptions.Exit(EXIT_UNREADABLE)
        click.echo(run.summary)
        raise click.exceptions.Exit(EXIT_REJECTED if run.status == SyncStatus.TO_SETTLE else EXIT_OK)

    @app.cli.command("export-fiches")
    @click.argument("directory", type=click.Path(path_type=Path))
    def export_fiches(directory: Path):
        """Écrit dans une copie de beta.gouv.fr (DIR/content/_startups/) les fiches dont Jalons connaît
        d'autres phases ou événements (décisions validées, comités) ; seuls les blocs « phases » et « events »
        changent, le reste de chaque fiche est gardé à l'octet près. Code de sortie : 0 fiches à jour ou
        écrites, 1 fiches absentes ou illisibles, 2 dossier qui n'est pas une copie de beta.gouv.fr."""
        raise click.exceptions.Exit(run_export(directory))

    @app.cli.command("load-demo")
    def load_demo():
        """Charge les données de démonstration (beta.gouv.fr, août 2026) quand la base n'a aucune startup."""
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Startup))
        if existing:
            click.echo(f"La base contient déjà {number_fr(existing)} startups : données de démonstration non chargées.")
            return
        folder = Path(current_app.root_path) / DEMO_FOLDER
        click.echo("Chargement des données de démonstration (beta.gouv.fr, août 2026)…")
        raise click.exceptions.Exit(run_import(folder, clock.today()))


def run_import(directory: Path, today: dt.date) -> int:
    """Import, commit once, print the summary; return the exit status."""
    try:
        report = import_directory(directory, today)
    except ImportDirectoryError as error:
        db.session.rollback()
        click.echo(f"Import impossible : {error}.", err=True)
        return EXIT_UNREADABLE
    db.session.commit()
    click.echo(summary(report, directory, today))
    # A conflict needs someone to settle it, like a rejected fiche; an older fiche or what Jalons kept does not.
    return EXIT_REJECTED if report.rejected or report.conflicts else EXIT_OK


def run_export(directory: Path) -> int:
    try:
        folder = fiche_out.fiche_folder(directory)
    except fiche_out.ExportError as error:
        click.echo(f"Export impossible : {error}.", err=True)
        return EXIT_UNREADABLE
    startups = db.session.scalars(
        sa.select(Startup).where(Startup.fiche_history.is_not(None), Startup.archived_at.is_(None))
        .options(selectinload(Startup.periods), selectinload(Startup.events)).order_by(Startup.id)
    ).all()
    written, failed = fiche_out.export(startups, folder)
    if written:
        click.echo(f"{number_fr(len(written))} fiche(s) mise(s) à jour dans {folder} :")
        click.echo("\n".join(f"  - {id}.md" for id in written))
    else:
        click.echo(f"Toutes les fiches de {folder} sont à jour : rien d'écrit.")
    if failed:
        click.echo(f"Fiches non écrites ({len(failed)}) :", err=True)
        click.echo("\n".join(f"  - {id} : {reason}" for id, reason in failed), err=True)
    return EXIT_REJECTED if failed else EXIT_OK


def summary(report: ImportReport, directory: Path, today: dt.date) -> str:
    lines = [f"Import de {directory}", ""]
    width = max(len(label) for label in KIND_LABELS.values())
    columns = [("créées", "created"), ("mises à jour", "updated"), ("inchangées", "unchanged"),
               ("plus anciennes", "older"), ("rejetées", "rejected")]
    lines.append(f"{'':{width}}" + "".join(f"  {label:>{len(label)}}" for label, _ in columns))
    rows = [(KIND_LABELS[name], kind.number) for name, kind in report.kinds.items()] + [("Total", report.total)]
    for label, count in rows:
        lines.append(f"{label:{width}}" + "".join(f"  {number_fr(count(outcome)):>{len(title)}}"
                                                  for title, outcome in columns))
    if report.rejected:
        lines += ["", f"Fiches rejetées ({len(report.rejected)}), rien n'en a été enregistré :"]
        lines += [f"  - {file} : {reason}" for file, reason in report.rejected]
    if report.conflicts:
        lines += ["", f"Conflits ({len(report.conflicts)}), gardés comme dans Jalons :"]
        lines += [f"  - {file} : {what}" for file, what in report.conflicts]
    if report.older:
        lines += ["", f"Fiches plus anciennes que Jalons ({len(report.older)}), rien n'en a été appliqué :"]
        lines += [f"  - {file} : {why}" for file, why in report.older]
    if report.kept:
        lines += ["", f"Conservé car fait dans Jalons ({len(report.kept)}) :"]
        lines += [f"  - {file} : {what}" for file, what in report.kept]
    if report.placeholders:
        lines += ["", "Créées d'office, car citées par une fiche sans avoir leur propre fiche dans le dossier :"]
        lines += [f"  - {PLACEHOLDER_LABELS[kind]} {id}" for kind, id in report.placeholders]
    if report.skipped:
        lines += ["", "Fichiers ignorés (pas des fiches .md) :"]
        lines += [f"  - {file}" for file in report.skipped]
    lines += ["", f"Startups par phase actuelle au {date_fr(today)} :"]
    counts = [(phase.label, report.by_phase.get(phase, 0)) for phase in Phase]
    counts.append(("Aucune phase commencée", report.by_phase.get(None, 0)))
    label_width = max(len(label) for label, _ in counts)
    lines += [f"  {label:{label_width}}  {number_fr(count):>6}" for label, count in counts]
    lines.append(f"  {'Total':{label_width}}  {number_fr(sum(report.by_phase.values())):>6}")
    return "\n".join(lines)


def _register_demo_personas() -> None:
    from users.cli import users

    if "seed-demo" in users.commands:
        return

    @users.command("seed-demo")
    def seed_demo():
        """Crée (ou complète) les personas de démonstration, avec des rôles sur de vraies startups."""
        summary = demo.seed_demo_personas(today=clock.today(), now=clock.now())
        db.session.commit()
        for line in summary:
            click.echo(line)
