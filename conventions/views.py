"""Pages of the money: the portfolio of conventions, a convention with its avenants, years and orders, the
forms that change them, the end-of-term report, a startup's Financement page and public budget, the signed
PDFs, FAST's grants. What is spent (orders, services faits, invoices, quotes) has its pages in
conventions/spending_views.py, on the same blueprint."""

import io
import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for

from conventions import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)
from conventions import amendments, fast_fund, importer, queries, services
from conventions import report as reports
from conventions.forms import (
    AmendmentForm,
    ConventionFilters,
    ConventionForm,
    choices,
    DocumentForm,
    euros_text,
    FastGrantForm,
    FollowUpForm,
    with_schedule_rows,
    QuoteDecisionForm,
    ReleaseForm,
    SignForm,
    TerminationForm,
)
from conventions.models import (
    Convention,
    ConventionStatus,
    FastGrant,
    Party,
    SignedDocument,
)
from conventions.values import ConventionError, cents_fr
from core import clock
from core import pagination
from core.db import db
from core.fields import refuse
from core.pdf import pdf_response, render_pdf
from core.text import whole_number
from startups.models import Incubator, Organisation, Startup
from users.models import Person
from users.permissions import authorize, can, current_person, is_dinum_finance, public, requires

bp = Blueprint("conventions", __name__, url_prefix="/conventions")


@bp.app_template_filter("cents_fr")
def cents_filter(cents: int | None) -> str:
    return cents_fr(cents)


@dataclass(frozen=True)
class StartupPart:
    """One covered startup's part of a convention (its orders, quotes, committees and indicators), read by the
    permission policy as an order of that startup is: by DINUM finance, the partner's budget contact and whoever
    follows that startup's funding (its coach, intrapreneur, sponsor, incubator staff)."""

    startup: Startup
    budget_contact_id: int | None

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.startup.id, self.startup.incubator_id)

    def funding_scopes(self) -> list[tuple[str, str | None]]:
        return [self.permission_scope()]


def followed_startups(convention: Convention) -> set[str]:
    """The startups of the convention whose part the current person may read: a coach or a sponsor of one startup
    of a convention covering two reads the convention's totals and their own startup's orders, not the other's
    (whose order page, funding page and history already refuse them)."""
    return {s.id for s in convention.startups
            if can("convention.view", StartupPart(s, convention.budget_contact_id))}


def convention_for(convention_id: int, action: str) -> Convention:
    item = queries.convention(convention_id)
    if item is None:
        abort(404)
    authorize(action, item)
    return item


def order_for(order_id: int, action: str):
    item = queries.order(order_id)
    if item is None:
        abort(404)
    authorize(action, item)
    return item


def done(message: str, endpoint: str = "conventions.show", **values):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


def form_page(template: str, form, **context):
    failed = form.errors or getattr(form, "form_errors", None)
    return render_template(template, form=form, active_section="conventions", **context), 422 if failed else 200


# -- the portfolio of conventions ---------------------------------------------------------------------

@bp.get("/")
@requires("convention.list")
def index():
    authorize("convention.list")
    person, today = current_person(), clock.today()
    filters = ConventionFilters(request.args)
    filters.partner.choices = choices([("", "Tous")] + [(o.id, o.display_name) for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(sa.select(Convention.partner_id))).order_by(Organisation.name))])
    filters.incubator.choices = choices([("", "Tous")] + [(i.id, i.name) for i in db.session.scalars(
        sa.select(Incubator).where(Incubator.archived_at.is_(None)).order_by(Incubator.name))])
    year = whole_number(filters.year.data)
    year = year if year is not None and 2000 <= year <= 2100 else today.year
    known = lambda field: field.data if field.data in {c.value for c in field.choices} else None  # noqa: E731
    page, by_partner, by_incubator = queries.portfolio(
        person, today=today, year=year, partner=known(filters.partner), incubator=known(filters.incubator),
        status=known(filters.status), see_all=is_dinum_finance(person), page=pagination.requested_page())
    return render_template("conventions/index.html", page=page, rows=page.items, by_partner=by_partner,
                           by_incubator=by_incubator, filters=filters, year=year, page_url=pagination.page_url,
                           can_create=can("convention.prepare"), active_section="conventions")


@bp.get("/modele.csv")
@requires("convention.prepare")
def csv_template():
    """The CSV template of `flask conventions import`, with one example of each kind of line."""
    authorize("convention.prepare")
    return Response(importer.template_csv(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="modele-conventions.csv"'})


@bp.get("/export.csv")
@public
def export():
    """The published conventions as CSV (one line per convention and year), the data.gouv.fr dataset's file."""
    rows = db.session.scalars(queries.published().order_by(Convention.id)).all()
    return Response(importer.export_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="conventions-publiees.csv"'})


# -- a convention ---------------------------------------------------------------------------------------

def _startup_choices(person, today):
    query = sa.select(Startup).where(Startup.archived_at.is_(None)).order_by(Startup.sort_name)
    if not is_dinum_finance(person):
        incubators = [r.incubator_id for r in person.incubator_roles if r.is_current(today)]
        coached = [m.startup_id for m in person.memberships if m.role.value == "coach" and m.is_current(today)]
        query = query.where(sa.or_(Startup.incubator_id.in_(incubators), Startup.id.in_(coached)))
    return choices((s.id, s.name) for s in db.session.scalars(query))


def _partner_choices():
    return choices((o.id, o.display_name) for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.archived_at.is_(None)).order_by(Organisation.name)))


@bp.route("/new", methods=["GET", "POST"])
@requires("convention.prepare")
def new():
    authorize("convention.prepare")
    person, today = current_person(), clock.today()
    form = with_schedule_rows(ConventionForm, posted=request.form)()
    form.partner_id.choices, form.startup_ids.choices = _partner_choices(), _startup_choices(person, today)
    form.form_errors = []
    if form.validate_on_submit():
        startups = list(db.session.scalars(sa.select(Startup).where(Startup.id.in_(form.startup_ids.data))))
        try:
            item = services.create_convention(actor=person, partner=db.session.get(Organisation, form.partner_id.data),
                                              startups=startups, years=form.schedule(), today=today, **form.terms())
        except ConventionError as error:
                refused(form, error)
        else:
            return done(f"La convention « {item.title} » est enregistrée en brouillon.", convention_id=item.id)
    return form_page("conventions/form.html", form, convention=None)


@bp.get("/<int:convention_id>")
@requires("convention.view")
def show(convention_id: int):
    item = convention_for(convention_id, "convention.view")
    today = clock.today()
    followed = followed_startups(item)
    return render_template(
        "conventions/show.html", convention=item, status=item.status(today), years=services.figures(item),
        orders=[o for o in item.orders if o.startup_id in followed],
        quotes=[q for q in item.quotes if q.startup_id in followed], others_hidden=len(followed) < len(item.startups),
        versions=amendments.versions(item), today=today, can_manage=can("convention.manage", item),
        can_prepare=can("convention.prepare", item), can_quote=can("quote.prepare", item),
        decision_form=QuoteDecisionForm(formdata=None), active_section="conventions")


@bp.route("/<int:convention_id>/edit", methods=["GET", "POST"])
@requires("convention.prepare")
def edit(convention_id: int):
    item = convention_for(convention_id, "convention.prepare")
    if item.is_signed:
        flash("Une convention signée ne se modifie que par avenant.", "info")
        return redirect(url_for("conventions.show", convention_id=item.id), 303)
    person, today = current_person(), clock.today()
    form = with_schedule_rows(ConventionForm, kept=len(item.years), posted=request.form)(
        obj=item if request.method == "GET" else None)
    form.partner_id.choices = _partner_choices()
    offered = {c.value: c.label for c in _startup_choices(person, today)} | {s.id: s.name for s in item.startups}
    form.startup_ids.choices = choices(sorted(offered.items(), key=lambda pair: pair[1]))
    form.form_errors = []
    if request.method == "GET":
        form.startup_ids.data = [s.id for s in item.startups]
        form.kind.data, form.tax_basis.data, form.end_bound.data = item.kind.value, item.tax_basis.value, item.end_bound.value
        form.phase.data = item.phase.value if item.phase else ""
        form.fill_schedule(item.years)
        form.version.data = services.terms_fingerprint(item)
    if form.validate_on_submit():
        startups = list(db.session.scalars(sa.select(Startup).where(Startup.id.in_(form.startup_ids.data))))
        terms = {**form.terms(), "partner_id": form.partner_id.data}
        try:
            services.update_draft(item, actor=person, startups=startups, years=form.schedule(), today=today,
                                  expected=form.version.data or None, **terms)
        except ConventionError as error:
                refused(form, error)
        else:
            return done("Le brouillon est enregistré.", convention_id=item.id)
    return form_page("conventions/form.html", form, convention=item)


def applied(form, apply) -> bool:
    """Validate a posted form and run apply(); a ConventionError becomes the form's French refusal (shown
    above its fields, and at the field it is about). True when the service went through."""
    form.form_errors = []
    if not form.validate_on_submit():
        return False
    try:
        apply()
    except ConventionError as error:
        refused(form, error)
        return False
    return True


def refused(form, error: ConventionError) -> None:
    """A service's French refusal on its form: above the fields, and at the value it is about (error.field)."""
    refuse(form, error.message, error.field)


def simple(convention_id: int, form, template: str, apply, message: str, **context):
    """A manage form on a convention: validate, apply the service, commit, or show the French refusal."""
    item = convention_for(convention_id, "convention.manage")
    context = {key: (value(item) if callable(value) else value) for key, value in context.items()}
    if applied(form, lambda: apply(item, current_person(), clock.today())):
        return done(message, convention_id=item.id)
    return form_page(template, form, convention=item, **context)


@bp.route("/<int:convention_id>/sign", methods=["GET", "POST"])
@requires("convention.manage")
def sign(convention_id: int):
    form = SignForm()

    def apply(item, person, today):
        services.sign(item, Party(form.party.data), signatory=form.signatory.data,
                      signatory_title=form.signatory_title.data, signed_on=form.signed_on.data, actor=person, today=today)
    return simple(convention_id, form, "conventions/action.html", apply, "La signature est enregistrée.",
                   heading="Enregistrer une signature")


@bp.route("/<int:convention_id>/follow-up", methods=["GET", "POST"])
@requires("convention.manage")
def follow_up(convention_id: int):
    item = convention_for(convention_id, "convention.manage")
    form = FollowUpForm(obj=item if request.method == "GET" else None)
    people = db.session.scalars(sa.select(Person).where(
        sa.or_(sa.and_(Person.organisation_id == item.partner_id, Person.archived_at.is_(None),
                       Person.anonymised_at.is_(None)),
               Person.id == item.budget_contact_id)).order_by(Person.name)).all()
    form.budget_contact_id.choices = [("", "Aucun")] + [(str(p.id), f"{p.name} ({p.email})") for p in people]
    if request.method == "GET":
        form.version.data = services.follow_up_fingerprint(item)

    def apply(item, person, today):
        services.update_follow_up(item, actor=person, today=today, expected=form.version.data or None, **form.values())
    return simple(convention_id, form, "conventions/action.html", apply, "Le suivi de la convention est enregistré.",
                   heading="Transmission aux CBCM, publication et contact budgétaire")


@bp.route("/<int:convention_id>/amend", methods=["GET", "POST"])
@requires("convention.manage")
def amend(convention_id: int):
    item = convention_for(convention_id, "convention.manage")
    form = with_schedule_rows(AmendmentForm, kept=len(item.years), posted=request.form)(
        obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.summary.data, form.partner_signed_on.data, form.dinum_signed_on.data = None, None, None
        form.fill_schedule(item.years)
        form.version.data = services.terms_fingerprint(item)

    def apply(item, person, today):
        if not form.validate_schedule_rows():
            raise ConventionError("L'échéancier est à corriger.")
        terms = {"ends_on": form.ends_on.data}
        for name in ("chorus_uo", "chorus_domaine", "chorus_centre_financier", "chorus_activites", "chorus_centre_cout",
                     "chorus_axe"):
            terms[name] = getattr(form, name).data or None
        amendments.amend(item, summary=form.summary.data, partner_signed_on=form.partner_signed_on.data,
                       dinum_signed_on=form.dinum_signed_on.data, actor=person, today=today, years=form.schedule(),
                       expected=form.version.data or None, **terms)
    return simple(convention_id, form, "conventions/amend.html", apply, "L'avenant est enregistré.")


@bp.route("/<int:convention_id>/release", methods=["GET", "POST"])
@requires("convention.manage")
def release(convention_id: int):
    item = convention_for(convention_id, "convention.manage")
    form = ReleaseForm()
    form.year.choices = choices((str(y.year), str(y.year)) for y in item.years)

    def apply(item, person, today):
        if not form.year.data or form.year.data not in {c.value for c in form.year.choices}:
            raise ConventionError("Choisissez une année de l'échéancier.")
        services.release(item, year=int(form.year.data), released_on=form.released_on.data,
                         ae_cents=form.ae.cents or 0, cp_cents=form.cp.cents or 0, comment=form.comment.data,
                         actor=person, today=today)
    return simple(convention_id, form, "conventions/action.html", apply, "La mise à disposition est enregistrée.",
                   heading="Mise à disposition d'AE et de CP")


@bp.route("/<int:convention_id>/terminate", methods=["GET", "POST"])
@requires("convention.manage")
def terminate(convention_id: int):
    form = TerminationForm()

    def apply(item, person, today):
        amendments.terminate(item, party=Party(form.party.data), notified_on=form.notified_on.data,
                           effective_on=form.effective_on.data, reason=form.reason.data, actor=person, today=today)
    return simple(convention_id, form, "conventions/action.html", apply, "La résiliation est enregistrée.",
                   heading="Résilier la convention (préavis de trois mois)")


@bp.get("/<int:convention_id>/report")
@requires("convention.view")
def report(convention_id: int):
    """The end-of-term report (compte rendu, seed art. 5): parties and references, avenants, years, orders
    with their services faits, credits unconsumed, the committees held in the period and their decisions,
    the indicators' progress and the forecasts of orders and consumption."""
    item = convention_for(convention_id, "convention.view")
    report = reports.build(item, clock.today(), followed=followed_startups(item))
    return render_template("conventions/report.html", report=report, for_print=False,
                           active_section="conventions")


@bp.get("/<int:convention_id>/report.pdf")
@requires("convention.view")
def report_pdf(convention_id: int):
    item = convention_for(convention_id, "convention.view")
    today = clock.today()
    document = render_pdf("conventions/report_print.html", report=reports.build(item, today, followed=followed_startups(item)),
                          for_print=True)
    return pdf_response(document, f"compte-rendu-convention-{item.id}-{today.isoformat()}.pdf")


# -- a startup's money ---------------------------------------------------------------------------------

@bp.get("/startup/<startup_id>")
@requires("funding.view")
def startup(startup_id: str):
    item = db.get_or_404(Startup, startup_id)
    authorize("funding.view", item)
    today = clock.today()
    funding = queries.funding(item, today=today)
    chart = {
        "x": json.dumps([[label for label, _ in funding.months]], ensure_ascii=False),
        "y": json.dumps([[cents // 100 for _, cents in funding.months]]),
        "name": json.dumps(["Services faits (€)"], ensure_ascii=False),
    }
    return render_template("conventions/startup.html", startup=item, funding=funding, chart=chart, today=today,
                           statuses=ConventionStatus, active_section="startups")


@bp.get("/budget/<startup_id>")
@public
def public_budget(startup_id: str):
    """The startup's public budget page, the URL a team puts in its fiche's budget_url: funders per year with
    links to their published conventions, spending per year and category (HT, with the TTC total), and the cost
    per use against the main impact indicator."""
    item = db.session.get(Startup, startup_id)
    if item is None or item.archived_at is not None:
        abort(404)
    budget = queries.public_budget(item)
    return render_template("conventions/public_budget.html", startup=item, budget=budget,
                           cost=queries.public_cost_per_use(item, budget), active_section="startups")


# -- the signed PDF ------------------------------------------------------------------------------------------

@bp.route("/<int:convention_id>/documents", methods=["GET", "POST"])
@requires("convention.manage")
def upload_document(convention_id: int):
    item = convention_for(convention_id, "convention.manage")
    form = DocumentForm()
    form.amendment.choices = choices([("", "La convention")] + [
        (str(a.number), f"L'avenant n° {a.number}") for a in item.amendments])
    form.form_errors = []
    if form.validate_on_submit():
        upload = request.files.get(form.fichier.name)
        amendment = next((a for a in item.amendments if str(a.number) == form.amendment.data), None)
        try:
            if upload is None or not upload.filename:
                raise ConventionError("Choisissez le fichier PDF signé.")
            # One byte more than allowed is enough to know the file is too big.
            data = upload.stream.read(services.MAX_DOCUMENT_BYTES + 1)
            document = services.upload_signed_document(item, filename=upload.filename, data=data, amendment=amendment,
                                                       actor=current_person(), now=clock.now())
        except ConventionError as error:
            refused(form, error)
        else:
            return done(f"« {document.filename} » est joint à la convention.", convention_id=item.id)
    return form_page("conventions/document.html", form, convention=item)


@bp.get("/documents/<int:document_id>")
@public
def document(document_id: int):
    """A signed PDF: anyone once the convention is published, otherwise whoever may see the convention (a 404
    for others, as for a convention the public does not know)."""
    found = db.session.get(SignedDocument, document_id)
    if found is None:
        abort(404)
    convention = found.convention
    if not (convention.is_signed and convention.is_published) and not can("convention.view", convention):
        abort(404)
    response = send_file(io.BytesIO(found.data), mimetype="application/pdf", as_attachment=True,
                         download_name=found.filename, etag=found.sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- FAST -----------------------------------------------------------------------------------------------

def _fast_page(form, startup, grant=None):
    return form_page("conventions/fast.html", form, startup=startup, grant=grant)


@bp.route("/startup/<startup_id>/fast/new", methods=["GET", "POST"])
@requires("fast.manage")
def new_fast(startup_id: str):
    startup = db.get_or_404(Startup, startup_id)
    authorize("fast.manage", startup)
    form = FastGrantForm()
    form.form_errors = []
    if form.validate_on_submit():
        try:
            fast_fund.record_fast_grant(startup, **form.values(), actor=current_person(), today=clock.today())
        except ConventionError as error:
            refused(form, error)
        else:
            return done("Le financement FAST est enregistré.", "conventions.startup", startup_id=startup.id)
    return _fast_page(form, startup)


@bp.route("/fast/<int:grant_id>/edit", methods=["GET", "POST"])
@requires("fast.manage")
def edit_fast(grant_id: int):
    grant = db.get_or_404(FastGrant, grant_id)
    authorize("fast.manage", grant)
    form = FastGrantForm(obj=grant if request.method == "GET" else None)
    if request.method == "GET":
        form.year.data = str(grant.year)
        form.ae.data, form.cp.data = euros_text(grant.ae_cents), euros_text(grant.cp_cents)
        form.version.data = fast_fund.fingerprint(grant)
    form.form_errors = []
    if form.validate_on_submit():
        try:
            fast_fund.update_fast_grant(grant, **form.values(), expected=form.version.data or None,
                                        actor=current_person(), today=clock.today())
        except ConventionError as error:
            refused(form, error)
        else:
            return done("Le financement FAST est corrigé.", "conventions.startup", startup_id=grant.startup_id)
    return _fast_page(form, grant.startup, grant)


from conventions import spending_views as _spending_views  # noqa: E402,F401  (its routes, on bp)
