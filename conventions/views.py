"""Pages of the money: conventions, their avenants, releases, orders, services faits and invoices; a
startup's Financement page."""

from flask import Blueprint

from conventions import audit_labels  # noqa: F401  (the audit pages read this area's changes in French)

bp = Blueprint("conventions", __name__, url_prefix="/conventions")
