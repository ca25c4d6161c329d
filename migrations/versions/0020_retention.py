"""The retention schedule (one row) and the record of retention runs (issue 16)

Revision ID: 0020_retention
Revises: 0020_jobs
Create Date: 2026-12-03 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_retention'
down_revision = '0020_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'retention_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_years', sa.SmallInteger(), nullable=False),
        sa.Column('marks_years', sa.SmallInteger(), nullable=False),
        sa.Column('audit_years', sa.SmallInteger(), nullable=False),
        sa.Column('encounter_years', sa.SmallInteger(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('id = 1', name='ck_retention_settings_one_row'),
        sa.CheckConstraint('case_years BETWEEN 1 AND 25', name='ck_retention_settings_case_years'),
        sa.CheckConstraint('marks_years BETWEEN 6 AND 25', name='ck_retention_settings_marks_years'),
        sa.CheckConstraint('audit_years BETWEEN 6 AND 25', name='ck_retention_settings_audit_years'),
        sa.CheckConstraint('encounter_years BETWEEN 1 AND 6', name='ck_retention_settings_encounter_years'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_retention_settings_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_settings')),
    )
    op.create_table(
        'retention_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=300), nullable=False),
        sa.Column('applied', sa.Boolean(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('cutoffs', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_retention_runs_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs')),
    )
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_runs_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_runs_at'))
    op.drop_table('retention_runs')
    op.drop_table('retention_settings')
