"""Editing the lifecycle of a startup (the read pages are in the portfolio area), and the admin pages of
organisations and incubators.

Every view: load (404), check the permission (403), validate the form (422 with the form again and its
French errors), call the service, commit, flash, redirect 303. A stale edit form gives 409 with the
conflict's message; nothing of it is saved. URLs: /startups/new, /startups/<id>/edit|phase|members|events…,
/organisations/manage|new|<id>/edit, /incubators/manage|new|<id>/edit|staff (the portfolio owns the read
pages at the same prefixes).
"""


import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from startups import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)
from core.db import db
from core.fields import refuse
from core.formats import date_fr
from core import clock
from startups import services, team
from startups.forms import (
    DeletePeriodForm,
    EndMembershipForm,
    EventForm,
    InviteForm,
    PeriodForm,
    PhaseForm,
    StartupForm,
)
from startups.models import Event, EventKind, Incubator, Organisation, PhasePeriod, Startup, unprintable_in_id
from startups.phases import Phase
from users.models import Membership, StartupRole
from users.permissions import authorize, can, current_person, grantable_roles, requires, role_change_refusal

bp = Blueprint("startups", __name__)



def checked_id(value: str) -> str:
    # PostgreSQL refuses NUL bytes in text: an id no record can have is a 404, not a 500.
    if unprintable_in_id(value) is not None:
        abort(404)
    return value


def _startup(startup_id: str, action: str) -> Startup:
    startup = db.session.get(Startup, checked_id(startup_id))
    if startup is None:
        abort(404)
    authorize(action, startup)
    return startup


def page(template: str, status: int = 200, **context):
    return render_template(template, active_section="startups", **context), status


def refused(form, error: services.StartupError) -> int:
    """Roll back the refused change, show its message on the form (above it, and at the field it is about);
    409 for a conflict, else 422."""
    db.session.rollback()
    refuse(form, error.message, error.field)
    return 409 if isinstance(error, services.Conflict) else 422


def forbidden(error: services.Forbidden):
    """403 for a change the service refused by the permission policy: it refused before changing anything
    and recorded the attempt, which this commits alone (the log keeps attempts that reached a service)."""
    db.session.commit()
    abort(403, error.message)


def commit(what: str) -> None:
    """Commit; a concurrent save caught only now is the same conflict as a stale form."""
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise services.Conflict(what) from error


def done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


def active_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.archived_at.is_(None))
        .order_by(sa.func.lower(Organisation.name), Organisation.id)
    ))


def _incubators_for_creation() -> list[Incubator]:
    """The incubators in which the current person may create (or move) a startup."""
    incubators = db.session.scalars(
        sa.select(Incubator).where(Incubator.archived_at.is_(None)).order_by(sa.func.lower(Incubator.name), Incubator.id)
    )
    return [i for i in incubators if can("startup.create", i)]


# --- Startups ---------------------------------------------------------------------------------------

@bp.route("/startups/new", methods=["GET", "POST"])
@requires("startup.create")
def new():
    incubators = _incubators_for_creation()
    if not incubators:
        abort(403)
    form = StartupForm(incubators=incubators, organisations=active_organisations())
    if not form.is_submitted():
        form.investigation_on.data = clock.today()
        form.incubator.data = request.args.get("incubator", "")
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            incubator = db.session.get(Incubator, form.incubator.data)
            authorize("startup.create", incubator)
            try:
                startup = services.create_startup(
                    form.data_for_service(), id=form.id.data, investigation_on=form.investigation_on.data,
                    actor=current_person(), now=clock.now())
                db.session.commit()
                return done(f"La startup « {startup.name} » a été créée, en investigation depuis le "
                             f"{date_fr(form.investigation_on.data)}.", "portfolio.startup", startup_id=startup.id)
            except services.StartupError as error:
                status = refused(form, error)
    return page("startups/startup_form.html", status, form=form, startup=None)


@bp.route("/startups/<startup_id>/edit", methods=["GET", "POST"])
@requires("startup.edit")
def edit(startup_id: str):
    startup = _startup(startup_id, "startup.edit")
    incubators = _incubators_for_creation()
    if startup.incubator is not None and startup.incubator not in incubators:
        incubators.insert(0, startup.incubator)
    organisations = active_organisations()
    organisations += [s for s in startup.sponsors if s not in organisations]
    form = StartupForm(incubators=incubators, organisations=organisations, creating=False)
    if not form.is_submitted():
        form.load(startup)
        return page("startups/startup_form.html", form=form, startup=startup)
    status = 422
    if form.validate():
        new_incubator = db.session.get(Incubator, form.incubator.data)
        if new_incubator is not startup.incubator and not can("startup.create", new_incubator):
            form.incubator.errors.append("Vous ne pouvez pas rattacher la startup à cet incubateur.")
        else:
            name = startup.name
            try:
                changed = services.edit_startup(startup, form.data_for_service(), expected_version=form.version.data,
                                                actor=current_person(), now=clock.now())
                commit(f"La startup « {name} »")
                message = "Les modifications ont été enregistrées." if changed else "Aucune modification à enregistrer."
                return done(message, "portfolio.startup", startup_id=startup.id)
            except services.StartupError as error:
                status = refused(form, error)
    return page("startups/startup_form.html", status, form=form, startup=startup)


# --- Phases -----------------------------------------------------------------------------------------

def _phase_page(startup: Startup, form: PhaseForm, status: int = 200):
    on = clock.today()
    return page("startups/phase.html", status, startup=startup, form=form, today=on,
                 current=startup.current_period(on), allowed=services.allowed_phases(startup),
                 latest=services.latest_period(startup))


@bp.route("/startups/<startup_id>/phase", methods=["GET", "POST"])
@requires("startup.change_phase")
def phase(startup_id: str):
    startup = _startup(startup_id, "startup.change_phase")
    form = PhaseForm()
    if not form.is_submitted():
        form.starts_on.data = clock.today()
        form.periods.data = services.periods_fingerprint(startup)
        allowed = services.allowed_phases(startup)
        if allowed:
            form.phase.data = allowed[0].value
        return _phase_page(startup, form)
    if form.correction.data:
        authorize("startup.correct_history", startup)
    status = 422
    if form.validate():
        try:
            period = services.change_phase(
                startup, phase=Phase(form.phase.data), starts_on=form.starts_on.data, reason=form.reason.data,
                actor=current_person(), today=clock.today(), correction=bool(form.correction.data),
                expected=form.periods.data or None)
            db.session.commit()
            planned = " (phase prévue)" if period.start_on > clock.today() else ""
            return done(f"Changement de phase enregistré : {period.phase.label}{planned}.",
                         "portfolio.startup", startup_id=startup.id)
        except services.StartupError as error:
            status = refused(form, error)
            startup = _startup(startup_id, "startup.change_phase")
    return _phase_page(startup, form, status)


def _period(startup: Startup, period_id: int) -> PhasePeriod:
    period = db.session.get(PhasePeriod, period_id)
    if period is None or period.startup_id != startup.id:
        abort(404)
    return period


@bp.route("/startups/<startup_id>/periods/<int:period_id>/edit", methods=["GET", "POST"])
@requires("startup.correct_history")
def edit_period(startup_id: str, period_id: int):
    startup = _startup(startup_id, "startup.correct_history")
    period = _period(startup, period_id)
    form = PeriodForm()
    delete_form = DeletePeriodForm(formdata=None, state=services.fingerprint(services.period_state(period)))
    if not form.is_submitted():
        form.phase.data, form.start_on.data = period.phase.value, period.start_on
        form.end_on.data, form.comment.data = period.end_on, period.comment
        form.state.data = delete_form.state.data
        return page("startups/period.html", startup=startup, period=period, form=form, delete_form=delete_form)
    status = 422
    if form.validate():
        try:
            changed = services.edit_period(
                period, phase=Phase(form.phase.data), start_on=form.start_on.data, end_on=form.end_on.data,
                comment=form.comment.data, reason=form.reason.data, actor=current_person(),
                expected=form.state.data or None)
            db.session.commit()
            return done("La période a été corrigée." if changed else "Aucune modification à enregistrer.",
                         "startups.phase", startup_id=startup.id)
        except services.StartupError as error:
            status = refused(form, error)
            startup = _startup(startup_id, "startup.correct_history")
            period = _period(startup, period_id)
    return page("startups/period.html", status, startup=startup, period=period, form=form, delete_form=delete_form)


@bp.post("/startups/<startup_id>/periods/<int:period_id>/delete")
@requires("startup.correct_history")
def delete_period(startup_id: str, period_id: int):
    startup = _startup(startup_id, "startup.correct_history")
    period = _period(startup, period_id)
    form = DeletePeriodForm()
    status = 422
    if form.validate():
        try:
            services.delete_period(period, reason=form.deletion_reason.data, actor=current_person(),
                                   expected=form.state.data or None)
            db.session.commit()
            return done("La période a été supprimée de l'historique.", "startups.phase", startup_id=startup.id)
        except services.StartupError as error:
            status = refused(form, error)
            startup = _startup(startup_id, "startup.correct_history")
            period = _period(startup, period_id)
    edit_form = PeriodForm(formdata=None, phase=period.phase.value, start_on=period.start_on, end_on=period.end_on,
                           comment=period.comment, state=services.fingerprint(services.period_state(period)))
    return page("startups/period.html", status, startup=startup, period=period, form=edit_form, delete_form=form)


# --- Events -----------------------------------------------------------------------------------------

@bp.route("/startups/<startup_id>/events/new", methods=["GET", "POST"])
@requires("startup.edit")
def new_event(startup_id: str):
    startup = _startup(startup_id, "startup.edit")
    form = EventForm()
    if not form.is_submitted():
        form.happened_on.data = clock.today()
        return page("startups/event.html", startup=startup, event=None, form=form)
    status = 422
    if form.validate():
        try:
            event = services.add_event(startup, kind=EventKind(form.kind.data), happened_on=form.happened_on.data,
                                       comment=form.comment.data, actor=current_person(), today=clock.today(),
                                       records_committees=can("committee.edit", startup))
            db.session.commit()
            return done(f"L'événement « {event.kind.label} » a été ajouté à la chronologie.",
                         "portfolio.startup", startup_id=startup.id)
        except services.StartupError as error:
            status = refused(form, error)
    return page("startups/event.html", status, startup=startup, event=None, form=form)


@bp.route("/startups/<startup_id>/events/<int:event_id>/edit", methods=["GET", "POST"])
@requires("startup.edit")
def edit_event(startup_id: str, event_id: int):
    startup = _startup(startup_id, "startup.edit")
    event = db.session.get(Event, event_id)
    if event is None or event.startup_id != startup.id:
        abort(404)
    form = EventForm()
    if not form.is_submitted():
        form.kind.data, form.happened_on.data, form.comment.data = event.kind.value, event.happened_on, event.comment
        form.state.data = services.fingerprint(services.event_state(event))
        return page("startups/event.html", startup=startup, event=event, form=form)
    status = 422
    if form.validate():
        try:
            changed = services.edit_event(event, kind=EventKind(form.kind.data), happened_on=form.happened_on.data,
                                          comment=form.comment.data, actor=current_person(), today=clock.today(),
                                          expected=form.state.data or None,
                                          records_committees=can("committee.edit", startup))
            db.session.commit()
            return done("L'événement a été modifié." if changed else "Aucune modification à enregistrer.",
                         "portfolio.startup", startup_id=startup.id)
        except services.StartupError as error:
            status = refused(form, error)
            startup, event = _startup(startup_id, "startup.edit"), db.session.get(Event, event_id)
    return page("startups/event.html", status, startup=startup, event=event, form=form)


# --- Team -------------------------------------------------------------------------------------------

def _members_page(startup: Startup, invite_form: InviteForm, status: int = 200, end_errors=None):
    on = clock.today()
    memberships = list(db.session.scalars(
        sa.select(Membership).where(Membership.startup_id == startup.id)
        .options(selectinload(Membership.person))
        .order_by(Membership.starts_on.desc(), Membership.id)
    ))
    current = [m for m in memberships if m.is_current(on)]
    others = [m for m in memberships if not m.is_current(on)]
    me = current_person()
    open_memberships = [m for m in memberships if m.ends_on is None or m.ends_on >= on]
    # Only the roles the person may end get a form; the others say who may end them.
    end_refusals = {m.id: role_change_refusal(me, startup, m.role, m.person, ending=True, on=on)
                    for m in open_memberships}
    end_forms = {
        m.id: EndMembershipForm(formdata=None, ends_on=on if m.starts_on <= on else m.starts_on,
                                state=services.fingerprint(team.membership_state(m)))
        for m in open_memberships if end_refusals[m.id] is None
    }
    grantable = grantable_roles(me, startup, on)
    invite_form.role.choices = [(role.value, role.label) for role in grantable]
    if len(grantable) < len(StartupRole):
        invite_form.role.description = ("Les rôles de sponsor et de coach sont attribués par les administrateurs "
                                         "et l'équipe de l'incubateur de la startup.")
    return page("startups/members.html", status, startup=startup, current=current, others=others,
                 invite_form=invite_form, end_forms=end_forms, end_errors=end_errors or {}, today=on,
                 end_refusals=end_refusals, can_manage=can("startup.manage_members", startup))


@bp.get("/startups/<startup_id>/members")
@requires("startup.view_private")
def members(startup_id: str):
    startup = _startup(startup_id, "startup.view_private")
    return _members_page(startup, InviteForm(formdata=None, starts_on=clock.today(), role=StartupRole.TEAM_MEMBER.value))


@bp.post("/startups/<startup_id>/members/invite")
@requires("startup.manage_members")
def invite(startup_id: str):
    startup = _startup(startup_id, "startup.manage_members")
    form = InviteForm()
    status = 422
    if form.validate():
        from users.views import external_url

        refusal = role_change_refusal(current_person(), startup, StartupRole(form.role.data), None, on=clock.today())
        if refusal is not None:
            abort(403, refusal)
        next_url = url_for("portfolio.startup", startup_id=startup.id)
        try:
            membership = team.invite_member(
                startup, email=form.email.data, name=form.name.data, role=StartupRole(form.role.data),
                starts_on=form.starts_on.data, ends_on=form.ends_on.data, actor=current_person(), now=clock.now(),
                link_for=lambda token: external_url("users.login_token", token=token, next=next_url),
                login_page=external_url("users.login"))
            person = membership.person
            db.session.commit()  # the invitation e-mail leaves now
            return done(f"{person.name} a rejoint l'équipe ({membership.role.label}) ; un e-mail l'en informe.",
                         "startups.members", startup_id=startup.id)
        except services.Forbidden as error:
            return forbidden(error)
        except services.StartupError as error:
            status = refused(form, error)
            startup = _startup(startup_id, "startup.manage_members")
    return _members_page(startup, form, status)


@bp.post("/startups/<startup_id>/members/<int:membership_id>/end")
@requires("startup.manage_members")
def end_membership(startup_id: str, membership_id: int):
    startup = _startup(startup_id, "startup.manage_members")
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.startup_id != startup.id:
        abort(404)
    refusal = role_change_refusal(current_person(), startup, membership.role, membership.person, ending=True,
                                  on=clock.today())
    if refusal is not None:
        abort(403, refusal)
    form = EndMembershipForm()
    errors: list[str] = []
    if form.validate():
        try:
            team.end_membership(membership, ends_on=form.ends_on.data, actor=current_person(),
                                expected=form.state.data or None, today=clock.today())
            name = membership.person.name
            db.session.commit()
            return done(f"La participation de {name} à l'équipe prend fin le "
                         f"{date_fr(form.ends_on.data)}.", "startups.members", startup_id=startup.id)
        except services.Forbidden as error:
            return forbidden(error)
        except services.StartupError as error:
            status = refused(form, error)
            startup = _startup(startup_id, "startup.manage_members")
    else:
        status = 422
    errors = form.form_errors + [e for field in form for e in field.errors]
    invite_form = InviteForm(formdata=None, starts_on=clock.today(), role=StartupRole.TEAM_MEMBER.value)
    return _members_page(startup, invite_form, status, end_errors={membership_id: errors})


# The admins' pages (organisations, incubators and their staff) register on this blueprint too.
from startups import admin_views  # noqa: E402,F401
