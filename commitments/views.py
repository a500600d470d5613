"""The commitments' pages: a startup's checklist with its statements and risk workshops, and the portfolio's
commitments × startups (with its CSV)."""

import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from commitments import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)
from commitments import jobs  # noqa: F401  (the daily reminder of overdue risk workshops)
from commitments import queries, services
from commitments.forms import StatementForm, WorkshopForm
from commitments.models import Kind, RiskWorkshop, State
from committees.models import ActionItem
from core import clock
from core import csv_safe
from core.db import db
from startups import queries as startup_queries
from startups.models import Startup
from startups.phases import Phase
from startups.views import checked_id
from users.permissions import authorize, can, current_person, requires

bp = Blueprint("commitments", __name__)


def _startup(startup_id: str, action: str) -> Startup:
    startup = db.session.get(Startup, checked_id(startup_id))
    if startup is None:
        abort(404)
    authorize(action, startup)
    return startup


def _page(startup: Startup, statement_form=None, workshop_form=None, status: int = 200):
    today = clock.today()
    workshops = db.session.scalars(
        db.select(RiskWorkshop).where(RiskWorkshop.startup_id == startup.id)
        .order_by(RiskWorkshop.held_on.desc(), RiskWorkshop.id.desc())
    ).all()
    editable = can("commitment.state", startup)
    return render_template(
        "commitments/startup.html", startup=startup, items=queries.checklist(startup, today), workshops=workshops,
        statement_form=statement_form or (StatementForm(formdata=None) if editable else None),
        workshop_form=workshop_form or (WorkshopForm(formdata=None) if editable else None),
        editable=editable, today=today, actions=queries.decided_actions(startup), kinds=list(Kind),
    ), status


@bp.get("/startups/<startup_id>/engagements")
@requires("startup.view_private")
def startup(startup_id: str):
    return _page(_startup(startup_id, "startup.view_private"))


@bp.post("/startups/<startup_id>/engagements")
@requires("commitment.state")
def state(startup_id: str):
    startup = _startup(startup_id, "commitment.state")
    form = StatementForm()
    if form.validate():
        try:
            services.state(startup, Kind(form.kind.data), state=State(form.state.data), why=form.why.data,
                           evidence_url=form.evidence_url.data, evidence_note=form.evidence_note.data,
                           evidence_on=form.evidence_on.data, actor=current_person(), now=clock.now())
        except services.CommitmentError as error:  # refused before anything is written, but for a conflict
            if isinstance(error, services.CommitmentConflict):
                db.session.rollback()
            form.why.errors = [*form.why.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Engagement « {Kind(form.kind.data).label} » renseigné.", "success")
            return redirect(url_for("commitments.startup", startup_id=startup.id), 303)
    return _page(startup, statement_form=form, status=422)


@bp.post("/startups/<startup_id>/engagements/ateliers")
@requires("commitment.state")
def workshop(startup_id: str):
    startup = _startup(startup_id, "commitment.state")
    form = WorkshopForm()
    if form.validate():
        try:
            services.record_workshop(startup, held_on=form.held_on.data, participants=form.participants.data,
                                     residual_risks=form.residual_risks.data, next_on=form.next_on.data,
                                     actor=current_person(), now=clock.now())
        except services.CommitmentError as error:  # refused before anything is written
            form.held_on.errors = [*form.held_on.errors, str(error)]
        else:
            db.session.commit()
            flash("Atelier d'analyse de risques enregistré.", "success")
            return redirect(url_for("commitments.startup", startup_id=startup.id, _anchor="ateliers"), 303)
    return _page(startup, workshop_form=form, status=422)


def _filters():
    incubator = (request.args.get("incubateur") or "").strip() or None
    typed = (request.args.get("partenaire") or "").strip()
    sponsor = startup_queries.find_sponsor(typed) if typed else None
    if typed and sponsor is None:
        flash(f"Aucune administration partenaire ne s'appelle « {typed[:100]} » : le filtre n'est pas appliqué.", "error")
    phase_value = (request.args.get("phase") or "").strip()
    phase = next((p for p in Phase if p.value == phase_value and p.active), None)
    return incubator, phase, sponsor


@bp.get("/engagements")
@requires("commitments.portfolio")
def portfolio():
    authorize("commitments.portfolio")
    incubator, phase, sponsor = _filters()
    matrix = queries.portfolio(clock.today(), incubator_id=incubator, phase=phase, sponsor_id=sponsor)
    return render_template(
        "commitments/portfolio.html", matrix=matrix, kinds=list(Kind), incubator=incubator, phase=phase,
        sponsor=request.args.get("partenaire", ""), incubators=startup_queries.incubator_choices(),
        phases=[p for p in Phase if p.active], today=clock.today(), active_section="engagements",
    )


@bp.get("/engagements.csv")
@requires("commitments.portfolio")
def portfolio_csv():
    authorize("commitments.portfolio")
    incubator, phase, sponsor = _filters()
    matrix = queries.portfolio(clock.today(), incubator_id=incubator, phase=phase, sponsor_id=sponsor)
    out = io.StringIO()
    writer = csv_safe.writer(out)
    writer.writerow(["startup", "nom", "incubateur", "phase", *[k.value for k in Kind], "atelier_risques_du_le"])
    for row in matrix.rows:
        writer.writerow([(row.startup.id), (row.startup.name), (row.startup.incubator_id or ""),
                         row.phase.value,
                         *[(row.states[k].value if row.states[k] else "") for k in Kind],
                         row.workshop_due_on.isoformat() if row.workshop_due_on else ""])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="engagements.csv"'})


@bp.post("/startups/<startup_id>/engagements/conditions/<int:item_id>")
@requires("commitment.state")
def tie(startup_id: str, item_id: int):
    startup = _startup(startup_id, "commitment.state")
    item = db.session.get(ActionItem, item_id)
    if item is None:
        abort(404)
    value = (request.form.get("kind") or "").strip()
    kind = next((k for k in Kind if k.value == value), None)
    if value and kind is None:
        flash("Choisissez l'engagement dans la liste.", "error")
        return redirect(url_for("commitments.startup", startup_id=startup.id, _anchor="conditions"), 303)
    try:
        services.tie_condition(startup, item, kind, actor=current_person(), now=clock.now())
    except services.CommitmentError as error:  # refused before anything is written
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Action rattachée à l'engagement." if kind else "Action détachée de son engagement.", "success")
    return redirect(url_for("commitments.startup", startup_id=startup.id, _anchor="conditions"), 303)
