"""Forms of the grids area. The fill form and the new-version form have one field per criterion of a
version, so they are built per version; the answers' rules (scale, amounts, choices) are checked once, by
grids.services, whose French messages are put back on the fields."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from core.fields import LineField, Optional, TextField
from grids.models import CriterionKind, FilledGrid, GridVersion
from grids.services import AnswerInput, field_name
from grids.versions import CriterionChange, NewCriterion


class FillFormBase(FlaskForm):
    version_id = HiddenField()
    abstained = BooleanField("Je m'abstiens en raison d'un conflit d'intérêts")
    conflict_of_interest = TextField(
        "Déclaration de conflit d'intérêts", validators=[Optional()],
        description="Obligatoire en cas d'abstention : la nature du lien avec la startup ou son administration.",
    )
    comment = TextField("Commentaire général", validators=[Optional()])

    version: GridVersion

    def answers(self) -> dict[int, AnswerInput]:
        return {
            c.id: AnswerInput(self[field_name(c)].data, self[field_name(c) + "_comment"].data)
            for c in self.version.active_criteria
        }

    def put_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            name = name.replace("-comment", "_comment")
            if name in self:
                self[name].errors = [message]

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self)


def fill_form(version: GridVersion, filled: FilledGrid | None, formdata=None) -> FillFormBase:
    """The form of one grid version, pre-filled from the person's draft when there is one."""

    class FillForm(FillFormBase):
        pass

    for criterion in version.active_criteria:
        name = field_name(criterion)
        setattr(FillForm, name, LineField(criterion.label))
        setattr(FillForm, name + "_comment", TextField(f"Commentaire sur « {criterion.label} »"))
    data = {"version_id": str(version.id)}
    if filled is not None:
        data.update(abstained=filled.abstained, conflict_of_interest=filled.conflict_of_interest or "",
                    comment=filled.comment or "")
        for answer in filled.answers:
            name = f"c{answer.criterion_id}"
            data[name] = str(answer.score) if answer.score is not None else (answer.text or "")
            data[name + "_comment"] = answer.comment or ""
    form = FillForm(formdata=formdata, data=data) if formdata is not None else FillForm(data=data)
    form.version = version
    return form


class NewVersionFormBase(FlaskForm):
    intro = TextField("Introduction", validators=[Optional(), Length(max=5000)])
    change_note = TextField("Ce qui change dans cette version", validators=[Optional(), Length(max=2000)],
                                description="Affiché dans l'historique des versions.")
    new_code = LineField("Code", validators=[Optional(), Length(max=50)],
                           description="Minuscules, chiffres, points, tirets : par exemple impact_social.")
    new_label = LineField("Libellé", validators=[Optional(), Length(max=500)])
    new_kind = SelectField("Type", choices=[SelectChoice(k.value, k.label) for k in (CriterionKind.SCORED, CriterionKind.QUALITATIVE)],
                           validate_choice=False, default=CriterionKind.SCORED.value)
    new_questions = TextField("Questions (une par ligne)", validators=[Optional()])
    new_weight = LineField("Poids", default="1", validators=[Optional()])

    version: GridVersion

    def field_errors(self) -> bool:
        """French message on every weight that is not a number and on an unknown type; True when there is one."""
        found = False
        if (self.new_code.data or self.new_label.data) and self.new_kind.data not in (
                CriterionKind.SCORED.value, CriterionKind.QUALITATIVE.value):
            self.new_kind.errors = ["Choisissez le type du nouveau critère : noté ou qualitatif."]
            found = True
        for criterion in self.version.criteria:
            field = self[f"k{criterion.id}_weight"]
            if _decimal(field.data) is None:
                field.errors = [f"Le poids de « {criterion.label} » doit être un nombre, par exemple 1 ou 1,5."]
                found = True
        if self.new_label.data and _decimal(self.new_weight.data or "1") is None:
            self.new_weight.errors = ["Le poids doit être un nombre, par exemple 1 ou 1,5."]
            found = True
        return found

    def changes(self) -> list[CriterionChange]:
        return [
            CriterionChange(
                code=c.code,
                label=self[f"k{c.id}_label"].data or "",
                questions=_lines(self[f"k{c.id}_questions"].data),
                weight=_decimal(self[f"k{c.id}_weight"].data),
                archived=bool(self[f"k{c.id}_archived"].data),
            )
            for c in self.version.criteria
        ]

    def new_criteria(self) -> list[NewCriterion]:
        if not (self.new_code.data or self.new_label.data):
            return []
        return [NewCriterion(code=self.new_code.data or "", label=self.new_label.data or "",
                             kind=CriterionKind(self.new_kind.data), questions=_lines(self.new_questions.data),
                             weight=_decimal(self.new_weight.data or "1"))]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", ".").replace("\u00a0", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def new_version_form(version: GridVersion, formdata=None) -> NewVersionFormBase:
    """The form of version n + 1, pre-filled with the latest version's criteria."""

    class NewVersionForm(NewVersionFormBase):
        pass

    data = {"intro": version.intro or ""}
    for criterion in version.criteria:
        prefix = f"k{criterion.id}"
        setattr(NewVersionForm, prefix + "_label", LineField("Libellé", validators=[Length(max=500)]))
        setattr(NewVersionForm, prefix + "_questions", TextField("Questions (une par ligne)"))
        setattr(NewVersionForm, prefix + "_weight", LineField("Poids"))
        setattr(NewVersionForm, prefix + "_archived", BooleanField("Archivé (n'est plus rempli)"))
        data[prefix + "_label"] = criterion.label
        data[prefix + "_questions"] = "\n".join(criterion.questions or [])
        data[prefix + "_weight"] = format(criterion.weight.normalize(), "f").replace(".", ",")
        data[prefix + "_archived"] = criterion.archived_at is not None
    form = NewVersionForm(formdata=formdata, data=data) if formdata is not None else NewVersionForm(data=data)
    form.version = version
    return form
