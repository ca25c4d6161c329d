"""Import jobs say who runs them (`worker`, "host:pid") and when they last showed progress
(`heartbeat_at`), so a job whose worker went away (a recycled gunicorn worker) is found and
marked failed instead of staying "running" forever (issue 16)

Revision ID: 0020_jobs
Revises: 0019_nti
Create Date: 2026-12-03 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_jobs'
down_revision = '0019_nti'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('worker')
