"""Indicators of a startup: definitions, values by period, objectives, yearly budgets (for the cost per use)."""

import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import db
from startups.models import Startup

# Values are exact decimals: rates like 0,1234 and counts in the millions both fit.
VALUE_TYPE = sa.Numeric(18, 4)


class Direction(enum.StrEnum):
    HIGHER = "higher"
    LOWER = "lower"

    @property
    def label(self) -> str:
        return {Direction.HIGHER: "Plus c'est haut, mieux c'est", Direction.LOWER: "Plus c'est bas, mieux c'est"}[self]


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        return {Frequency.MONTHLY: "Mensuelle", Frequency.QUARTERLY: "Trimestrielle", Frequency.YEARLY: "Annuelle"}[self]

    @property
    def months(self) -> int:
        return {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}[self]

    def period_start(self, day: dt.date) -> dt.date:
        """The first day of the period that contains day (month, quarter or year)."""
        month = (day.month - 1) // self.months * self.months + 1
        return dt.date(day.year, month, 1)

    def is_period_start(self, day: dt.date) -> bool:
        return day.day == 1 and self.period_start(day) == day


class Category(enum.StrEnum):
    """North Star, a stage of the AARRI funnel, or an axis of the DINUM impact matrix.

    The impact-matrix values are the axis codes of official-grids.json (impact_matrix.axes), so that the
    mandatory indicators proposed from that file land in their axis.
    """

    NORTH_STAR = "north_star"
    ACQUISITION = "acquisition"
    ACTIVATION = "activation"
    RETENTION = "retention"
    RECOMMENDATION = "recommendation"
    REVENUE = "revenue"
    USABLE = "utilisable"
    USED = "utilise"
    USEFUL = "utile"
    IMPACTFUL = "impactant"
    EFFICIENT = "efficient"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

    @property
    def group(self) -> str:
        if self is Category.NORTH_STAR:
            return "North Star"
        if self in IMPACT_MATRIX_AXES:
            return "Matrice d'impact"
        return "Entonnoir AARRI"


CATEGORY_LABELS = {
    Category.NORTH_STAR: "North Star",
    Category.ACQUISITION: "Acquisition",
    Category.ACTIVATION: "Activation",
    Category.RETENTION: "Rétention",
    Category.RECOMMENDATION: "Recommandation",
    Category.REVENUE: "Revenu / impact",
    # Labels of official-grids.json, impact_matrix.axes.
    Category.USABLE: "Utilisable",
    Category.USED: "Utilisé",
    Category.USEFUL: "Utile",
    Category.IMPACTFUL: "Impact sur la politique publique",
    Category.EFFICIENT: "Efficient",
}
IMPACT_MATRIX_AXES = (Category.USABLE, Category.USED, Category.USEFUL, Category.IMPACTFUL, Category.EFFICIENT)


class IndicatorKind(enum.StrEnum):
    """What Jalons knows about an indicator beyond its name: most are plain figures the team enters;
    the monthly active users feed the cost per use, which is computed, never entered."""

    MANUAL = "manual"
    ACTIVE_USERS = "active_users"
    COST_PER_USE = "cost_per_use"

    @property
    def label(self) -> str:
        return {
            IndicatorKind.MANUAL: "Saisi par l'équipe",
            IndicatorKind.ACTIVE_USERS: "Utilisateurs actifs par mois (sert au coût par utilisation)",
            IndicatorKind.COST_PER_USE: "Coût par utilisation (calculé : budget annuel / utilisateurs actifs par mois)",
        }[self]

    @property
    def is_computed(self) -> bool:
        return self is IndicatorKind.COST_PER_USE


class Trend(enum.StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    WORSENING = "worsening"

    @property
    def label(self) -> str:
        return {Trend.IMPROVING: "En amélioration", Trend.STABLE: "Stable", Trend.WORSENING: "En dégradation"}[self]


class Indicator(db.Model):
    """An indicator a startup tracks. At most one North Star, one active-users and one cost-per-use
    indicator per startup among those not archived (partial unique indexes, checked in the service too)."""

    __tablename__ = "indicators"
    __table_args__ = (
        sa.Index(
            "uq_indicators_north_star", "startup_id", unique=True,
            sqlite_where=sa.text("is_north_star"), postgresql_where=sa.text("is_north_star"),
        ),
        sa.Index(
            "uq_indicators_special_kind", "startup_id", "kind", unique=True,
            sqlite_where=sa.text("kind <> 'manual' AND archived_at IS NULL"),
            postgresql_where=sa.text("kind <> 'manual' AND archived_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    unit: Mapped[str | None] = mapped_column(sa.String(100))
    direction: Mapped[Direction] = mapped_column(default=Direction.HIGHER)
    frequency: Mapped[Frequency] = mapped_column(default=Frequency.MONTHLY)
    category: Mapped[Category]
    kind: Mapped[IndicatorKind] = mapped_column(default=IndicatorKind.MANUAL)
    source_url: Mapped[str | None] = mapped_column(sa.String(1000))
    allow_negative: Mapped[bool] = mapped_column(default=False)
    is_north_star: Mapped[bool] = mapped_column(default=False)
    # From the impact matrix of official-grids.json (proposed by propose_mandatory).
    is_mandatory: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    archived_at: Mapped[dt.datetime | None]

    startup: Mapped[Startup] = relationship()
    values: Mapped[list["IndicatorValue"]] = relationship(
        back_populates="indicator", order_by="IndicatorValue.period_start", cascade="all, delete-orphan"
    )
    objectives: Mapped[list["Objective"]] = relationship(
        back_populates="indicator", order_by="(Objective.target_on, Objective.set_at)", cascade="all, delete-orphan"
    )

    def permission_scope(self) -> tuple[str | None, str | None]:
        return self.startup.permission_scope()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class IndicatorValue(db.Model):
    """The value of an indicator for one period (period_start: first day of the month, quarter or year)."""

    __tablename__ = "indicator_values"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date]
    value: Mapped[decimal.Decimal] = mapped_column(VALUE_TYPE)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    entered_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    indicator: Mapped[Indicator] = relationship(back_populates="values")


class Objective(db.Model):
    """A target value for an indicator at a date. Committees set them (committee_id: the committee that
    set it; its foreign key belongs to the committees area); an indicator keeps all its past objectives."""

    __tablename__ = "indicator_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    target_value: Mapped[decimal.Decimal] = mapped_column(VALUE_TYPE)
    target_on: Mapped[dt.date]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    set_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    committee_id: Mapped[int | None] = mapped_column(index=True)

    indicator: Mapped[Indicator] = relationship(back_populates="objectives")


class StartupBudget(db.Model):
    """A startup's budget for a calendar year, in euros, entered by the team: the numerator of the
    cost per use (yearly budget / monthly active users)."""

    __tablename__ = "startup_budgets"
    __table_args__ = (sa.UniqueConstraint("startup_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    amount_eur: Mapped[int]
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    entered_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class Reporting(enum.StrEnum):
    """How often a startup is asked for its indicators' values (issue 12): the scheduler's request."""

    MONTHLY = "mensuelle"
    QUARTERLY = "trimestrielle"
    NONE = "aucune"

    @property
    def label(self) -> str:
        return {
            Reporting.MONTHLY: "Chaque mois (les valeurs du mois écoulé)",
            Reporting.QUARTERLY: "Chaque trimestre (les valeurs des trois mois du trimestre écoulé)",
            Reporting.NONE: "Jamais (valeurs saisies sans demande)",
        }[self]


class IndicatorReporting(db.Model):
    """A startup's reporting frequency; without a row the startup reports monthly (the default)."""

    __tablename__ = "indicator_reporting"

    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True)
    frequency: Mapped[Reporting] = mapped_column(default=Reporting.MONTHLY)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
