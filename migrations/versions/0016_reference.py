"""national and local reference figures, seeded with the DfE's published figures

`reference_figures`: one measure (overall, authorised, unauthorised, persistent or severe
absence, a percentage) for one period (an academic year or a term), phase and cohort, national
or local, with its source and publication date. A new release adds rows for its period and
replaces nothing. Seeded with DfE "Pupil attendance in schools" figures for 2024/25.

Revision ID: 0016_reference
Revises: 0015_cells
Create Date: 2026-12-02 13:40:00

"""
from datetime import date
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_reference'
down_revision = '0015_cells'
branch_labels = None
depends_on = None

SOURCE = 'DfE "Pupil attendance in schools", official statistics in development'
PUBLISHED = date(2025, 12, 11)
# (period, cohort, overall absence %, persistent absence %): academic year 2024/25, all schools
SEEDS = [
    ("year", "all", "6.9", "18.7"),
    ("autumn", "all", "6.5", "19.2"),
    ("autumn", "fsm", "10.0", "31.7"),
    ("autumn", "not_fsm", "5.2", "14.4"),
    ("autumn", "ehc_plan", "13.1", "35.1"),
    ("autumn", "sen_support", "10.1", "29.0"),
    ("autumn", "no_sen", "5.8", "17.0"),
]


def upgrade():
    figures = op.create_table('reference_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('national', 'local', name='kind', native_enum=False, create_constraint=True,
                              length=16), nullable=False),
    sa.Column('academic_year', sa.String(length=7), nullable=False),
    sa.Column('period', sa.Enum('year', 'autumn', 'spring', 'summer', name='period', native_enum=False,
                                create_constraint=True, length=16), nullable=False),
    sa.Column('phase', sa.Enum('all', 'primary', 'secondary', 'special', 'ap', name='phase', native_enum=False,
                               create_constraint=True, length=16), nullable=False),
    sa.Column('cohort', sa.Enum('all', 'fsm', 'not_fsm', 'ehc_plan', 'sen_support', 'no_sen', 'looked_after',
                                'social_worker', 'eal', 'not_eal', 'alternative_provision', name='cohort',
                                native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('measure', sa.Enum('overall_absence', 'authorised_absence', 'unauthorised_absence',
                                 'persistent_absence', 'severe_absence', name='measure', native_enum=False,
                                 create_constraint=True, length=24), nullable=False),
    sa.Column('value', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('value >= 0 AND value <= 100', name=op.f('ck_reference_figures_value')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_figures')),
    sa.UniqueConstraint('kind', 'academic_year', 'period', 'phase', 'cohort', 'measure',
                        name='uq_reference_figures_key'),
    )
    rows = []
    for period, cohort, overall, persistent in SEEDS:
        for measure, value in (("overall_absence", overall), ("persistent_absence", persistent)):
            rows.append(dict(kind="national", academic_year="2024/25", period=period, phase="all", cohort=cohort,
                             measure=measure, value=Decimal(value), source=SOURCE, published_on=PUBLISHED,
                             version=1))
    op.bulk_insert(figures, rows)


def downgrade():
    op.drop_table('reference_figures')
