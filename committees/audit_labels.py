"""The French labels of the committees area's actions and fields on the audit pages (see audit.labels)."""

from audit import labels
from audit.labels import DATE, DATETIME, HIDDEN, MONEY, PERSON, Enum, Lines, Unit, field
from committees.models import Attendance, CommitteeKind, CommitteeStatus, DecisionKind, ParticipantRole, SignOff
from startups.phases import Phase


def _participant(parts: dict[str, str]) -> str:
    details = ", ".join(text for text in (parts["role"], parts["attendance"].lower()) if text)
    return f"{parts['person_id']} ({details})" if details else parts["person_id"]


PARTICIPANTS = Lines({
    "person_id": field("Personne", PERSON),
    "role": field("Rôle", Enum(ParticipantRole)),
    "attendance": field("Présence", Enum(Attendance)),
}, _participant)

labels.register_object("committee", "Comité", {
    "kind": field("Type de comité", Enum(CommitteeKind)),
    "status": field("Statut", Enum(CommitteeStatus)),
    "scheduled_at": field("Date et heure", DATETIME),
    "duration_minutes": field("Durée", Unit("minute", "minutes")),
    "place": "Lieu",
    "video_link": "Lien de visioconférence",
    "chair_id": field("Présidence de séance", PERSON),
    "held_on": field("Tenu le", DATE),
    "cancelled_reason": "Motif de l'annulation",
    "convention_reason": "Motif de l'écart à la convention",
    "ical_sequence": HIDDEN,
    "participants": field("Participants", PARTICIPANTS),
    "carried_action_items": field("Actions reportées des comités précédents", Unit("action", "actions")),
    "name": HIDDEN,  # the participant's name, in events recorded before it was left out: the current name shows
    "role": field("Rôle", Enum(ParticipantRole)),
    "minutes": "Compte rendu",
    # The decision
    "decision": field("Décision", Enum(DecisionKind)),
    "next_phase": field("Phase suivante", Enum(Phase)),
    "envelope_eur": field("Enveloppe de la prochaine période", MONEY),
    "funds_available_eur": field("Encore disponible sur les conventions", MONEY),
    "team_size": field("Taille de l'équipe", Unit("personne", "personnes")),
    "hypotheses": "Hypothèses à valider",
    "success_criteria": "Critères de réussite",
    "conditions": "Conditions",
    "next_committee_on": field("Prochain comité", DATE),
    "sign_off": field("Validation du sponsor", Enum(SignOff)),
    # Action items
    "title": "Action",
    "owner_id": field("Responsable", PERSON),
    "due_on": field("Échéance", DATE),
    "done_at": field("Terminée le", DATETIME),
    "action_item_ids": field("Actions reportées", Unit("action", "actions")),
})

DECISION_FIELDS = {"kind": field("Décision", Enum(DecisionKind))}
labels.register_action("committee.decided", "Décision du comité", fields=DECISION_FIELDS)
labels.register_action("committee.decision_revised", "Décision révisée", fields=DECISION_FIELDS)
labels.register_actions({
    "committee.planned": "Comité planifié",
    "committee.rescheduled": "Comité reprogrammé",
    "committee.cancelled": "Comité annulé",
    "committee.held": "Comité tenu",
    "committee.signed_off": "Décision validée par le sponsor",
    "committee.contested": "Décision contestée par le sponsor",
    "committee.signoff_refused": "Validation de la décision refusée",
    "committee.contest_refused": "Contestation de la décision refusée",
    "committee.minutes_recorded": "Présence et compte rendu du comité",
    "committee.participant_added": "Participant ajouté au comité",
    "committee.participant_removed": "Participant retiré du comité",
    "committee.action_added": "Action ajoutée",
    "committee.action_done": "Action terminée",
    "committee.action_reopened": "Action rouverte",
    "committee.action_edited": "Action corrigée",
    "committee.action_deleted": "Action supprimée",
    "committee.actions_carried": "Actions reportées au comité suivant",
    "committee.decision_funds": "Disponible sur les conventions à la décision",
})
