"""The money spent under a convention: orders (from an accepted quote or not), services faits, invoices,
payment and early closing, and the quotes (devis) themselves.

The same guarantees as conventions/services.py: every check before the first change, an audit event per
change, a flush and no commit; the convention's row locked before a check on its totals.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from audit.models import AuditEvent
from audit.services import record
from conventions.models import (
    Activity,
    Convention,
    ConventionStatus,
    EndBound,
    Invoice,
    Order,
    Quote,
    QuoteState,
    Resource,
    ServiceFait,
    TaxBasis,
)
from conventions.services import VAT_PERCENT, YearFigures, figures, lock, signed_and_open
from conventions.values import (
    MAX_CENTS,
    ConventionError,
    cents_fr,
    check_date,
    check_period,
    long_text,
    one_line,
)
from core.db import db
from core.formats import date_fr
from startups.models import Startup
from users.models import Person


# -- orders and spending ------------------------------------------------------------------------------

def freeze_warning(day: dt.date) -> str | None:
    """The year-end freeze (fin de gestion): orders stop around 12–15 December and resume in late January."""
    if (day.month == 12 and day.day >= 12) or (day.month == 1 and day.day <= 31):
        return (f"Le {date_fr(day)} tombe pendant la fin de gestion (mi-décembre à fin janvier) : "
                "le bon de commande risque de ne pas être traité avant la reprise.")
    return None


def engage_order(convention: Convention, *, startup: Startup, number: str, holder: str, amount_cents: int,
                 engaged_on: dt.date, activity: Activity, resource: Resource, actor: Person | None,
                 today: dt.date, description: str | None = None, quote: Quote | None = None) -> Order:
    """A bon de commande: it engages AE of its year. Per convention and year, engaged never exceeds the AE
    released nor the AE planned; the order is dated inside the convention's period. Made from a quote, it is
    for the quote's startup and holder, dated after the quote's acceptance, and never exceeds the quote."""
    signed_and_open(convention, today, "un bon de commande")
    lock(convention)
    return _engage(convention, _Engaged.read(convention), startup=startup, number=number, holder=holder,
                   amount_cents=amount_cents, engaged_on=engaged_on, activity=activity, resource=resource,
                   actor=actor, today=today, description=description, quote=quote)


def engage_orders(convention: Convention, orders: Sequence[dict], *, actor: Person | None,
                  today: dt.date) -> list[Order | ConventionError]:
    """Several orders on one convention, as the import brings them (each a dict of engage_order's arguments
    startup … resource, description): the convention locked once and its figures read once under the lock,
    then carried from each order to the next, where engage_order per order read every order of the convention
    again each time (an import of n orders took n² steps). Each order is checked as engage_order checks it,
    the ceilings against what the orders before it engaged; a refused one, its ConventionError in the list in
    its place, writes nothing and does not stop the others."""
    signed_and_open(convention, today, "un bon de commande")
    lock(convention)
    engaged = _Engaged.read(convention)
    results: list[Order | ConventionError] = []
    for fields in orders:
        try:
            results.append(_engage(convention, engaged, actor=actor, today=today, **fields))
        except ConventionError as error:
            results.append(error)
    return results


@dataclass
class _Engaged:
    """What an order's checks count, read under the convention's lock: the figures per year and the order numbers
    taken; _engage adds each order it makes to them."""

    figures: dict[int, YearFigures]
    numbers: set[str]

    @classmethod
    def read(cls, convention: Convention) -> "_Engaged":
        return cls(figures(convention), {o.number for o in convention.orders})


def _engage(convention: Convention, engaged: _Engaged, *, startup: Startup, number: str, holder: str,
            amount_cents: int, engaged_on: dt.date, activity: Activity, resource: Resource, actor: Person | None,
            today: dt.date, description: str | None = None, quote: Quote | None = None) -> Order:
    """engage_order's checks and change, the convention locked by the caller and `engaged` read after the lock."""
    if quote is not None:
        _check_order_from_quote(convention, quote, startup=startup, holder=holder, amount_cents=amount_cents,
                                engaged_on=engaged_on)
    fields = {"number": number, "holder": holder, "description": description}
    one_line(fields, "number", "Le numéro du bon de commande", required=True, max_length=100)
    one_line(fields, "holder", "Le titulaire du marché", required=True, max_length=300)
    fields["description"] = long_text(description, "L'objet", field="description")
    if startup.id not in {s.id for s in convention.startups}:
        raise ConventionError(f"La convention ne couvre pas {startup.name}.")
    if amount_cents is None or amount_cents <= 0:
        raise ConventionError("Le montant du bon de commande doit être positif.")
    if engaged_on is None:
        raise ConventionError("La date d'engagement est obligatoire.")
    if engaged_on > today:
        raise ConventionError("Un bon de commande ne peut pas être engagé dans le futur.")
    if convention.starts_on is not None and engaged_on < convention.starts_on:
        raise ConventionError(f"Le bon de commande ({date_fr(engaged_on)}) précède la prise d'effet de la convention "
                              f"({date_fr(convention.starts_on)}).")
    if engaged_on > convention.last_day:
        raise ConventionError(f"Le bon de commande ({date_fr(engaged_on)}) est après la fin de la convention "
                              f"({date_fr(convention.last_day)}).")
    if convention.suspended_on is not None and engaged_on >= convention.suspended_on:
        raise ConventionError(f"La convention est suspendue depuis le {date_fr(convention.suspended_on)}.")
    if fields["number"] in engaged.numbers:
        raise ConventionError(f"Le bon de commande n° {fields['number']} existe déjà sur cette convention.")
    year = engaged_on.year
    row = convention.year(year)
    numbers = engaged.figures.get(year)
    if row is None or numbers is None:
        raise ConventionError(f"La convention ne prévoit pas d'AE pour {year}.")
    if numbers.engaged + amount_cents > numbers.ae_released:
        raise ConventionError(f"Engagé {cents_fr(numbers.engaged)} + {cents_fr(amount_cents)} > "
                              f"{cents_fr(numbers.ae_released)} d'AE mises à disposition pour {year}.")
    if numbers.engaged + amount_cents > numbers.ae_planned:
        raise ConventionError(f"Engagé {cents_fr(numbers.engaged)} + {cents_fr(amount_cents)} > "
                              f"{cents_fr(numbers.ae_planned)} d'AE prévues pour {year}.")
    # Written by its convention_id, the convention's orders read again on their next use: appended to the loaded
    # collection, each flush compared the whole collection with its previous state (n² for n orders in a batch).
    order = Order(convention_id=convention.id, startup=startup, amount_cents=amount_cents, engaged_on=engaged_on,
                  activity=activity, resource=resource, **fields)
    db.session.add(order)
    if quote is not None:
        quote.order = order
    db.session.flush()
    db.session.expire(convention, ["orders"])
    numbers.engaged += amount_cents
    engaged.numbers.add(order.number)
    record("convention_order.engaged", "convention_order", order.id, actor=actor, startup_id=startup.id,
           after={"convention_id": convention.id, "number": order.number, "holder": order.holder,
                  "amount_cents": amount_cents, "engaged_on": engaged_on, "activity": activity.value,
                  "resource": resource.value, "quote_reference": quote.reference if quote is not None else None})
    return order


def _payment_window(order: Order, day: dt.date, what: str) -> None:
    convention = order.convention
    if day < order.engaged_on:
        raise ConventionError(f"{what} ({date_fr(day)}) précède l'engagement du bon de commande ({date_fr(order.engaged_on)}).")
    if convention.end_bound is EndBound.ENGAGEMENT_AND_PAYMENT and day > convention.last_day:
        raise ConventionError(f"{what} ({date_fr(day)}) est après la fin de la convention ({date_fr(convention.last_day)}), "
                              "qui borne aussi le service fait et le paiement.")


def record_service_fait(order: Order, *, amount_cents: int, delivered_on: dt.date, actor: Person | None,
                        today: dt.date, comment: str | None = None) -> ServiceFait:
    """A delivery certified by the holder, partial or total: the services faits never exceed the order."""
    lock(order.convention)
    if order.closed_on is not None:
        raise ConventionError(f"Le bon de commande n° {order.number} est soldé : plus de service fait.")
    if amount_cents is None or amount_cents <= 0:
        raise ConventionError("Le montant du service fait doit être positif.")
    if delivered_on is None:
        raise ConventionError("La date du service fait est obligatoire.")
    if delivered_on > today:
        raise ConventionError("Un service fait ne peut pas être daté dans le futur.")
    _payment_window(order, delivered_on, "Le service fait")
    delivered = order.delivered_cents
    if delivered + amount_cents > order.amount_cents:
        raise ConventionError(f"Services faits {cents_fr(delivered)} + {cents_fr(amount_cents)} > "
                              f"{cents_fr(order.amount_cents)} du bon de commande n° {order.number}.")
    text = {"comment": comment}
    one_line(text, "comment", "Le commentaire", max_length=2000, multiline=True)
    service = ServiceFait(order=order, amount_cents=amount_cents, delivered_on=delivered_on, comment=text["comment"])
    db.session.add(service)
    db.session.flush()
    record("service_fait.recorded", "service_fait", service.id, actor=actor, startup_id=order.startup_id,
           after={"order_number": order.number, "amount_cents": amount_cents, "delivered_on": delivered_on,
                  "share_percent": round(service.share_percent, 1)})
    return service


def recorders(services: Sequence[ServiceFait]) -> dict[int, int | None]:
    """Who recorded each service fait (its id -> the person's id), from its « service_fait.recorded » event, in
    one statement: the table keeps no recorder (a column would need a migration), and the audit event is
    written in the same transaction as the row."""
    if not services:
        return {}
    rows = db.session.execute(sa.select(AuditEvent.object_id, AuditEvent.actor_id).where(
        AuditEvent.object_type == "service_fait", AuditEvent.object_id.in_([str(s.id) for s in services]),
        AuditEvent.action == "service_fait.recorded").order_by(AuditEvent.id.desc()))
    return {int(object_id): actor_id for object_id, actor_id in rows}


def recorded_by_id(service: ServiceFait) -> int | None:
    return recorders([service]).get(service.id)


def validate_service_fait(service: ServiceFait, *, actor: Person | None, today: dt.date) -> ServiceFait:
    """The intrapreneur confirms the delivery; an invoice is paid only against validated services faits.
    Separation of duties: the person who recorded the service fait does not validate it (an admin included),
    so that no one both declares a delivery and certifies it."""
    lock(service.order.convention)
    if service.validated_on is not None:
        raise ConventionError(f"Ce service fait est déjà validé (le {date_fr(service.validated_on)}).")
    if actor is not None and recorded_by_id(service) == actor.id:
        raise ConventionError("Vous avez enregistré ce service fait : une autre personne (l'intrapreneur·e de la "
                              "startup) doit le valider, pour qu'une même personne ne le déclare pas et ne le "
                              "certifie pas.")
    service.validated_by_id, service.validated_on = (actor.id if actor else None), today
    db.session.flush()
    record("service_fait.validated", "service_fait", service.id, actor=actor, startup_id=service.order.startup_id,
           after={"order_number": service.order.number, "amount_cents": service.amount_cents, "validated_on": today})
    return service


def _check_payment(order: Order, amount_cents: int, paid_on: dt.date, today: dt.date) -> None:
    """The payment's rules, on figures read again under the convention's lock (the caller took it)."""
    if paid_on > today:
        raise ConventionError("Un paiement ne peut pas être daté dans le futur.")
    _payment_window(order, paid_on, "Le paiement")
    validated = sum(s.amount_cents for s in order.services if s.validated_on is not None)
    if order.paid_cents + amount_cents > validated:
        raise ConventionError(f"Payé {cents_fr(order.paid_cents)} + {cents_fr(amount_cents)} > "
                              f"{cents_fr(validated)} de services faits validés par l'intrapreneur·e.")
    all_years = figures(order.convention)
    numbers = all_years.get(paid_on.year)
    released = numbers.cp_released if numbers else 0
    paid = numbers.paid if numbers else 0
    if paid + amount_cents > released:
        raise ConventionError(f"Payé {cents_fr(paid)} + {cents_fr(amount_cents)} > {cents_fr(released)} de CP mis à "
                              f"disposition pour {paid_on.year}.")
    engaged = sum(n.engaged for n in all_years.values())
    paid_total = sum(n.paid for n in all_years.values())
    if paid_total + amount_cents > engaged:
        raise ConventionError(f"Payé en tout {cents_fr(paid_total)} + {cents_fr(amount_cents)} > {cents_fr(engaged)} engagés.")


def record_invoice(order: Order, *, number: str, amount_cents: int, filed_on: dt.date, actor: Person | None,
                   today: dt.date, paid_on: dt.date | None = None) -> Invoice:
    """An invoice on an order: the invoices never exceed the services faits."""
    lock(order.convention)
    fields = {"number": number}
    one_line(fields, "number", "Le numéro de la facture", required=True, max_length=100)
    if amount_cents is None or amount_cents <= 0:
        raise ConventionError("Le montant de la facture doit être positif.")
    if filed_on is None:
        raise ConventionError("La date de dépôt de la facture est obligatoire.")
    if filed_on > today:
        raise ConventionError("Une facture ne peut pas être déposée dans le futur.")
    if filed_on < order.engaged_on:
        raise ConventionError(f"La facture ({date_fr(filed_on)}) précède le bon de commande ({date_fr(order.engaged_on)}).")
    if any(i.number == fields["number"] for i in order.invoices):
        raise ConventionError(f"La facture n° {fields['number']} est déjà enregistrée sur ce bon de commande.")
    if order.invoiced_cents + amount_cents > order.delivered_cents:
        raise ConventionError(f"Facturé {cents_fr(order.invoiced_cents)} + {cents_fr(amount_cents)} > "
                              f"{cents_fr(order.delivered_cents)} de services faits sur le bon de commande n° {order.number}.")
    if paid_on is not None:
        if paid_on < filed_on:
            raise ConventionError("Une facture ne peut pas être payée avant d'être déposée.")
        _check_payment(order, amount_cents, paid_on, today)
    invoice = Invoice(order=order, number=fields["number"], amount_cents=amount_cents, filed_on=filed_on, paid_on=paid_on)
    db.session.add(invoice)
    db.session.flush()
    record("invoice.recorded", "invoice", invoice.id, actor=actor, startup_id=order.startup_id,
           after={"order_number": order.number, "number": invoice.number, "amount_cents": amount_cents,
                  "filed_on": filed_on, "paid_on": paid_on})
    return invoice


def pay_invoice(invoice: Invoice, *, paid_on: dt.date, actor: Person | None, today: dt.date) -> Invoice:
    """The invoice is paid (CP): paid never exceeds the CP released for that year nor what was engaged."""
    lock(invoice.order.convention)
    if invoice.paid_on is not None:
        raise ConventionError(f"La facture n° {invoice.number} est déjà payée (le {date_fr(invoice.paid_on)}).")
    if paid_on is None:
        raise ConventionError("La date de paiement est obligatoire.")
    if paid_on < invoice.filed_on:
        raise ConventionError("Une facture ne peut pas être payée avant d'être déposée.")
    _check_payment(invoice.order, invoice.amount_cents, paid_on, today)
    invoice.paid_on = paid_on
    db.session.flush()
    record("invoice.paid", "invoice", invoice.id, actor=actor, startup_id=invoice.order.startup_id,
           after={"order_number": invoice.order.number, "number": invoice.number, "amount_cents": invoice.amount_cents,
                  "paid_on": paid_on})
    return invoice


def close_order(order: Order, *, closed_on: dt.date, actor: Person | None, today: dt.date) -> Order:
    """Close an order early at the amount consumed (its services faits): the rest of its AE is freed for its
    year only."""
    lock(order.convention)
    if order.closed_on is not None:
        raise ConventionError(f"Le bon de commande n° {order.number} est déjà soldé (le {date_fr(order.closed_on)}).")
    if closed_on is None:
        raise ConventionError("La date de clôture est obligatoire.")
    if closed_on > today:
        raise ConventionError("Une clôture ne peut pas être datée dans le futur.")
    if closed_on < order.engaged_on:
        raise ConventionError(f"La clôture ({date_fr(closed_on)}) précède l'engagement ({date_fr(order.engaged_on)}).")
    last = max(order.services, key=lambda s: (s.delivered_on, s.id), default=None)
    if last is not None and closed_on < last.delivered_on:
        # The amount consumed is every service fait of the order: a closing dated before one would count it.
        raise ConventionError(f"La clôture ({date_fr(closed_on)}) précède le service fait du {date_fr(last.delivered_on)}, "
                              "compté dans le montant consommé : datez-la de ce jour ou après.")
    consumed = order.delivered_cents
    order.closed_on, order.closed_amount_cents = closed_on, consumed
    db.session.flush()
    record("convention_order.closed", "convention_order", order.id, actor=actor, startup_id=order.startup_id,
           before={"amount_cents": order.amount_cents},
           after={"number": order.number, "closed_on": closed_on, "closed_amount_cents": consumed,
                  "freed_cents": order.amount_cents - consumed})
    return order


# -- quotes (devis) ---------------------------------------------------------------------------------------


def record_quote(convention: Convention, *, startup: Startup, reference: str, holder: str, amount_cents: int,
                 tax_basis: TaxBasis, received_on: dt.date, valid_until: dt.date, actor: Person | None,
                 today: dt.date, description: str | None = None) -> Quote:
    """A quote received from a framework-contract holder, for one startup the convention covers."""
    if convention.status(today) in (ConventionStatus.ENDED, ConventionStatus.TERMINATED):
        raise ConventionError(f"La convention est {convention.status(today).label.lower()} : plus de devis.")
    fields = {"reference": reference, "holder": holder}
    one_line(fields, "reference", "Le numéro du devis", required=True, max_length=100)
    one_line(fields, "holder", "Le titulaire du marché", required=True, max_length=300)
    if startup.id not in {s.id for s in convention.startups}:
        raise ConventionError(f"La convention ne couvre pas {startup.name}.")
    if amount_cents is None or amount_cents <= 0:
        raise ConventionError("Le montant du devis doit être positif.", "amount")
    if amount_cents > MAX_CENTS:
        raise ConventionError("Le montant du devis est trop grand.", "amount")
    check_period(received_on, "La date de réception du devis", today, "received_on")
    if valid_until is None:
        raise ConventionError("La date de fin de validité du devis est obligatoire.", "valid_until")
    check_date(valid_until, "Valable jusqu'au", today, "valid_until")
    if valid_until < received_on:
        raise ConventionError(f"La validité du devis ({date_fr(valid_until)}) précède sa réception ({date_fr(received_on)}).",
                              "valid_until")
    if any(q.reference == fields["reference"] for q in convention.quotes):
        raise ConventionError(f"Le devis n° {fields['reference']} existe déjà sur cette convention.", "reference")
    text = long_text(description, "L'objet", field="description")
    quote = Quote(convention=convention, startup=startup, amount_cents=amount_cents, tax_basis=tax_basis,
                  received_on=received_on, valid_until=valid_until, description=text,
                  created_by_id=actor.id if actor else None, **fields)
    db.session.add(quote)
    db.session.flush()
    record("quote.recorded", "quote", quote.id, actor=actor, startup_id=startup.id,
           after={"convention_id": convention.id, "reference": quote.reference, "holder": quote.holder,
                  "amount_cents": amount_cents, "tax_basis": tax_basis.value, "received_on": received_on,
                  "valid_until": valid_until})
    return quote


def decide_quote(quote: Quote, *, accept: bool, decided_on: dt.date, actor: Person | None, today: dt.date) -> Quote:
    """DINUM accepts (signs) or refuses a quote still received; a quote past its validity is not accepted. The
    convention is locked first and the quote's state read again under the lock: two decisions at the same
    moment take turns, and the second finds the quote decided."""
    lock(quote.convention)
    if quote.state is not QuoteState.RECEIVED:
        raise ConventionError(f"Le devis n° {quote.reference} est déjà {quote.state.label.lower()} "
                              f"(le {date_fr(quote.decided_on)}).")
    check_period(decided_on, "La date de la décision", today, "decided_on")
    if decided_on < quote.received_on:
        raise ConventionError(f"La décision ({date_fr(decided_on)}) précède la réception du devis ({date_fr(quote.received_on)}).",
                              "decided_on")
    if accept and decided_on > quote.valid_until:
        raise ConventionError(f"Le devis n° {quote.reference} a expiré le {date_fr(quote.valid_until)} : "
                              "demandez un nouveau devis au titulaire.")
    quote.state, quote.decided_on = (QuoteState.ACCEPTED if accept else QuoteState.REFUSED), decided_on
    db.session.flush()
    record("quote.accepted" if accept else "quote.refused", "quote", quote.id, actor=actor,
           startup_id=quote.startup_id, before={"state": QuoteState.RECEIVED.value},
           after={"reference": quote.reference, "state": quote.state.value, "decided_on": decided_on})
    return quote


def quote_amount_in(quote: Quote, basis: TaxBasis) -> int:
    """The quote's amount on the convention's basis (HT or TTC), at the standard VAT rate; rounded down, so
    that an order never exceeds the quote by a rounding."""
    if quote.tax_basis is basis:
        return quote.amount_cents
    if basis is TaxBasis.HT:
        return quote.amount_cents * 100 // (100 + VAT_PERCENT)
    return quote.amount_cents * (100 + VAT_PERCENT) // 100


def _check_order_from_quote(convention: Convention, quote: Quote, *, startup: Startup, holder: str,
                            amount_cents: int | None, engaged_on: dt.date | None) -> None:
    if quote.convention_id != convention.id:
        raise ConventionError(f"Le devis n° {quote.reference} relève d'une autre convention.")
    if quote.state is not QuoteState.ACCEPTED:
        raise ConventionError(f"Le devis n° {quote.reference} n'est pas accepté : seul un devis accepté donne un bon de commande.")
    if quote.order is not None:
        raise ConventionError(f"Le devis n° {quote.reference} a déjà donné le bon de commande n° {quote.order.number}.")
    if startup.id != quote.startup_id:
        raise ConventionError(f"Le devis n° {quote.reference} est pour {quote.startup.name}, pas pour {startup.name}.")
    if " ".join((holder or "").split()) != quote.holder:
        raise ConventionError(f"Le titulaire du bon de commande doit être celui du devis ({quote.holder}).")
    if engaged_on is not None and quote.decided_on is not None and engaged_on < quote.decided_on:
        raise ConventionError(f"Le bon de commande ({date_fr(engaged_on)}) précède l'acceptation du devis "
                              f"({date_fr(quote.decided_on)}).")
    ceiling = quote_amount_in(quote, convention.tax_basis)
    if amount_cents is not None and amount_cents > ceiling:
        raise ConventionError(f"Bon de commande {cents_fr(amount_cents)} > {cents_fr(ceiling)} "
                              f"{convention.tax_basis.label} du devis n° {quote.reference}.")
