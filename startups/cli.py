import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("load-demo")
    def load_demo():
        """Charge les données de démonstration quand la base est vide."""
        click.echo("Rien à charger pour l'instant.")
