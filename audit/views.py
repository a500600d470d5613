"""Reading the audit trail: a startup's history (on its page and in full), the whole log for admins.

There is no route that changes the log: it is written by the services only, and the model refuses
updates and deletes. Every page runs a fixed number of statements (the page, its count, the names of
the people it mentions, the filters' choices, and a few for each kind of confidential event it holds).
Every page shows its events through audit.visibility.shown(): confidential values (grid scores, personal
data) are masked from whoever may not see their content.
"""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from sqlalchemy.orm import selectinload

from audit import labels, services, visibility
from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from core.db import db, distinct_values
from core.pagination import page_url, paginate, requested_page
from core.text import contains_pattern
from users import services as users_services
from users.models import Person
from users.permissions import authorize, can, requires

bp = Blueprint("audit", __name__, url_prefix="/audit")

PARIS = ZoneInfo("Europe/Paris")
PER_PAGE = 50
# The whole log grows with every write: its page counts the events up to this (or ten pages past the one asked),
# then says « plus de … » (core.pagination.paginate).
COUNTED = 1000
HISTORY_ON_PAGE = 20

@dataclasses.dataclass(frozen=True)
class StartupRef:
    """What the audit pages need of a startup, read from its table (the startups area comes after)."""

    id: str
    name: str
    incubator_id: str | None

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.id, self.incubator_id)


def change_rows(event: visibility.ShownEvent, people: dict[int, str]) -> list[labels.Row]:
    """(field, before, after) of an event, for display; the values themselves stay as recorded, and those the
    viewer may not see read as masked."""
    rows = labels.change_rows(event.action, event.object_type, event.before, event.after, people)
    for key, notice in event.masked:
        label = None if key == visibility.EVERYTHING else labels.field_for(event.action, event.object_type, key).label
        rows.append((label or "Détails", "", notice))
    return rows


def people_named(events) -> dict:
    """The current names of the people the events' values point to (one query; anonymised names show),
    and of the other records they name under (kind, id) keys (one query per kind: incubators…), the
    startups the events are about included: ("startup", id)."""
    ids = {pid for e in events for values in (e.before, e.after)
           for pid in labels.person_ids(e.action, e.object_type, values)}
    wanted = {ref for e in events for values in (e.before, e.after)
              for ref in labels.references(e.action, e.object_type, values)}
    wanted.update(("startup", e.startup_id) for e in events if e.startup_id)
    names: dict = labels.reference_names(wanted)
    if ids:
        names.update(db.session.execute(sa.select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    return names


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
    page = visibility.shown(events[:limit])
    return {"events": page, "more": len(events) > limit, "people": people_named(page), "startup": startup}


# Globals, not a context processor: imported macros see globals only.
bp.add_app_template_global(labels.action_label, "audit_action_label")
bp.add_app_template_global(labels.at_paris, "audit_at")
bp.add_app_template_global(change_rows, "audit_changes")
bp.add_app_template_global(actor_name, "audit_actor")


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
    page = paginate(query, requested_page(), PER_PAGE, scalars=True)
    events = visibility.shown(page.items)
    return render_template("audit/startup.html", startup=target, page=page, events=events,
                           people=people_named(events), page_url=page_url, active_section="startups")


@bp.get("")
@requires("audit.view_all")
def index():
    authorize("audit.view_all")
    actions, object_types = distinct_values(AuditEvent.action), distinct_values(AuditEvent.object_type)
    form = AuditFilterForm(request.args, actions=[(a, labels.action_label(a)) for a in actions],
                           object_types=[(o, labels.object_label(o)) for o in object_types])
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
        query = query.join(Person, AuditEvent.actor_id == Person.id).where(
            users_services.name_or_email_contains(form.personne.data.strip()))
    if ok("action"):
        query = query.where(AuditEvent.action == form.action.data)
    if ok("objet"):
        query = query.where(AuditEvent.object_type == form.objet.data)
    if ok("startup") and form.startup.data.strip():
        text = form.startup.data.strip()
        startups = db.metadata.tables["startups"]
        named = sa.select(startups.c.id).where(sa.func.lower(startups.c.name).like(contains_pattern(text), escape="\\"))
        query = query.where(sa.or_(AuditEvent.startup_id == text, AuditEvent.startup_id.in_(named)))
    if not form.au.errors and not form.du.errors:
        if form.du.data:
            query = query.where(AuditEvent.at >= dt.datetime.combine(form.du.data, dt.time(), PARIS))
        if form.au.data:
            day_after = form.au.data + dt.timedelta(days=1)
            query = query.where(AuditEvent.at < dt.datetime.combine(day_after, dt.time(), PARIS))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    page = paginate(query, requested_page(), PER_PAGE, scalars=True, counted=COUNTED)
    events = visibility.shown(page.items)
    return render_template("audit/index.html", form=form, page=page, events=events, people=people_named(events),
                           page_url=page_url, warnings=warnings, author=author, active_section="admin")
