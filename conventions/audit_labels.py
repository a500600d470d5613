"""The French labels of the conventions area's actions and fields on the audit pages (see audit.labels)."""

import sqlalchemy as sa

from audit import labels, visibility
from audit import services as audit_services
from audit.models import Visibility
from audit.labels import DATE, HIDDEN, PERSON, VERBATIM, Enum, Format, Lines, Reference, field, plain
from conventions.models import Activity, ConventionKind, EndBound, Party, QuoteState, Resource, TaxBasis
from conventions.values import cents_fr
from core.db import db
from startups.models import Startup
from startups.phases import Phase
from users.permissions import can, is_dinum_finance


class Cents(Format):
    """An amount recorded in cents, in euros: « 42 000 € »."""

    def __call__(self, value, people):
        return cents_fr(value) if isinstance(value, int) and not isinstance(value, bool) else plain(value)


CENTS = Cents()


YEARS = Lines({"year": field("Année", VERBATIM), "ae_cents": field("AE", CENTS), "cp_cents": field("CP", CENTS)},
              lambda parts: f"{parts['year']} : AE {parts['ae_cents']}, CP {parts['cp_cents']}")

TERM_FIELDS = {
    "title": "Intitulé", "reference": "Référence", "kind": field("Nature", Enum(ConventionKind)),
    "partner_id": field("Partenaire", Reference("organisation")), "is_demo": "Donnée de démonstration",
    "starts_on": field("Prise d'effet", DATE), "ends_on": field("Date de fin", DATE),
    "phase": field("Phase financée", Enum(Phase)), "end_bound": field("La date de fin borne", Enum(EndBound)),
    "tax_basis": field("Montants", Enum(TaxBasis)), "chorus_uo": field("UO", VERBATIM),
    "chorus_domaine": field("Domaine fonctionnel", VERBATIM),
    "chorus_centre_financier": field("Centre financier", VERBATIM),
    "chorus_activites": field("Activité(s)", VERBATIM), "chorus_centre_cout": field("Centre de coût", VERBATIM),
    "chorus_axe": field("Axe ministériel", VERBATIM), "startups": field("Startups couvertes", Reference("startup")),
    "years": field("Échéancier", YEARS),
    "party": field("Partie", Enum(Party)), "signatory": "Signataire", "signatory_title": "Qualité",
    "signed_on": field("Signée le", DATE),
    "cbcm_partner_sent_on": field("Copie au CBCM du partenaire", DATE),
    "cbcm_dinum_sent_on": field("Copie au CBCM de la DINUM", DATE),
    "datagouv_url": "Publication data.gouv.fr", "datagouv_published_on": field("Publiée sur data.gouv.fr le", DATE),
    "gouvernement_url": "Publication gouvernement.fr",
    "gouvernement_published_on": field("Publiée sur gouvernement.fr le", DATE),
    "budget_contact_id": field("Contact budgétaire du partenaire", PERSON),
    "number": field("Avenant n°", VERBATIM),
    "terminated_by": field("Résiliée par", Enum(Party)),
    "termination_notified_on": field("Notifiée le", DATE), "terminated_on": field("Prend effet le", DATE),
    "suspended_on": field("Suspendue le", DATE),
    "year": field("Année", VERBATIM), "released_on": field("Mise à disposition le", DATE),
    "ae_cents": field("AE", CENTS), "cp_cents": field("CP", CENTS),
    "filename": field("PDF signé", VERBATIM), "size": field("Taille (octets)", VERBATIM),
    "sha256": field("Empreinte SHA-256", VERBATIM), "amendment": field("Avenant n°", VERBATIM),
}
labels.register_object("convention", "Convention", TERM_FIELDS)
labels.register_object("convention_order", "Bon de commande", {
    "convention_id": HIDDEN, "number": field("Numéro", VERBATIM), "holder": "Titulaire",
    "amount_cents": field("Montant", CENTS), "engaged_on": field("Engagé le", DATE),
    "activity": field("Activité", Enum(Activity)), "resource": field("Ressource", Enum(Resource)),
    "closed_on": field("Soldé le", DATE), "closed_amount_cents": field("Montant consommé", CENTS),
    "freed_cents": field("AE libérées", CENTS), "quote_reference": field("Devis n°", VERBATIM),
})
labels.register_object("quote", "Devis", {
    "convention_id": HIDDEN, "reference": field("Numéro", VERBATIM), "holder": "Titulaire",
    "amount_cents": field("Montant", CENTS), "tax_basis": field("HT ou TTC", Enum(TaxBasis)),
    "received_on": field("Reçu le", DATE), "valid_until": field("Valable jusqu'au", DATE),
    "state": field("État", Enum(QuoteState)), "decided_on": field("Décidé le", DATE),
})
labels.register_object("fast_grant", "Financement FAST", {
    "year": field("Année", VERBATIM), "ae_cents": field("AE", CENTS), "cp_cents": field("CP", CENTS),
    "decided_on": field("Décision du", DATE), "reference": field("Référence de la décision", VERBATIM),
    "note": "Note",
})
labels.register_object("service_fait", "Service fait", {
    "order_number": field("Bon de commande", VERBATIM), "amount_cents": field("Montant", CENTS),
    "delivered_on": field("Service fait le", DATE), "share_percent": field("Part du bon de commande (%)", VERBATIM),
    "validated_on": field("Validé le", DATE),
})
labels.register_object("invoice", "Facture", {
    "order_number": field("Bon de commande", VERBATIM), "number": field("Numéro", VERBATIM),
    "amount_cents": field("Montant", CENTS), "filed_on": field("Déposée le", DATE), "paid_on": field("Payée le", DATE),
})
labels.register_actions({
    "convention.created": "Convention créée (brouillon)",
    "convention.updated": "Convention modifiée (brouillon)",
    "convention.signed": "Convention signée",
    "convention.follow_up": "Suivi de la convention (CBCM, publication)",
    "convention.amended": "Avenant à la convention",
    "convention.terminated": "Résiliation de la convention notifiée",
    "convention.suspended": "Convention suspendue",
    "convention.resumed": "Convention reprise",
    "convention.released": "AE et CP mis à disposition",
    "convention.imported": "Convention importée",
    "convention_order.engaged": "Bon de commande engagé",
    "convention_order.closed": "Bon de commande soldé par anticipation",
    "service_fait.recorded": "Service fait enregistré",
    "service_fait.validated": "Service fait validé par l'intrapreneur·e",
    "invoice.recorded": "Facture enregistrée",
    "invoice.paid": "Facture payée",
    "convention.document_uploaded": "PDF signé joint à la convention",
    "quote.recorded": "Devis enregistré",
    "quote.accepted": "Devis accepté",
    "quote.refused": "Devis refusé",
    "fast.granted": "Financement FAST enregistré",
    "fast.updated": "Financement FAST corrigé",
})


# -- who reads the money in the audit trail --------------------------------------------------------------
# Every event of the area's objects carries the money (amounts, orders, holders, quotes, schedules): it is
# read by who follows the startup's funding (funding.view: its coach, intrapreneur and sponsor, its
# incubator's staff, admins and DINUM finance), as on the money's pages; the others see that it happened.
MONEY_OBJECTS = ("convention", "convention_order", "service_fait", "invoice", "quote", "fast_grant")
audit_services.register_visibility(MONEY_OBJECTS, Visibility.MONEY)


def _funding_seen(startup_ids: set, person) -> set:
    """Of these startups ("" for an event about no startup), those whose funding the person follows."""
    if person is None:
        return set()
    seen = {""} if is_dinum_finance(person) else set()
    startups = db.session.scalars(sa.select(Startup).where(Startup.id.in_(startup_ids - {""})))
    return seen | {startup.id for startup in startups if can("funding.view", startup, person)}


visibility.register(Visibility.MONEY, _funding_seen, about=lambda event: event.startup_id or "",
                    notice="réservés à qui suit le financement de la startup (son coach, son intrapreneur·e, son "
                           "sponsor, son incubateur, la DINUM)")
