"""The French labels of the commitments area's actions and fields on the audit pages (see audit.labels)."""

from audit import labels
from audit.labels import DATE, Enum, field
from commitments.models import Kind, State

labels.register_object("commitment_statement", "Engagement", {
    "kind": field("Engagement", Enum(Kind)), "state": field("État", Enum(State)), "why": "Pourquoi",
    "evidence_url": "Preuve (adresse)", "evidence_note": "Preuve (description)",
    "evidence_on": field("Date de la preuve", DATE),
})
labels.register_object("risk_workshop", "Atelier d'analyse de risques", {
    "held_on": field("Date de l'atelier", DATE), "participants": "Participants",
    "residual_risks": "Risques résiduels", "next_on": field("Prochain atelier prévu", DATE),
})
labels.register_object("action_item", "Action d'un comité", {"title": "Intitulé", "kind": field("Engagement", Enum(Kind))})
labels.register_actions({
    "commitment.stated": "Engagement renseigné",
    "risk_workshop.recorded": "Atelier d'analyse de risques enregistré",
    "commitment.condition_tied": "Condition d'une décision rattachée à un engagement",
})
