"""The French labels of the grids area's actions and fields on the audit pages (see audit.labels), and who
reads the scores they recorded (see audit.visibility)."""

from audit import labels, visibility
from audit.labels import HIDDEN, MAPPING, VERBATIM, Choice, Enum, Format, Lines, field
from audit.models import Visibility
from grids import services
from grids.models import CriterionKind

TEMPLATES = Choice({
    "lancement": "Grille de lancement (fin d'investigation)",
    "acceleration": "Grille d'accélération (fin de construction)",
    "arbitrage_sponsor": "Grille d'arbitrage du sponsor",
})


class Scale(Format):
    def __call__(self, value, people):
        if isinstance(value, list) and len(value) == 2:
            return f"de {value[0]} à {value[1]}"
        return super().__call__(value, people)


def _criterion(parts: dict[str, str]) -> str:
    details = ", ".join(text for text in (parts["kind"], parts["weight"] and f"poids {parts['weight']}",
                                          parts["archived"] == "Oui" and "archivé") if text)
    return f"{parts['label']} ({details})" if details else parts["label"]


labels.register_object("grid_version", "Version de grille", {
    "template": field("Grille", TEMPLATES), "number": field("Version", VERBATIM), "scale": field("Échelle", Scale()),
    "intro": "Introduction",
    "criteria": field("Critères", Lines({
        "label": field("Critère"), "kind": field("Type", Enum(CriterionKind)), "weight": field("Poids"),
        "archived": field("Archivé"), "code": HIDDEN, "questions": HIDDEN,
    }, _criterion)),
})
labels.register_object("filled_grid", "Grille remplie", {
    "template": field("Grille", TEMPLATES), "version": field("Version", VERBATIM), "abstained": "Abstention",
    "conflict_of_interest": "Conflit d'intérêts", "scores": field("Notes", MAPPING),
})
labels.register_actions({
    "grid.submitted": "Grille d'évaluation remplie",
    "grid.version_published": "Version de grille publiée",
})

# A submitted grid's scores (and an abstention's declared conflict of interest) show in the history only to
# whoever the committee's grid page shows them to.
MASKED_UNTIL = "tant que vous ne pouvez pas voir les résultats des grilles de ce comité"
visibility.register(Visibility.GRID_SCORES, services.scores_visible_to, fields={
    "scores": f"masquées {MASKED_UNTIL}",
    "conflict_of_interest": f"masqué {MASKED_UNTIL}",
})
