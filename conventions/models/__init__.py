"""The models of the money (see the README's « The money »): conventions and what they hold
(conventions/models/agreements.py), the money spent under them (conventions/models/spending.py). Every
name is imported from here, as from any area's models; importing this package maps both modules' tables."""

from conventions.models.agreements import (
    ACTIVITY_CATEGORY, ACTIVITY_LABELS, TERMS, Activity, Alert, AlertKind, AlertStatus, Amendment, Category,
    Convention, convention_startups, ConventionKind, ConventionStatus, ConventionYear, EndBound, FastGrant,
    Party, Release, Resource, SignedDocument, TaxBasis,
)
from conventions.models.spending import Invoice, Order, OrderState, Quote, QuoteState, ServiceFait
