"""pupils and attendance

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:28:41.449203

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('register_codes',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('meaning', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_register_codes'))
    )
    op.create_table('terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('half_term_start', sa.Date(), nullable=True),
    sa.Column('half_term_end', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms'))
    )
    op.create_table('pupils',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upn', sa.String(length=13), nullable=False),
    sa.Column('legal_forename', sa.String(length=100), nullable=False),
    sa.Column('legal_surname', sa.String(length=100), nullable=False),
    sa.Column('preferred_forename', sa.String(length=100), nullable=True),
    sa.Column('preferred_surname', sa.String(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('nc_year', sa.SmallInteger(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('on_roll_from', sa.Date(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('sen_support', sa.Boolean(), nullable=False),
    sa.Column('ehc_plan', sa.Boolean(), nullable=False),
    sa.Column('fsm', sa.Boolean(), nullable=False),
    sa.Column('looked_after', sa.Boolean(), nullable=False),
    sa.Column('social_worker', sa.Boolean(), nullable=False),
    sa.Column('eal', sa.Boolean(), nullable=False),
    sa.Column('alternative_provision', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.String(length=420), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_pupils_school_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupils')),
    sa.UniqueConstraint('upn', name=op.f('uq_pupils_upn'))
    )
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupils_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_pupils_school_surname', ['school_id', 'legal_surname', 'legal_forename'], unique=False)

    op.create_table('attendance_marks',
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sa.String(length=2), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['code'], ['register_codes.code'], name=op.f('fk_attendance_marks_code_register_codes')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_attendance_marks_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('pupil_id', 'date', 'session', name=op.f('pk_attendance_marks')),
    sqlite_with_rowid=False
    )
    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_enrolments_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_enrolments_school_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=40), nullable=False),
    sa.Column('progress', sa.SmallInteger(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_import_jobs_school_id_organisations')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_import_jobs_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    op.create_table('pupil_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('relationship_to_pupil', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('parental_responsibility', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_pupil_contacts_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_contacts'))
    )
    with op.batch_alter_table('pupil_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_contacts_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('pupil_weeks',
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('possible', sa.SmallInteger(), nullable=False),
    sa.Column('attended', sa.SmallInteger(), nullable=False),
    sa.Column('approved', sa.SmallInteger(), nullable=False),
    sa.Column('authorised', sa.SmallInteger(), nullable=False),
    sa.Column('unauthorised', sa.SmallInteger(), nullable=False),
    sa.Column('late', sa.SmallInteger(), nullable=False),
    sa.Column('open_sessions', sa.SmallInteger(), nullable=False),
    sa.Column('last_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_pupil_weeks_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('pupil_id', 'week_start', name=op.f('pk_pupil_weeks')),
    sqlite_with_rowid=False
    )
    op.create_table('mark_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sa.String(length=2), nullable=False),
    sa.Column('old_code', sa.String(length=2), nullable=False),
    sa.Column('new_code', sa.String(length=2), nullable=False),
    sa.Column('import_job_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_mark_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['import_job_id'], ['import_jobs.id'], name=op.f('fk_mark_changes_import_job_id_import_jobs')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_mark_changes_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mark_changes'))
    )
    with op.batch_alter_table('mark_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_changes_pupil_id'), ['pupil_id'], unique=False)


    # Register codes from August 2024 (data, so a change of regulations is a data change).
    op.bulk_insert(sa.table('register_codes', sa.column('code', sa.String), sa.column('meaning', sa.String),
                            sa.column('category', sa.String)), [
        {'code': '/', 'meaning': 'Present (AM)', 'category': 'present'},
        {'code': '\\', 'meaning': 'Present (PM)', 'category': 'present'},
        {'code': 'L', 'meaning': 'Late, arrived before the register closed', 'category': 'present'},
        {'code': 'K', 'meaning': 'Attending education provision arranged by the local authority', 'category': 'approved'},
        {'code': 'V', 'meaning': 'Educational visit or trip', 'category': 'approved'},
        {'code': 'P', 'meaning': 'Approved sporting activity', 'category': 'approved'},
        {'code': 'W', 'meaning': 'Work experience', 'category': 'approved'},
        {'code': 'B', 'meaning': 'Any other approved educational activity', 'category': 'approved'},
        {'code': 'D', 'meaning': 'Dual registered, attending the other school', 'category': 'not_possible'},
        {'code': 'C1', 'meaning': 'Leave: regulated performance or employment abroad', 'category': 'authorised'},
        {'code': 'M', 'meaning': 'Leave: medical or dental appointment', 'category': 'authorised'},
        {'code': 'J1', 'meaning': 'Leave: interview', 'category': 'authorised'},
        {'code': 'S', 'meaning': 'Leave: study leave', 'category': 'authorised'},
        {'code': 'X', 'meaning': 'Not required to attend (non-compulsory school age)', 'category': 'not_possible'},
        {'code': 'C2', 'meaning': 'Leave: part-time timetable (compulsory school age)', 'category': 'authorised'},
        {'code': 'C', 'meaning': 'Leave: exceptional circumstances', 'category': 'authorised'},
        {'code': 'T', 'meaning': 'Parent travelling for occupational purposes', 'category': 'authorised'},
        {'code': 'R', 'meaning': 'Religious observance', 'category': 'authorised'},
        {'code': 'I', 'meaning': 'Illness', 'category': 'authorised'},
        {'code': 'E', 'meaning': 'Suspended or excluded, no alternative provision', 'category': 'authorised'},
        {'code': 'Q', 'meaning': 'Unable to attend: lack of access arrangements', 'category': 'not_possible'},
        {'code': 'Y1', 'meaning': 'Unable to attend: transport not available', 'category': 'not_possible'},
        {'code': 'Y2', 'meaning': 'Unable to attend: widespread travel disruption', 'category': 'not_possible'},
        {'code': 'Y3', 'meaning': 'Unable to attend: part of school premises closed', 'category': 'not_possible'},
        {'code': 'Y4', 'meaning': 'Unable to attend: whole school site unexpectedly closed', 'category': 'not_possible'},
        {'code': 'Y5', 'meaning': 'Unable to attend: criminal justice detention', 'category': 'not_possible'},
        {'code': 'Y6', 'meaning': 'Unable to attend: public health guidance or law', 'category': 'not_possible'},
        {'code': 'Y7', 'meaning': 'Unable to attend: any other unavoidable cause', 'category': 'not_possible'},
        {'code': 'G', 'meaning': 'Holiday not granted by the school', 'category': 'unauthorised'},
        {'code': 'N', 'meaning': 'Reason not yet provided', 'category': 'unauthorised'},
        {'code': 'O', 'meaning': 'Absent in other or unknown circumstances', 'category': 'unauthorised'},
        {'code': 'U', 'meaning': 'Arrived after the register closed', 'category': 'unauthorised'},
        {'code': 'Z', 'meaning': 'Prospective pupil, not yet on roll', 'category': 'not_possible'},
        {'code': '#', 'meaning': 'Planned whole or partial school closure', 'category': 'not_possible'},
    ])
    # Term dates (LA data; a later year is added by a data migration).
    terms = sa.table('terms', sa.column('academic_year', sa.String), sa.column('name', sa.String),
                     sa.column('start_date', sa.Date), sa.column('end_date', sa.Date),
                     sa.column('half_term_start', sa.Date), sa.column('half_term_end', sa.Date))
    d = date.fromisoformat
    op.bulk_insert(terms, [
        dict(academic_year='2025/26', name='Autumn', start_date=d('2025-09-03'), end_date=d('2025-12-19'),
             half_term_start=d('2025-10-27'), half_term_end=d('2025-10-31')),
        dict(academic_year='2025/26', name='Spring', start_date=d('2026-01-05'), end_date=d('2026-03-27'),
             half_term_start=d('2026-02-16'), half_term_end=d('2026-02-20')),
        dict(academic_year='2025/26', name='Summer', start_date=d('2026-04-13'), end_date=d('2026-07-22'),
             half_term_start=d('2026-05-25'), half_term_end=d('2026-05-29')),
        dict(academic_year='2026/27', name='Autumn', start_date=d('2026-09-03'), end_date=d('2026-12-18'),
             half_term_start=d('2026-10-26'), half_term_end=d('2026-10-30')),
        dict(academic_year='2026/27', name='Spring', start_date=d('2027-01-05'), end_date=d('2027-03-25'),
             half_term_start=d('2027-02-15'), half_term_end=d('2027-02-19')),
        dict(academic_year='2026/27', name='Summer', start_date=d('2027-04-12'), end_date=d('2027-07-21'),
             half_term_start=d('2027-05-31'), half_term_end=d('2027-06-04')),
    ])


def downgrade():
    with op.batch_alter_table('mark_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_changes_pupil_id'))

    op.drop_table('mark_changes')
    op.drop_table('pupil_weeks')
    with op.batch_alter_table('pupil_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_contacts_pupil_id'))

    op.drop_table('pupil_contacts')
    op.drop_table('import_jobs')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_pupil_id'))

    op.drop_table('enrolments')
    op.drop_table('attendance_marks')
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.drop_index('ix_pupils_school_surname')
        batch_op.drop_index(batch_op.f('ix_pupils_school_id'))

    op.drop_table('pupils')
    op.drop_table('terms')
    op.drop_table('register_codes')
