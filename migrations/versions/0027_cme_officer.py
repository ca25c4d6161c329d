"""The children-missing-education officer flag on users (issue 18): an EWO who works the LA's
CME enquiries and elective-home-education records

Revision ID: 0027_cme_officer
Revises: 0026_school_stages
Create Date: 2026-12-05 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_cme_officer'
down_revision = '0026_school_stages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cme_officer', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('cme_officer')
