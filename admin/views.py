"""The administration (admins only): its landing page, and the people — list, search, create, archive or
reopen, their roles in startups' teams. Organisations, incubators (startups area) and the audit log (audit
area) keep their pages in their areas; the landing page leads to them, and the header's « Administration »
entry leads here.

Roles are given and ended through the startups area's team services, which ask the one policy
(users.permissions.role_change_refusal) and record a refused attempt: no rule of their own here.
"""

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import selectinload

from admin.forms import AdminRoleForm, ConfirmForm, GrantRoleForm, NewPersonForm, PeopleSearchForm
from audit.models import AuditEvent
from core import clock
from core.db import db
from core.formats import date_fr
from core.pagination import page_url, paginate, requested_page
from startups import services as startup_services
from startups import team
from startups.forms import EndMembershipForm
from startups.models import Incubator, Organisation, Startup
from startups.views import active_organisations, forbidden
from users import services
from users.models import IncubatorStaff, Membership, Person, StartupRole
from users.permissions import authorize, current_person, requires, role_change_refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


def page(template: str, status: int = 200, **context):
    return render_template(template, active_section="admin", **context), status


@bp.get("")
@requires("admin")
def index():
    authorize("admin")
    active = sa.and_(Person.archived_at.is_(None), Person.anonymised_at.is_(None))
    total, active_count, admins = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((active, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((sa.and_(active, Person.is_admin), 1), else_=0)), 0),
    ).select_from(Person)).one()

    def count(model) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.archived_at.is_(None)))

    week = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.at >= clock.now() - dt.timedelta(days=7)))
    return page("admin/index.html", counts={
        "people": total, "active": active_count, "admins": admins, "organisations": count(Organisation),
        "incubators": count(Incubator), "week": week})


@bp.get("/people")
@requires("person.manage")
def people():
    authorize("person.manage")
    form = PeopleSearchForm(request.args)
    form.validate()
    query = sa.select(Person).options(selectinload(Person.organisation))
    text = (form.q.data or "").strip() if not form.q.errors else ""
    if text:
        query = query.where(services.name_or_email_contains(text))
    state = form.etat.data if not form.etat.errors else "actifs"
    if state == "actifs":
        query = query.where(Person.archived_at.is_(None), Person.anonymised_at.is_(None))
    elif state == "archives":
        query = query.where(sa.or_(Person.archived_at.is_not(None), Person.anonymised_at.is_not(None)))
    query = query.order_by(sa.func.lower(Person.name), Person.id)
    result = paginate(query, requested_page(), PER_PAGE, scalars=True)
    return page("admin/people.html", form=form, page=result, text=text, page_url=page_url)


@bp.route("/people/new", methods=["GET", "POST"])
@requires("person.manage")
def new_person():
    authorize("person.manage")
    form = NewPersonForm(organisations=active_organisations())
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                person = services.create_account(email=form.email.data, name=form.name.data,
                                                 organisation_id=form.organisation.data or None,
                                                 actor=current_person(), now=clock.now())
                db.session.commit()
            except services.UsersError as error:
                db.session.rollback()
                form.form_errors.append(str(error))
            else:
                flash(f"Le compte de {person.name} est créé : {person.name} se connecte avec l'adresse "
                      f"{person.email}. Donnez-lui un rôle ci-dessous.", "success")
                return redirect(url_for("admin.person", person_id=person.id), 303)
    return page("admin/person_new.html", status, form=form)


def _person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    authorize("person.manage", person)
    return person


def _roles_offered(person: Person) -> list[StartupRole]:
    """The roles the policy lets the current admin give person in a startup's team (none to an archived
    account); the service asks again with the startup chosen."""
    if not person.is_active:
        return []
    actor = current_person()
    return [role for role in StartupRole if role_change_refusal(actor, None, role, person) is None]


def _grant_form(person: Person, formdata=None) -> GrantRoleForm:
    startups = db.session.execute(sa.select(Startup.id, Startup.name).where(Startup.archived_at.is_(None))
                                  .order_by(sa.func.lower(Startup.name), Startup.id)).all()
    kwargs = {} if formdata is not None else {"formdata": None, "starts_on": clock.today()}
    return GrantRoleForm(startups=startups, roles=_roles_offered(person), **kwargs)


def _person_page(person: Person, grant_form: GrantRoleForm | None = None, status: int = 200):
    on = clock.today()
    memberships = list(db.session.scalars(
        sa.select(Membership).where(Membership.person_id == person.id).options(selectinload(Membership.startup))
        .order_by(Membership.starts_on.desc(), Membership.id)))
    staff = list(db.session.scalars(
        sa.select(IncubatorStaff).where(IncubatorStaff.person_id == person.id)
        .options(selectinload(IncubatorStaff.incubator)).order_by(IncubatorStaff.starts_on.desc())))
    actor = current_person()
    end_forms = {
        m.id: EndMembershipForm(formdata=None, ends_on=on if m.starts_on <= on else m.starts_on,
                                state=startup_services.fingerprint(team.membership_state(m)))
        for m in memberships if (m.ends_on is None or m.ends_on >= on)
        and role_change_refusal(actor, m.startup, m.role, person, ending=True, on=on) is None}
    return page("admin/person.html", status, person=person, memberships=memberships, staff=staff, on=on,
                end_forms=end_forms, grant_form=grant_form or _grant_form(person), confirm_form=ConfirmForm())


@bp.get("/people/<int:person_id>")
@requires("person.manage")
def person(person_id: int):
    return _person_page(_person(person_id))


@bp.post("/people/<int:person_id>/archive")
@requires("person.manage")
def archive_person(person_id: int):
    return _set_archived(_person(person_id), True)


@bp.post("/people/<int:person_id>/restore")
@requires("person.manage")
def restore_person(person_id: int):
    return _set_archived(_person(person_id), False)


def _account_change(person: Person, change: Callable[[], object], message: Callable[[object], str | None]):
    """Run a users service on person's account, commit, say what happened (or why not), back to their page."""
    try:
        result = change()
        db.session.commit()
    except services.UsersError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if said := message(result):
            flash(said, "success")
    return redirect(url_for("admin.person", person_id=person.id), 303)


def _set_archived(person: Person, archived: bool):
    if not ConfirmForm().validate():
        abort(400)
    actor, now = current_person(), clock.now()
    if archived:
        return _account_change(person, lambda: services.archive_person(person, actor=actor, now=now),
                               lambda _: f"Le compte de {person.name} est archivé : il ne peut plus se connecter, "
                                         "ses sessions sont fermées et son historique reste.")
    return _account_change(person, lambda: services.restore_person(person, actor=actor, now=now),
                           lambda _: f"Le compte de {person.name} est rouvert : {person.name} peut de nouveau "
                                     "demander un lien de connexion.")


@bp.post("/people/<int:person_id>/admin")
@requires("person.manage")
def set_admin(person_id: int):
    """Grant the admin role (granted=1) or remove it (granted=0)."""
    person = _person(person_id)
    form = AdminRoleForm()
    if not form.validate():
        abort(400)
    granted = form.granted.data == "1"
    return _account_change(
        person, lambda: services.set_admin(person, granted, actor=current_person(), now=clock.now()),
        lambda changed: None if not changed else f"{person.name} est désormais administrateur·rice." if granted
        else f"{person.name} n'est plus administrateur·rice.")


@bp.post("/people/<int:person_id>/roles")
@requires("person.manage")
def grant_role(person_id: int):
    person = _person(person_id)
    form = _grant_form(person, formdata=request.form)
    if not form.validate():
        return _person_page(person, form, 422)
    startup = db.session.get(Startup, form.startup.data)
    if startup is None:
        form.startup.errors.append("Cette startup n'existe pas.")
        return _person_page(person, form, 422)
    from users.views import external_url

    next_url = url_for("portfolio.startup", startup_id=startup.id)
    try:
        membership = team.invite_member(
            startup, email=person.email, name=person.name, role=form.chosen_role(), starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, actor=current_person(), now=clock.now(),
            link_for=lambda token: external_url("users.login_token", token=token, next=next_url),
            login_page=external_url("users.login"))
        db.session.commit()  # the e-mail telling the person leaves now
    except startup_services.Forbidden as error:
        return forbidden(error)
    except startup_services.StartupError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _person_page(db.session.get(Person, person_id), form, 422)
    flash(f"{person.name} est {membership.role.label.lower()} de « {startup.name} » à partir du "
          f"{date_fr(membership.starts_on)} ; un e-mail l'en informe.", "success")
    return redirect(url_for("admin.person", person_id=person.id), 303)


@bp.post("/people/<int:person_id>/roles/<int:membership_id>/end")
@requires("person.manage")
def end_role(person_id: int, membership_id: int):
    person = _person(person_id)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.person_id != person.id:
        abort(404)
    form = EndMembershipForm()
    if not form.validate():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("admin.person", person_id=person.id), 303)
    try:
        team.end_membership(membership, ends_on=form.ends_on.data, actor=current_person(),
                            expected=form.state.data or None, today=clock.today())
        db.session.commit()
    except startup_services.Forbidden as error:
        return forbidden(error)
    except startup_services.StartupError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(f"Le rôle de {membership.role.label.lower()} de {person.name} dans « {membership.startup.name} » "
              f"prend fin le {date_fr(form.ends_on.data)}.", "success")
    return redirect(url_for("admin.person", person_id=person.id), 303)
