"""One form per use case of the money: a convention and its signature, avenant, release, termination,
follow-up (CBCM, publication); an order, a service fait, an invoice, its payment, an early closing."""

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms.fields.choices import SelectChoice
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from conventions.models import Activity, ConventionKind, ConventionStatus, EndBound, Party, Resource, TaxBasis
from conventions.values import ConventionError, parse_cents
from core.fields import Optional, Required
from core.text import whole_number
from startups.phases import Phase

SCHEDULE_ROWS = 4  # the schedule's rows a new convention shows
MAX_SCHEDULE_ROWS = 101  # one per year a schedule may hold (2000–2100)


class FrenchDateField(DateField):
    """A date whose parsing error is in French."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Cette date n'est pas valable (jj/mm/aaaa).") from None


class MoneyField(StringField):
    """Euros as people type them (« 42 000 », « 1 234,50 »); `cents` holds the exact amount once validated."""

    cents: int | None = None

    def pre_validate(self, form):
        self.cents = None
        if self.data is None or not str(self.data).strip():
            return
        try:
            self.cents = parse_cents(self.data, label=f"« {self.label.text} »")
        except ConventionError as error:
            raise ValidationError(error.message) from None


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _enum_choices(enum_type, blank: str | None = None):
    return choices(([("", blank)] if blank is not None else []) + [(m.value, m.label) for m in enum_type])


def _required(label: str):
    return Required(f"{label} : ce champ est obligatoire.")


class ActionForm(FlaskForm):
    """A button that changes something (CSRF only)."""


class _Schedule:
    """Rows of the yearly schedule: year, AE, CP (empty rows ignored). A form has schedule_rows of them: see
    with_schedule_rows, which gives one to every year a convention holds."""

    schedule_rows = SCHEDULE_ROWS

    def schedule(self) -> dict[int, tuple[int, int]]:
        years = {}
        for n in range(1, self.schedule_rows + 1):
            year = getattr(self, f"year_{n}").data
            if not year:
                continue
            years[whole_number(year)] = (getattr(self, f"ae_{n}").cents or 0, getattr(self, f"cp_{n}").cents or 0)
        return years

    def fill_schedule(self, rows) -> None:
        for n, row in enumerate(rows[:self.schedule_rows], start=1):
            getattr(self, f"year_{n}").data = str(row.year)
            getattr(self, f"ae_{n}").data = euros_text(row.ae_planned_cents)
            getattr(self, f"cp_{n}").data = euros_text(row.cp_planned_cents)

    def validate_schedule_rows(self) -> bool:
        ok, seen = True, set()
        for n in range(1, self.schedule_rows + 1):
            field = getattr(self, f"year_{n}")
            text = (field.data or "").strip()
            if not text:
                continue
            year = whole_number(text)
            if year is None or not 2000 <= year <= 2100:
                field.errors.append("L'année doit être comprise entre 2000 et 2100.")
                ok = False
            elif text in seen:
                field.errors.append(f"L'année {text} figure deux fois.")
                ok = False
            seen.add(text)
        return ok


def euros_text(cents: int) -> str:
    """Cents as a form field shows them: « 42000 », « 1234,50 »."""
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}" if rest else str(euros)


def _schedule_fields(cls):
    for n in range(1, cls.schedule_rows + 1):
        setattr(cls, f"year_{n}", StringField(f"Année {n}", validators=[Optional(), Length(max=4)]))
        setattr(cls, f"ae_{n}", MoneyField(f"AE {n} (€)", validators=[Optional()]))
        setattr(cls, f"cp_{n}", MoneyField(f"CP {n} (€)", validators=[Optional()]))
    return cls


def with_schedule_rows(form_class, *, kept: int = 0, posted=()) -> type:
    """form_class with a row for each of the `kept` years of the convention and two blank ones to add a year (at
    least SCHEDULE_ROWS), and a row for each year_N the posted form holds: a schedule of five years once lost
    its fifth to a form of four rows, which the service read as a year removed."""
    numbers = [int(m.group(1)) for key in posted if (m := re.fullmatch(r"year_(\d{1,3})", key))]
    count = min(MAX_SCHEDULE_ROWS, max(SCHEDULE_ROWS, kept + 2, *numbers))
    if count == form_class.schedule_rows:
        return form_class
    return _schedule_fields(type(form_class.__name__, (form_class,), {"schedule_rows": count}))


CHORUS_LABELS = (("chorus_uo", "UO (Chorus)"), ("chorus_domaine", "Domaine fonctionnel"),
                 ("chorus_centre_financier", "Centre financier"), ("chorus_activites", "Activité(s)"),
                 ("chorus_centre_cout", "Centre de coût"), ("chorus_axe", "Axe ministériel"))


def _chorus_fields(cls):
    for name, label in CHORUS_LABELS:
        setattr(cls, name, StringField(label, validators=[Optional(), Length(max=200 if name == "chorus_activites" else 40)]))
    return cls


@_chorus_fields
@_schedule_fields
class ConventionForm(FlaskForm, _Schedule):
    kind = SelectField("Nature", choices=_enum_choices(ConventionKind), default=ConventionKind.DELEGATION.value)
    title = StringField("Intitulé", validators=[_required("Intitulé"), Length(max=300)])
    reference = StringField("Référence", validators=[Optional(), Length(max=100)])
    partner_id = SelectField("Administration partenaire", choices=[], validate_choice=False)
    startup_ids = SelectMultipleField("Startups couvertes", choices=[], validate_choice=False)
    phase = SelectField("Phase financée", choices=_enum_choices(Phase, "Non précisée"), default="")
    tax_basis = SelectField("Les montants sont", choices=_enum_choices(TaxBasis), default=TaxBasis.HT.value)
    end_bound = SelectField("La date de fin borne", choices=_enum_choices(EndBound),
                            default=EndBound.ENGAGEMENT_AND_PAYMENT.value)
    starts_on = FrenchDateField("Prise d'effet (si postérieure à la signature)", validators=[Optional()])
    ends_on = FrenchDateField("Date de fin", validators=[_required("Date de fin")])
    version = HiddenField()  # services.terms_fingerprint of the draft the form was loaded from

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = self.validate_schedule_rows() and ok
        valid_partners = {c.value for c in self.partner_id.choices}
        if self.partner_id.data not in valid_partners:
            self.partner_id.errors.append("Choisissez l'administration partenaire.")
            ok = False
        allowed = {c.value for c in self.startup_ids.choices}
        if not self.startup_ids.data or not set(self.startup_ids.data) <= allowed:
            self.startup_ids.errors.append("Choisissez au moins une startup parmi celles proposées.")
            ok = False
        return ok

    def terms(self) -> dict:
        fields = {
            "kind": ConventionKind(self.kind.data), "title": self.title.data, "reference": self.reference.data or None,
            "phase": Phase(self.phase.data) if self.phase.data else None, "tax_basis": TaxBasis(self.tax_basis.data),
            "end_bound": EndBound(self.end_bound.data), "starts_on": self.starts_on.data, "ends_on": self.ends_on.data,
        }
        for name, _ in CHORUS_LABELS:
            fields[name] = getattr(self, name).data or None
        return fields


class SignForm(FlaskForm):
    party = SelectField("Partie qui signe", choices=_enum_choices(Party), default=Party.PARTNER.value)
    signatory = StringField("Nom du signataire", validators=[_required("Nom du signataire"), Length(max=200)])
    signatory_title = StringField("Qualité (par exemple « ordonnateur secondaire »)",
                                  validators=[_required("Qualité"), Length(max=200)])
    signed_on = FrenchDateField("Date de signature", validators=[_required("Date de signature")])


@_chorus_fields
@_schedule_fields
class AmendmentForm(FlaskForm, _Schedule):
    summary = TextAreaField("Objet de l'avenant", validators=[_required("Objet de l'avenant"), Length(max=2000)])
    partner_signed_on = FrenchDateField("Signé par le partenaire le", validators=[_required("Signature du partenaire")])
    dinum_signed_on = FrenchDateField("Signé par la DINUM le", validators=[_required("Signature de la DINUM")])
    ends_on = FrenchDateField("Date de fin", validators=[_required("Date de fin")])
    version = HiddenField()  # services.terms_fingerprint of the terms the form was loaded from

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.validate_schedule_rows() and ok


class ReleaseForm(FlaskForm):
    year = SelectField("Année de l'échéancier", choices=[], validate_choice=False)
    released_on = FrenchDateField("Mises à disposition le", validators=[_required("Date")])
    ae = MoneyField("AE mises à disposition (€)", validators=[Optional()])
    cp = MoneyField("CP mis à disposition (€)", validators=[Optional()])
    comment = TextAreaField("Commentaire", validators=[Optional(), Length(max=2000)])

    def validate_year(self, field):
        if whole_number(field.data) is None:
            raise ValidationError("Choisissez une année de l'échéancier.")


class TerminationForm(FlaskForm):
    party = SelectField("Partie qui résilie", choices=_enum_choices(Party), default=Party.PARTNER.value)
    notified_on = FrenchDateField("Notifiée le", validators=[_required("Date de notification")])
    effective_on = FrenchDateField("Prend effet le (au plus tôt trois mois après la notification)",
                                   validators=[Optional()])
    reason = TextAreaField("Motif", validators=[_required("Motif"), Length(max=2000)])


class FollowUpForm(FlaskForm):
    cbcm_partner_sent_on = FrenchDateField("Copie envoyée au CBCM du partenaire le", validators=[Optional()])
    cbcm_dinum_sent_on = FrenchDateField("Copie envoyée au CBCM de la DINUM le", validators=[Optional()])
    datagouv_url = StringField("Lien de la publication sur data.gouv.fr", validators=[Optional(), Length(max=1000)])
    datagouv_published_on = FrenchDateField("Publiée sur data.gouv.fr le", validators=[Optional()])
    gouvernement_url = StringField("Lien de la publication sur gouvernement.fr", validators=[Optional(), Length(max=1000)])
    gouvernement_published_on = FrenchDateField("Publiée sur gouvernement.fr le", validators=[Optional()])
    budget_contact_id = SelectField(
        "Contact budgétaire du partenaire", choices=[], validate_choice=False,
        description="Une personne de l'administration partenaire : elle voit la convention et ses dépenses, et "
                    "reçoit l'alerte de fin de gestion.")
    version = HiddenField()  # services.follow_up_fingerprint of what the form was loaded with

    def values(self) -> dict:
        values = {name: (getattr(self, name).data or None) for name in (
            "cbcm_partner_sent_on", "cbcm_dinum_sent_on", "datagouv_url", "datagouv_published_on",
            "gouvernement_url", "gouvernement_published_on")}
        contact = (self.budget_contact_id.data or "").strip()
        values["budget_contact_id"] = whole_number(contact) if contact else None
        if contact and values["budget_contact_id"] is None:
            raise ConventionError("Choisissez le contact budgétaire dans la liste.", field="budget_contact_id")
        return values


class OrderForm(FlaskForm):
    startup_id = SelectField("Startup", choices=[], validate_choice=False)
    number = StringField("Numéro du bon de commande", validators=[_required("Numéro"), Length(max=100)])
    holder = StringField("Titulaire du marché", validators=[_required("Titulaire"), Length(max=300)])
    amount = MoneyField("Montant (€)", validators=[_required("Montant")])
    engaged_on = FrenchDateField("Engagé le", validators=[_required("Date d'engagement")])
    activity = SelectField("Activité", choices=_enum_choices(Activity), default=Activity.DEVELOPMENT.value)
    resource = SelectField("Ressource", choices=_enum_choices(Resource), default=Resource.SERVICES.value)
    description = TextAreaField("Objet", validators=[Optional(), Length(max=5000)])

    def validate_startup_id(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Choisissez une startup couverte par la convention.")


class ServiceFaitForm(FlaskForm):
    amount = MoneyField("Montant du service fait (€)", validators=[_required("Montant")])
    delivered_on = FrenchDateField("Service fait le", validators=[_required("Date du service fait")])
    comment = TextAreaField("Commentaire (livrable, procès-verbal)", validators=[Optional(), Length(max=2000)])


class InvoiceForm(FlaskForm):
    number = StringField("Numéro de la facture", validators=[_required("Numéro"), Length(max=100)])
    amount = MoneyField("Montant de la facture (€)", validators=[_required("Montant")])
    filed_on = FrenchDateField("Déposée le", validators=[_required("Date de dépôt")])
    paid_on = FrenchDateField("Payée le (si déjà payée)", validators=[Optional()])


class PayForm(FlaskForm):
    paid_on = FrenchDateField("Payée le", validators=[_required("Date de paiement")])


class CloseForm(FlaskForm):
    closed_on = FrenchDateField("Soldé le", validators=[_required("Date de clôture")])


class QuoteForm(FlaskForm):
    startup_id = SelectField("Startup", choices=[], validate_choice=False)
    reference = StringField("Numéro du devis", validators=[_required("Numéro du devis"), Length(max=100)])
    holder = StringField("Titulaire du marché", validators=[_required("Titulaire"), Length(max=300)])
    amount = MoneyField("Montant (€)", validators=[_required("Montant")])
    tax_basis = SelectField("Le montant est", choices=_enum_choices(TaxBasis), default=TaxBasis.HT.value)
    received_on = FrenchDateField("Reçu le", validators=[_required("Date de réception")])
    valid_until = FrenchDateField("Valable jusqu'au", validators=[_required("Fin de validité")])
    description = TextAreaField("Objet", validators=[Optional(), Length(max=5000)])

    def validate_startup_id(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Choisissez une startup couverte par la convention.")


class QuoteDecisionForm(FlaskForm):
    decision = SelectField("Décision", choices=choices([("accept", "Accepter"), ("refuse", "Refuser")]),
                           default="accept")
    decided_on = FrenchDateField("Le", validators=[_required("Date de la décision")])


class DocumentForm(FlaskForm):
    """The signed PDF of the convention or of one of its avenants (`amendment`: its number, empty for the
    convention itself)."""

    amendment = SelectField("Document", choices=[], validate_choice=False)
    fichier = FileField("PDF signé (20 Mo au plus)")

    def validate_amendment(self, field):
        if (field.data or "") not in {c.value for c in field.choices}:
            raise ValidationError("Choisissez la convention ou l'un de ses avenants.")


class FastGrantForm(FlaskForm):
    year = StringField("Année", validators=[_required("Année"), Length(max=4)])
    ae = MoneyField("AE accordées (€)", validators=[Optional()])
    cp = MoneyField("CP accordés (€)", validators=[Optional()])
    decided_on = FrenchDateField("Décision du", validators=[_required("Date de la décision")])
    reference = StringField("Référence de la décision", validators=[_required("Référence"), Length(max=100)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    version = HiddenField()  # fast_fund.fingerprint of the grant a correction's form was loaded with

    def validate_year(self, field):
        year = whole_number(field.data)
        if year is None or not 2000 <= year <= 2100:
            raise ValidationError("L'année doit être comprise entre 2000 et 2100.")

    def values(self) -> dict:
        return {"year": whole_number(self.year.data), "ae_cents": self.ae.cents or 0, "cp_cents": self.cp.cents or 0,
                "decided_on": self.decided_on.data, "reference": self.reference.data, "note": self.note.data or None}


class ConventionFilters(FlaskForm):
    """The portfolio of conventions' filters, read from the query string (unknown values ignored)."""

    class Meta:
        csrf = False

    partner = SelectField("Partenaire", choices=[], validate_choice=False)
    incubator = SelectField("Incubateur", choices=[], validate_choice=False)
    year = StringField("Année", validators=[Optional(), Length(max=4)])
    status = SelectField("Statut", choices=_enum_choices(ConventionStatus, "Tous"),
                         validate_choice=False)
