"""The French labels of the indicators area's actions and fields on the audit pages (see audit.labels)."""

from audit import labels
from audit.labels import DATE, HIDDEN, MONEY, NUMBER, VERBATIM, Choice, Enum, Unit, field
from indicators.models import Category, Direction, Frequency, IndicatorKind, Reporting

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
