"""The money in the audit trail is read by who follows the startup's funding

Revision ID: 0035_money_visibility
Revises: 0034_audit_event_indexes

The events about a convention, an order, a service fait, an invoice, a quote or a FAST grant were recorded
visible to whoever sees the log where they show: a startup's team member read there the amounts, orders and
holders the money's pages refuse them. They are marked `argent` (audit.models.Visibility.MONEY): their values
show to who follows the startup's funding (conventions/audit_labels.py). The log stays append-only: only the
visibility column is written, and the column (a string of 40 characters without a check) needs no change.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_money_visibility'
down_revision = '0034_audit_event_indexes'
branch_labels = None
depends_on = None

MONEY_OBJECTS = ('convention', 'convention_order', 'service_fait', 'invoice', 'quote', 'fast_grant')
events = sa.table('audit_events', sa.column('object_type', sa.String), sa.column('visibility', sa.String))


def upgrade():
    op.execute(events.update().where(events.c.object_type.in_(MONEY_OBJECTS), events.c.visibility == 'standard')
               .values(visibility='argent'))


def downgrade():
    op.execute(events.update().where(events.c.visibility == 'argent').values(visibility='standard'))
