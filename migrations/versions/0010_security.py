"""Sessions that logging out ends; iCalendar feed tokens stored hashed

Revision ID: 0010_security
Revises: 0009_data_version

people.session_version: copied into the session cookie at login and compared at each request; a logout
or an archiving raises it, so that a copy of the cookie stops opening pages.

committee_calendar_tokens.token -> token_hash: each existing token is replaced in place by its SHA-256
(as login links are stored), so that the feed URLs already in people's calendars keep working.
"""
import hashlib

from alembic import op
import sqlalchemy as sa

revision = '0010_security'
down_revision = '0009_data_version'
branch_labels = None
depends_on = None

tokens = sa.table('committee_calendar_tokens', sa.column('person_id', sa.Integer()), sa.column('token', sa.String()))


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    connection = op.get_bind()
    for person_id, token in connection.execute(sa.select(tokens.c.person_id, tokens.c.token)).all():
        connection.execute(tokens.update().where(tokens.c.person_id == person_id)
                           .values(token=hashlib.sha256(token.encode('utf-8')).hexdigest()))
    with op.batch_alter_table('committee_calendar_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('uq_committee_calendar_tokens_token', type_='unique')
        batch_op.alter_column('token', new_column_name='token_hash', existing_type=sa.String(length=64),
                              existing_nullable=False)
    # A second batch: SQLite's batch mode drops a constraint created on a column renamed in the same batch.
    with op.batch_alter_table('committee_calendar_tokens', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_committee_calendar_tokens_token_hash'), ['token_hash'])


def downgrade():
    # The tokens cannot be recovered from their hashes: every feed URL has to be issued again.
    op.execute(sa.text('DELETE FROM committee_calendar_tokens'))
    with op.batch_alter_table('committee_calendar_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('uq_committee_calendar_tokens_token_hash', type_='unique')
        batch_op.alter_column('token_hash', new_column_name='token', existing_type=sa.String(length=64),
                              existing_nullable=False)
    # A second batch: SQLite's batch mode drops a constraint created on a column renamed in the same batch.
    with op.batch_alter_table('committee_calendar_tokens', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_committee_calendar_tokens_token'), ['token'])
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('session_version')
