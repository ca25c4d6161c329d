"""local settings (the attendance ambition) and support-first evidence on chronology entries

`local_settings`: one row (id 1) of the LA's local defaults; while it is absent the national
defaults apply (ambition 95%). The PA (90%) and SA (50%) edges are DfE definitions, not
settings. Stage thresholds stay in `stages` (their own settings screen).

`import_jobs.warnings`: rows accepted with a warning (a UPN whose LA number is not an English
LA code: a warning, not a rejection).

`chronology_entries`: a "support plan" entry names the support and its review date; a "support
not appropriate" entry records which reason (the rationale is the entry's text).

Revision ID: 0014_settings
Revises: 0011_calendar
Create Date: 2026-12-02 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_settings'
down_revision = '0012_amendments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'local_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ambition_percent', sa.SmallInteger(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('ambition_percent BETWEEN 91 AND 100', name='ck_local_settings_ambition'),
        sa.CheckConstraint('id = 1', name='ck_local_settings_one_row'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('chronology_entries') as batch:
        batch.add_column(sa.Column('support_name', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('review_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('not_appropriate_reason', sa.String(length=32), nullable=True))
    with op.batch_alter_table('import_jobs') as batch:
        batch.add_column(sa.Column('warnings', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_jobs') as batch:
        batch.drop_column('warnings')
    with op.batch_alter_table('chronology_entries') as batch:
        batch.drop_column('not_appropriate_reason')
        batch.drop_column('review_on')
        batch.drop_column('support_name')
    op.drop_table('local_settings')
