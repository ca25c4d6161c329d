"""CME enquiries shared with a partner agency (issue 18): children's social care or the police,
with a reason; withdrawn with a reason, never deleted

Revision ID: 0031_cme_share
Revises: 0029_ehe
Create Date: 2026-12-05 23:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_cme_share'
down_revision = '0029_ehe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cme_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enquiry_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enquiry_id'], ['cme_enquiries.id'], name=op.f('fk_cme_shares_enquiry_id_cme_enquiries')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_cme_shares_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], name=op.f('fk_cme_shares_shared_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_cme_shares_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cme_shares'))
    )
    with op.batch_alter_table('cme_shares', schema=None) as batch_op:
        batch_op.create_index('ix_cme_shares_active', ['organisation_id', 'withdrawn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cme_shares_enquiry_id'), ['enquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cme_shares_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cme_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cme_shares_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_cme_shares_enquiry_id'))
        batch_op.drop_index('ix_cme_shares_active')
    op.drop_table('cme_shares')
