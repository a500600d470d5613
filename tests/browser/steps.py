"""Steps of the browser journeys that more than one journey takes, as a person does them in the page."""

import datetime as dt
import re


def complete_presentation_lines(page, objective_on: dt.date) -> None:
    """Every indicator shown needs an objective at six months, and its value reached or why it is missing:
    the lines the journey did not fill itself get an objective of 1 and a comment."""
    for field in page.get_by_label(re.compile("^Nouvel objectif pour")).all():
        if not field.input_value():
            field.fill("1")
    for field in page.get_by_label(re.compile("^Date du nouvel objectif pour")).all():
        if not field.input_value():
            field.fill(objective_on.isoformat())
    for field in page.get_by_label(re.compile("^Commentaire sur « ")).all():
        if not field.input_value():
            field.fill("Pas encore mesuré : la mesure démarre le mois prochain.")
