"""The records version (issue 16): a second stamp in `data_versions` (id 2) that changes in the
same transaction as every write to any table but the audit log; rendered pages are kept for a
moment per person under it (portal/pagecache.py)

Revision ID: 0023_records_version
Revises: 0022_data_versions
Create Date: 2026-12-04 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_records_version'
down_revision = '0022_data_versions'
branch_labels = None
depends_on = None


def upgrade():
    table = sa.table('data_versions', sa.column('id', sa.Integer()), sa.column('version', sa.BigInteger()))
    op.bulk_insert(table, [{'id': 2, 'version': 1}])


def downgrade():
    op.execute("DELETE FROM data_versions WHERE id = 2")
