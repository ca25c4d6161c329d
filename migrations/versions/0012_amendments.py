"""amendments and an editable calendar: a version on terms (edited on the calendar screen), the
reason and the amender's name and position on each changed mark, the reason on its import job

Revision ID: 0012_amendments
Revises: 0011_calendar
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_amendments'
down_revision = '0011_calendar'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=300), nullable=True))
    with op.batch_alter_table('mark_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('changed_by_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('changed_by_position', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('mark_changes', schema=None) as batch_op:
        batch_op.drop_column('changed_by_position')
        batch_op.drop_column('changed_by_name')
        batch_op.drop_column('reason')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('reason')
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.drop_column('version')
