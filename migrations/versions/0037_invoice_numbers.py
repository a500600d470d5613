"""An invoice number once per order, held by the database (record_invoice already refused a second one)

Revision ID: 0037_invoice_numbers
Revises: 0036_sent_forms

A database that holds the same number twice on one order (written around the application) stops the
upgrade with the invoices to correct, instead of an index error: nothing is changed or removed on its behalf.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0037_invoice_numbers'
down_revision = '0036_sent_forms'
branch_labels = None
depends_on = None


def upgrade():
    twice = op.get_bind().execute(sa.text(
        "SELECT order_id, number, count(*) FROM convention_invoices GROUP BY order_id, number HAVING count(*) > 1"
        " ORDER BY order_id, number")).all()
    if twice:
        listed = "; ".join(f"bon de commande {order_id}, facture n° {number} ({count} fois)"
                           for order_id, number, count in twice)
        raise RuntimeError(f"Des factures portent le même numéro sur un même bon de commande : {listed}. "
                           "Corrigez-les (numéro ou suppression) puis relancez « flask db upgrade ».")
    op.create_index('uq_convention_invoices_order_id_number', 'convention_invoices', ['order_id', 'number'],
                    unique=True)


def downgrade():
    op.drop_index('uq_convention_invoices_order_id_number', table_name='convention_invoices')
