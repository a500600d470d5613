"""Conventions and what they hold: the delegation conventions with DINUM and their terms, their years' AE/CP
schedule, avenants, releases, signed PDFs, the money alerts sent about them and FAST's grants. Amounts are
integer cents."""

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import db
from startups.models import Organisation, Startup
from startups.phases import Phase
from users.models import Person

if TYPE_CHECKING:  # the relationships name them; SQLAlchemy finds them by name once both modules are imported
    from conventions.models.spending import Order, Quote


class ConventionKind(enum.StrEnum):
    DELEGATION = "delegation"
    PARTENARIAT = "partenariat"

    @property
    def label(self) -> str:
        return {ConventionKind.DELEGATION: "Délégation de gestion",
                ConventionKind.PARTENARIAT: "Convention de partenariat"}[self]


class TaxBasis(enum.StrEnum):
    HT = "ht"
    TTC = "ttc"

    @property
    def label(self) -> str:
        return {TaxBasis.HT: "HT", TaxBasis.TTC: "TTC"}[self]


class EndBound(enum.StrEnum):
    """What the end date of a convention stops: the guide says engagement only; the seed (art. 7) engagement,
    delivery and payment."""

    ENGAGEMENT = "engagement"
    ENGAGEMENT_AND_PAYMENT = "engagement_paiement"

    @property
    def label(self) -> str:
        return {EndBound.ENGAGEMENT: "L'engagement seulement",
                EndBound.ENGAGEMENT_AND_PAYMENT: "L'engagement, le service fait et le paiement"}[self]


class Party(enum.StrEnum):
    PARTNER = "partenaire"
    DINUM = "dinum"

    @property
    def label(self) -> str:
        return {Party.PARTNER: "Le partenaire", Party.DINUM: "La DINUM"}[self]


class ConventionStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    ENDED = "ended"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        return {
            ConventionStatus.DRAFT: "Brouillon", ConventionStatus.SIGNED: "Signée",
            ConventionStatus.IN_FORCE: "En vigueur", ConventionStatus.SUSPENDED: "Suspendue",
            ConventionStatus.ENDED: "Échue", ConventionStatus.TERMINATED: "Résiliée",
        }[self]


class Activity(enum.StrEnum):
    """DINUM's activity of a spending (the first half of its activity × resource pair)."""

    DATA = "donnees"
    HOSTING = "hebergement"
    OPS = "exploitation"
    NETWORK = "reseau"
    ADMINISTRATION = "administration"
    SECURITY = "securite"
    DEPLOYMENT = "deploiement"
    SUPPORT = "support"
    DEVELOPMENT = "developpement"
    PRODUCT = "produit"
    DESIGN = "design"

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS[self]

    @property
    def category(self) -> "Category":
        return ACTIVITY_CATEGORY[self]


class Resource(enum.StrEnum):
    PERSONNEL = "personnel"
    SERVICES = "prestations"
    HARDWARE = "materiel"
    SOFTWARE = "logiciel"
    OVERHEADS = "frais_generaux"

    @property
    def label(self) -> str:
        return {Resource.PERSONNEL: "Personnel", Resource.SERVICES: "Prestations externes",
                Resource.HARDWARE: "Matériel", Resource.SOFTWARE: "Logiciels et SaaS",
                Resource.OVERHEADS: "Frais généraux"}[self]


class Category(enum.StrEnum):
    """The short list shown to people (public budget pages, the guide)."""

    DEVELOPMENT = "developpement"
    DESIGN = "design"
    DEPLOYMENT = "deploiement"
    PRODUCT = "produit"
    HOSTING = "hebergement"
    OTHER = "autres"

    @property
    def label(self) -> str:
        return {Category.DEVELOPMENT: "Développement", Category.DESIGN: "Design",
                Category.DEPLOYMENT: "Déploiement", Category.PRODUCT: "Produit et coaching",
                Category.HOSTING: "Hébergement et logiciels", Category.OTHER: "Autres frais"}[self]


ACTIVITY_LABELS = {
    Activity.DATA: "Données", Activity.HOSTING: "Hébergement", Activity.OPS: "Exploitation",
    Activity.NETWORK: "Réseau", Activity.ADMINISTRATION: "Administration", Activity.SECURITY: "Sécurité",
    Activity.DEPLOYMENT: "Déploiement et communication", Activity.SUPPORT: "Support",
    Activity.DEVELOPMENT: "Développement", Activity.PRODUCT: "Management, coaching, PO", Activity.DESIGN: "Design",
}
ACTIVITY_CATEGORY = {
    Activity.DATA: Category.DEVELOPMENT, Activity.HOSTING: Category.HOSTING, Activity.OPS: Category.HOSTING,
    Activity.NETWORK: Category.HOSTING, Activity.ADMINISTRATION: Category.OTHER, Activity.SECURITY: Category.DEVELOPMENT,
    Activity.DEPLOYMENT: Category.DEPLOYMENT, Activity.SUPPORT: Category.DEPLOYMENT,
    Activity.DEVELOPMENT: Category.DEVELOPMENT, Activity.PRODUCT: Category.PRODUCT, Activity.DESIGN: Category.DESIGN,
}


convention_startups = sa.Table(
    "convention_startups",
    db.metadata,
    sa.Column("convention_id", sa.ForeignKey("conventions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("startup_id", sa.ForeignKey("startups.id"), primary_key=True, index=True),
)

# The terms an avenant may change; an avenant keeps the whole previous version (TERMS + the startups and the
# yearly schedule) so that every earlier version can be read back.
TERMS = ("title", "starts_on", "ends_on", "phase", "end_bound", "tax_basis", "chorus_uo", "chorus_domaine",
         "chorus_centre_financier", "chorus_activites", "chorus_centre_cout", "chorus_axe")


class Convention(db.Model):
    """A convention de délégation de gestion (or de partenariat) between a partner and DINUM."""

    __tablename__ = "conventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ConventionKind]
    title: Mapped[str] = mapped_column(sa.String(300))
    reference: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    partner_id: Mapped[str] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    budget_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    phase: Mapped[Phase | None]
    tax_basis: Mapped[TaxBasis] = mapped_column(default=TaxBasis.HT)
    end_bound: Mapped[EndBound] = mapped_column(default=EndBound.ENGAGEMENT_AND_PAYMENT)
    starts_on: Mapped[dt.date | None]
    ends_on: Mapped[dt.date]

    partner_signatory: Mapped[str | None] = mapped_column(sa.String(200))
    partner_signatory_title: Mapped[str | None] = mapped_column(sa.String(200))
    partner_signed_on: Mapped[dt.date | None]
    dinum_signatory: Mapped[str | None] = mapped_column(sa.String(200))
    dinum_signatory_title: Mapped[str | None] = mapped_column(sa.String(200))
    dinum_signed_on: Mapped[dt.date | None]

    # Chorus references, kept exactly as given (checked for shape only).
    chorus_uo: Mapped[str | None] = mapped_column(sa.String(40))
    chorus_domaine: Mapped[str | None] = mapped_column(sa.String(40))
    chorus_centre_financier: Mapped[str | None] = mapped_column(sa.String(40))
    chorus_activites: Mapped[str | None] = mapped_column(sa.String(200))
    chorus_centre_cout: Mapped[str | None] = mapped_column(sa.String(40))
    chorus_axe: Mapped[str | None] = mapped_column(sa.String(40))

    cbcm_partner_sent_on: Mapped[dt.date | None]
    cbcm_dinum_sent_on: Mapped[dt.date | None]
    datagouv_url: Mapped[str | None] = mapped_column(sa.String(1000))
    datagouv_published_on: Mapped[dt.date | None]
    gouvernement_url: Mapped[str | None] = mapped_column(sa.String(1000))
    gouvernement_published_on: Mapped[dt.date | None]

    suspended_on: Mapped[dt.date | None]
    terminated_by: Mapped[Party | None]
    termination_notified_on: Mapped[dt.date | None]
    terminated_on: Mapped[dt.date | None]
    termination_reason: Mapped[str | None] = mapped_column(sa.Text)

    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    partner: Mapped[Organisation] = relationship()
    budget_contact: Mapped[Person | None] = relationship()
    startups: Mapped[list[Startup]] = relationship(secondary=convention_startups, order_by=Startup.name)
    years: Mapped[list["ConventionYear"]] = relationship(
        back_populates="convention", order_by="ConventionYear.year", cascade="all, delete-orphan")
    amendments: Mapped[list["Amendment"]] = relationship(
        back_populates="convention", order_by="Amendment.number", cascade="all, delete-orphan")
    releases: Mapped[list["Release"]] = relationship(
        back_populates="convention", order_by="(Release.released_on, Release.id)", cascade="all, delete-orphan")
    orders: Mapped[list["Order"]] = relationship(
        back_populates="convention", order_by="(Order.engaged_on, Order.id)", cascade="all, delete-orphan")
    quotes: Mapped[list["Quote"]] = relationship(
        back_populates="convention", order_by="(Quote.received_on, Quote.id)", cascade="all, delete-orphan")
    documents: Mapped[list["SignedDocument"]] = relationship(
        back_populates="convention", order_by="(SignedDocument.uploaded_at, SignedDocument.id)",
        cascade="all, delete-orphan")

    def permission_scope(self) -> tuple[str | None, str | None]:
        first = self.startups[0] if self.startups else None
        return (first.id, first.incubator_id) if first else (None, None)

    def funding_scopes(self) -> list[tuple[str, str | None]]:
        """(startup_id, incubator_id) of every startup the convention covers, for the permission policy."""
        return [(s.id, s.incubator_id) for s in self.startups]

    @property
    def is_signed(self) -> bool:
        return self.partner_signed_on is not None and self.dinum_signed_on is not None

    @property
    def signed_on(self) -> dt.date | None:
        """The last party's signature (DINUM signs last)."""
        if not self.is_signed:
            return None
        return max(self.partner_signed_on, self.dinum_signed_on)

    @property
    def is_published(self) -> bool:
        return bool(self.datagouv_url or self.gouvernement_url)

    def status(self, today: dt.date) -> ConventionStatus:
        if not self.is_signed:
            return ConventionStatus.DRAFT
        if self.terminated_on is not None and self.terminated_on <= today:
            return ConventionStatus.TERMINATED
        if today > self.ends_on:
            return ConventionStatus.ENDED
        if self.suspended_on is not None and self.suspended_on <= today:
            return ConventionStatus.SUSPENDED
        if self.starts_on is not None and self.starts_on <= today:
            return ConventionStatus.IN_FORCE
        return ConventionStatus.SIGNED

    @property
    def last_day(self) -> dt.date:
        """The convention's last day: its end date, or the effective date of its termination."""
        if self.terminated_on is not None and self.terminated_on <= self.ends_on:
            return self.terminated_on
        return self.ends_on

    def year(self, year: int) -> "ConventionYear | None":
        return next((y for y in self.years if y.year == year), None)

    @property
    def current_version(self) -> int:
        return len(self.amendments)

    def signed_document(self, amendment_id: int | None = None) -> "SignedDocument | None":
        """The latest signed PDF of the convention (or of one avenant); earlier uploads are kept."""
        found = [d for d in self.documents if d.amendment_id == amendment_id]
        return found[-1] if found else None


class ConventionYear(db.Model):
    """The indicative schedule of one year: AE and CP planned (in cents)."""

    __tablename__ = "convention_years"
    __table_args__ = (sa.UniqueConstraint("convention_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(sa.ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    ae_planned_cents: Mapped[int] = mapped_column(sa.BigInteger)
    cp_planned_cents: Mapped[int] = mapped_column(sa.BigInteger)

    convention: Mapped[Convention] = relationship(back_populates="years")


class Amendment(db.Model):
    """An avenant: numbered, dated, signed by both parties. It keeps the whole version it replaced."""

    __tablename__ = "convention_amendments"
    __table_args__ = (sa.UniqueConstraint("convention_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(sa.ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    partner_signed_on: Mapped[dt.date]
    dinum_signed_on: Mapped[dt.date]
    summary: Mapped[str] = mapped_column(sa.Text)
    previous_terms: Mapped[dict] = mapped_column(sa.JSON)
    new_terms: Mapped[dict] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    convention: Mapped[Convention] = relationship(back_populates="amendments")

    @property
    def signed_on(self) -> dt.date:
        return max(self.partner_signed_on, self.dinum_signed_on)


class Release(db.Model):
    """AE and CP the partner makes available on one day, for one year of the schedule."""

    __tablename__ = "convention_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(sa.ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    released_on: Mapped[dt.date]
    ae_cents: Mapped[int] = mapped_column(sa.BigInteger)
    cp_cents: Mapped[int] = mapped_column(sa.BigInteger)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    convention: Mapped[Convention] = relationship(back_populates="releases")


class AlertKind(enum.StrEnum):
    ENGAGED_80 = "engage_80"
    ENGAGED_100 = "engage_100"
    ENDING_SOON = "fin_proche"
    YEAR_END = "fin_de_gestion"
    UNPUBLISHED = "non_publiee"
    RUNNING_OUT = "epuisement_proche"

    @property
    def label(self) -> str:
        return {
            AlertKind.RUNNING_OUT: "Crédits épuisés dans moins de 45 jours, sans comité planifié",
            AlertKind.ENGAGED_80: "80 % des AE de l'année engagées",
            AlertKind.ENGAGED_100: "Toutes les AE de l'année engagées",
            AlertKind.ENDING_SOON: "Convention qui prend fin dans moins de 90 jours",
            AlertKind.YEAR_END: "Crédits non consommés à signaler avant la mi-novembre",
            AlertKind.UNPUBLISHED: "Convention signée non publiée depuis 30 jours",
        }[self]


class AlertStatus(enum.StrEnum):
    PENDING = "a_envoyer"
    SENT = "envoye"
    FAILED = "echec"

    @property
    def label(self) -> str:
        return {AlertStatus.PENDING: "À envoyer", AlertStatus.SENT: "Envoyée",
                AlertStatus.FAILED: "Échec de l'envoi, nouvel essai au prochain passage"}[self]


class Alert(db.Model):
    """One alert about a convention to one person, recorded before it is sent so that it leaves exactly once
    (the committee reminders' pattern, committees/jobs.py). Its key is (kind, convention, person, about_on):
    about_on is the date it is about (the year's 1st January, the end date, the signature)."""

    __tablename__ = "convention_alerts"
    __table_args__ = (sa.UniqueConstraint("kind", "convention_id", "person_id", "about_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind]
    convention_id: Mapped[int] = mapped_column(sa.ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    about_on: Mapped[dt.date]
    status: Mapped[AlertStatus] = mapped_column(default=AlertStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[dt.datetime | None]


class SignedDocument(db.Model):
    """The signed PDF of a convention (amendment_id NULL) or of one of its avenants. A new upload adds a row:
    the earlier ones stay, the latest is the one shown. The bytes live in the database (deferred), so that a
    backup of the database holds them."""

    __tablename__ = "convention_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(sa.ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("convention_amendments.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)

    convention: Mapped[Convention] = relationship(back_populates="documents")
    amendment: Mapped[Amendment | None] = relationship()
    uploaded_by: Mapped[Person | None] = relationship()


class FastGrant(db.Model):
    """Money from FAST (DINUM's acceleration fund) for a startup and a year: a funder beside the conventions."""

    __tablename__ = "fast_grants"
    __table_args__ = (sa.UniqueConstraint("startup_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id"), index=True)
    year: Mapped[int]
    ae_cents: Mapped[int] = mapped_column(sa.BigInteger)
    cp_cents: Mapped[int] = mapped_column(sa.BigInteger)
    decided_on: Mapped[dt.date]
    reference: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    startup: Mapped[Startup] = relationship()

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.startup_id, self.startup.incubator_id if self.startup else None)
