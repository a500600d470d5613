"""Reading the audit trail: a startup's history (on its page and in full), the whole log for admins.

There is no route that changes the log: it is written by the services only, and the model refuses
updates and deletes. Every page runs a fixed number of statements (the page, its count, the names of
the people it mentions, the filters' choices).
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy.orm import selectinload

from audit import services
from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from core.db import db
from core.formats import date_fr
from core.pagination import paginate
from users.models import STARTUP_ROLE_LABELS, Person, StartupRole
from users.permissions import authorize, can, requires

bp = Blueprint("audit", __name__, url_prefix="/audit")

PARIS = ZoneInfo("Europe/Paris")
PER_PAGE = 50
HISTORY_ON_PAGE = 20

ACTION_LABELS = {
    "startup.created": "Création de la startup",
    "startup.updated": "Modification de la fiche",
    "startup.phase_changed": "Changement de phase",
    "startup.phase_corrected": "Correction de l'historique des phases",
    "startup.budget": "Budget",
    "phase_period.corrected": "Correction d'une période",
    "phase_period.deleted": "Suppression d'une période",
    "event.created": "Ajout d'un événement",
    "event.updated": "Modification d'un événement",
    "membership.created": "Arrivée dans l'équipe",
    "membership.ended": "Départ de l'équipe",
    "organisation.created": "Création d'une organisation",
    "organisation.updated": "Modification d'une organisation",
    "organisation.archived": "Archivage d'une organisation",
    "organisation.restored": "Restauration d'une organisation",
    "incubator.created": "Création d'un incubateur",
    "incubator.updated": "Modification d'un incubateur",
    "incubator.archived": "Archivage d'un incubateur",
    "incubator.restored": "Restauration d'un incubateur",
    "person.anonymised": "Anonymisation d'une personne",
    "indicator.create": "Création d'un indicateur",
    "indicator.update": "Modification d'un indicateur",
    "indicator.archive": "Archivage d'un indicateur",
    "indicator.north_star": "Choix de la North Star",
    "indicator.objective": "Objectif d'un indicateur",
    "indicator.values": "Saisie de valeurs d'indicateurs",
    "indicator.propose_mandatory": "Indicateurs obligatoires proposés",
    "committee.planned": "Comité planifié",
    "committee.rescheduled": "Comité reprogrammé",
    "committee.cancelled": "Comité annulé",
    "committee.held": "Comité tenu",
    "committee.decided": "Décision du comité",
    "committee.decision_revised": "Décision révisée",
    "committee.signed_off": "Décision validée par le sponsor",
    "committee.contested": "Décision contestée par le sponsor",
    "committee.minutes_recorded": "Compte rendu du comité",
    "committee.participant_added": "Participant ajouté au comité",
    "committee.participant_removed": "Participant retiré du comité",
    "committee.action_added": "Action ajoutée",
    "committee.action_done": "Action terminée",
    "committee.action_reopened": "Action rouverte",
    "committee.actions_carried": "Actions reportées au comité suivant",
    "grid.submitted": "Grille d'évaluation remplie",
    "grid.version_published": "Version de grille publiée",
}
OBJECT_LABELS = {
    "startup": "Startup",
    "phase_period": "Période de phase",
    "event": "Événement",
    "membership": "Participation à une équipe",
    "organisation": "Organisation",
    "incubator": "Incubateur",
    "person": "Personne",
    "indicator": "Indicateur",
    "startup_budget": "Budget",
    "committee": "Comité",
}
FIELD_LABELS = {
    "name": "Nom", "mission": "Mission", "incubator_id": "Incubateur", "sponsor_ids": "Sponsors",
    "link": "Site", "repository": "Dépôt de code", "stats_url": "Page de statistiques", "impact_url": "Impact",
    "budget_url": "Budget", "dashlord_url": "DashLord", "user_types": "Publics", "themes": "Thématiques",
    "techno": "Technologies", "accessibility_status": "Accessibilité", "phase": "Phase", "start_on": "Début",
    "end_on": "Fin", "starts_on": "Début", "ends_on": "Fin", "comment": "Commentaire", "kind": "Type",
    "happened_on": "Date", "person_id": "Personne", "role": "Rôle", "acronym": "Sigle",
    "ministerial_domain": "Périmètre ministériel", "owner_id": "Organisation porteuse", "website": "Site",
    "github": "GitHub", "address": "Adresse", "description": "Description", "archived_at": "Archivage",
    "anonymised_at": "Anonymisation", "status": "Statut", "decision": "Décision", "period_id": "Période",
    "previous_period_end_on": "Fin de la période précédente", "new_person": "Nouveau compte",
}


# Labels of coded values (phases, event kinds…), registered by the areas that define them: the audit area
# comes before them in the import order.
VALUE_LABELS: dict[str, Callable[[str], str]] = {
    "role": lambda value: STARTUP_ROLE_LABELS[StartupRole(value)],
}


def register_value_label(key: str, label: Callable[[str], str]) -> None:
    VALUE_LABELS[key] = label


@dataclasses.dataclass(frozen=True)
class StartupRef:
    """What the audit pages need of a startup, read from its table (the startups area comes after)."""

    id: str
    name: str
    incubator_id: str | None

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.id, self.incubator_id)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def at_paris(value: dt.datetime) -> str:
    """« 27 novembre 2026 à 14 h 05 », in Paris time."""
    local = value.astimezone(PARIS)
    return f"{date_fr(local.date())} à {local.hour} h {local.minute:02d}"


def _value_text(key: str, value, people: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key == "person_id" and isinstance(value, int):
        return people.get(value, f"personne n° {value}")
    if key in VALUE_LABELS and isinstance(value, str):
        try:
            return VALUE_LABELS[key](value)
        except (ValueError, KeyError):
            return value
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and (key.endswith("_on") or key.endswith("_at")):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return at_paris(parsed) if key.endswith("_at") and parsed.tzinfo else date_fr(parsed.date())
    return str(value)


def change_rows(event: AuditEvent, people: dict[int, str]) -> list[tuple[str, str, str]]:
    """(field, before, after) of an event, for display; the values themselves stay as recorded."""
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*after, *before]))
    return [(FIELD_LABELS.get(k, k), _value_text(k, before.get(k), people) if k in before else "",
             _value_text(k, after.get(k), people) if k in after else "") for k in keys]


def people_named(events) -> dict[int, str]:
    """The current names of the people the events' values point to (one query; anonymised names show)."""
    ids = {v for e in events for values in (e.before, e.after) if values for k, v in values.items()
           if k == "person_id" and isinstance(v, int)}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def actor_name(event: AuditEvent) -> str:
    if event.actor is not None:
        return event.actor.name
    return event.actor_label or "Jalons"


@bp.app_template_global("startup_history")
def startup_history(startup, limit: int = HISTORY_ON_PAGE):
    """The latest events of a startup's history for its page, or None when the viewer may not see them."""
    if not can("audit.view_startup", startup):
        return None
    events = services.history(startup.id, limit=limit + 1)
    return {"events": events[:limit], "more": len(events) > limit, "people": people_named(events[:limit]),
            "startup": startup}


# Globals, not a context processor: imported macros see globals only.
bp.add_app_template_global(action_label, "audit_action_label")
bp.add_app_template_global(at_paris, "audit_at")
bp.add_app_template_global(change_rows, "audit_changes")
bp.add_app_template_global(actor_name, "audit_actor")


def _page_number() -> int:
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def _page_url(number: int) -> str:
    args = request.args.to_dict()
    args["page"] = number
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.get("/startups/<startup_id>")
@requires("audit.view_startup")
def startup(startup_id: str):
    if not startup_id.isprintable():
        abort(404)
    table = db.metadata.tables["startups"]
    row = db.session.execute(sa.select(table.c.id, table.c.name, table.c.incubator_id)
                             .where(table.c.id == startup_id)).first()
    if row is None:
        abort(404)
    target = StartupRef(*row)
    authorize("audit.view_startup", target)
    query = (sa.select(AuditEvent).where(AuditEvent.startup_id == target.id)
             .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    page = paginate(query, _page_number(), PER_PAGE, scalars=True)
    return render_template("audit/startup.html", startup=target, page=page, people=people_named(page.items),
                           page_url=_page_url, active_section="startups")


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@bp.get("")
@requires("audit.view_all")
def index():
    authorize("audit.view_all")
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    object_types = db.session.scalars(sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)).all()
    form = AuditFilterForm(request.args, actions=[(a, action_label(a)) for a in actions],
                           object_types=[(o, OBJECT_LABELS.get(o, o)) for o in object_types])
    form.validate()
    warnings = [f"{form[name].label.text} : {' '.join(errors)} Ce filtre est ignoré."
                for name, errors in form.errors.items() if name not in ("page", "auteur")]

    def ok(name: str):
        return form[name].data if not form[name].errors else None

    query = sa.select(AuditEvent).options(selectinload(AuditEvent.actor))
    author = None
    if ok("auteur"):
        author = db.session.get(Person, form.auteur.data)
        query = query.where(AuditEvent.actor_id == form.auteur.data)
    if ok("personne") and form.personne.data.strip():
        pattern = _like(form.personne.data.strip())
        query = query.join(Person, AuditEvent.actor_id == Person.id).where(sa.or_(
            sa.func.lower(Person.name).like(pattern, escape="\\"), Person.email.like(pattern, escape="\\")))
    if ok("action"):
        query = query.where(AuditEvent.action == form.action.data)
    if ok("objet"):
        query = query.where(AuditEvent.object_type == form.objet.data)
    if ok("startup") and form.startup.data.strip():
        query = query.where(AuditEvent.startup_id == form.startup.data.strip())
    if not form.au.errors:
        if form.du.data:
            query = query.where(AuditEvent.at >= dt.datetime.combine(form.du.data, dt.time(), PARIS))
        if form.au.data:
            day_after = form.au.data + dt.timedelta(days=1)
            query = query.where(AuditEvent.at < dt.datetime.combine(day_after, dt.time(), PARIS))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    page = paginate(query, _page_number(), PER_PAGE, scalars=True)
    return render_template("audit/index.html", form=form, page=page, people=people_named(page.items),
                           page_url=_page_url, warnings=warnings, author=author, object_labels=OBJECT_LABELS)
