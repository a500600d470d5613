"""French formats: « de » elided and contracted before a name, durations read after « depuis »."""

import datetime as dt

import pytest

from core.formats import de, duration_fr


@pytest.mark.parametrize("name, expected", [
    ("Agora", "d'Agora"),
    ("Aides-territoires", "d'Aides-territoires"),
    ("Lieu", "de Lieu"),
    ("L'Incubateur des Territoires", "de l'Incubateur des Territoires"),
    ("L’Incubateur", "de l’Incubateur"),
    ("Le Lab de la DGFiP", "du Lab de la DGFiP"),
    ("Les Bureaux du cœur", "des Bureaux du cœur"),
    ("La Fabrique numérique", "de la Fabrique numérique"),
    ("Écoles numériques", "d'Écoles numériques"),
    ("éducation", "d'éducation"),
    ("Île-de-France Mobilités", "d'Île-de-France Mobilités"),
    ("Ouvrir la data", "d'Ouvrir la data"),
    ("Handicap.gouv", "de Handicap.gouv"),  # mute or aspirated h cannot be told: « de »
    ("Lego", "de Lego"),
    ("Lesieur", "de Lesieur"),
    ("Lab", "de Lab"),
    ("1jeune1solution", "de 1jeune1solution"),
    ("  Agora ", "d'Agora"),
])
def test_de_elides_and_contracts_before_a_name(name, expected):
    assert de(name) == expected


def test_de_in_a_template_is_escaped_like_any_text(app):
    with app.app_context():
        html = app.jinja_env.from_string("Comités {{ name|de }}").render(name="L'<b>Atelier</b>")
    assert html == "Comités de l&#39;&lt;b&gt;Atelier&lt;/b&gt;"


@pytest.mark.parametrize("start, expected", [
    ("2026-11-27", "aujourd'hui"),
    ("2026-11-26", "1 jour"),
    ("2026-11-15", "12 jours"),
    ("2026-08-27", "3 mois"),
    ("2025-09-27", "1 an et 2 mois"),
])
def test_duration_reads_after_depuis(start, expected):
    assert duration_fr(dt.date.fromisoformat(start), dt.date(2026, 11, 27)) == expected
