"""The money: quotes (devis) and the order made from each, the signed PDFs of conventions and avenants (the
bytes in the database, so that a backup holds them), FAST grants per startup and year

Revision ID: 0019_quotes_documents_fast
Revises: 0018_commitments

"""
from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0019_quotes_documents_fast'
down_revision = '0018_commitments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fast_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('ae_cents', sa.BigInteger(), nullable=False),
    sa.Column('cp_cents', sa.BigInteger(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_fast_grants_created_by_id_people')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_fast_grants_startup_id_startups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fast_grants')),
    sa.UniqueConstraint('startup_id', 'reference', name=op.f('uq_fast_grants_startup_id'))
    )
    with op.batch_alter_table('fast_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fast_grants_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fast_grants_startup_id'), ['startup_id'], unique=False)

    op.create_table('convention_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('convention_id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amendment_id'], ['convention_amendments.id'], name=op.f('fk_convention_documents_amendment_id_convention_amendments')),
    sa.ForeignKeyConstraint(['convention_id'], ['conventions.id'], name=op.f('fk_convention_documents_convention_id_conventions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['people.id'], name=op.f('fk_convention_documents_uploaded_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_convention_documents'))
    )
    with op.batch_alter_table('convention_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_convention_documents_amendment_id'), ['amendment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_convention_documents_convention_id'), ['convention_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_convention_documents_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    op.create_table('convention_quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('convention_id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('tax_basis', sa.Enum('ht', 'ttc', name='taxbasis', native_enum=False, length=40), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('received', 'accepted', 'refused', 'expired', name='quotestate', native_enum=False, length=40), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['convention_id'], ['conventions.id'], name=op.f('fk_convention_quotes_convention_id_conventions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_convention_quotes_created_by_id_people')),
    sa.ForeignKeyConstraint(['order_id'], ['convention_orders.id'], name=op.f('fk_convention_quotes_order_id_convention_orders')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_convention_quotes_startup_id_startups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_convention_quotes')),
    sa.UniqueConstraint('convention_id', 'reference', name=op.f('uq_convention_quotes_convention_id')),
    sa.UniqueConstraint('order_id', name=op.f('uq_convention_quotes_order_id'))
    )
    with op.batch_alter_table('convention_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_convention_quotes_convention_id'), ['convention_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_convention_quotes_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_convention_quotes_startup_id'), ['startup_id'], unique=False)



def downgrade():
    with op.batch_alter_table("convention_quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_convention_quotes_startup_id'))
        batch_op.drop_index(batch_op.f('ix_convention_quotes_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_convention_quotes_convention_id'))

    op.drop_table('convention_quotes')
    with op.batch_alter_table('convention_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_convention_documents_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_convention_documents_convention_id'))
        batch_op.drop_index(batch_op.f('ix_convention_documents_amendment_id'))

    op.drop_table('convention_documents')
    with op.batch_alter_table('fast_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fast_grants_startup_id'))
        batch_op.drop_index(batch_op.f('ix_fast_grants_created_by_id'))

    op.drop_table('fast_grants')
