"""The admins' pages of the startups area: organisations and incubators (create, edit, archive) and the
staff of each incubator. Routes on the startups blueprint (imported by startups/views.py)."""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy.orm import selectinload

from core import clock
from core.db import db
from core.formats import date_fr
from startups import organisations, services, sync, team, views
from startups.forms import ArchiveForm, EndStaffForm, IncubatorForm, OrganisationForm, StaffForm
from startups.models import Incubator, Organisation, SyncRun
from startups.views import active_organisations, bp, checked_id, commit, done, refused
from users.models import IncubatorStaff
from users.permissions import authorize, current_person, requires


ADMIN_KINDS = {
    "organisation": (Organisation, OrganisationForm, "organisation.manage", "organisations"),
    "incubator": (Incubator, IncubatorForm, "incubator.manage", "incubators"),
}


def _managed(kind: str, id: str):
    model, _, action, _ = ADMIN_KINDS[kind]
    obj = db.session.get(model, checked_id(id))
    if obj is None:
        abort(404)
    authorize(action, obj)
    return obj


def _admin_list(kind: str):
    model, _, action, _ = ADMIN_KINDS[kind]
    authorize(action)
    items = db.session.scalars(sa.select(model).order_by(model.archived_at.is_not(None), sa.func.lower(model.name),
                                                         model.id)).all()
    return render_template("startups/admin_list.html", kind=kind, items=items, active_section="admin",
                           archive_form=ArchiveForm(formdata=None))


def _admin_form(kind: str, obj=None):
    model, form_class, action, _ = ADMIN_KINDS[kind]
    authorize(action, obj)
    extra = {"organisations": active_organisations()} if kind == "incubator" else {}
    form = form_class(creating=obj is None, **extra)
    if not form.is_submitted() and obj is not None:
        for name in ("name", "acronym", "kind", "ministerial_domain", "website", "github", "address", "description"):
            if name in form:
                form[name].data = getattr(obj, name)
        if kind == "incubator":
            form.owner.data = obj.owner_id or ""
        form.version.data = obj.version
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            actor = current_person()
            try:
                if obj is None:
                    create = organisations.create_organisation if kind == "organisation" else organisations.create_incubator
                    obj = create(form.data_for_service(), id=form.id.data, actor=actor)
                    message = f"« {obj.name} » a été créé{'e' if kind == 'organisation' else ''}."
                else:
                    edit = organisations.edit_organisation if kind == "organisation" else organisations.edit_incubator
                    changed = edit(obj, form.data_for_service(), expected_version=form.version.data, actor=actor)
                    message = "Les modifications ont été enregistrées." if changed else "Aucune modification à enregistrer."
                commit(f"« {obj.name} »")
                return done(message, f"portfolio.{kind}", **{f"{kind}_id": obj.id})
            except services.StartupError as error:
                status = refused(form, error)
                obj = db.session.get(model, obj.id) if obj is not None and obj.id else None
    return render_template("startups/admin_form.html", kind=kind, obj=obj, form=form, active_section="admin",
                           sources=organisations.field_sources(obj) if obj is not None else {},
                           archive_form=ArchiveForm(formdata=None, version=obj.version if obj else None)), status


def _archive(kind: str, id: str, archived: bool):
    obj = _managed(kind, id)
    form = ArchiveForm()
    if not form.validate():
        abort(400)
    try:
        organisations.set_archived(obj, archived, expected_version=form.version.data, actor=current_person(), now=clock.now())
        commit(f"« {obj.name} »")
    except services.StartupError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(f"startups.edit_{kind}", **{f"{kind}_id": id}), 303)
    flash(f"« {obj.name} » est {'archivé' if archived else 'de nouveau actif'}"
          f"{'e' if kind == 'organisation' else ''}.", "success")
    return redirect(url_for(f"startups.manage_{kind}s"), 303)


@bp.get("/organisations/manage")
@requires("organisation.manage")
def manage_organisations():
    return _admin_list("organisation")


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires("organisation.manage")
def new_organisation():
    return _admin_form("organisation")


@bp.route("/organisations/<organisation_id>/edit", methods=["GET", "POST"])
@requires("organisation.manage")
def edit_organisation(organisation_id: str):
    return _admin_form("organisation", _managed("organisation", organisation_id))


@bp.post("/organisations/<organisation_id>/archive")
@requires("organisation.manage")
def archive_organisation(organisation_id: str):
    return _archive("organisation", organisation_id, True)


@bp.post("/organisations/<organisation_id>/restore")
@requires("organisation.manage")
def restore_organisation(organisation_id: str):
    return _archive("organisation", organisation_id, False)


@bp.get("/incubators/manage")
@requires("incubator.manage")
def manage_incubators():
    return _admin_list("incubator")


@bp.route("/incubators/new", methods=["GET", "POST"])
@requires("incubator.manage")
def new_incubator():
    return _admin_form("incubator")


@bp.route("/incubators/<incubator_id>/edit", methods=["GET", "POST"])
@requires("incubator.manage")
def edit_incubator(incubator_id: str):
    return _admin_form("incubator", _managed("incubator", incubator_id))


@bp.post("/incubators/<incubator_id>/archive")
@requires("incubator.manage")
def archive_incubator(incubator_id: str):
    return _archive("incubator", incubator_id, True)


@bp.post("/incubators/<incubator_id>/restore")
@requires("incubator.manage")
def restore_incubator(incubator_id: str):
    return _archive("incubator", incubator_id, False)


# --- Incubator staff (admins) -------------------------------------------------------------------------

def _staff_page(incubator: Incubator, add_form: StaffForm, status: int = 200, end_errors=None):
    on = clock.today()
    staff = list(db.session.scalars(
        sa.select(IncubatorStaff).where(IncubatorStaff.incubator_id == incubator.id)
        .options(selectinload(IncubatorStaff.person))
        .order_by(IncubatorStaff.starts_on.desc(), IncubatorStaff.id)
    ))
    end_forms = {
        s.id: EndStaffForm(formdata=None, ends_on=on if s.starts_on <= on else s.starts_on,
                           state=services.fingerprint(team.staff_state(s)))
        for s in staff if s.ends_on is None or s.ends_on >= on
    }
    return render_template(
        "startups/incubator_staff.html", incubator=incubator, current=[s for s in staff if s.is_current(on)],
        others=[s for s in staff if not s.is_current(on)], add_form=add_form, end_forms=end_forms,
        end_errors=end_errors or {}, active_section="admin"), status


def _new_staff_form() -> StaffForm:
    return StaffForm(formdata=None, starts_on=clock.today())


@bp.get("/incubators/<incubator_id>/staff")
@requires("incubator.manage")
def incubator_staff(incubator_id: str):
    return _staff_page(_managed("incubator", incubator_id), _new_staff_form())


@bp.post("/incubators/<incubator_id>/staff/add")
@requires("incubator.manage")
def add_incubator_staff(incubator_id: str):
    incubator = _managed("incubator", incubator_id)
    form = StaffForm()
    status = 422
    if form.validate():
        from users.views import external_url

        next_url = url_for("portfolio.incubator", incubator_id=incubator.id)
        try:
            staff = team.add_incubator_staff(
                incubator, email=form.email.data, name=form.name.data, starts_on=form.starts_on.data,
                actor=current_person(), now=clock.now(),
                link_for=lambda token: external_url("users.login_token", token=token, next=next_url),
                login_page=external_url("users.login"))
            name = staff.person.name
            db.session.commit()  # the e-mail leaves now
            return done(f"{name} fait partie de l'équipe de l'incubateur à partir du {date_fr(staff.starts_on)} ; "
                         "un e-mail l'en informe.", "startups.incubator_staff", incubator_id=incubator.id)
        except services.StartupError as error:
            status = refused(form, error)
            incubator = _managed("incubator", incubator_id)
    return _staff_page(incubator, form, status)


@bp.post("/incubators/<incubator_id>/staff/<int:staff_id>/end")
@requires("incubator.manage")
def end_incubator_staff(incubator_id: str, staff_id: int):
    incubator = _managed("incubator", incubator_id)
    staff = db.session.get(IncubatorStaff, staff_id)
    if staff is None or staff.incubator_id != incubator.id:
        abort(404)
    form = EndStaffForm()
    status = 422
    if form.validate():
        try:
            team.end_incubator_staff(staff, ends_on=form.ends_on.data, actor=current_person(),
                                     expected=form.state.data or None)
            name = staff.person.name
            db.session.commit()
            return done(f"{name} quitte l'équipe de l'incubateur le {date_fr(form.ends_on.data)} : ses droits "
                         "sur l'incubateur cessent le lendemain.", "startups.incubator_staff", incubator_id=incubator.id)
        except services.StartupError as error:
            status = refused(form, error)
            incubator = _managed("incubator", incubator_id)
    errors = form.form_errors + [e for field in form for e in field.errors]
    return _staff_page(incubator, _new_staff_form(), status, end_errors={staff_id: errors})


@bp.get("/imports")
@requires("admin")
def sync_runs():
    """The runs of the daily synchronisation from beta.gouv.fr, latest first, with what each changed."""
    authorize("admin")
    runs = db.session.scalars(sa.select(SyncRun).order_by(SyncRun.id.desc()).limit(30)).all()
    return render_template("startups/sync_runs.html", runs=runs, failing_since=sync.failing_since(),
                           source=current_app.config.get("BETAGOUV_SOURCE"), active_section="admin")
