"""One form per use case of a presentation. Every form carries the presentation's version (optimistic locking)."""

from flask_wtf.file import FileField
from wtforms import DateField, HiddenField
from wtforms.validators import Length

from core.bounds import AMOUNT_EUR, OBJECTIVE_DATE, TEAM_SIZE
from core.fields import Bounded, LineField, Optional, PlausibleDate, TextField
from committees.forms import FrenchForm
from indicators.forms import FrenchIntegerField
from indicators.services import parse_decimal
from presentations.models import Presentation
from presentations.services import LineInput, StandardInput

LONG_TEXT = 20_000


class DecimalTextField(LineField):
    """A number typed the French way (« 1 234,5 »); empty gives None."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        if not (self.raw or "").strip():
            self.data = None
            return
        try:
            self.data = parse_decimal(self.raw)
        except ValueError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def _value(self):
        if getattr(self, "raw", None) is not None:
            return self.raw
        if self.data is None:
            return ""
        text = format(self.data.normalize(), "f")
        return text.replace(".", ",")


class VersionForm(FrenchForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ReviewForm(VersionForm):
    comment = TextField("Commentaire pour l'équipe", validators=[Optional(), Length(max=LONG_TEXT)])


class AttachmentForm(FrenchForm):
    fichier = FileField("Fichier PDF")


def _text(label: str) -> TextField:
    return TextField(label, validators=[Optional(), Length(max=LONG_TEXT, message="Ce texte est trop long.")])


class PresentationFormBase(VersionForm):
    done_and_learned = _text("Ce qui a été fait et appris depuis le dernier comité")
    difficulties = _text("Difficultés rencontrées")
    team_size = FrenchIntegerField("Taille de l'équipe demandée (personnes)", validators=[
        Optional(), Bounded(TEAM_SIZE)])
    team_profile = _text("Profils de l'équipe (développement, design, déploiement…)")
    envelope_eur = FrenchIntegerField("Enveloppe demandée pour six mois (euros)", validators=[
        Optional(), Bounded(AMOUNT_EUR)])
    hypotheses = _text("Hypothèses à valider")
    success_criteria = _text("Critères de réussite chiffrés")

    FIELDS = ("done_and_learned", "difficulties", "team_size", "team_profile", "envelope_eur", "hypotheses",
              "success_criteria")

    def fields_data(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}

    def line_fields(self, line) -> tuple:
        return (self[f"ligne_{line.id}_valeur"], self[f"ligne_{line.id}_date"], self[f"ligne_{line.id}_commentaire"])

    def standard_fields(self, row) -> tuple:
        return (self[f"norme_{row.code}_aujourdhui"], self[f"norme_{row.code}_dans_six_mois"])

    def lines_data(self, presentation: Presentation) -> dict[int, LineInput]:
        out = {}
        for line in presentation.lines:
            value, on, comment = self.line_fields(line)
            out[line.id] = LineInput(value.data, on.data, comment.data)
        return out

    def standards_data(self, presentation: Presentation) -> dict[str, StandardInput]:
        out = {}
        for row in presentation.standards:
            today, later = self.standard_fields(row)
            out[row.code] = StandardInput(today.data, later.data)
        return out


def presentation_form(presentation: Presentation, formdata=None) -> PresentationFormBase:
    """The edit form: the texts and the request, then one row per indicator, one per standard."""

    class PresentationForm(PresentationFormBase):
        pass

    for line in presentation.lines:
        name = line.indicator.name
        setattr(PresentationForm, f"ligne_{line.id}_valeur", DecimalTextField(f"Nouvel objectif pour « {name} »"))
        setattr(PresentationForm, f"ligne_{line.id}_date", DateField(
            f"Date du nouvel objectif pour « {name} »", validators=[Optional(), PlausibleDate(OBJECTIVE_DATE)]))
        setattr(PresentationForm, f"ligne_{line.id}_commentaire", LineField(
            f"Commentaire sur « {name} »", validators=[Optional(), Length(max=2000)]))
    for row in presentation.standards:
        setattr(PresentationForm, f"norme_{row.code}_aujourdhui", LineField(
            f"{row.label} : aujourd'hui", validators=[Optional(), Length(max=2000)]))
        setattr(PresentationForm, f"norme_{row.code}_dans_six_mois", LineField(
            f"{row.label} : dans six mois", validators=[Optional(), Length(max=2000)]))

    form = PresentationForm(formdata=formdata)
    if formdata is None:
        form.version.data = presentation.version
        for name in PresentationFormBase.FIELDS:
            getattr(form, name).data = getattr(presentation, name)
        for line in presentation.lines:
            value, on, comment = form.line_fields(line)
            value.data, on.data, comment.data = line.new_objective_value, line.new_objective_on, line.comment
        for row in presentation.standards:
            today, later = form.standard_fields(row)
            today.data, later.data = row.today, row.in_six_months
    return form
