"""The filters of /stats, read from the query string: an invalid value is a French error on its field and
is ignored (the page still renders, unfiltered on that field)."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from core.text import whole_number

from portfolio.forms import choices, select
from stats.queries import Filters

FIRST_YEAR = 2013  # the programme's first startups
LAST_YEAR = 2100


class StatsFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    incubator = select("Incubateur")
    partner = select("Ministère ou administration partenaire")
    du = StringField("De l'année")
    au = StringField("À l'année")

    def __init__(self, formdata, incubators: list[tuple[str, str]], partners: list[tuple[str, str]]):
        super().__init__(formdata=formdata)
        self.incubator.choices = choices([("", "Tous les incubateurs")] + incubators)
        self.partner.choices = choices([("", "Tous les partenaires")] + partners)

    @staticmethod
    def _year(field) -> None:
        value = (field.data or "").strip()
        if value and not FIRST_YEAR <= (whole_number(value) or 0) <= LAST_YEAR:
            raise ValidationError(f"« {value} » n'est pas une année entre {FIRST_YEAR} et {LAST_YEAR} : ce filtre a été ignoré.")

    def validate_du(self, field):
        self._year(field)

    def validate_au(self, field):
        self._year(field)

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the period's: a first year after the last one would silently empty
        every figure, so both are ignored, with the reason on each."""
        valid = super().validate(extra_validators)
        first, last = self.valid("du"), self.valid("au")
        if first and last and int(first) > int(last):
            self.du.errors.append(f"« {first} » suit l'année de fin ({last}) : la période a été ignorée.")
            self.au.errors.append(f"« {last} » précède l'année de début ({first}) : la période a été ignorée.")
            return False
        return valid

    def valid(self, name: str) -> str:
        field = self[name]
        return "" if field.errors else (field.data or "").strip()

    @property
    def is_filtered(self) -> bool:
        return any(self.valid(name) for name in ("incubator", "partner", "du", "au"))

    def filters(self) -> Filters:
        """The filters of the valid fields; call validate() first."""
        first, last = self.valid("du"), self.valid("au")
        return Filters(incubator_id=self.valid("incubator") or None, partner_id=self.valid("partner") or None,
                       first_year=int(first) if first else None, last_year=int(last) if last else None)
