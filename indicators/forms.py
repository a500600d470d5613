"""One form per use case of the indicators area."""


from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, Length, ValidationError

from core import clock
from core.bounds import AMOUNT_EUR, OBJECTIVE_DATE, budget_years
from core.fields import Bounded, LineField, Optional, PlausibleDate, Required, TextField
from indicators.models import IMPACT_MATRIX_AXES, Category, Direction, Frequency, IndicatorKind
from indicators.services import parse_decimal


class FrenchIntegerField(IntegerField):
    """An integer field whose parsing error is in French (and accepts « 120 000 »)."""

    def process_formdata(self, valuelist):
        if valuelist:
            text = "".join(valuelist[0].split()).replace("\u202f", "")
            if not text:
                self.data = None
                return
            try:
                self.data = int(text)
            except ValueError:
                self.data = None
                raise ValueError(f"« {valuelist[0]} » n'est pas un nombre entier.") from None


def _choices(enum_type):
    return [SelectChoice(m.value, m.label) for m in enum_type]


def _category_choices():
    return [SelectChoice(c.value, c.label, optgroup=c.group) for c in Category]


class IndicatorForm(FlaskForm):
    name = LineField("Nom", validators=[DataRequired("Le nom est obligatoire."), Length(max=300)])
    description = TextField("Description", validators=[Optional(), Length(max=5000)])
    unit = LineField("Unité", validators=[Optional(), Length(max=100)])
    category = SelectField("Catégorie", choices=_category_choices(), default=IMPACT_MATRIX_AXES[1].value)
    direction = SelectField("Sens", choices=_choices(Direction), default=Direction.HIGHER.value)
    frequency = SelectField("Fréquence", choices=_choices(Frequency), default=Frequency.MONTHLY.value)
    kind = SelectField("Nature", choices=_choices(IndicatorKind), default=IndicatorKind.MANUAL.value)
    source_url = LineField("Lien vers la source", validators=[Optional(), Length(max=1000)])
    allow_negative = BooleanField("Les valeurs peuvent être négatives")
    is_north_star = BooleanField("C'est la North Star de la startup")

    def fields_for_service(self) -> dict:
        return {
            "name": self.name.data,
            "description": self.description.data,
            "unit": self.unit.data,
            "category": Category(self.category.data),
            "direction": Direction(self.direction.data),
            "frequency": Frequency(self.frequency.data),
            "kind": IndicatorKind(self.kind.data),
            "source_url": self.source_url.data,
            "allow_negative": bool(self.allow_negative.data),
        }


class ObjectiveForm(FlaskForm):
    target_value = LineField("Valeur cible", validators=[Required("La valeur cible est obligatoire.")])
    target_on = DateField("Date cible", validators=[Required("La date cible est obligatoire."),
                                                  PlausibleDate(OBJECTIVE_DATE)])
    comment = TextField("Commentaire", validators=[Optional(), Length(max=2000)])

    def validate_target_value(self, field):
        try:
            field.parsed = parse_decimal(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class BudgetForm(FlaskForm):
    year = FrenchIntegerField("Année", validators=[Required("L'année est obligatoire."),
                                             Bounded(budget_years)],
                        default=lambda: clock.today().year)
    amount_eur = FrenchIntegerField("Budget annuel (en euros)", validators=[
        Required("Le montant est obligatoire."), Bounded(AMOUNT_EUR)])


class ImportForm(FlaskForm):
    file = FileField("Fichier CSV", validators=[FileRequired("Choisissez un fichier CSV.")])


class ActionForm(FlaskForm):
    """A button that changes something (CSRF only): archive, North Star, propose, values grid."""
