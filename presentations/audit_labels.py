"""The French labels of the presentations area's actions and fields on the audit pages (see audit.labels)."""

from audit import labels
from audit.labels import DATE, HIDDEN, MONEY, NUMBER, Enum, Format, Lines, Unit, field
from core.formats import number_fr
from presentations.models import PresentationStatus


class FileSize(Format):
    def __call__(self, value, people):
        if not isinstance(value, int):
            return super().__call__(value, people)
        if value < 1024 * 1024:
            return f"{number_fr(max(1, round(value / 1024)))} ko"
        return f"{number_fr(value / (1024 * 1024), 1)} Mo"


def _objective(parts: dict[str, str]) -> str:
    return f"{parts['target_value']} au {parts['target_on']}" if parts["target_on"] else parts["target_value"]


labels.register_object("presentation", "Présentation au comité", {
    "status": field("Statut", Enum(PresentationStatus)),
    "indicators": field("Indicateurs présentés", Unit("indicateur", "indicateurs")),
    "objectives": field("Objectifs enregistrés sur les indicateurs", Lines({
        "indicator_id": HIDDEN, "target_value": field("Objectif", NUMBER), "target_on": field("Échéance", DATE),
    }, _objective)),
    "skipped_indicators": field("Indicateurs sans objectif", Unit("indicateur", "indicateurs")),
    "taken_up_from": field("Reprend la présentation du comité annulé du", DATE),
    "filename": "Fichier", "size": field("Taille", FileSize()), "sha256": HIDDEN,
    "done_and_learned": "Ce qui a été fait et appris", "difficulties": "Difficultés",
    "team_profile": "Profil de l'équipe demandée", "hypotheses": "Hypothèses à valider",
    "success_criteria": "Critères de réussite",
    "team_size": field("Taille de l'équipe demandée", Unit("personne", "personnes")),
    "envelope_eur": field("Enveloppe demandée", MONEY),
    "comments": field("Commentaires par indicateur", Lines({"indicator": field("Indicateur"), "comment": field("Commentaire")},
                                                          lambda parts: f"{parts['indicator']} : {parts['comment']}")),
    "standards": field("Standards beta.gouv.fr", Lines({
        "label": field("Standard"), "today": field("Aujourd'hui"), "in_six_months": field("Dans six mois")},
        lambda parts: f"{parts['label']} : aujourd'hui {parts['today'] or '—'}, dans six mois {parts['in_six_months'] or '—'}")),
    "reached": field("Valeurs atteintes", Lines({"indicator": field("Indicateur"), "value": field("Valeur", NUMBER), "period": field("Période", DATE)},
                                                 lambda parts: f"{parts['indicator']} : {parts['value'] or '—'}"
                                                               + (f" ({parts['period']})" if parts["period"] else ""))),
})
labels.register_actions({
    "presentation.created": "Présentation commencée",
    "presentation.submitted": "Présentation envoyée pour relecture",
    "presentation.accepted": "Présentation acceptée",
    "presentation.changes_requested": "Modifications de la présentation demandées",
    "presentation.frozen": "Présentation figée au comité tenu",
    "presentation.objectives_changed": "Nouveaux objectifs de la présentation modifiés",
    "presentation.updated": "Présentation modifiée",
    "presentation.values_refreshed": "Valeurs atteintes de la présentation reprises des indicateurs",
    "presentation.attachment_added": "Pièce jointe ajoutée à la présentation",
    "presentation.attachment_removed": "Pièce jointe retirée de la présentation",
})
