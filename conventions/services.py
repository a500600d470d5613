"""The rules of the money: conventions, their terms and signature, releases of AE/CP, the signed PDF.
What changes a signed convention (avenants, termination, suspension) is in conventions/amendments.py. Orders, services faits, invoices, early closing and quotes are in conventions/spending.py; FAST's
grants in conventions/fast_fund.py.

Every function checks its rule (ConventionError, with the figures in French), changes the data, writes an
audit event and flushes; the caller commits. A refused change writes nothing: every check runs before the
first change. The convention's row is locked (PostgreSQL) before a check on its totals, so that two orders
engaged at the same moment cannot both pass a ceiling only one of them fits under.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from audit.services import changes, record
from conventions.models import (
    TERMS,
    Amendment,
    Convention,
    ConventionKind,
    ConventionStatus,
    ConventionYear,
    EndBound,
    Order,
    Party,
    Quote,
    Release,
    SignedDocument,
    TaxBasis,
)
from conventions.values import (
    ConventionError,
    cents_fr,
    check_chorus,
    check_date,
    check_url,
    one_line,
)
from core import clock, pdf
from core.db import db
from core.formats import date_fr
from core.values import jsonable
from startups.models import Organisation, Startup
from users.models import Person

NOTICE_MONTHS = 3
VAT_PERCENT = 20  # the standard French rate: the State cannot recover it
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # a signed convention scanned at a good resolution fits well within


# -- figures ------------------------------------------------------------------------------------------

@dataclass
class YearFigures:
    """One year of a convention (cents): planned, released, engaged, paid, and what remains available."""

    year: int
    ae_planned: int = 0
    cp_planned: int = 0
    ae_released: int = 0
    cp_released: int = 0
    engaged: int = 0
    paid: int = 0

    @property
    def ae_available(self) -> int:
        return self.ae_released - self.engaged

    @property
    def cp_available(self) -> int:
        return self.cp_released - self.paid

    @property
    def engaged_percent(self) -> int | None:
        return round(100 * self.engaged / self.ae_released) if self.ae_released else None

    @property
    def paid_percent(self) -> int | None:
        return round(100 * self.paid / self.cp_released) if self.cp_released else None

    def add(self, other: "YearFigures") -> None:
        for name in ("ae_planned", "cp_planned", "ae_released", "cp_released", "engaged", "paid"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def figures(convention: Convention, *, startup_id: str | None = None) -> dict[int, YearFigures]:
    """Per year: planned (schedule), released, engaged (orders, at their consumed amount once closed early),
    paid (invoices paid that year). With startup_id, engaged and paid count only that startup's orders."""
    by_year: dict[int, YearFigures] = {}

    def year(y: int) -> YearFigures:
        return by_year.setdefault(y, YearFigures(y))

    for row in convention.years:
        year(row.year).ae_planned += row.ae_planned_cents
        year(row.year).cp_planned += row.cp_planned_cents
    for release in convention.releases:
        year(release.year).ae_released += release.ae_cents
        year(release.year).cp_released += release.cp_cents
    for order in convention.orders:
        if startup_id is not None and order.startup_id != startup_id:
            continue
        year(order.year).engaged += order.engaged_cents
        for invoice in order.invoices:
            if invoice.paid_on is not None:
                year(invoice.paid_on.year).paid += invoice.amount_cents
    return dict(sorted(by_year.items()))


def lock(convention: Convention) -> None:
    """Serialise the checks on a convention's totals, then read again what they count.

    The convention's row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite lets one writer at a time, and a
    writer that read before another one wrote is refused at its first write). Its schedule, releases, quotes,
    orders with their services faits and invoices are then read again from the database (populate_existing):
    the collections loaded before the lock, with the page, may miss what a concurrent transaction committed
    while this one waited, and a check on them let two orders pass a ceiling only one of them fits under.
    Call it before the first check that reads those collections."""
    if convention.id is None:
        return
    db.session.execute(sa.select(Convention.id).where(Convention.id == convention.id).with_for_update())
    db.session.scalars(sa.select(Convention).where(Convention.id == convention.id).options(
        selectinload(Convention.years), selectinload(Convention.releases), selectinload(Convention.startups),
        selectinload(Convention.amendments),
        selectinload(Convention.quotes).selectinload(Quote.order),
        selectinload(Convention.orders).selectinload(Order.services),
        selectinload(Convention.orders).selectinload(Order.invoices),
    ).execution_options(populate_existing=True)).one()


def startup_of(convention: Convention) -> str | None:
    return convention.startups[0].id if convention.startups else None


def terms_of(convention: Convention) -> dict:
    """The whole current version of the terms, as JSON: what an avenant keeps before changing it."""
    terms = {name: jsonable(getattr(convention, name)) for name in TERMS}
    terms["startups"] = [s.id for s in convention.startups]
    terms["years"] = [{"year": y.year, "ae_cents": y.ae_planned_cents, "cp_cents": y.cp_planned_cents}
                      for y in sorted(convention.years, key=lambda y: y.year)]
    return terms


STALE_FORM = ("La convention a été modifiée entre-temps par quelqu'un d'autre : vos changements n'ont pas été "
              "enregistrés, pour ne pas écraser les siens. Rechargez la page pour voir la version actuelle, puis "
              "refaites vos modifications.")


def terms_fingerprint(convention: Convention) -> str:
    """A short digest of the terms a form shows (and of the number of avenants): carried by the draft's and the
    avenant's forms, so that a form loaded before someone else's change does not silently undo it."""
    state = {**terms_of(convention), "kind": convention.kind, "reference": convention.reference,
             "partner_id": convention.partner_id, "version": convention.current_version}
    text = json.dumps(jsonable(state), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def check_fresh(convention: Convention, expected: str | None) -> None:
    """Refuse a form loaded from other terms than the ones now stored (read again under the lock)."""
    if expected is not None and terms_fingerprint(convention) != expected:
        raise ConventionError(STALE_FORM)


# -- conventions --------------------------------------------------------------------------------------

DRAFT_FIELDS = TERMS + ("kind", "reference", "partner_id", "budget_contact_id", "is_demo")
ADMIN_FIELDS = ("cbcm_partner_sent_on", "cbcm_dinum_sent_on", "datagouv_url", "datagouv_published_on",
                "gouvernement_url", "gouvernement_published_on", "budget_contact_id")


def check_terms(fields: dict, startups: Sequence[Startup] | None, years: Mapping[int, tuple[int, int]] | None,
                 today: dt.date) -> None:
    one_line(fields, "title", "L'intitulé", required="title" in fields)
    one_line(fields, "reference", "La référence", max_length=100)
    check_chorus(fields)
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    if "ends_on" in fields and ends_on is None:
        raise ConventionError("La date de fin est obligatoire.", "ends_on")
    check_date(starts_on, "Prise d'effet", today, "starts_on")
    check_date(ends_on, "Date de fin", today, "ends_on")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ConventionError(f"La date de fin ({date_fr(ends_on)}) précède la date d'effet ({date_fr(starts_on)}).", "ends_on")
    if startups is not None and not startups:
        raise ConventionError("La convention doit couvrir au moins une startup.", "startup_ids")
    if years is not None:
        for year, (ae, cp) in years.items():
            check_schedule_year(year, ae, cp, ends_on)


def check_schedule_year(year: int, ae_cents: int, cp_cents: int, ends_on: dt.date | None) -> None:
    """One year of a schedule (AE and CP planned) for a convention ending on ends_on: the terms' rule, which the
    import also applies to each of its schedule lines alone."""
    if not 2000 <= year <= 2100:
        raise ConventionError(f"L'année {year} n'est pas une année d'échéancier valable.")
    if ae_cents < 0 or cp_cents < 0:
        raise ConventionError(f"Les montants de {year} ne peuvent pas être négatifs.")
    if ends_on is not None and year > ends_on.year:
        raise ConventionError(f"L'année {year} de l'échéancier est après la fin de la convention ({date_fr(ends_on)}).")


def set_years(convention: Convention, years: Mapping[int, tuple[int, int]]) -> None:
    existing = {y.year: y for y in convention.years}
    for year, (ae, cp) in sorted(years.items()):
        row = existing.pop(year, None)
        if row is None:
            convention.years.append(ConventionYear(year=year, ae_planned_cents=ae, cp_planned_cents=cp))
        else:
            row.ae_planned_cents, row.cp_planned_cents = ae, cp
    for row in existing.values():
        convention.years.remove(row)


def create_convention(*, actor: Person | None, partner: Organisation, startups: Sequence[Startup],
                      years: Mapping[int, tuple[int, int]], today: dt.date | None = None, **fields) -> Convention:
    """A draft convention (fields: kind, title, reference, ends_on, starts_on, phase, tax_basis, end_bound,
    chorus_*, budget_contact_id, is_demo); years: {year: (AE cents, CP cents)}; today bounds its dates (the
    clock's by default)."""
    fields.setdefault("kind", ConventionKind.DELEGATION)
    fields.setdefault("tax_basis", TaxBasis.HT)
    fields.setdefault("end_bound", EndBound.ENGAGEMENT_AND_PAYMENT)
    fields.setdefault("title", None)
    fields.setdefault("ends_on", None)
    check_terms(fields, startups, years, today or clock.today())
    _check_reference(fields.get("reference"), None)
    convention = Convention(partner=partner, **fields)
    convention.startups = list(startups)
    set_years(convention, years)
    db.session.add(convention)
    db.session.flush()
    after = {**terms_of(convention), "kind": convention.kind.value, "partner_id": partner.id,
             "reference": convention.reference, "is_demo": convention.is_demo}
    record("convention.created", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
           after=after)
    return convention


def _check_reference(reference: str | None, convention: Convention | None) -> None:
    """A convention's reference is unique: refused at its field when another convention holds it."""
    if not reference:
        return
    query = sa.select(Convention.id).where(Convention.reference == reference)
    if convention is not None:
        query = query.where(Convention.id != convention.id)
    if db.session.scalar(query) is not None:
        raise ConventionError(f"Une convention porte déjà la référence « {reference} ».", "reference")


def apply_terms(convention: Convention, fields: Mapping, startups: Sequence[Startup] | None,
                 years: Mapping[int, tuple[int, int]] | None) -> None:
    """Write checked terms on the convention (a draft's edit or an avenant): fields, startups, yearly AE/CP."""
    for key, value in fields.items():
        setattr(convention, key, value)
    if startups is not None:
        convention.startups = list(startups)
    if years is not None:
        set_years(convention, years)
    db.session.flush()


def update_draft(convention: Convention, *, actor: Person | None, startups: Sequence[Startup] | None = None,
                 years: Mapping[int, tuple[int, int]] | None = None, today: dt.date | None = None,
                 expected: str | None = None, **fields) -> Convention:
    """Change a draft's terms. Once signed, only an avenant changes them. expected: the terms_fingerprint the
    form was loaded with; a form loaded before another change is refused."""
    lock(convention)
    if convention.is_signed:
        raise ConventionError("Une convention signée ne se modifie que par avenant.")
    check_fresh(convention, expected)
    merged = {"starts_on": convention.starts_on, "ends_on": convention.ends_on, **fields}
    check_terms(merged, startups, years, today or clock.today())
    fields = {k: merged[k] for k in fields}
    if fields.get("reference", convention.reference) != convention.reference:
        _check_reference(fields["reference"], convention)
    if fields.get("partner_id", convention.partner_id) != convention.partner_id:
        _check_new_partner(convention, fields["partner_id"])

    def state() -> dict:
        return {**terms_of(convention), "kind": convention.kind.value, "reference": convention.reference,
                "partner_id": convention.partner_id}
    before = state()
    apply_terms(convention, fields, startups, years)
    old, new = changes(before, state())
    if new:
        record("convention.updated", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
               before=old, after=new)
    return convention


def _check_new_partner(convention: Convention, partner_id: str | None) -> None:
    """A draft's new partner: an organisation of the list, and the budget contact already named one of its people
    (update_follow_up's rule), or the contact is to be changed first."""
    partner = db.session.get(Organisation, partner_id) if partner_id else None
    if partner is None or partner.archived_at is not None:
        raise ConventionError("Choisissez l'administration partenaire.", "partner_id")
    contact = convention.budget_contact
    if contact is not None and contact.organisation_id != partner.id:
        raise ConventionError(f"Le contact budgétaire, {contact.name}, n'est pas de {partner.display_name} : changez-le "
                              "d'abord (« CBCM, publication et contact »), puis l'administration partenaire.", "partner_id")


def sign(convention: Convention, party: Party, *, signatory: str, signatory_title: str, signed_on: dt.date,
         actor: Person | None, today: dt.date) -> Convention:
    """One party's signature: the partner first, DINUM last. The convention takes effect on DINUM's signature
    unless it names a later date of effect. The convention is locked and read again first: two signatures of
    one party at the same moment take turns, and the second finds it signed."""
    lock(convention)
    fields = {"signatory": signatory, "title": signatory_title}
    one_line(fields, "signatory", "Le nom du signataire", required=True, max_length=200)
    one_line(fields, "title", "La qualité du signataire", required=True, max_length=200, field="signatory_title")
    if signed_on is None:
        raise ConventionError("La date de signature est obligatoire.")
    check_date(signed_on, "Date de signature", today, "signed_on")
    if signed_on > today:
        raise ConventionError(f"La date de signature ({date_fr(signed_on)}) ne peut pas être dans le futur.")
    if party is Party.PARTNER:
        if convention.partner_signed_on is not None:
            raise ConventionError("Le partenaire a déjà signé cette convention.")
    else:
        if convention.dinum_signed_on is not None:
            raise ConventionError("La DINUM a déjà signé cette convention.")
        if convention.partner_signed_on is None:
            raise ConventionError("Le partenaire signe en premier, la DINUM en dernier.")
        if signed_on < convention.partner_signed_on:
            raise ConventionError(f"La DINUM signe après le partenaire (signature du partenaire : {date_fr(convention.partner_signed_on)}).")
        if not convention.years:
            raise ConventionError("La convention n'a pas d'échéancier d'AE et de CP : elle ne peut pas être signée.")
        if signed_on > convention.ends_on:
            raise ConventionError(f"La signature ({date_fr(signed_on)}) est après la date de fin ({date_fr(convention.ends_on)}).")
    if party is Party.PARTNER:
        convention.partner_signatory, convention.partner_signatory_title = fields["signatory"], fields["title"]
        convention.partner_signed_on = signed_on
    else:
        convention.dinum_signatory, convention.dinum_signatory_title = fields["signatory"], fields["title"]
        convention.dinum_signed_on = signed_on
        if convention.starts_on is None or convention.starts_on < signed_on:
            convention.starts_on = signed_on
    db.session.flush()
    record("convention.signed", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
           after={"party": party.value, "signatory": fields["signatory"], "signatory_title": fields["title"],
                  "signed_on": signed_on, "starts_on": convention.starts_on if party is Party.DINUM else None})
    return convention


FOLLOW_UP_DATES = {"cbcm_partner_sent_on": "Copie envoyée au CBCM du partenaire le",
                   "cbcm_dinum_sent_on": "Copie envoyée au CBCM de la DINUM le",
                   "datagouv_published_on": "Publiée sur data.gouv.fr le",
                   "gouvernement_published_on": "Publiée sur gouvernement.fr le"}


def follow_up_fingerprint(convention: Convention) -> str:
    """A short digest of the follow-up a form shows (terms_fingerprint's, for the follow-up page): the form sends
    every value back, so that one loaded before someone else's save would otherwise undo it (a copy to the CBCM
    recorded meanwhile cleared by a publication entered from an older page)."""
    state = {name: jsonable(getattr(convention, name)) for name in ADMIN_FIELDS}
    text = json.dumps(state, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def update_follow_up(convention: Convention, *, actor: Person | None, today: dt.date | None = None,
                     expected: str | None = None, **fields) -> Convention:
    """What is not a term of the convention and changes without an avenant: the copies sent to the CBCMs, the
    publication, the partner's budget contact. expected: the follow_up_fingerprint the form was loaded with; a
    form loaded before another save is refused."""
    lock(convention)
    if expected is not None and follow_up_fingerprint(convention) != expected:
        raise ConventionError(STALE_FORM)
    unknown = set(fields) - set(ADMIN_FIELDS)
    if unknown:
        raise ConventionError("Ces informations ne changent que par avenant.")
    for key, label in FOLLOW_UP_DATES.items():
        check_date(fields.get(key), label, today or clock.today(), key)
    check_url(fields, "datagouv_url", "Le lien data.gouv.fr")
    check_url(fields, "gouvernement_url", "Le lien gouvernement.fr")
    contact_id = fields.get("budget_contact_id")
    if contact_id is not None and contact_id != convention.budget_contact_id:
        contact = db.session.get(Person, contact_id)
        if contact is None or not contact.is_active:
            raise ConventionError("Le contact budgétaire doit être une personne dont le compte est actif.",
                                  field="budget_contact_id")
        if contact.organisation_id != convention.partner_id:
            raise ConventionError(f"{contact.name} n'est pas de l'administration partenaire de la convention : "
                                  "le contact budgétaire en est une personne (son organisation se règle sur sa "
                                  "fiche).", field="budget_contact_id")
    for url_key, on_key in (("datagouv_url", "datagouv_published_on"), ("gouvernement_url", "gouvernement_published_on")):
        if fields.get(on_key) is not None and not fields.get(url_key, getattr(convention, url_key)):
            raise ConventionError("Une date de publication demande le lien de la publication.")
    before = {k: jsonable(getattr(convention, k)) for k in fields}
    for key, value in fields.items():
        setattr(convention, key, value)
    db.session.flush()
    old, new = changes(before, {k: jsonable(getattr(convention, k)) for k in fields})
    if new:
        record("convention.follow_up", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
               before=old, after=new)
    return convention


def signed_and_open(convention: Convention, today: dt.date, what: str) -> None:
    if not convention.is_signed:
        raise ConventionError(f"La convention n'est pas encore signée : {what} impossible.")
    if convention.status(today) is ConventionStatus.TERMINATED:
        raise ConventionError(f"La convention est résiliée : {what} impossible.")


def release(convention: Convention, *, year: int, released_on: dt.date, ae_cents: int, cp_cents: int,
            actor: Person | None, today: dt.date, comment: str | None = None) -> Release:
    """The partner makes AE and CP of a year available; never beyond the schedule (an avenant raises it)."""
    signed_and_open(convention, today, "une mise à disposition")
    lock(convention)
    if released_on is None:
        raise ConventionError("La date de mise à disposition est obligatoire.")
    if released_on > today:
        raise ConventionError("Une mise à disposition ne peut pas être datée dans le futur.")
    if released_on < convention.signed_on:
        raise ConventionError(f"La mise à disposition ({date_fr(released_on)}) précède la signature de la convention "
                              f"({date_fr(convention.signed_on)}).", "released_on")
    if ae_cents < 0 or cp_cents < 0:
        raise ConventionError("Les montants mis à disposition ne peuvent pas être négatifs.")
    if ae_cents == 0 and cp_cents == 0:
        raise ConventionError("Indiquez un montant d'AE ou de CP.")
    row = convention.year(year)
    if row is None:
        raise ConventionError(f"L'échéancier de la convention ne prévoit rien pour {year}.")
    numbers = figures(convention).get(year)
    if numbers.ae_released + ae_cents > row.ae_planned_cents:
        raise ConventionError(f"AE mises à disposition {cents_fr(numbers.ae_released)} + {cents_fr(ae_cents)} > "
                              f"{cents_fr(row.ae_planned_cents)} d'AE prévues pour {year}.")
    if numbers.cp_released + cp_cents > row.cp_planned_cents:
        raise ConventionError(f"CP mis à disposition {cents_fr(numbers.cp_released)} + {cents_fr(cp_cents)} > "
                              f"{cents_fr(row.cp_planned_cents)} de CP prévus pour {year}.")
    text = {"comment": comment}
    one_line(text, "comment", "Le commentaire", max_length=2000, multiline=True)
    item = Release(convention=convention, year=year, released_on=released_on, ae_cents=ae_cents, cp_cents=cp_cents,
                   comment=text["comment"])
    db.session.add(item)
    db.session.flush()
    record("convention.released", "convention", convention.id, actor=actor, startup_id=startup_of(convention),
           after={"year": year, "released_on": released_on, "ae_cents": ae_cents, "cp_cents": cp_cents})
    return item


# -- the signed PDF ----------------------------------------------------------------------------------------

def upload_signed_document(convention: Convention, *, filename: str | None, data: bytes, actor: Person | None,
                           now: dt.datetime, amendment: Amendment | None = None) -> SignedDocument:
    """The signed PDF of the convention or of one of its avenants. A new upload is added beside the earlier
    ones, which stay (nothing is overwritten); the latest is the one shown."""
    if not convention.is_signed:
        raise ConventionError("La convention n'est pas encore signée : joignez son PDF signé une fois les deux "
                              "signatures enregistrées.")
    if amendment is not None and amendment.convention_id != convention.id:
        raise ConventionError("Cet avenant relève d'une autre convention.")
    if not data:
        raise ConventionError("Le fichier envoyé est vide : choisissez le PDF signé.")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ConventionError(f"Le fichier fait {pdf.size_fr(len(data))} : le PDF signé ne peut pas dépasser "
                              f"{pdf.size_fr(MAX_DOCUMENT_BYTES)}.")
    if not pdf.is_pdf(data):
        raise ConventionError("Ce fichier n'est pas un PDF valide (son contenu ne commence pas par l'en-tête d'un "
                              "PDF ou il est incomplet) : seuls les fichiers PDF sont acceptés.")
    amendment_id = amendment.id if amendment is not None else None
    previous = convention.signed_document(amendment_id)
    document = SignedDocument(amendment_id=amendment_id, filename=pdf.clean_filename(filename, "convention-signee"),
                              size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_at=now,
                              uploaded_by_id=actor.id if actor else None)
    convention.documents.append(document)
    db.session.flush()
    record("convention.document_uploaded", "convention", convention.id, actor=actor,
           startup_id=startup_of(convention),
           before={"filename": previous.filename, "sha256": previous.sha256} if previous else None,
           after={"filename": document.filename, "size": document.size, "sha256": document.sha256,
                  "amendment": amendment.number if amendment is not None else None})
    return document
