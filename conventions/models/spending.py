"""The money spent under a convention (conventions/spending.py has its rules): orders (bons de commande), their
services faits and invoices, and the quotes (devis) an order may come from. Amounts are integer cents."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conventions.models.agreements import Activity, Category, Convention, Resource, TaxBasis
from core import clock
from core.db import db
from startups.models import Startup
from users.models import Person


class OrderState(enum.StrEnum):
    ENGAGED = "engaged"
    PARTLY_DELIVERED = "partly_delivered"
    DELIVERED = "delivered"
    PAID = "paid"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {OrderState.ENGAGED: "Engagé", OrderState.PARTLY_DELIVERED: "Service fait partiel",
                OrderState.DELIVERED: "Service fait en totalité", OrderState.PAID: "Payé",
                OrderState.CLOSED: "Soldé par anticipation"}[self]


class _ForOneStartup:
    """An order or a quote: for one startup under a convention, read by the permission policy."""

    def permission_scope(self) -> tuple[str | None, str | None]:
        return (self.startup_id, self.startup.incubator_id if self.startup else None)

    def funding_scopes(self) -> list[tuple[str, str | None]]:
        return [self.permission_scope()]

    @property
    def budget_contact_id(self) -> int | None:
        return self.convention.budget_contact_id


class Order(_ForOneStartup, db.Model):
    """A bon de commande issued by DINUM on a framework contract: it engages AE of its year."""

    __tablename__ = "convention_orders"
    __table_args__ = (sa.UniqueConstraint("convention_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(sa.ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(100))
    holder: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    engaged_on: Mapped[dt.date]
    activity: Mapped[Activity]
    resource: Mapped[Resource]
    # Closed early at the amount consumed: the rest is freed, re-engageable in the same year only.
    closed_on: Mapped[dt.date | None]
    closed_amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    convention: Mapped[Convention] = relationship(back_populates="orders")
    startup: Mapped[Startup] = relationship()
    services: Mapped[list["ServiceFait"]] = relationship(
        back_populates="order", order_by="(ServiceFait.delivered_on, ServiceFait.id)", cascade="all, delete-orphan")
    invoices: Mapped[list["Invoice"]] = relationship(
        back_populates="order", order_by="(Invoice.filed_on, Invoice.id)", cascade="all, delete-orphan")
    quote: Mapped["Quote | None"] = relationship(back_populates="order")


    @property
    def year(self) -> int:
        return self.engaged_on.year

    @property
    def category(self) -> Category:
        return self.activity.category

    @property
    def engaged_cents(self) -> int:
        """What the order engages: its amount, or what was consumed once closed early."""
        return self.closed_amount_cents if self.closed_on is not None else self.amount_cents

    @property
    def delivered_cents(self) -> int:
        return sum(s.amount_cents for s in self.services)

    @property
    def invoiced_cents(self) -> int:
        return sum(i.amount_cents for i in self.invoices)

    @property
    def paid_cents(self) -> int:
        return sum(i.amount_cents for i in self.invoices if i.paid_on is not None)

    @property
    def state(self) -> OrderState:
        if self.closed_on is not None:
            return OrderState.CLOSED
        delivered = self.delivered_cents
        if delivered >= self.amount_cents and self.paid_cents >= self.amount_cents:
            return OrderState.PAID
        if delivered >= self.amount_cents:
            return OrderState.DELIVERED
        if delivered > 0:
            return OrderState.PARTLY_DELIVERED
        return OrderState.ENGAGED


class ServiceFait(db.Model):
    """A certified delivery on an order, partial or total; the intrapreneur validates it."""

    __tablename__ = "convention_services_faits"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("convention_orders.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    delivered_on: Mapped[dt.date]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    validated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    validated_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    order: Mapped[Order] = relationship(back_populates="services")
    validated_by: Mapped[Person | None] = relationship()

    def permission_scope(self) -> tuple[str | None, str | None]:
        return self.order.permission_scope()

    def funding_scopes(self) -> list[tuple[str, str | None]]:
        return self.order.funding_scopes()

    @property
    def share_percent(self) -> float:
        return 100 * self.amount_cents / self.order.amount_cents if self.order.amount_cents else 0.0


class Invoice(db.Model):
    """An invoice on an order, paid (CP) once it matches services faits."""

    __tablename__ = "convention_invoices"
    # An invoice number once per order, held by the database too (record_invoice checks it under the
    # convention's lock and says so in French; the index refuses a write that went around the service).
    __table_args__ = (sa.Index("uq_convention_invoices_order_id_number", "order_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("convention_orders.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(sa.String(100))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    filed_on: Mapped[dt.date]
    paid_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    order: Mapped[Order] = relationship(back_populates="invoices")

    def permission_scope(self) -> tuple[str | None, str | None]:
        return self.order.permission_scope()

    def funding_scopes(self) -> list[tuple[str, str | None]]:
        return self.order.funding_scopes()


class QuoteState(enum.StrEnum):
    """A quote's state: the decision is stored (received, accepted, refused); « expired » is read from its
    validity date (a quote still received after it)."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {QuoteState.RECEIVED: "Reçu", QuoteState.ACCEPTED: "Accepté", QuoteState.REFUSED: "Refusé",
                QuoteState.EXPIRED: "Expiré"}[self]


class Quote(_ForOneStartup, db.Model):
    """A devis from a framework-contract holder for one startup under a convention; DINUM accepts it, then
    issues the order (bon de commande) from it."""

    __tablename__ = "convention_quotes"
    __table_args__ = (sa.UniqueConstraint("convention_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(sa.ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    startup_id: Mapped[str] = mapped_column(sa.ForeignKey("startups.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(100))
    holder: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    tax_basis: Mapped[TaxBasis] = mapped_column(default=TaxBasis.HT)
    received_on: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    state: Mapped[QuoteState] = mapped_column(default=QuoteState.RECEIVED)
    decided_on: Mapped[dt.date | None]
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("convention_orders.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    convention: Mapped[Convention] = relationship(back_populates="quotes")
    startup: Mapped[Startup] = relationship()
    order: Mapped["Order | None"] = relationship(back_populates="quote")


    def status(self, today: dt.date) -> QuoteState:
        if self.state is QuoteState.RECEIVED and today > self.valid_until:
            return QuoteState.EXPIRED
        return self.state
