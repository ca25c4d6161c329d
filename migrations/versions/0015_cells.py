"""the attendance picture's cells: per period, school, year group and combination of cohort flags

`period_cells` adds up `pupil_periods` by (period, school, year group, cohort flags) with the
persistent and severe absence counts and the pupils at or above the ambition, so a dashboard
reads a few hundred rows instead of every pupil's totals. Rebuilt with the aggregates, for a
school when one of its pupils changes year, school or cohort flags, and for everyone when the
ambition changes.

Revision ID: 0015_cells
Revises: 0015_figures
Create Date: 2026-12-02 14:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_cells'
down_revision = '0015_figures'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('period_cells',
    sa.Column('period_key', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('nc_year', sa.SmallInteger(), nullable=False),
    sa.Column('cohorts', sa.Integer(), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=False),
    sa.Column('possible', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.Column('authorised', sa.Integer(), nullable=False),
    sa.Column('unauthorised', sa.Integer(), nullable=False),
    sa.Column('pa', sa.Integer(), nullable=False),
    sa.Column('sa', sa.Integer(), nullable=False),
    sa.Column('at_ambition', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'],
                            name=op.f('fk_period_cells_school_id_organisations')),
    sa.PrimaryKeyConstraint('period_key', 'school_id', 'nc_year', 'cohorts', name=op.f('pk_period_cells')),
    )


def downgrade():
    op.drop_table('period_cells')
