"""The forms of the commitments: a statement of one commitment, a risk workshop, the portfolio's filters."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from commitments.models import Kind, State
from conventions.forms import FrenchDateField
from core.fields import LineField, Optional, Required, TextField


def one_of(enum_type, message: str):
    """A choice among an enum's values, refused in French (WTForms' own message is English)."""

    def validator(form, field):
        if field.data not in {member.value for member in enum_type}:
            raise ValidationError(message)

    return validator


class StatementForm(FlaskForm):
    kind = SelectField("Engagement", choices=[SelectChoice(k.value, k.label) for k in Kind], validate_choice=False,
                       validators=[one_of(Kind, "Choisissez l'engagement dans la liste.")])
    state = SelectField("État", choices=[SelectChoice("", "Choisir l'état"), *[SelectChoice(s.value, s.label) for s in State]],
                        validate_choice=False, validators=[one_of(State, "Choisissez l'état de l'engagement.")])
    why = TextField("Pourquoi", validators=[Optional(), Length(max=5000)],
                    description="Obligatoire pour « En partie » et « Sans objet ».")
    evidence_url = LineField("Preuve (adresse)", validators=[Optional(), Length(max=1000)],
                             description="Une page, un document en ligne : https://… Pour le code ouvert et les statistiques "
                                         "(tenu ou en partie), l'adresse devient le dépôt ou la page de statistiques "
                                         "de la fiche beta.gouv.fr.")
    evidence_note = TextField("Preuve (description)", validators=[Optional(), Length(max=5000)])
    evidence_on = FrenchDateField("Date de la preuve", validators=[Optional()])


class WorkshopForm(FlaskForm):
    held_on = FrenchDateField("Date de l'atelier", validators=[Required("La date de l'atelier est obligatoire.")])
    participants = TextField("Participants", validators=[Required("Indiquez les participants."), Length(max=5000)])
    residual_risks = TextField("Risques résiduels", validators=[Optional(), Length(max=5000)])
    next_on = FrenchDateField("Prochain atelier prévu", validators=[Optional()])
