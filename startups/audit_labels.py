"""The French labels of the startups area's actions and fields on the audit pages (see audit.labels)."""

import sqlalchemy as sa

from audit import labels
from audit.labels import DATE, MONEY, Choice, Enum, Reference, field
from core.db import db
from startups.models import EventKind, Incubator, Organisation, Startup
from startups.phases import Phase
from users.models import StartupRole

PHASE = Enum(Phase)


def _phase_text(values: dict, since: str) -> str:
    phase = values.get("phase")
    if not phase:
        return "Aucune phase"
    text = PHASE(phase, {})
    start = values.get("start_on")
    return f"{text} ({since} {DATE(start, {})})" if start else text


def phase_change_rows(before: dict, after: dict, people) -> list[labels.Row]:
    """« Construction (depuis le 3 avril 2023) → Accélération (à partir du 20 novembre 2026) »: the phase
    left with the day it began, the phase entered with its first day (the new period's id and the closing
    of the previous one, the same day, are not shown)."""
    return [("Phase", _phase_text(before, "depuis le"), _phase_text(after, "à partir du"))]


INCUBATOR, ORGANISATION = Reference("incubator"), Reference("organisation")


def _names(model):
    def names(ids: set) -> dict:
        return dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(sorted(ids)))).all())
    return names


labels.register_reference("incubator", _names(Incubator))
labels.register_reference("organisation", _names(Organisation))
# Startups by name wherever the log names one: its column on the audit pages, and ids in recorded values.
labels.register_reference("startup", _names(Startup))

labels.register_object("startup", "Startup", {
    "mission": "Mission", "incubator_id": field("Incubateur", INCUBATOR),
    "sponsor_ids": field("Sponsors", ORGANISATION), "link": "Site",
    "repository": "Dépôt de code", "stats_url": "Page de statistiques", "impact_url": "Page d'impact",
    "budget_url": "Page de budget", "dashlord_url": "DashLord", "user_types": "Publics",
    "themes": "Thématiques", "techno": "Technologies", "accessibility_status": "Accessibilité",
    "phase": field("Phase", PHASE), "start_on": field("Début", DATE),
    "previous_period_end_on": field("Fin de la période précédente", DATE),
    # The fields only an import writes (startups/importer.py).
    "co_incubator_ids": field("Autres incubateurs", INCUBATOR), "legacy_owner": "Porteur (ancien format)",
    "stats": "Statistiques publiques", "risk_analysis_done": "Analyse de risques faite",
    "risk_analysis_url": "Analyse de risques", "mon_service_securise": "MonServiceSécurisé",
    "fast_promotion": "Promotion FAST", "fast_amount": field("Montant FAST", MONEY),
    "periods": "Périodes de phase", "events": "Événements",
})
labels.register_object("phase_period", "Période de phase", {
    "phase": field("Phase", PHASE), "start_on": field("Début", DATE), "end_on": field("Fin", DATE),
    "source_name": "Nom dans la fiche",
})
labels.register_object("event", "Événement", {
    "kind": field("Type", Enum(EventKind)), "happened_on": field("Date", DATE),
})
labels.register_object("membership", "Participation à une équipe", {
    "role": field("Rôle", Enum(StartupRole)), "starts_on": field("Début", DATE), "ends_on": field("Fin", DATE),
    "new_person": field("Nouveau compte"),
})
labels.register_object("incubator_staff", "Équipe d'un incubateur", {
    "incubator_id": field("Incubateur", INCUBATOR), "starts_on": field("Début", DATE), "ends_on": field("Fin", DATE),
    "new_person": field("Nouveau compte"),
})
labels.register_object("organisation", "Organisation", {
    "acronym": "Sigle", "kind": "Type", "ministerial_domain": "Périmètre ministériel",
})
labels.register_object("incubator", "Incubateur", {
    "owner_id": field("Organisation porteuse", ORGANISATION), "website": "Site", "github": "GitHub", "address": "Adresse",
})

labels.register_action("membership.refused", "Changement de rôle refusé", fields={
    "change": field("Changement demandé", Choice({"grant": "Attribution du rôle", "end": "Fin du rôle"})),
    "role": field("Rôle", Enum(StartupRole)),
})
labels.register_action("startup.phase_changed", "Changement de phase", rows=phase_change_rows)
labels.register_action("startup.phase_corrected", "Correction de l'historique des phases", rows=phase_change_rows)
labels.register_actions({
    "startup.created": "Création de la startup",
    "startup.updated": "Modification de la fiche",
    "phase_period.created": "Ajout d'une période",
    "phase_period.updated": "Mise à jour d'une période",
    "phase_period.corrected": "Correction d'une période",
    "phase_period.deleted": "Suppression d'une période",
    "event.created": "Ajout d'un événement",
    "event.updated": "Modification d'un événement",
    "event.deleted": "Suppression d'un événement",
    "membership.created": "Arrivée dans l'équipe",
    "membership.ended": "Départ de l'équipe",
    "startup.archived": "Archivage de la startup",
    "startup.restored": "Restauration de la startup",
    "organisation.created": "Création d'une organisation",
    "organisation.updated": "Modification d'une organisation",
    "organisation.archived": "Archivage d'une organisation",
    "organisation.restored": "Restauration d'une organisation",
    "incubator.created": "Création d'un incubateur",
    "incubator.updated": "Modification d'un incubateur",
    "incubator.archived": "Archivage d'un incubateur",
    "incubator.restored": "Restauration d'un incubateur",
    "incubator_staff.created": "Arrivée dans l'équipe d'un incubateur",
    "incubator_staff.ended": "Départ de l'équipe d'un incubateur",
})
