"""Pages of a startup's indicators: list with charts and tables, definitions, values grid, CSV import,
objectives, yearly budgets."""

import datetime as dt
import json
import re
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from core.db import db
from core.fields import refuse
from core.formats import number_fr
from core import clock
from indicators import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)
from indicators import queries, services
from indicators.forms import ActionForm, BudgetForm, ImportForm, IndicatorForm, ObjectiveForm
from indicators.models import Indicator, Objective, Reporting
from startups.models import Startup
from users.permissions import authorize, can, current_person, requires

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

GRID_MONTHS = 6
MAX_CSV_BYTES = 1_000_000
CELL = re.compile(r"^v-(\d+)-(\d{4}-\d{2})$")


@bp.app_template_filter("decimal_fr")
def decimal_fr(value: Decimal | None, empty: str = "—") -> str:
    """« 1 234,5 »: a decimal with only the digits it needs."""
    if value is None:
        return empty
    exponent = value.normalize().as_tuple().exponent
    return number_fr(value, max(0, -exponent))


def decimal_json(value: Decimal | None) -> str:
    return "null" if value is None else format(value.normalize(), "f")


def _startup(startup_id: str, action: str) -> Startup:
    startup = db.get_or_404(Startup, startup_id)
    authorize(action, startup)
    return startup


def _indicator(startup: Startup, indicator_id: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.startup_id != startup.id:
        abort(404)
    return indicator


def _month(text: str | None, default: dt.date) -> dt.date:
    try:
        return services.parse_period(text or "")
    except ValueError:
        return default


def _shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _done(startup: Startup, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("indicators.index", startup_id=startup.id), 303)


def chart_of(indicator: Indicator) -> dict:
    """The rows of the indicator's chart and table, and the chart's attributes (JSON, as dsfr-chart reads them)."""
    rows = queries.chart_rows(indicator)
    trends, previous = [], None
    for row in rows:
        trends.append(queries.compare(indicator.direction, previous, row.value) if row.value is not None else None)
        previous = row.value if row.value is not None else previous
    has_objectives = any(r.objective is not None for r in rows)
    axis = queries.chart_axis(rows, indicator.frequency)  # the table lists the rows, the chart every period
    labels = json.dumps([r.label for r in axis], ensure_ascii=False)
    x = [labels] * (2 if has_objectives else 1)
    y = ["[" + ", ".join(decimal_json(r.value) for r in axis) + "]"]
    names = ["Valeur"]
    if has_objectives:
        y.append("[" + ", ".join(decimal_json(r.objective) for r in axis) + "]")
        names.append("Objectif")
    return {
        "rows": list(zip(rows, trends)),
        "has_objectives": has_objectives,
        "x": "[" + ", ".join(x) + "]",
        "y": "[" + ", ".join(y) + "]",
        "name": json.dumps(names, ensure_ascii=False),
    }


@bp.get("/<startup_id>")
@requires("indicators.view")
def index(startup_id: str):
    startup = _startup(startup_id, "indicators.view")
    today = clock.today()
    indicators = queries.indicators_of(startup)
    return render_template(
        "indicators/index.html", startup=startup, indicators=indicators,
        charts={i.id: chart_of(i) for i in indicators},
        objectives={i.id: (i.objectives[-1] if i.objectives else None) for i in indicators},
        costs=queries.cost_per_use(startup), budgets=queries.budgets_of(startup),
        can_edit=can("indicators.edit", startup), action_form=ActionForm(), today=today,
        reporting=queries.reporting_of(startup.id), reportings=list(Reporting), active_section="startups",
    )


@bp.post("/<startup_id>/reporting")
@requires("indicators.edit")
def reporting(startup_id: str):
    startup = _startup(startup_id, "indicators.edit")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        changed = services.set_reporting(startup, request.form.get("frequence", ""), actor=current_person())
    except services.IndicatorError as error:
        flash(error.message, "error")
        return redirect(url_for("indicators.index", startup_id=startup.id), 303)
    if not changed:
        flash("La fréquence de demande n'a pas changé.", "info")
        return redirect(url_for("indicators.index", startup_id=startup.id), 303)
    return _done(startup, "La fréquence de demande des valeurs a été enregistrée.")


@bp.post("/<startup_id>/propose")
@requires("indicators.edit")
def propose(startup_id: str):
    startup = _startup(startup_id, "indicators.edit")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        created = services.propose_mandatory(startup, actor=current_person())
    except services.IndicatorError as error:
        flash(error.message, "error")
        return redirect(url_for("indicators.index", startup_id=startup.id), 303)
    return _done(startup, f"{len(created)} indicateurs obligatoires de la matrice d'impact ont été ajoutés.")


@bp.route("/<startup_id>/new", methods=["GET", "POST"])
@requires("indicators.edit")
def new(startup_id: str):
    startup = _startup(startup_id, "indicators.edit")
    form = IndicatorForm()
    if form.validate_on_submit():
        try:
            indicator = services.create_indicator(startup, actor=current_person(),
                                                  is_north_star=form.is_north_star.data, **form.fields_for_service())
        except services.IndicatorError as error:
            refuse(form, error.message, error.field)
        else:
            return _done(startup, f"L'indicateur « {indicator.name} » a été créé.")
    return render_template("indicators/form.html", startup=startup, form=form, indicator=None,
                           active_section="startups"), 422 if form.errors or form.form_errors else 200


@bp.route("/<startup_id>/<int:indicator_id>/edit", methods=["GET", "POST"])
@requires("indicators.edit")
def edit(startup_id: str, indicator_id: int):
    startup = _startup(startup_id, "indicators.edit")
    indicator = _indicator(startup, indicator_id)
    form = IndicatorForm(obj=indicator)
    if request.method == "GET":
        for name in ("category", "direction", "frequency", "kind"):
            getattr(form, name).data = getattr(indicator, name).value
    if form.validate_on_submit():
        try:
            services.update_indicator(indicator, actor=current_person(), **form.fields_for_service())
            if form.is_north_star.data:
                services.set_north_star(indicator, actor=current_person())
        except services.IndicatorError as error:
            refuse(form, error.message, error.field)
        else:
            return _done(startup, f"L'indicateur « {indicator.name} » a été modifié.")
    return render_template("indicators/form.html", startup=startup, form=form, indicator=indicator,
                           action_form=ActionForm(), active_section="startups"), \
        422 if form.errors or form.form_errors else 200


@bp.post("/<startup_id>/<int:indicator_id>/archive")
@requires("indicators.edit")
def archive(startup_id: str, indicator_id: int):
    startup = _startup(startup_id, "indicators.edit")
    indicator = _indicator(startup, indicator_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.archive_indicator(indicator, now=clock.now(), actor=current_person())
    return _done(startup, f"L'indicateur « {indicator.name} » a été archivé ; ses valeurs sont conservées.")


@bp.post("/<startup_id>/<int:indicator_id>/north-star")
@requires("indicators.edit")
def make_north_star(startup_id: str, indicator_id: int):
    startup = _startup(startup_id, "indicators.edit")
    indicator = _indicator(startup, indicator_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.set_north_star(indicator, actor=current_person())
    except services.IndicatorError as error:
        flash(error.message, "error")
        return redirect(url_for("indicators.index", startup_id=startup.id), 303)
    return _done(startup, f"« {indicator.name} » est désormais la North Star.")


@bp.route("/<startup_id>/values", methods=["GET", "POST"])
@requires("indicators.edit")
def values(startup_id: str):
    startup = _startup(startup_id, "indicators.edit")
    today = clock.today()
    current = dt.date(today.year, today.month, 1)
    last = min(_month(request.values.get("fin"), current), current)
    months = [_shift(last, -n) for n in reversed(range(GRID_MONTHS))]
    indicators = [i for i in queries.indicators_of(startup) if not i.kind.is_computed]
    form = ActionForm()
    texts, errors, status = {}, {}, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        cells = {}
        for key, text in request.form.items():
            match = CELL.match(key)
            if match:
                try:
                    cells[(int(match.group(1)), services.parse_period(match.group(2)))] = text
                except ValueError:
                    abort(400)
        try:
            changed = services.enter_values(startup, cells, today=today, actor=current_person())
        except services.ValuesError as error:
            texts, errors, status = cells, error.cells, 422
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{changed} valeur{'s' if changed > 1 else ''} enregistrée{'s' if changed > 1 else ''}."
                  if changed else "Aucune valeur n'a changé.", "success")
            return redirect(url_for("indicators.values", startup_id=startup.id, fin=last.strftime("%Y-%m")), 303)
    stored = {(v.indicator_id, v.period_start): v.value for i in indicators for v in i.values}
    names = {i.id: i.name for i in queries.indicators_of(startup, include_archived=True)}
    summary = [(f"v-{indicator_id}-{period.strftime('%Y-%m')}", names.get(indicator_id, "?"), period, message)
               for (indicator_id, period), message in sorted(errors.items(), key=lambda e: (e[0][1], e[0][0]))]
    return render_template(
        "indicators/values.html", startup=startup, indicators=indicators, months=months, last=last,
        current=current, previous=_shift(last, -GRID_MONTHS), following=min(_shift(last, GRID_MONTHS), current),
        stored=stored, texts=texts, errors=errors, summary=summary, form=form, active_section="startups",
    ), status


@bp.route("/<startup_id>/import", methods=["GET", "POST"])
@requires("indicators.edit")
def import_values(startup_id: str):
    startup = _startup(startup_id, "indicators.edit")
    form = ImportForm()
    rows, status = [], 200
    if form.validate_on_submit():
        data = form.file.data.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            form.file.errors.append("Le fichier dépasse 1 Mo : découpez-le.")
        else:
            try:
                result = services.import_values_csv(startup, data, today=clock.today(), actor=current_person())
            except services.CsvImportError as error:
                rows = error.rows
                flash(error.message, "error")
            else:
                message = f"{result.written} valeur{'s' if result.written > 1 else ''} importée{'s' if result.written > 1 else ''}."
                if result.ignored:
                    message += f" {result.ignored} ligne{'s' if result.ignored > 1 else ''} sans valeur ignorée{'s' if result.ignored > 1 else ''}."
                return _done(startup, message)
    if form.errors or rows:
        status = 422
    return render_template("indicators/import.html", startup=startup, form=form, rows=rows,
                           active_section="startups"), status


@bp.get("/<startup_id>/import/modele.csv")
@requires("indicators.edit")
def csv_template(startup_id: str):
    startup = _startup(startup_id, "indicators.edit")
    body = services.csv_template(startup, clock.today())
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="indicateurs-{startup.id.encode("ascii", "ignore").decode()}.csv"'})


@bp.route("/<startup_id>/<int:indicator_id>/objectives", methods=["GET", "POST"])
@requires("indicators.edit")
def objectives(startup_id: str, indicator_id: int):
    startup = _startup(startup_id, "indicators.edit")
    indicator = _indicator(startup, indicator_id)
    form = ObjectiveForm()
    if form.validate_on_submit():
        try:
            services.set_objective(indicator, target_value=form.target_value.parsed, target_on=form.target_on.data,
                                   comment=form.comment.data, actor=current_person(), now=clock.now())
        except services.IndicatorError as error:
            form.form_errors.append(error.message)
        else:
            return _done(startup, f"Objectif enregistré pour « {indicator.name} ».")
    return render_template("indicators/objectives.html", startup=startup, indicator=indicator, form=form,
                           active_section="startups"), 422 if form.errors or form.form_errors else 200


def _objective(indicator: Indicator, objective_id: int) -> Objective:
    objective = db.session.get(Objective, objective_id)
    if objective is None or objective.indicator_id != indicator.id:
        abort(404)
    return objective


@bp.route("/<startup_id>/<int:indicator_id>/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@requires("indicators.correct_objective")
def objective_edit(startup_id: str, indicator_id: int, objective_id: int):
    startup = _startup(startup_id, "indicators.correct_objective")
    indicator = _indicator(startup, indicator_id)
    objective = _objective(indicator, objective_id)
    committee_correction = can("indicators.correct_committee_objective", startup)
    if objective.committee_id is not None and not committee_correction:
        flash("Cet objectif a été fixé par un comité : seul un administrateur peut le corriger. "
              "Pour viser autre chose, fixez un nouvel objectif.", "error")
        return redirect(url_for("indicators.objectives", startup_id=startup.id, indicator_id=indicator.id), 303)
    form = ObjectiveForm(target_value=number_fr(objective.target_value, decimals=_decimals(objective.target_value)),
                         target_on=objective.target_on, comment=objective.comment)
    if form.validate_on_submit():
        try:
            services.edit_objective(objective, target_value=form.target_value.parsed, target_on=form.target_on.data,
                                    comment=form.comment.data, actor=current_person(), now=clock.now(),
                                    committee_correction=committee_correction)
        except services.IndicatorError as error:
            form.form_errors.append(error.message)
        else:
            return _done(startup, f"Objectif de « {indicator.name} » corrigé.")
    return render_template("indicators/objective_edit.html", startup=startup, indicator=indicator, objective=objective,
                           form=form, delete_form=ActionForm(), active_section="startups"), \
        422 if form.errors or form.form_errors else 200


@bp.post("/<startup_id>/<int:indicator_id>/objectives/<int:objective_id>/delete")
@requires("indicators.correct_objective")
def objective_delete(startup_id: str, indicator_id: int, objective_id: int):
    startup = _startup(startup_id, "indicators.correct_objective")
    indicator = _indicator(startup, indicator_id)
    objective = _objective(indicator, objective_id)
    ActionForm().validate_on_submit() or abort(400)
    try:
        services.delete_objective(objective, actor=current_person(),
                                  committee_correction=can("indicators.correct_committee_objective", startup))
    except services.IndicatorError as error:
        flash(error.message, "error")
        return redirect(url_for("indicators.objectives", startup_id=startup.id, indicator_id=indicator.id), 303)
    return _done(startup, f"Objectif de « {indicator.name} » supprimé.")


def _decimals(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent)


@bp.route("/<startup_id>/budget", methods=["GET", "POST"])
@requires("indicators.edit")
def budget(startup_id: str):
    startup = _startup(startup_id, "indicators.edit")
    form = BudgetForm()
    if form.validate_on_submit():
        try:
            services.set_budget(startup, year=form.year.data, amount_eur=form.amount_eur.data,
                                actor=current_person(), now=clock.now())
        except services.IndicatorError as error:
            form.form_errors.append(error.message)
        else:
            return _done(startup, f"Budget {form.year.data} enregistré.")
    return render_template("indicators/budget.html", startup=startup, form=form,
                           budgets=queries.budgets_of(startup), active_section="startups"), \
        422 if form.errors or form.form_errors else 200
