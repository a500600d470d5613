"""Personal data: a person exports what Jalons holds on them; an admin anonymises a person.

Anonymising replaces the name by « Personne anonymisée n° <id> » and removes the e-mail and the
ProConnect link; memberships, incubator roles and audit events keep their shape and still point to the
person, so that every page shows the anonymised name through its relationship. The audit log is
append-only: values recorded before the anonymisation are not rewritten (the services record people by
id, never by name, so the log's values rarely hold any); the events about the person (an account created
with its name and e-mail) are personal data that nobody reads again (person.view), in the log or in an
export. The anonymisation itself is logged, without personal data.

Tables of the areas after users (audit, committees…) are read through the metadata, not their models:
the users area comes first in the import order.

The routes (/users/me/data.json, /users/<id>/anonymise) are registered on the users blueprint by
register_routes(bp), called at the end of users/views.py.
"""

import datetime as dt
import json

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField

from core import clock
from core.db import db
from core.fields import Required
from core.values import jsonable
from users import services
from users.models import LoginAttempt, LoginToken, Person
from users.permissions import authorize, can, current_person, requires

ANONYMOUS_NAME = "Personne anonymisée n° {id}"
# Columns never exported, even for the person themselves: a secret is not data about someone.
SECRET_MARKERS = ("token", "hash", "secret", "password")


class PrivacyError(services.UsersError):
    pass


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def _rows(table: sa.Table, where, order_by=None) -> list[dict]:
    # Neither secrets nor the files themselves (a document's or an attachment's bytes): their names, sizes
    # and dates say what the person uploaded.
    columns = [c for c in table.columns
               if not any(m in c.name for m in SECRET_MARKERS) and not isinstance(c.type, sa.LargeBinary)]
    query = sa.select(*columns).where(where)
    if order_by is not None:
        query = query.order_by(order_by)
    return [jsonable(dict(row._mapping)) for row in db.session.execute(query)]


def export_person_data(person: Person, *, now: dt.datetime) -> dict:
    """Everything Jalons holds on person, as JSON-ready data."""
    audit = _table("audit_events")
    membership_ids = [str(m.id) for m in person.memberships]
    about = sa.or_(
        sa.and_(audit.c.object_type == "person", audit.c.object_id == str(person.id)),
        sa.and_(audit.c.object_type == "membership", audit.c.object_id.in_(membership_ids)),
    )
    covered = {"memberships", "incubator_staff", "login_tokens", "audit_events", "people"}
    others = {}
    for table in db.metadata.sorted_tables:
        if table.name in covered:
            continue
        for column in table.columns:
            if any(fk.column.table.name == "people" for fk in column.foreign_keys):
                rows = _rows(table, column == person.id)
                if rows:
                    others.setdefault(table.name, []).extend(rows)
    return {
        "export": {
            "produced_at": jsonable(now),
            "description": "Données que Jalons détient sur vous (le suivi des Startups d'État de beta.gouv.fr).",
        },
        "person": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "organisation_id": person.organisation_id,
            "is_admin": person.is_admin,
            "proconnect_linked": person.proconnect_sub is not None,
            "created_at": jsonable(person.created_at),
            "last_login_at": jsonable(person.last_login_at),
            "archived_at": jsonable(person.archived_at),
            "anonymised_at": jsonable(person.anonymised_at),
        },
        "memberships": [
            {"id": m.id, "startup_id": m.startup_id, "role": m.role.value, "role_label": m.role.label,
             "starts_on": jsonable(m.starts_on), "ends_on": jsonable(m.ends_on), "created_at": jsonable(m.created_at)}
            for m in person.memberships
        ],
        "incubator_roles": [
            {"id": r.id, "incubator_id": r.incubator_id, "starts_on": jsonable(r.starts_on),
             "ends_on": jsonable(r.ends_on), "created_at": jsonable(r.created_at)}
            for r in person.incubator_roles
        ],
        "login_history": {
            "last_login_at": jsonable(person.last_login_at),
            "login_links": _rows(_table("login_tokens"), _table("login_tokens").c.person_id == person.id,
                                 _table("login_tokens").c.created_at),
        },
        "audit_events_authored": _others_data_masked(_rows(audit, audit.c.actor_id == person.id, audit.c.id), person),
        "audit_events_about_you": _rows(audit, about, audit.c.id),
        "other_records": others,
    }


def _others_data_masked(events: list[dict], person: Person) -> list[dict]:
    """The events person recorded, without the values of another person's personal data that the policy does
    not let them read (person.view: an anonymised person's, nobody's), as the log's pages show them."""
    def about_another(event: dict) -> bool:
        return event["visibility"] == "personnel" and event["visibility_ref"] not in (None, person.id)

    others = {e["visibility_ref"] for e in events if about_another(e)}
    hidden = {about.id for about in db.session.scalars(sa.select(Person).where(Person.id.in_(others)))
              if not can("person.view", about, person)} if others else set()
    return [{**e, "before": None, "after": None, "reason": None}
            if about_another(e) and e["visibility_ref"] in hidden else e for e in events]


def export_json(person: Person, *, now: dt.datetime) -> str:
    return json.dumps(export_person_data(person, now=now), ensure_ascii=False, indent=2)


def anonymise_person(person: Person, *, actor: Person | None, now: dt.datetime) -> None:
    """Name and e-mail disappear everywhere; the history keeps its shape (see the module's docstring)."""
    if person.anonymised_at is not None:
        raise PrivacyError("Cette personne est déjà anonymisée.")
    if actor is not None and actor.id == person.id:
        raise PrivacyError("Vous ne pouvez pas vous anonymiser vous-même : demandez-le à un·e autre administrateur·rice.")
    email = person.email
    person.name = ANONYMOUS_NAME.format(id=person.id)
    person.email = None
    person.proconnect_sub = None
    person.anonymised_at = now
    # Unused login links die with the identity; the rate-limit rows keyed on the e-mail's hash go too.
    db.session.execute(
        sa.update(LoginToken).where(LoginToken.person_id == person.id, LoginToken.used_at.is_(None))
        .values(expires_at=now)
    )
    if email:
        db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.bucket == services.rate_buckets(email, None)[0]))
    db.session.flush()
    services.record_about_person("person.anonymised", person, actor=actor, now=now, before=None,
                                 after={"anonymised_at": now})
    db.session.flush()


# --- Routes (registered on the users blueprint) ------------------------------------------------------

class AnonymiseForm(FlaskForm):
    confirm = BooleanField(
        "Je confirme : le nom et l'adresse e-mail de cette personne seront effacés définitivement",
        validators=[Required("Cochez la case pour confirmer l'anonymisation.")],
    )


def summary(person: Person) -> dict:
    audit = _table("audit_events")
    return {
        "memberships": len(person.memberships),
        "incubator_roles": len(person.incubator_roles),
        "events": db.session.scalar(sa.select(sa.func.count()).select_from(audit).where(audit.c.actor_id == person.id)),
    }


def register_routes(bp) -> None:
    @bp.get("/me/data.json")
    @requires("person.export_data")
    def my_data():
        person = current_person()
        authorize("person.export_data", person)
        body = export_json(person, now=clock.now())
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": 'attachment; filename="jalons-mes-donnees.json"',
            "Cache-Control": "no-store",
        })

    @bp.route("/<int:person_id>/anonymise", methods=["GET", "POST"])
    @requires("person.anonymise")
    def anonymise(person_id: int):
        person = db.get_or_404(Person, person_id)
        authorize("person.anonymise", person)
        form = AnonymiseForm()
        status = 200
        if form.is_submitted():
            status = 422
            if form.validate():
                try:
                    anonymise_person(person, actor=current_person(), now=clock.now())
                    db.session.commit()
                    flash(f"La personne n° {person.id} a été anonymisée : son nom et son adresse e-mail ont été "
                          "effacés, son historique est conservé.", "success")
                    return redirect(url_for("admin.person", person_id=person.id), 303)
                except PrivacyError as error:
                    db.session.rollback()
                    form.confirm.errors.append(str(error))
        return render_template("audit/anonymise.html", person=person, form=form, summary=summary(person)), status

    # Silence "unused" linters: the functions are registered by the decorators.
    del my_data, anonymise
