"""the attendance picture's aggregates: report periods, per-pupil period totals, per-school weekly code counts

`report_periods` names the periods the dashboards offer (each academic year, term and half-term
from the LA's terms, plus three rolling periods as of the last refresh); `pupil_periods` holds
each pupil's totals for each period; `school_week_codes` counts each school's marks by code per
week (trend and reasons for absence). All three are rebuilt from `pupil_weeks` and the marks by
each marks import (for its pupils) and daily by `flask --app portal attendance refresh-flags`;
nothing reads raw marks at request time.

Revision ID: 0015_figures
Revises: 0013_flags
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_figures'
down_revision = '0013_flags'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_periods',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('academic_year', sa.String(length=9), nullable=False),
    sa.Column('term', sa.String(length=10), nullable=True),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('first_week', sa.Date(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('year', 'term', 'half_term', 'rolling')", name=op.f('ck_report_periods_kind')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_report_periods')),
    )
    op.create_table('pupil_periods',
    sa.Column('period_key', sa.String(length=32), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('possible', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.Column('authorised', sa.Integer(), nullable=False),
    sa.Column('unauthorised', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_pupil_periods_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('period_key', 'pupil_id', name=op.f('pk_pupil_periods')),
    )
    with op.batch_alter_table('pupil_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_periods_pupil_id'), ['pupil_id'], unique=False)
    op.create_table('school_week_codes',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'],
                            name=op.f('fk_school_week_codes_school_id_organisations')),
    sa.PrimaryKeyConstraint('school_id', 'week_start', 'code', name=op.f('pk_school_week_codes')),
    )
    with op.batch_alter_table('school_week_codes', schema=None) as batch_op:
        batch_op.create_index('ix_school_week_codes_week_start', ['week_start'], unique=False)


def downgrade():
    with op.batch_alter_table('school_week_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_school_week_codes_week_start')
    op.drop_table('school_week_codes')
    with op.batch_alter_table('pupil_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_periods_pupil_id'))
    op.drop_table('pupil_periods')
    op.drop_table('report_periods')
