"""One form per committee action. Every form carries the committee's version (optimistic locking)."""

import datetime as dt

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import URL, DataRequired, Length, NumberRange

from committees.models import Attendance, CommitteeKind, DecisionKind, ParticipantRole
from committees.decisions import NEXT_PHASES
from committees.services import MAX_DURATION, MIN_DURATION
from core.bounds import AMOUNT_EUR, COMMITTEE_DATE, TEAM_SIZE
from core.fields import Bounded, LineField, Optional, PlausibleDate, Required, SingleLine, TextField

REQUIRED = "Ce champ est obligatoire."


class FrenchForm(FlaskForm):
    class Meta:
        # WTForms' own French messages for the built-in errors (« N'est pas une date valide. »).
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            return get_translations(self.locales)


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class VersionForm(FrenchForm):
    """The committee's version when the page was loaded: a save over a newer version is refused."""

    version = HiddenField(filters=[_int_or_none])


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(enum, blank: str | None = None) -> list[SelectChoice]:
    pairs = [(member.value, member.label) for member in enum]
    return choices(([("", blank)] + pairs) if blank is not None else pairs)


class CommitteeForm(VersionForm):
    kind = SelectField("Type de comité", choices=_choices(CommitteeKind), validators=[DataRequired(REQUIRED)])
    day = DateField("Date", validators=[Required(REQUIRED), PlausibleDate(COMMITTEE_DATE)])
    time = TimeField("Heure (heure de Paris)", default=dt.time(14, 0), validators=[Required(REQUIRED)])
    duration_minutes = IntegerField(
        "Durée (minutes)", default=50,
        validators=[Required(REQUIRED), NumberRange(MIN_DURATION, MAX_DURATION,
                                                         f"Entre {MIN_DURATION} et {MAX_DURATION} minutes.")],
    )
    place = LineField("Lieu", validators=[Optional(), Length(max=300, message="300 caractères au plus.")])
    video_link = URLField(
        "Lien de visioconférence",
        validators=[Optional(), SingleLine(), URL(message="Indiquez une adresse web complète (https://…)."),
                    Length(max=1000, message="1 000 caractères au plus.")],
    )
    chair = SelectField("Président·e de séance", coerce=_int_or_none, validate_choice=True)
    CHAIR_HINT = ("La convention confie la présidence au représentant de l'administration partenaire, et la DINUM "
                  "participe. Un sponsor qui préside ne valide pas la décision : un autre sponsor de la startup "
                  "la validera.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.place.data or "").strip() and not (self.video_link.data or "").strip():
            # Both fields are optional on their own (Optional() stops their chains): checked together here.
            self.place.errors = list(self.place.errors) + ["Indiquez un lieu ou un lien de visioconférence."]
            valid = False
        return valid


class HeldForm(VersionForm):
    convention_reason = TextField("Motif de l'écart à la convention", validators=[Optional()])


class CancelForm(VersionForm):
    reason = TextField("Raison de l'annulation", validators=[DataRequired("Indiquez la raison de l'annulation.")])


class ParticipantForm(VersionForm):
    """Inviting a person in two steps: the name (or e-mail) typed is looked up, then the person found is
    confirmed (person_id, confirm) before being added."""

    person = LineField("Nom ou adresse électronique de la personne",
                       validators=[DataRequired(REQUIRED), Length(max=320)])
    role = SelectField("Rôle", choices=_choices(ParticipantRole), validators=[DataRequired(REQUIRED)])
    person_id = IntegerField(validators=[Optional()])
    confirm = HiddenField()


def attendance_form(committee, formdata=None):
    """A select per participant (present, excused, absent), plus the minutes."""

    class AttendanceForm(VersionForm):
        minutes = TextField("Compte rendu", validators=[Optional()])
        convention_reason = TextField("Motif de l'écart à la convention", validators=[Optional()])

    for participant in committee.participants:
        setattr(AttendanceForm, f"p{participant.id}", SelectField(
            f"{participant.person.name} ({participant.role.label})",
            choices=_choices(Attendance, blank="Non renseigné"),
            default=participant.attendance.value if participant.attendance else "",
        ))
    form = AttendanceForm(formdata=formdata) if formdata is not None else AttendanceForm(
        minutes=committee.minutes, convention_reason=committee.convention_reason, version=committee.version)
    form.participant_fields = [(p, form[f"p{p.id}"]) for p in committee.participants]
    return form


class DecisionForm(VersionForm):
    kind = SelectField("Décision", choices=_choices(DecisionKind), validators=[DataRequired(REQUIRED)])
    next_phase = SelectField(
        "Phase suivante (pour un passage de phase)",
        choices=choices([("", "—")] + [(phase.value, phase.label) for phase in NEXT_PHASES]),
        validators=[Optional()],
    )
    envelope_eur = IntegerField(
        "Enveloppe de la prochaine période (euros)",
        validators=[Optional(), Bounded(AMOUNT_EUR)],
    )
    team_size = IntegerField(
        "Taille de l'équipe (personnes)",
        validators=[Optional(), Bounded(TEAM_SIZE)],
    )
    hypotheses = TextField("Hypothèses à valider", validators=[Optional()])
    success_criteria = TextField("Critères de réussite quantitatifs", validators=[Optional()])
    conditions = TextField("Conditions", validators=[Optional()])
    next_committee_on = DateField("Date du prochain comité", validators=[Optional(), PlausibleDate(COMMITTEE_DATE)])


class ActionItemForm(VersionForm):
    title = LineField("Action", validators=[DataRequired("Indiquez l'intitulé de l'action."),
                                              Length(max=500, message="500 caractères au plus.")])
    owner = SelectField("Responsable", coerce=_int_or_none, validate_choice=True)
    due_on = DateField("Échéance", validators=[Optional(), PlausibleDate(COMMITTEE_DATE)])


class ActionDoneForm(FrenchForm):
    done = HiddenField(filters=[lambda value: value == "1"])


class ActionDeleteForm(FrenchForm):
    """Deleting an action item entered by mistake (CSRF only)."""


class ContestForm(VersionForm):
    comment = TextField(
        "Commentaire pour la présidence du comité",
        validators=[DataRequired("Expliquez ce que vous contestez : le commentaire est obligatoire.")],
    )
