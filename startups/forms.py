"""One form per editing use case. Edit forms carry the version they loaded (optimistic locking).

Fields are checked with the same cleaners the services use, so that each error shows next to its field;
the services check again (they are the rule), and a rule only they know shows at the top of the form.
"""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import Length, ValidationError

from core.bounds import TEAM_DATE
from core.fields import LineField, Optional, PlausibleDate, Required, SingleLine, TextField
from startups import organisations, services
from startups.models import EventKind
from startups.phases import Phase
from users.models import StartupRole

REQUIRED = "Ce champ est obligatoire."


class FrenchForm(FlaskForm):
    """WTForms' built-in messages in French (« N'est pas une date valide. »); every form has form_errors
    for the refusals of the services."""

    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            return get_translations(self.locales)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_errors: list[str] = []


def cleaned(cleaner, *args):
    """A WTForms validator from a service cleaner: its StartupError becomes the field's error."""

    def validator(form, field):
        try:
            cleaner(field.data, field.label.text, *args)
        except services.StartupError as error:
            raise ValidationError(error.message.split(" : ", 1)[-1]) from None

    return validator


def _choices(enum_type):
    return [SelectChoice(m.value, m.label) for m in enum_type]


class VersionField(IntegerField):
    """The version of the record when the form was loaded, hidden. An altered value matches no version:
    the save is refused as a conflict."""

    widget = HiddenField.widget

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = int(valuelist[0]) if valuelist[0].strip() else None
            except ValueError:
                self.data = -1


class StartupForm(FrenchForm):
    id = LineField(
        "Identifiant",
        validators=[Optional(), Length(max=200)],
        description="Utilisé dans les adresses des pages, gardé tel quel. Laissé vide, il est déduit du nom.",
    )
    name = LineField("Nom", validators=[Required(REQUIRED), Length(max=300)])
    mission = TextField("Mission", validators=[Optional(), Length(max=5000)],
                            description="Texte simple, sans mise en forme.")
    incubator = SelectField("Incubateur", validators=[Required(REQUIRED)])
    sponsors = SelectMultipleField("Sponsors (administrations partenaires)", validate_choice=True,
                                   description="Cochez une ou plusieurs administrations ; les cochées sont en tête "
                                               "de liste.")
    investigation_on = DateField("Début de l'investigation", validators=[Required(REQUIRED)])
    link = LineField("Site", validators=[cleaned(services.clean_url)])
    repository = LineField("Dépôt de code", validators=[cleaned(services.clean_url)])
    stats_url = LineField("Page de statistiques", validators=[cleaned(services.clean_url)])
    impact_url = LineField("Page d'impact", validators=[cleaned(services.clean_url)])
    budget_url = LineField("Page de budget", validators=[cleaned(services.clean_url)])
    dashlord_url = LineField("DashLord", validators=[cleaned(services.clean_url)])
    user_types = TextField("Publics", validators=[cleaned(services.clean_list)],
                               description="Un par ligne, ou séparés par des virgules.")
    themes = TextField("Thématiques", validators=[cleaned(services.clean_list)],
                           description="Une par ligne, ou séparées par des virgules.")
    techno = TextField("Technologies", validators=[cleaned(services.clean_list)],
                           description="Une par ligne, ou séparées par des virgules.")
    accessibility_status = LineField("Accessibilité", validators=[Optional(), Length(max=100)],
                                       description="Par exemple « partiellement conforme ».")
    version = VersionField(validators=[Optional()])

    def __init__(self, *args, incubators=(), organisations=(), creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.incubator.choices = [SelectChoice("", "Choisir un incubateur")] + [
            SelectChoice(i.id, i.name) for i in incubators]
        self.sponsors.choices = [SelectChoice(o.id, o.display_name) for o in organisations]
        if not creating:
            del self.id
            del self.investigation_on

    def validate_id(self, field):
        if field.data and field.data.strip():
            try:
                services.check_id(field.data.strip(), "Identifiant")
            except services.StartupError as error:
                raise ValidationError(error.message.split(" : ", 1)[-1]) from None

    def data_for_service(self) -> services.StartupData:
        return services.StartupData(
            name=self.name.data,
            incubator_id=self.incubator.data or None,
            mission=self.mission.data,
            sponsor_ids=list(self.sponsors.data or []),
            link=self.link.data,
            repository=self.repository.data,
            stats_url=self.stats_url.data,
            impact_url=self.impact_url.data,
            budget_url=self.budget_url.data,
            dashlord_url=self.dashlord_url.data,
            user_types=self.user_types.data,
            themes=self.themes.data,
            techno=self.techno.data,
            accessibility_status=self.accessibility_status.data,
        )

    def load(self, startup) -> None:
        """Fill an unsubmitted form from the startup."""
        for field in ("name", "mission", "link", "repository", "stats_url", "impact_url", "budget_url",
                      "dashlord_url", "accessibility_status"):
            self[field].data = getattr(startup, field)
        for field in ("user_types", "themes", "techno"):
            self[field].data = "\n".join(getattr(startup, field) or [])
        self.incubator.data = startup.incubator_id
        self.sponsors.data = [s.id for s in startup.sponsors]
        self.version.data = startup.version


class PhaseForm(FrenchForm):
    phase = SelectField("Nouvelle phase", choices=_choices(Phase), validators=[Required(REQUIRED)])
    starts_on = DateField("Date du changement", validators=[Required(REQUIRED)])
    reason = TextField("Motif", validators=[Required(REQUIRED), Length(max=2000)],
                           description="Par exemple la décision du comité d'investissement qui l'a validé.")
    correction = BooleanField("Correction de l'historique (administrateur·rice) : autoriser un retour en arrière "
                              "ou une date antérieure")
    periods = HiddenField()


class PeriodForm(FrenchForm):
    phase = SelectField("Phase", choices=_choices(Phase), validators=[Required(REQUIRED)])
    start_on = DateField("Début", validators=[Optional()])
    end_on = DateField("Fin", validators=[Optional()])
    comment = TextField("Commentaire", validators=[Optional(), Length(max=2000)])
    reason = TextField("Motif de la correction", validators=[Required(REQUIRED), Length(max=2000)])
    state = HiddenField()


class DeletePeriodForm(FrenchForm):
    deletion_reason = TextField("Motif de la suppression", validators=[Required(REQUIRED), Length(max=2000)])
    state = HiddenField()


class EventForm(FrenchForm):
    kind = SelectField("Type", choices=_choices(EventKind), validators=[Required(REQUIRED)])
    happened_on = DateField("Date", validators=[Required(REQUIRED)])
    comment = TextField("Commentaire", validators=[Optional(), Length(max=2000)],
                            description="Texte simple, sans mise en forme.")
    state = HiddenField()


class InviteForm(FrenchForm):
    email = EmailField("Adresse e-mail", validators=[Required(REQUIRED), SingleLine(), Length(max=320)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = LineField("Nom", validators=[Optional(), Length(max=200)],
                       description="Seulement si la personne n'a pas encore de compte Jalons.")
    role = SelectField("Rôle", choices=_choices(StartupRole), validators=[Required(REQUIRED)])
    starts_on = DateField("Début", validators=[Required(REQUIRED), PlausibleDate(TEAM_DATE)])
    ends_on = DateField("Fin (facultatif)", validators=[Optional(), PlausibleDate(TEAM_DATE)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("La fin ne peut pas précéder le début.")


class EndMembershipForm(FrenchForm):
    ends_on = DateField("Date de départ", validators=[Required(REQUIRED), PlausibleDate(TEAM_DATE)])
    state = HiddenField()


class StaffForm(FrenchForm):
    """Adding someone to an incubator's staff."""

    email = EmailField("Adresse e-mail", validators=[Required(REQUIRED), SingleLine(), Length(max=320)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = LineField("Nom", validators=[Optional(), Length(max=200)],
                       description="Seulement si la personne n'a pas encore de compte Jalons.")
    starts_on = DateField("Début", validators=[Required(REQUIRED), PlausibleDate(TEAM_DATE)])


class EndStaffForm(EndMembershipForm):
    """Ending someone's place in an incubator's staff (the state fingerprint detects a concurrent edit)."""


class OrganisationForm(FrenchForm):
    id = LineField("Identifiant", validators=[Optional(), Length(max=200)],
                     description="Gardé tel quel. Laissé vide, il est déduit du nom.")
    name = LineField("Nom", validators=[Required(REQUIRED), Length(max=300)])
    acronym = LineField("Sigle", validators=[Optional(), Length(max=100)])
    kind = LineField("Type", validators=[Optional(), Length(max=100)],
                       description="Par exemple « administration-centrale », « operateur ».")
    ministerial_domain = LineField("Périmètre ministériel", validators=[Optional(), Length(max=100)])
    version = VersionField(validators=[Optional()])

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.id

    validate_id = StartupForm.validate_id

    def data_for_service(self) -> organisations.OrganisationData:
        return organisations.OrganisationData(name=self.name.data, acronym=self.acronym.data, kind=self.kind.data,
                                         ministerial_domain=self.ministerial_domain.data)


class IncubatorForm(FrenchForm):
    id = LineField("Identifiant", validators=[Optional(), Length(max=200)],
                     description="Gardé tel quel. Laissé vide, il est déduit du nom.")
    name = LineField("Nom", validators=[Required(REQUIRED), Length(max=300)])
    owner = SelectField("Organisation porteuse")
    website = LineField("Site", validators=[cleaned(services.clean_url)])
    github = LineField("GitHub", validators=[cleaned(services.clean_url)])
    address = LineField("Adresse", validators=[Optional(), Length(max=500)])
    description = TextField("Description", validators=[Optional(), Length(max=5000)],
                                description="Texte simple, sans mise en forme.")
    version = VersionField(validators=[Optional()])

    def __init__(self, *args, organisations=(), creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = [SelectChoice("", "Aucune")] + [SelectChoice(o.id, o.display_name) for o in organisations]
        if not creating:
            del self.id

    validate_id = StartupForm.validate_id

    def data_for_service(self) -> organisations.IncubatorData:
        return organisations.IncubatorData(name=self.name.data, owner_id=self.owner.data or None,
                                      website=self.website.data, github=self.github.data,
                                      address=self.address.data, description=self.description.data)


class ArchiveForm(FrenchForm):
    version = VersionField(validators=[Optional()])
