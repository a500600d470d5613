"""The French labels of the presentations area's actions and fields on the audit pages (see audit.labels)."""

from audit import labels
from audit.labels import DATE, HIDDEN, NUMBER, Enum, Format, Lines, Unit, field
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
    "filename": "Fichier", "size": field("Taille", FileSize()), "sha256": HIDDEN,
})
labels.register_actions({
    "presentation.created": "Présentation commencée",
    "presentation.submitted": "Présentation envoyée pour relecture",
    "presentation.accepted": "Présentation acceptée",
    "presentation.changes_requested": "Modifications de la présentation demandées",
    "presentation.frozen": "Présentation figée au comité tenu",
    "presentation.objectives_changed": "Nouveaux objectifs de la présentation modifiés",
    "presentation.attachment_added": "Pièce jointe ajoutée à la présentation",
    "presentation.attachment_removed": "Pièce jointe retirée de la présentation",
})
