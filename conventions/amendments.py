"""What changes a signed convention: avenants (each keeps the whole previous version of the terms),
termination, suspension and resumption. As in conventions.services: every function checks its rule
(ConventionError, with the figures in French) before changing anything, writes an audit event and flushes;
the caller commits."""

import datetime as dt
from collections.abc import Mapping, Sequence

from audit.services import changes, record
from conventions.models import TERMS, Amendment, Convention, EndBound, Party
from conventions.services import (
    NOTICE_MONTHS,
    apply_terms,
    check_fresh,
    check_terms,
    figures,
    lock,
    signed_and_open,
    startup_of,
    terms_of,
)
from conventions.values import ConventionError, add_months, cents_fr, check_date, one_line
from core.db import db
from core.formats import date_fr
from core.values import jsonable
from startups.models import Startup
from users.models import Person


def _check_spending_inside(convention: Convention, *, starts_on: dt.date | None, last_day: dt.date,
                           end_bound: EndBound, what: str) -> None:
    """New dates of a convention (an avenant, a termination) keep every order inside its period, and every
    service fait and payment too when the end date bounds them: refused otherwise, quoting the last one.
    `what` names the new date in the message (« La date de fin (30 juin 2024) »)."""
    orders = list(convention.orders)
    if not orders:
        return
    first = min(orders, key=lambda o: (o.engaged_on, o.id))
    if starts_on is not None and first.engaged_on < starts_on:
        raise ConventionError(f"La prise d'effet ({date_fr(starts_on)}) suit le bon de commande n° {first.number} "
                              f"engagé le {date_fr(first.engaged_on)}.")
    last = max(orders, key=lambda o: (o.engaged_on, o.id))
    if last.engaged_on > last_day:
        raise ConventionError(f"{what} précède le bon de commande n° {last.number} engagé le {date_fr(last.engaged_on)}.")
    if end_bound is not EndBound.ENGAGEMENT_AND_PAYMENT:
        return
    services = [(s.delivered_on, o) for o in orders for s in o.services]
    if services and max(services, key=lambda pair: pair[0])[0] > last_day:
        on, order = max(services, key=lambda pair: pair[0])
        raise ConventionError(f"{what} précède le service fait du {date_fr(on)} sur le bon de commande n° {order.number} "
                              "(la date de fin borne aussi le service fait et le paiement).")
    payments = [(i.paid_on, i) for o in orders for i in o.invoices if i.paid_on is not None]
    if payments and max(payments, key=lambda pair: pair[0])[0] > last_day:
        on, invoice = max(payments, key=lambda pair: pair[0])
        raise ConventionError(f"{what} précède le paiement de la facture n° {invoice.number} le {date_fr(on)} "
                              "(la date de fin borne aussi le service fait et le paiement).")


def amend(convention: Convention, *, summary: str, partner_signed_on: dt.date, dinum_signed_on: dt.date,
          actor: Person | None, today: dt.date, startups: Sequence[Startup] | None = None,
          years: Mapping[int, tuple[int, int]] | None = None, expected: str | None = None, **fields) -> Amendment:
    """An avenant: numbered, signed by both parties; it keeps the whole previous version of the terms and
    changes the current ones. A year's AE may not fall below what was released or engaged, nor its CP below
    what was released or paid. expected: the terms_fingerprint the form was loaded with; a form loaded before
    another avenant is refused."""
    signed_and_open(convention, today, "un avenant")
    lock(convention)
    check_fresh(convention, expected)
    text = {"summary": summary}
    one_line(text, "summary", "L'objet de l'avenant", required=True, max_length=2000, multiline=True)
    if partner_signed_on is None or dinum_signed_on is None:
        raise ConventionError("Les deux dates de signature de l'avenant sont obligatoires.")
    if max(partner_signed_on, dinum_signed_on) > today:
        raise ConventionError("Un avenant ne peut pas être signé dans le futur.")
    if partner_signed_on < convention.signed_on or dinum_signed_on < convention.signed_on:
        raise ConventionError(f"L'avenant ne peut pas être signé avant la convention ({date_fr(convention.signed_on)}).")
    previous_amendment = convention.amendments[-1] if convention.amendments else None
    if previous_amendment is not None and min(partner_signed_on, dinum_signed_on) < previous_amendment.signed_on:
        raise ConventionError(f"L'avenant ne peut pas être signé avant l'avenant n° {previous_amendment.number} "
                              f"({date_fr(previous_amendment.signed_on)}) qu'il suit.")
    if max(partner_signed_on, dinum_signed_on) > convention.last_day:
        # An ended convention is not amended: a new one is signed (the « successor » of the ending alerts).
        raise ConventionError(f"La convention a pris fin le {date_fr(convention.last_day)} : un avenant signé après "
                              "ne la prolonge pas, une nouvelle convention est nécessaire.")
    unknown = set(fields) - set(TERMS)
    if unknown:
        raise ConventionError("Un avenant change les montants, les dates, les startups ou les références, rien d'autre.")
    merged = {"starts_on": convention.starts_on, "ends_on": convention.ends_on, **fields}
    check_terms(merged, startups, years, today)
    fields = {k: merged[k] for k in fields}
    if years is not None:
        current = figures(convention)
        for year, numbers in current.items():
            ae, cp = years.get(year, (0, 0))
            if ae < max(numbers.ae_released, numbers.engaged):
                raise ConventionError(
                    f"AE {year} : {cents_fr(ae)} < {cents_fr(max(numbers.ae_released, numbers.engaged))} déjà "
                    f"{'mises à disposition' if numbers.ae_released >= numbers.engaged else 'engagées'}.")
            if cp < max(numbers.cp_released, numbers.paid):
                raise ConventionError(
                    f"CP {year} : {cents_fr(cp)} < {cents_fr(max(numbers.cp_released, numbers.paid))} déjà "
                    f"{'mis à disposition' if numbers.cp_released >= numbers.paid else 'payés'}.")
    ends_on = merged["ends_on"]
    last_day = convention.terminated_on if convention.terminated_on is not None and convention.terminated_on <= ends_on \
        else ends_on
    _check_spending_inside(convention, starts_on=merged["starts_on"], last_day=last_day,
                           end_bound=fields.get("end_bound", convention.end_bound),
                           what=f"La date de fin ({date_fr(last_day)})")
    if startups is not None:
        kept = {s.id for s in startups}
        ordered = sorted({o.startup.name for o in convention.orders if o.startup_id not in kept})
        if ordered:
            raise ConventionError(f"Des bons de commande sont engagés pour {', '.join(ordered)} : la startup reste couverte.")
    previous = terms_of(convention)
    planned = {**previous, **{k: jsonable(v) for k, v in fields.items()}}
    if startups is not None:
        planned["startups"] = sorted(s.id for s in startups)
        previous_startups = sorted(previous["startups"])
    else:
        previous_startups = planned["startups"] = sorted(previous["startups"])
    if years is not None:
        planned["years"] = [{"year": y, "ae_cents": ae, "cp_cents": cp} for y, (ae, cp) in sorted(years.items())]
    if {**planned, "startups": None} == {**previous, "startups": None} and planned["startups"] == previous_startups:
        raise ConventionError("L'avenant ne change aucun terme de la convention.")
    apply_terms(convention, fields, startups, years)
    new_terms = terms_of(convention)
    amendment = Amendment(convention=convention, number=len(convention.amendments) + 1, summary=text["summary"],
                          partner_signed_on=partner_signed_on, dinum_signed_on=dinum_signed_on,
                          previous_terms=previous, new_terms=new_terms, created_by_id=actor.id if actor else None)
    db.session.add(amendment)
    db.session.flush()
    old, new = changes(previous, new_terms)
    record("convention.amended", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
           before=old, after={**new, "number": amendment.number}, reason=text["summary"])
    return amendment


def versions(convention: Convention) -> list[tuple[int, dict]]:
    """Every version of the terms, the current one first: (0 for the signed text, n for avenant n, terms)."""
    result = [(convention.current_version, terms_of(convention))]
    for amendment in reversed(convention.amendments):
        result.append((amendment.number - 1, amendment.previous_terms))
    return result


def terminate(convention: Convention, *, party: Party, notified_on: dt.date, reason: str,
              effective_on: dt.date | None = None, actor: Person | None, today: dt.date) -> Convention:
    """Either party ends the convention with three months' notice: it takes effect on the date asked, no
    earlier than the notice + 3 months (that date when none is asked)."""
    signed_and_open(convention, today, "une résiliation")
    lock(convention)
    if convention.terminated_on is not None:
        raise ConventionError(f"La résiliation est déjà notifiée (effet le {date_fr(convention.terminated_on)}).")
    text = {"reason": reason}
    one_line(text, "reason", "Le motif", required=True, max_length=2000, multiline=True)
    if notified_on is None:
        raise ConventionError("La date de notification est obligatoire.")
    if notified_on > today:
        raise ConventionError("La notification ne peut pas être datée dans le futur.")
    if notified_on < convention.signed_on:
        raise ConventionError(f"La notification précède la signature ({date_fr(convention.signed_on)}).")
    earliest = add_months(notified_on, NOTICE_MONTHS)
    effective_on = effective_on or earliest
    if effective_on < earliest:
        raise ConventionError(f"Préavis de trois mois : la résiliation notifiée le {date_fr(notified_on)} prend effet "
                              f"au plus tôt le {date_fr(earliest)}, pas le {date_fr(effective_on)}.")
    if effective_on > convention.ends_on:
        raise ConventionError(f"La convention prend fin le {date_fr(convention.ends_on)}, avant la résiliation demandée.")
    _check_spending_inside(convention, starts_on=None, last_day=effective_on, end_bound=convention.end_bound,
                           what=f"La résiliation au {date_fr(effective_on)}")
    convention.terminated_by, convention.termination_notified_on = party, notified_on
    convention.terminated_on, convention.termination_reason = effective_on, text["reason"]
    db.session.flush()
    record("convention.terminated", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
           after={"terminated_by": party.value, "termination_notified_on": notified_on, "terminated_on": effective_on},
           reason=text["reason"])
    return convention


def suspend(convention: Convention, *, on: dt.date, reason: str, actor: Person | None, today: dt.date) -> Convention:
    """DINUM suspends the delegation (a shortfall not topped up): no order is engaged from that day."""
    signed_and_open(convention, today, "une suspension")
    if convention.suspended_on is not None:
        raise ConventionError(f"La convention est déjà suspendue depuis le {date_fr(convention.suspended_on)}.")
    text = {"reason": reason}
    one_line(text, "reason", "Le motif", required=True, max_length=2000, multiline=True)
    if on is None:
        raise ConventionError("La date de la suspension est obligatoire.")
    check_date(on, "Suspendue le", today)
    if on < convention.signed_on:
        raise ConventionError(f"La suspension ({date_fr(on)}) précède la signature ({date_fr(convention.signed_on)}).")
    convention.suspended_on = on
    db.session.flush()
    record("convention.suspended", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
           after={"suspended_on": on}, reason=text["reason"])
    return convention


def resume(convention: Convention, *, actor: Person | None) -> Convention:
    if convention.suspended_on is None:
        raise ConventionError("La convention n'est pas suspendue.")
    before = convention.suspended_on
    convention.suspended_on = None
    db.session.flush()
    record("convention.resumed", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
           before={"suspended_on": before}, after={"suspended_on": None})
    return convention
