"""The portfolio's filter form: read from the query string, never trusted.

Every invalid value (unknown phase, page=abc, unknown sort…) becomes a French error on its field and is
ignored by filters(); the page still renders.
"""

from typing import Callable

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

from core.text import whole_number
from startups.phases import Phase
from startups.queries import SORTS, PortfolioFilters

NO_PHASE = "aucune"
ACTIVE_CHOICES = [("", "Toutes"), ("actives", "Actives"), ("inactives", "Inactives (terminées ou pas commencées)")]
ORDER_CHOICES = [("asc", "Croissant"), ("desc", "Décroissant")]
# The committee status filter (committees/due.py): values as in the API's `committee` parameter.
COMMITTEE_CHOICES = [("", "Tous"), ("overdue", "Comité en retard"), ("due45", "Comité dû sous 45 jours")]
# The indicators filter (indicators.queries.late_startups: a month of values missing in the last six).
LATE_INDICATORS = "en-retard"
INDICATOR_CHOICES = [("", "Tous"), (LATE_INDICATORS, "Indicateurs en retard")]
SEARCH_MAX_LENGTH = 200


def choices(pairs) -> list:
    return [SelectChoice(value, label) for value, label in pairs]


class KnownChoice:
    """Unknown values of a select give a French error (WTForms' own check speaks English)."""

    def __call__(self, form, field):
        if field.data and field.data not in {value for value, *_ in field.choices}:
            raise ValidationError(f"« {field.data} » n'est pas une valeur possible : ce filtre a été ignoré.")


def select(label, pairs=()):
    return SelectField(label, choices=choices(pairs), validators=[KnownChoice()], validate_choice=False)


class PortfolioFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = StringField("Rechercher dans le nom et la mission")
    phase = select("Phase en cours")
    active = select("Actives ou non", ACTIVE_CHOICES)
    incubator = select("Incubateur")
    # A text input, not a select of every sponsor: the organisation's identifier (the links of the pages),
    # name or acronym; static/jalons.js offers the names as the person types (a datalist from the API).
    sponsor = StringField("Sponsor", description="Nom, sigle ou identifiant de l'organisation")
    sort = select("Trier par", [(key, label[0].upper() + label[1:]) for key, label in SORTS.items()])
    order = select("Ordre", ORDER_CHOICES)
    committee = select("Prochain comité", COMMITTEE_CHOICES)
    indicateurs = select("Indicateurs", INDICATOR_CHOICES)
    # Not rendered as a field: the pagination links carry it.
    page = StringField("Page")

    def __init__(self, formdata, incubators: list[tuple[str, str]], find_sponsor: Callable[[str], str | None]):
        super().__init__(formdata=formdata)
        self.find_sponsor = find_sponsor
        self.sponsor_id: str | None = None
        self.phase.choices = choices(
            [("", "Toutes les phases")] + [(p.value, p.label) for p in Phase] + [(NO_PHASE, "Sans phase en cours")]
        )
        self.incubator.choices = choices([("", "Tous les incubateurs")] + incubators)

    def validate_sponsor(self, field):
        value = (field.data or "").strip()
        if not value:
            return
        if len(value) > SEARCH_MAX_LENGTH or not value.isprintable():
            raise ValidationError("Ce sponsor n'est pas valide : ce filtre a été ignoré.")
        self.sponsor_id = self.find_sponsor(value)
        if self.sponsor_id is None:
            raise ValidationError(f"« {value} » n'est pas une valeur possible : ce filtre a été ignoré.")

    def validate_q(self, field):
        if field.data and len(field.data) > SEARCH_MAX_LENGTH:
            raise ValidationError(f"La recherche est limitée à {SEARCH_MAX_LENGTH} caractères : elle a été ignorée.")
        if field.data and not field.data.isprintable():
            raise ValidationError("La recherche contient des caractères de contrôle : elle a été ignorée.")

    def validate_page(self, field):
        if not field.data:
            return
        if whole_number(field.data.strip()) is None:
            raise ValidationError(f"« {field.data} » n'est pas un numéro de page : la première page est affichée.")
        if whole_number(field.data.strip()) < 1:
            raise ValidationError("Les pages sont numérotées à partir de 1 : la première page est affichée.")

    def valid(self, name: str) -> str:
        """The value of a field, or "" when it is invalid (and therefore ignored)."""
        field = self[name]
        return "" if field.errors else (field.data or "").strip()

    @property
    def page_number(self) -> int:
        return int(self.valid("page") or 1)

    @property
    def is_filtered(self) -> bool:
        return any(self.valid(name) for name in ("q", "phase", "active", "incubator", "sponsor", "committee", "indicateurs"))

    def filters(self) -> PortfolioFilters:
        """The filters of the valid fields; call validate() first."""
        phase = self.valid("phase")
        active = self.valid("active")
        return PortfolioFilters(
            phase=Phase(phase) if phase and phase != NO_PHASE else None,
            without_phase=phase == NO_PHASE,
            active={"actives": True, "inactives": False}.get(active),
            incubator_id=self.valid("incubator") or None,
            sponsor_id=self.sponsor_id if self.valid("sponsor") else None,
            text=self.valid("q") or None,
            sort=self.valid("sort") or "name",
            descending=self.valid("order") == "desc",
        )
