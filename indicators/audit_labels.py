"""The French labels of the indicators area's actions and fields on the audit pages (see audit.labels)."""

from audit import labels
import datetime as dt

from audit.labels import DATE, HIDDEN, MONEY, NUMBER, VERBATIM, Choice, Enum, Format, Lines, Unit, field, plain
from core.formats import month_fr
from indicators.models import Category, Direction, Frequency, IndicatorKind, Reporting


class Month(Format):
    def __call__(self, value, people):
        try:
            return month_fr(dt.date.fromisoformat(str(value)))
        except ValueError:
            return plain(value)


def _cell_text(parts: dict[str, str]) -> str:
    """« Usagers, mars 2026 : 1 200 (commentaire) », or « … : aucune valeur »."""
    value = parts["value"] or "aucune valeur"
    return f"{parts['indicator']}, {parts['period']} : {value}" + (f" ({parts['comment']})" if parts["comment"] else "")


labels.register_object("indicator", "Indicateur", {
    "unit": "Unité", "direction": field("Sens", Enum(Direction)), "frequency": field("Fréquence", Enum(Frequency)),
    "category": field("Catégorie", Enum(Category)), "kind": field("Type", Enum(IndicatorKind)),
    "source_url": "Source", "allow_negative": "Valeurs négatives permises", "north_star": "North Star",
    "target_value": field("Objectif", NUMBER), "target_on": field("Échéance de l'objectif", DATE), "committee_id": HIDDEN,
    "objective_id": HIDDEN, "comment": "Commentaire",
})
labels.register_object("startup_budget", "Budget", {"year": field("Année", VERBATIM), "amount_eur": field("Montant", MONEY)})

labels.register_action("indicator.propose_mandatory", "Indicateurs obligatoires proposés",
                       fields={"indicators": "Indicateurs"})
labels.register_action("indicator.values", "Saisie de valeurs d'indicateurs", fields={
    "changed": field("Valeurs enregistrées", Unit("valeur", "valeurs")),
    "source": field("Source", Choice({"grille": "Saisie dans le tableau", "import CSV": "Import d'un fichier CSV"})),
    "values": field("Valeurs", Lines({"indicator": field("Indicateur"), "period": field("Période", Month()), "value": field("Valeur", NUMBER),
                                      "comment": field("Commentaire")}, _cell_text)),
})
labels.register_action("indicator.reporting", "Fréquence de demande des indicateurs",
                       fields={"reporting": field("Demande des valeurs", Enum(Reporting))})
labels.register_actions({
    "indicator.create": "Création d'un indicateur",
    "indicator.update": "Modification d'un indicateur",
    "indicator.archive": "Archivage d'un indicateur",
    "indicator.north_star": "Choix de la North Star",
    "indicator.objective": "Objectif d'un indicateur",
    "indicator.objective_edited": "Objectif corrigé",
    "indicator.objective_deleted": "Objectif supprimé",
    "startup.budget": "Budget",
})
