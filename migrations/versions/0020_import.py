"""Marks imports merge in chunks of pupils (issue 16): the job counts its chunks

Revision ID: 0020_import
Revises: 0020_retention
Create Date: 2026-12-03 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_import'
down_revision = '0020_retention'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chunks_total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('chunks_merged', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('chunks_merged')
        batch_op.drop_column('chunks_total')
