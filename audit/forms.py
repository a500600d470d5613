"""The filters of the whole log (a GET form: no CSRF, the URL can be shared)."""

from flask_wtf import FlaskForm

from core import dates
from core.fields import Optional
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.i18n import get_translations
from wtforms.validators import Length, NumberRange, ValidationError


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            return get_translations(self.locales)

    personne = StringField("Personne", validators=[Optional(), Length(max=200)],
                           description="Nom ou adresse e-mail de l'auteur, ou une partie.")
    auteur = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    action = SelectField("Action", validators=[Optional()])
    objet = SelectField("Type d'objet", validators=[Optional()])
    startup = StringField("Startup", validators=[Optional(), Length(max=200)],
                          description="Nom de la startup, ou une partie, ou son identifiant.")
    du = DateField("Du", validators=[Optional()])
    au = DateField("Au (inclus)", validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1_000_000)])

    def __init__(self, *args, actions=(), object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [("", "Toutes")] + list(actions)
        self.objet.choices = [("", "Tous")] + list(object_types)

    def validate_du(self, field):
        if field.data:
            try:
                dates.check_year(field.data)
            except ValueError as error:
                raise ValidationError(str(error)) from None

    def validate_au(self, field):
        self.validate_du(field)
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError("La fin de la période précède son début.")

    def validate_startup(self, field):
        if field.data and not field.data.isprintable():
            raise ValidationError("Identifiant invalide.")

    validate_personne = validate_startup
