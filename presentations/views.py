"""Pages of a committee's presentation (view, edit, submit, review, attachments) and of its pack (page
and PDF). Thin views: load (404), authorize (403), validate, call presentations.services, commit, flash,
redirect 303; a refused change re-renders its page with the French message (422), or 409 when someone
else changed the presentation since the page was loaded."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from committees.models import Committee
from committees.queries import load_committee
from core import clock
from core.db import db
from core.pdf import pdf_response, size_fr
from presentations import attachments
from presentations import pack as packs
from presentations import services
from presentations.forms import AttachmentForm, ReviewForm, VersionForm, presentation_form
from presentations.models import Presentation, PresentationConflict, PresentationError
from presentations import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)
from users.permissions import authorize, can, current_person, requires

bp = Blueprint("presentations", __name__, url_prefix="/presentations")


@bp.record_once
def _pack_link(state) -> None:
    """/committees/<id>/pack, the address the J-7 reminder e-mails carry (committees/reminders.py),
    leads to the pack. Registered on the app: a blueprint's routes all sit under its url_prefix."""
    state.app.add_url_rule("/committees/<int:committee_id>/pack", endpoint="committee_pack_link",
                           view_func=committee_pack_link)


def _committee(committee_id: int, action: str) -> Committee:
    committee = load_committee(committee_id)
    if committee is None:
        abort(404)
    authorize(action, committee)
    return committee


def _presentation(committee: Committee) -> Presentation:
    presentation = services.presentation_of(committee)
    if presentation is None:
        abort(404)
    return presentation


def _to_page(committee: Committee):
    return redirect(url_for("presentations.show", committee_id=committee.id), 303)


def _done(committee: Committee, message: str):
    db.session.commit()
    flash(message, "success")
    return _to_page(committee)


def _refused(committee: Committee, error: PresentationError, **context):
    db.session.rollback()
    status = 409 if isinstance(error, PresentationConflict) else 422
    committee = load_committee(committee.id)
    if committee is None:  # only when the rollback undid the committee itself (tests sharing a transaction)
        abort(404)
    presentation = services.presentation_of(committee)
    return _show(committee, presentation, error=str(error), **context), status


def _show(committee: Committee, presentation: Presentation | None, **context):
    person = current_person()
    return render_template(
        "presentations/show.html", active_section="committees", committee=committee, presentation=presentation,
        can_edit=can("presentation.edit", committee), can_review=can("presentation.review", committee),
        preparable=committee.status in services.PREPARABLE_STATUSES,
        missing=services.missing_to_submit(presentation) if presentation else [],
        version_form=VersionForm(formdata=None, version=presentation.version if presentation else None),
        review_form=context.pop("review_form", None) or ReviewForm(
            formdata=None, version=presentation.version if presentation else None),
        attachment_form=AttachmentForm(formdata=None), size_fr=size_fr, person=person, **context,
    )


@bp.get("/committee/<int:committee_id>")
@requires("presentation.view")
def show(committee_id: int):
    committee = _committee(committee_id, "presentation.view")
    return _show(committee, services.presentation_of(committee))


@bp.post("/committee/<int:committee_id>/prepare")
@requires("presentation.edit")
def prepare(committee_id: int):
    committee = _committee(committee_id, "presentation.edit")
    try:
        services.prefill(committee, actor=current_person(), now=clock.now())
    except PresentationError as error:
        return _refused(committee, error)
    db.session.commit()
    flash("La présentation est préparée à partir des indicateurs : complétez-la puis soumettez-la.", "success")
    return redirect(url_for("presentations.edit", committee_id=committee.id), 303)


@bp.route("/committee/<int:committee_id>/edit", methods=["GET", "POST"])
@requires("presentation.edit")
def edit(committee_id: int):
    committee = _committee(committee_id, "presentation.edit")
    presentation = _presentation(committee)
    if not presentation.is_editable:
        flash("Cette présentation ne peut plus être modifiée.", "error")
        return _to_page(committee)
    form = presentation_form(presentation, request.form if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if form.validate():
            try:
                services.update(presentation, fields=form.fields_data(), lines=form.lines_data(presentation),
                                standards=form.standards_data(presentation), actor=current_person(), now=clock.now(),
                                expected_version=form.expected_version())
                if request.form.get("soumettre"):
                    services.submit(presentation, actor=current_person(), now=clock.now())
                    return _done(committee, "La présentation est soumise au coach pour relecture.")
                return _done(committee, "La présentation est enregistrée.")
            except PresentationError as refused:
                # Keep what was typed: the form is shown again with the message, nothing saved.
                db.session.rollback()
                error = str(refused)
                committee = load_committee(committee_id)
                presentation = services.presentation_of(committee) if committee else None
                if presentation is None:
                    abort(404)
                status = 409 if isinstance(refused, PresentationConflict) else 422
                form = presentation_form(presentation, request.form)
                form.validate()
                return _edit_page(committee, presentation, form, error), status
        else:
            error = "Certains champs sont à corriger : rien n'a été enregistré."
        return _edit_page(committee, presentation, form, error), 422
    return _edit_page(committee, presentation, form, error)


def _edit_page(committee, presentation, form, error):
    return render_template("presentations/edit.html", active_section="committees", committee=committee,
                           presentation=presentation, form=form, error=error)


def _version_form() -> VersionForm:
    form = VersionForm(request.form)
    form.validate()
    return form


@bp.post("/committee/<int:committee_id>/refresh")
@requires("presentation.edit")
def refresh(committee_id: int):
    committee = _committee(committee_id, "presentation.edit")
    presentation = _presentation(committee)
    form = _version_form()
    try:
        services.refresh_values(presentation, actor=current_person(), now=clock.now(),
                                expected_version=form.expected_version())
    except PresentationError as error:
        return _refused(committee, error)
    db.session.commit()
    flash("Les valeurs atteintes sont reprises des indicateurs.", "success")
    return redirect(url_for("presentations.edit", committee_id=committee.id), 303)


@bp.post("/committee/<int:committee_id>/submit")
@requires("presentation.edit")
def submit(committee_id: int):
    committee = _committee(committee_id, "presentation.edit")
    presentation = _presentation(committee)
    form = _version_form()
    try:
        services.submit(presentation, actor=current_person(), now=clock.now(), expected_version=form.expected_version())
    except PresentationError as error:
        return _refused(committee, error)
    return _done(committee, "La présentation est soumise au coach pour relecture.")


@bp.post("/committee/<int:committee_id>/accept")
@requires("presentation.review")
def accept(committee_id: int):
    committee = _committee(committee_id, "presentation.review")
    presentation = _presentation(committee)
    form = ReviewForm(request.form)
    form.validate()
    try:
        services.accept(presentation, actor=current_person(), now=clock.now(), comment=form.comment.data,
                        expected_version=form.expected_version())
    except PresentationError as error:
        return _refused(committee, error, review_form=form)
    return _done(committee, "La présentation est acceptée.")


@bp.post("/committee/<int:committee_id>/request-changes")
@requires("presentation.review")
def request_changes(committee_id: int):
    committee = _committee(committee_id, "presentation.review")
    presentation = _presentation(committee)
    form = ReviewForm(request.form)
    form.validate()
    try:
        services.request_changes(presentation, comment=form.comment.data, actor=current_person(), now=clock.now(),
                                 expected_version=form.expected_version())
    except PresentationError as error:
        return _refused(committee, error, review_form=form)
    return _done(committee, "Les modifications demandées sont transmises à l'équipe.")


# -- attachments --------------------------------------------------------------------------------------

@bp.post("/committee/<int:committee_id>/attachments")
@requires("presentation.edit")
def upload(committee_id: int):
    committee = _committee(committee_id, "presentation.edit")
    presentation = _presentation(committee)
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        return _refused(committee, PresentationError("Choisissez le fichier PDF à joindre."))
    # One byte more than allowed is enough to know the file is too big.
    data = upload.stream.read(attachments.MAX_ATTACHMENT_BYTES + 1)
    try:
        attachment = attachments.add_attachment(presentation, filename=upload.filename, data=data,
                                             actor=current_person(), now=clock.now())
    except PresentationError as error:
        return _refused(committee, error)
    return _done(committee, f"« {attachment.filename} » est joint à la présentation.")


def _attachment(committee: Committee, attachment_id: int):
    presentation = _presentation(committee)
    attachment = attachments.attachment_of(presentation, attachment_id)
    if attachment is None:
        abort(404)
    return presentation, attachment


@bp.get("/committee/<int:committee_id>/attachments/<int:attachment_id>")
@requires("presentation.view")
def download(committee_id: int, attachment_id: int):
    committee = _committee(committee_id, "presentation.view")
    _, attachment = _attachment(committee, attachment_id)
    response = send_file(io.BytesIO(attachment.data), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, etag=attachment.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/committee/<int:committee_id>/attachments/<int:attachment_id>/remove")
@requires("presentation.edit")
def remove(committee_id: int, attachment_id: int):
    committee = _committee(committee_id, "presentation.edit")
    presentation, attachment = _attachment(committee, attachment_id)
    name = attachment.filename
    try:
        attachments.remove_attachment(attachment, actor=current_person(), now=clock.now())
    except PresentationError as error:
        return _refused(committee, error)
    return _done(committee, f"« {name} » est retiré de la présentation.")


# -- the pack -----------------------------------------------------------------------------------------

@bp.get("/committee/<int:committee_id>/pack")
@requires("pack.view")
def pack(committee_id: int):
    committee = _committee(committee_id, "pack.view")
    return render_template("presentations/pack.html", active_section="committees",
                           pack=packs.build(committee, clock.today(), with_grids=can("grid.results", committee),
                                             reader=current_person(), with_money=can("funding.view", committee.startup)),
                           size_fr=size_fr)


@bp.get("/committee/<int:committee_id>/pack.pdf")
@requires("pack.view")
def pack_pdf(committee_id: int):
    committee = _committee(committee_id, "pack.view")
    document = packs.render_pdf(packs.build(committee, clock.today(), with_grids=can("grid.results", committee),
                                             reader=current_person(), with_money=can("funding.view", committee.startup)))
    day = committee.local_date.isoformat() if committee.local_date else "a-fixer"
    return pdf_response(document, f"dossier-comite-{committee.startup_id}-{day}.pdf")


@requires("pack.view")
def committee_pack_link(committee_id: int):
    committee = _committee(committee_id, "pack.view")
    return redirect(url_for("presentations.pack", committee_id=committee.id), 302)
