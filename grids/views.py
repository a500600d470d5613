"""Grid pages: a committee's grids (fill, own grid, results when visible, CSV), and the admin pages of
templates and versions. Thin views: load (404), authorize (403), validate, call grids.services (or
grids.versions for the templates), commit, flash, redirect 303; a refused change re-renders its form with the
French messages (422)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from committees.models import Committee, datetime_fr
from committees.queries import load_committee
from core import clock
from core.db import db
from grids import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)
from grids import export, services, versions
from grids.forms import fill_form, new_version_form
from grids.models import CriterionKind, FieldType, GridError, GridTemplate, GridValidationError
from users.permissions import authorize, can, current_person, requires

bp = Blueprint("grids", __name__, url_prefix="/grids")


def _committee(committee_id: int, action: str) -> Committee:
    committee = load_committee(committee_id)
    if committee is None:
        abort(404)
    authorize(action, committee)
    return committee


def _template(committee: Committee, code: str) -> GridTemplate:
    template = services.template_for(committee, code)
    if template is None:
        abort(404)
    return template


def _render(page: str, status: int = 200, **context):
    return render_template(page, active_section="committees", CriterionKind=CriterionKind,
                           FieldType=FieldType, field_name=services.field_name,
                           unmasked_when=services.unmasked_when, **context), status


@bp.get("/committee/<int:committee_id>")
@requires("grid.results")
def committee(committee_id: int):
    committee = _committee(committee_id, "grid.results")
    person = current_person()
    may_fill = can("grid.fill", committee)
    sections = []
    for template in services.templates_for(committee):
        grids = services.filled_grids(committee, template)
        visible = services.scores_visible(committee, template, person, grids)
        sections.append({
            "template": template,
            "own": next((g for g in grids if g.person_id == person.id), None),
            "grids": {g.person_id: g for g in grids},
            "visible": visible,
            "results": services.results(grids) if visible else [],
            "audience": services.audience(template),
            "fillers": services.fillers(committee, template),
            "may_fill": may_fill and services.fills(committee, template, person),
            "filling_open": services.filling_open(committee, template),
        })
    return _render("grids/committee.html", committee=committee, sections=sections,
                   when=datetime_fr(committee.scheduled_at))


@bp.route("/committee/<int:committee_id>/<template_code>/fill", methods=["GET", "POST"])
@requires("grid.fill")
def fill(committee_id: int, template_code: str):
    committee = _committee(committee_id, "grid.fill")
    template = _template(committee, template_code)
    person = current_person()
    if not services.fills(committee, template, person):
        abort(403)  # the sponsor's grid is the sponsor's only
    own = services.own_grid(committee, template, person)
    if own is not None and own.is_submitted or not services.filling_open(committee, template):
        if request.method == "POST":
            flash("Votre grille ne peut plus être modifiée." if own and own.is_submitted
                  else "Les grilles de ce comité ne peuvent plus être remplies.", "error")
            return redirect(url_for("grids.fill", committee_id=committee.id, template_code=template.code), 303)
        return _render("grids/fill.html", committee=committee, template=template, own=own,
                       version=own.version if own else template.latest_version, form=None, read_only=True)
    version = own.version if own else template.latest_version
    if own is None and request.method == "POST":
        # The version the form was shown with, even if a newer one was published since.
        shown = next((v for v in template.versions if str(v.id) == request.form.get("version_id")), None)
        version = shown if shown is not None and shown.is_published else version
    form = fill_form(version, own)
    if request.method == "GET" or not form.validate_on_submit():
        status = 200 if request.method == "GET" else 422
        return _render("grids/fill.html", status, committee=committee, template=template, own=own, version=version,
                       form=form, read_only=False)
    submit = request.form.get("action") == "submit"
    try:
        services.save_grid(committee, template, person, answers=form.answers(), abstained=form.abstained.data,
                           conflict_of_interest=form.conflict_of_interest.data, comment=form.comment.data,
                           submit=submit, now=clock.now(), version=version)
        db.session.commit()
    except GridValidationError as error:
        db.session.rollback()
        form.put_errors(error.errors)
        return _render("grids/fill.html", 422, committee=committee, template=template, own=own, version=version,
                       form=form, read_only=False, error_count=len(error.errors))
    except (GridError, IntegrityError) as error:
        db.session.rollback()
        message = str(error) if isinstance(error, GridError) else \
            "Votre grille a été enregistrée entre-temps depuis une autre fenêtre : rechargez la page."
        flash(message, "error")
        return redirect(url_for("grids.fill", committee_id=committee.id, template_code=template.code), 303)
    flash("Votre grille est soumise. Vous voyez désormais les notes des autres participants." if submit
          else "Votre brouillon est enregistré.", "success")
    if submit:
        return redirect(url_for("grids.committee", committee_id=committee.id), 303)
    return redirect(url_for("grids.fill", committee_id=committee.id, template_code=template.code), 303)


@bp.get("/committee/<int:committee_id>/<template_code>/results.csv")
@requires("grid.results")
def results_csv(committee_id: int, template_code: str):
    committee = _committee(committee_id, "grid.results")
    template = _template(committee, template_code)
    grids = services.filled_grids(committee, template)
    if not services.scores_visible(committee, template, current_person(), grids):
        flash(f"Les notes restent masquées jusqu'à ce que vous ayez soumis votre grille, "
              f"{services.unmasked_when(template)}.", "info")
        return redirect(url_for("grids.committee", committee_id=committee.id), 303)
    body = export.results_csv(committee, template, services.results(grids))
    filename = f"grille-{template.code}-comite-{committee.id}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Type": "text/csv; charset=utf-8",
    })


@bp.get("/templates")
@requires("grid.publish")
def templates():
    authorize("grid.publish")
    return _render("grids/templates.html", templates=versions.published_templates(include_archived=True))


@bp.route("/templates/<code>/new-version", methods=["GET", "POST"])
@requires("grid.publish")
def new_version(code: str):
    authorize("grid.publish")
    template = next((t for t in versions.published_templates() if t.code == code), None)
    if template is None:
        abort(404)
    latest = template.latest_version
    form = new_version_form(latest)
    if request.method == "GET":
        return _render("grids/new_version.html", template=template, version=latest, form=form)
    valid = form.validate_on_submit()
    if form.field_errors() or not valid:
        return _render("grids/new_version.html", 422, template=template, version=latest, form=form)
    try:
        version = versions.publish_version(template, changes=form.changes(), new=form.new_criteria(),
                                           intro=form.intro.data, change_note=form.change_note.data,
                                           actor=current_person(), now=clock.now())
        db.session.commit()
    except (GridError, IntegrityError) as error:
        db.session.rollback()
        message = str(error) if isinstance(error, GridError) else \
            "Une autre version vient d'être publiée : rechargez la page pour partir de la dernière."
        return _render("grids/new_version.html", 422, template=template, version=latest, form=form, error=message)
    flash(f"La version {version.number} de « {template.title} » est publiée. Les grilles déjà commencées "
          "gardent leur version.", "success")
    return redirect(url_for("grids.templates"), 303)
