"""the school calendar as data: bank holidays, each school's closure days, next year's terms

England's bank holidays 2024-2030 (from the `holidays` package on this day; the command
`flask --app portal calendar bank-holidays` adds later years), each school's own INSET and
closure days, and the LA's term dates for 2027/28 (LA data, editable on the calendar screen).

Revision ID: 0011_calendar
Revises: 0010_states
Create Date: 2026-12-02 08:30:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_calendar'
down_revision = '0010_states'
branch_labels = None
depends_on = None

BANK_HOLIDAYS = [
    ('2024-01-01', "New Year's Day"),
    ('2024-03-29', "Good Friday"),
    ('2024-04-01', "Easter Monday"),
    ('2024-05-06', "May Day"),
    ('2024-05-27', "Spring Bank Holiday"),
    ('2024-08-26', "Late Summer Bank Holiday"),
    ('2024-12-25', "Christmas Day"),
    ('2024-12-26', "Boxing Day"),
    ('2025-01-01', "New Year's Day"),
    ('2025-04-18', "Good Friday"),
    ('2025-04-21', "Easter Monday"),
    ('2025-05-05', "May Day"),
    ('2025-05-26', "Spring Bank Holiday"),
    ('2025-08-25', "Late Summer Bank Holiday"),
    ('2025-12-25', "Christmas Day"),
    ('2025-12-26', "Boxing Day"),
    ('2026-01-01', "New Year's Day"),
    ('2026-04-03', "Good Friday"),
    ('2026-04-06', "Easter Monday"),
    ('2026-05-04', "May Day"),
    ('2026-05-25', "Spring Bank Holiday"),
    ('2026-08-31', "Late Summer Bank Holiday"),
    ('2026-12-25', "Christmas Day"),
    ('2026-12-26', "Boxing Day"),
    ('2026-12-28', "Boxing Day (observed)"),
    ('2027-01-01', "New Year's Day"),
    ('2027-03-26', "Good Friday"),
    ('2027-03-29', "Easter Monday"),
    ('2027-05-03', "May Day"),
    ('2027-05-31', "Spring Bank Holiday"),
    ('2027-08-30', "Late Summer Bank Holiday"),
    ('2027-12-25', "Christmas Day"),
    ('2027-12-26', "Boxing Day"),
    ('2027-12-27', "Christmas Day (observed)"),
    ('2027-12-28', "Boxing Day (observed)"),
    ('2028-01-01', "New Year's Day"),
    ('2028-01-03', "New Year's Day (observed)"),
    ('2028-04-14', "Good Friday"),
    ('2028-04-17', "Easter Monday"),
    ('2028-05-01', "May Day"),
    ('2028-05-29', "Spring Bank Holiday"),
    ('2028-08-28', "Late Summer Bank Holiday"),
    ('2028-12-25', "Christmas Day"),
    ('2028-12-26', "Boxing Day"),
    ('2029-01-01', "New Year's Day"),
    ('2029-03-30', "Good Friday"),
    ('2029-04-02', "Easter Monday"),
    ('2029-05-07', "May Day"),
    ('2029-05-28', "Spring Bank Holiday"),
    ('2029-08-27', "Late Summer Bank Holiday"),
    ('2029-12-25', "Christmas Day"),
    ('2029-12-26', "Boxing Day"),
    ('2030-01-01', "New Year's Day"),
    ('2030-04-19', "Good Friday"),
    ('2030-04-22', "Easter Monday"),
    ('2030-05-06', "May Day"),
    ('2030-05-27', "Spring Bank Holiday"),
    ('2030-08-26', "Late Summer Bank Holiday"),
    ('2030-12-25', "Christmas Day"),
    ('2030-12-26', "Boxing Day"),
]

TERMS_2027_28 = [
    ('Autumn', '2027-09-02', '2027-12-17', '2027-10-25', '2027-10-29'),
    ('Spring', '2028-01-04', '2028-03-31', '2028-02-14', '2028-02-18'),
    ('Summer', '2028-04-18', '2028-07-21', '2028-05-29', '2028-06-02'),
]


def upgrade():
    op.create_table('bank_holidays',
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('date', name=op.f('pk_bank_holidays'))
    )
    op.create_table('school_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('inset', 'closure', name='kind', native_enum=False, create_constraint=True,
                              length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_school_closures_created_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_school_closures_school_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_closures')),
    sa.UniqueConstraint('school_id', 'date', name=op.f('uq_school_closures_school_id')),
    )
    with op.batch_alter_table('school_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_closures_school_id'), ['school_id'], unique=False)

    bank = sa.table('bank_holidays', sa.column('date', sa.Date), sa.column('name', sa.String))
    op.bulk_insert(bank, [dict(date=date.fromisoformat(d), name=n) for d, n in BANK_HOLIDAYS])
    terms = sa.table('terms', sa.column('academic_year', sa.String), sa.column('name', sa.String),
                     sa.column('start_date', sa.Date), sa.column('end_date', sa.Date),
                     sa.column('half_term_start', sa.Date), sa.column('half_term_end', sa.Date))
    d = date.fromisoformat
    op.bulk_insert(terms, [dict(academic_year='2027/28', name=name, start_date=d(s), end_date=d(e),
                                half_term_start=d(hs), half_term_end=d(he))
                           for name, s, e, hs, he in TERMS_2027_28])


def downgrade():
    op.execute("DELETE FROM terms WHERE academic_year = '2027/28'")
    with op.batch_alter_table('school_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_closures_school_id'))
    op.drop_table('school_closures')
    op.drop_table('bank_holidays')
