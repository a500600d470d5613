"""The administration's forms: finding people (a GET form), creating an account, giving a role."""

from wtforms import DateField, EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, NumberRange, ValidationError

from core.bounds import TEAM_DATE
from core.fields import LineField, Optional, PlausibleDate, Required, SingleLine
from startups.forms import REQUIRED, FrenchForm
from users.models import StartupRole

STATES = [SelectChoice("actifs", "Comptes actifs"), SelectChoice("archives", "Comptes archivés"),
          SelectChoice("tous", "Tous les comptes")]


class PeopleSearchForm(FrenchForm):
    """The filters of the people list (a GET form: no CSRF, the URL can be shared)."""

    class Meta(FrenchForm.Meta):
        csrf = False

    q = StringField("Nom ou adresse e-mail", validators=[Optional(), Length(max=200), SingleLine()],
                    description="Une partie du nom ou de l'adresse suffit.")
    etat = SelectField("Comptes", choices=STATES, default="actifs", validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1_000_000)])


class NewPersonForm(FrenchForm):
    name = LineField("Nom", validators=[Required(REQUIRED), Length(max=200)],
                     description="Prénom et nom, comme la personne les écrit.")
    email = EmailField("Adresse e-mail", validators=[Required(REQUIRED), SingleLine(), Length(max=320)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"},
                       description="Elle sert à se connecter (lien par e-mail ou ProConnect).")
    organisation = SelectField("Organisation (facultatif)", validators=[Optional()])

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [SelectChoice("", "Aucune")] + [SelectChoice(o.id, o.display_name)
                                                                    for o in organisations]


class GrantRoleForm(FrenchForm):
    """A role in a startup's team for the person of the page: only the roles the policy lets the admin give
    them (users.permissions.role_change_refusal), checked again by the service."""

    startup = SelectField("Startup", validators=[Required(REQUIRED)])
    role = SelectField("Rôle", validators=[Required(REQUIRED)])
    starts_on = DateField("Début", validators=[Required(REQUIRED), PlausibleDate(TEAM_DATE)])
    ends_on = DateField("Fin (facultatif)", validators=[Optional(), PlausibleDate(TEAM_DATE)])

    def __init__(self, *args, startups=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.startup.choices = [SelectChoice("", "Choisir une startup")] + [SelectChoice(id_, name)
                                                                         for id_, name in startups]
        self.role.choices = [SelectChoice(role.value, role.label) for role in roles]

    def validate_startup(self, field):
        if not field.data:
            raise ValidationError("Choisissez une startup.")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("La fin ne peut pas précéder le début.")

    def chosen_role(self) -> StartupRole:
        return StartupRole(self.role.data)


class ConfirmForm(FrenchForm):
    """A button that changes something (archive, reopen): its CSRF token only."""


class AdminRoleForm(FrenchForm):
    granted = HiddenField(validators=[AnyOf(["0", "1"])])
