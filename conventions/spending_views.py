"""Pages of what is spent under a convention, on the conventions' blueprint: engaging an order (from an
accepted quote or not), an order with its services faits, invoices and closing, and the quotes (devis)."""

from flask import abort, flash, redirect, render_template, request, url_for

from conventions import queries, spending
from conventions.forms import (
    ActionForm,
    CloseForm,
    InvoiceForm,
    OrderForm,
    PayForm,
    QuoteDecisionForm,
    QuoteForm,
    ServiceFaitForm,
    choices,
    euros_text,
)
from conventions.models import Activity, Invoice, Resource, ServiceFait, TaxBasis
from conventions.values import ConventionError
from conventions.views import applied, bp, convention_for, done, form_page, order_for, simple
from core import clock
from core.db import db
from users.permissions import authorize, can, current_person, requires


@bp.route("/<int:convention_id>/orders/new", methods=["GET", "POST"])
@requires("convention.manage")
def new_order(convention_id: int):
    item = convention_for(convention_id, "convention.manage")
    form = OrderForm()
    form.startup_id.choices = choices((s.id, s.name) for s in item.startups)
    warnings = []

    def apply(item, person, today):
        startup = next(s for s in item.startups if s.id == form.startup_id.data)
        spending.engage_order(item, startup=startup, number=form.number.data, holder=form.holder.data,
                              amount_cents=form.amount.cents, engaged_on=form.engaged_on.data,
                              activity=Activity(form.activity.data), resource=Resource(form.resource.data),
                              description=form.description.data, actor=person, today=today)
        warning = spending.freeze_warning(form.engaged_on.data)
        if warning:
            warnings.append(warning)
    response = simple(convention_id, form, "conventions/action.html", apply, "Le bon de commande est engagé.",
                       heading="Engager un bon de commande")
    for warning in warnings:
        flash(warning, "warning")
    return response


# -- an order -----------------------------------------------------------------------------------------

# The order's page holds three forms: prefixed, so that their fields' names and ids never collide.
SERVICE_PREFIX, INVOICE_PREFIX, CLOSE_PREFIX = "service", "facture", "solde"


def _order_page(order, **forms):
    forms.setdefault("service_form", ServiceFaitForm(formdata=None, prefix=SERVICE_PREFIX))
    forms.setdefault("invoice_form", InvoiceForm(formdata=None, prefix=INVOICE_PREFIX))
    forms.setdefault("close_form", CloseForm(formdata=None, prefix=CLOSE_PREFIX))
    for form in forms.values():
        form.form_errors = getattr(form, "form_errors", [])
    failed = any(f.errors or f.form_errors for f in forms.values())
    person = current_person()
    # Who recorded a service fait does not validate it (spending.validate_service_fait): no button for them.
    own = {service_id for service_id, actor_id in spending.recorders(
        [s for s in order.services if s.validated_on is None]).items() if person is not None and actor_id == person.id}
    return render_template("conventions/order.html", order=order, convention=order.convention, own_services=own,
                           action_form=ActionForm(), pay_form=PayForm(formdata=None),
                           can_manage=can("convention.manage", order), can_record=can("service_fait.record", order),
                           can_validate=can("service_fait.validate", order), active_section="conventions",
                           **forms), 422 if failed else 200


def _order_action(order_id: int, action: str, form_name: str, form, apply, message: str):
    order = order_for(order_id, action)
    if applied(form, lambda: apply(order, current_person(), clock.today())):
        return done(message, "conventions.order", order_id=order.id)
    return _order_page(order, **{form_name: form})


@bp.get("/orders/<int:order_id>")
@requires("convention.view")
def order(order_id: int):
    return _order_page(order_for(order_id, "convention.view"))


@bp.post("/orders/<int:order_id>/services")
@requires("service_fait.record")
def record_service(order_id: int):
    form = ServiceFaitForm(prefix=SERVICE_PREFIX)

    def apply(order, person, today):
        spending.record_service_fait(order, amount_cents=form.amount.cents, delivered_on=form.delivered_on.data,
                                     comment=form.comment.data, actor=person, today=today)
    return _order_action(order_id, "service_fait.record", "service_form", form, apply, "Le service fait est enregistré.")


@bp.post("/orders/<int:order_id>/invoices")
@requires("convention.manage")
def record_invoice(order_id: int):
    form = InvoiceForm(prefix=INVOICE_PREFIX)

    def apply(order, person, today):
        spending.record_invoice(order, number=form.number.data, amount_cents=form.amount.cents,
                                filed_on=form.filed_on.data, paid_on=form.paid_on.data, actor=person, today=today)
    return _order_action(order_id, "convention.manage", "invoice_form", form, apply, "La facture est enregistrée.")


@bp.post("/orders/<int:order_id>/close")
@requires("convention.manage")
def close(order_id: int):
    form = CloseForm(prefix=CLOSE_PREFIX)

    def apply(order, person, today):
        spending.close_order(order, closed_on=form.closed_on.data, actor=person, today=today)
    return _order_action(order_id, "convention.manage", "close_form", form, apply,
                         "Le bon de commande est soldé au montant consommé.")


@bp.post("/services/<int:service_id>/validate")
@requires("service_fait.validate")
def validate_service(service_id: int):
    service = db.get_or_404(ServiceFait, service_id)
    authorize("service_fait.validate", service)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        spending.validate_service_fait(service, actor=current_person(), today=clock.today())
    except ConventionError as error:
        flash(error.message, "error")
        return redirect(url_for("conventions.order", order_id=service.order_id), 303)
    return done("Le service fait est validé.", "conventions.order", order_id=service.order_id)


@bp.post("/invoices/<int:invoice_id>/pay")
@requires("convention.manage")
def pay(invoice_id: int):
    invoice = db.get_or_404(Invoice, invoice_id)
    authorize("convention.manage", invoice)
    form = PayForm()
    if not form.validate_on_submit():
        flash(" ".join(form.paid_on.errors) or "La date de paiement est obligatoire.", "error")
        return redirect(url_for("conventions.order", order_id=invoice.order_id), 303)
    order_id = invoice.order_id
    try:
        spending.pay_invoice(invoice, paid_on=form.paid_on.data, actor=current_person(), today=clock.today())
    except ConventionError as error:
        flash(error.message, "error")
        return redirect(url_for("conventions.order", order_id=order_id), 303)
    return done("La facture est payée.", "conventions.order", order_id=order_id)


# -- quotes (devis) -----------------------------------------------------------------------------------------

def _quote(quote_id: int, action: str):
    item = queries.quote(quote_id)
    if item is None:
        abort(404)
    authorize(action, item)
    return item


@bp.route("/<int:convention_id>/quotes/new", methods=["GET", "POST"])
@requires("quote.prepare")
def new_quote(convention_id: int):
    item = convention_for(convention_id, "quote.prepare")
    form = QuoteForm()
    if request.method == "GET":
        form.tax_basis.data = item.tax_basis.value
    form.startup_id.choices = choices((s.id, s.name) for s in item.startups if can("quote.prepare", s))

    def record():
        startup = next(s for s in item.startups if s.id == form.startup_id.data)
        spending.record_quote(item, startup=startup, reference=form.reference.data, holder=form.holder.data,
                              amount_cents=form.amount.cents, tax_basis=TaxBasis(form.tax_basis.data),
                              received_on=form.received_on.data, valid_until=form.valid_until.data,
                              description=form.description.data, actor=current_person(), today=clock.today())
    if applied(form, record):
        return done("Le devis est enregistré.", convention_id=item.id)
    return form_page("conventions/action.html", form, convention=item, heading="Enregistrer un devis")


@bp.post("/quotes/<int:quote_id>/decide")
@requires("convention.manage")
def decide_quote(quote_id: int):
    quote = _quote(quote_id, "convention.manage")
    form = QuoteDecisionForm()
    if not form.validate_on_submit():
        flash(" ".join(form.decided_on.errors or form.decision.errors) or "La date de la décision est obligatoire.", "error")
        return redirect(url_for("conventions.show", convention_id=quote.convention_id), 303)
    try:
        spending.decide_quote(quote, accept=form.decision.data == "accept", decided_on=form.decided_on.data,
                              actor=current_person(), today=clock.today())
    except ConventionError as error:
        flash(error.message, "error")
        return redirect(url_for("conventions.show", convention_id=quote.convention_id), 303)
    return done(f"Le devis n° {quote.reference} est {quote.state.label.lower()}.", convention_id=quote.convention_id)


@bp.route("/quotes/<int:quote_id>/order", methods=["GET", "POST"])
@requires("convention.manage")
def order_from_quote(quote_id: int):
    """The order made from an accepted quote: prefilled with its startup, holder, amount and object."""
    quote = _quote(quote_id, "convention.manage")
    item = quote.convention
    form = OrderForm()
    form.startup_id.choices = choices([(quote.startup_id, quote.startup.name)])
    if request.method == "GET":
        form.startup_id.data, form.holder.data, form.description.data = quote.startup_id, quote.holder, quote.description
        form.amount.data = euros_text(spending.quote_amount_in(quote, item.tax_basis))

    def engage():
        spending.engage_order(item, startup=quote.startup, number=form.number.data, holder=form.holder.data,
                              amount_cents=form.amount.cents, engaged_on=form.engaged_on.data,
                              activity=Activity(form.activity.data), resource=Resource(form.resource.data),
                              description=form.description.data, quote=quote, actor=current_person(),
                              today=clock.today())
    if applied(form, engage):
        response = done(f"Le bon de commande est engagé à partir du devis n° {quote.reference}.", convention_id=item.id)
        warning = spending.freeze_warning(form.engaged_on.data)
        if warning:
            flash(warning, "warning")
        return response
    return form_page("conventions/action.html", form, convention=item,
                      heading=f"Bon de commande à partir du devis n° {quote.reference}")
