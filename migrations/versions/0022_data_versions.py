"""The data version (issue 16): one row whose stamp changes in the same transaction as every
write to what the attendance figures are read from (portal/dataversion.py); the figures are
cached per process under it

Revision ID: 0022_data_versions
Revises: 0021_family_keys
Create Date: 2026-12-04 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_data_versions'
down_revision = '0021_family_keys'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_versions',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_versions')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 1}])


def downgrade():
    op.drop_table('data_versions')
