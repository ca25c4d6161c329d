"""Notices to improve, schools' requests for one, and penalty notices (issue 15)

A penalty notice keeps its parent's name beside the contact: removing the contact from the
pupil sets `contact_id` to NULL and leaves the notice (and the three-year cap) intact.

Revision ID: 0019_nti
Revises: 0018_chron_time
Create Date: 2026-12-03 07:36:22.045926

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_nti'
down_revision = '0019_letters'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('nti_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'declined', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_nti_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_nti_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_nti_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_nti_requests_school_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nti_requests'))
    )
    with op.batch_alter_table('nti_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nti_requests_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nti_requests_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nti_requests_status'), ['status'], unique=False)

    op.create_table('notices_to_improve',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('in_period', 'improved', 'not_improved', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('qualifying_start', sa.Date(), nullable=False),
    sa.Column('qualifying_end', sa.Date(), nullable=False),
    sa.Column('unauthorised_sessions', sa.SmallInteger(), nullable=False),
    sa.Column('support_cited', sa.JSON(), nullable=False),
    sa.Column('not_appropriate_rationale', sa.Text(), nullable=False),
    sa.Column('improvement', sa.Text(), nullable=False),
    sa.Column('period_weeks', sa.SmallInteger(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('period_unauthorised', sa.SmallInteger(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notices_to_improve_case_id_cases')),
    sa.ForeignKeyConstraint(['outcome_by_id'], ['users.id'], name=op.f('fk_notices_to_improve_outcome_by_id_users')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_notices_to_improve_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_notices_to_improve_raised_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['nti_requests.id'], name=op.f('fk_notices_to_improve_request_id_nti_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices_to_improve')),
    sa.UniqueConstraint('request_id', name=op.f('uq_notices_to_improve_request_id'))
    )
    with op.batch_alter_table('notices_to_improve', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_to_improve_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_to_improve_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_to_improve_status'), ['status'], unique=False)

    op.create_table('nti_parents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nti_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('parent_name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['pupil_contacts.id'], name=op.f('fk_nti_parents_contact_id_pupil_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['nti_id'], ['notices_to_improve.id'], name=op.f('fk_nti_parents_nti_id_notices_to_improve')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nti_parents'))
    )
    with op.batch_alter_table('nti_parents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nti_parents_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nti_parents_nti_id'), ['nti_id'], unique=False)

    op.create_table('penalty_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('parent_name', sa.String(length=120), nullable=False),
    sa.Column('nti_id', sa.Integer(), nullable=True),
    sa.Column('skip_reason', sa.Text(), nullable=False),
    sa.Column('reason', sa.Enum('term_time_holiday', 'other_unauthorised', name='reason', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('drafted', 'issued', 'paid', 'withdrawn', 'prosecution', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('sequence', sa.SmallInteger(), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('served_by', sa.Enum('hand', 'post', 'email', name='served_by', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('deemed_served_on', sa.Date(), nullable=True),
    sa.Column('amount_first', sa.Integer(), nullable=True),
    sa.Column('pay_first_by', sa.Date(), nullable=True),
    sa.Column('amount_full', sa.Integer(), nullable=True),
    sa.Column('pay_full_by', sa.Date(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_amount', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=False),
    sa.Column('prosecution_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prosecution_by_id', sa.Integer(), nullable=True),
    sa.Column('details_shared', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_penalty_notices_case_id_cases')),
    sa.ForeignKeyConstraint(['contact_id'], ['pupil_contacts.id'], name=op.f('fk_penalty_notices_contact_id_pupil_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['users.id'], name=op.f('fk_penalty_notices_drafted_by_id_users')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_penalty_notices_issued_by_id_users')),
    sa.ForeignKeyConstraint(['nti_id'], ['notices_to_improve.id'], name=op.f('fk_penalty_notices_nti_id_notices_to_improve')),
    sa.ForeignKeyConstraint(['prosecution_by_id'], ['users.id'], name=op.f('fk_penalty_notices_prosecution_by_id_users')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_penalty_notices_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_penalty_notices_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_penalty_notices')),
    sa.UniqueConstraint('number', name=op.f('uq_penalty_notices_number'))
    )
    with op.batch_alter_table('penalty_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_penalty_notices_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_penalty_notices_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_penalty_notices_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_penalty_notices_pay_full_by'), ['pay_full_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_penalty_notices_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_penalty_notices_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('penalty_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_penalty_notices_status'))
        batch_op.drop_index(batch_op.f('ix_penalty_notices_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_penalty_notices_pay_full_by'))
        batch_op.drop_index(batch_op.f('ix_penalty_notices_issued_on'))
        batch_op.drop_index(batch_op.f('ix_penalty_notices_contact_id'))
        batch_op.drop_index(batch_op.f('ix_penalty_notices_case_id'))

    op.drop_table('penalty_notices')
    with op.batch_alter_table('nti_parents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nti_parents_nti_id'))
        batch_op.drop_index(batch_op.f('ix_nti_parents_contact_id'))

    op.drop_table('nti_parents')
    with op.batch_alter_table('notices_to_improve', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_to_improve_status'))
        batch_op.drop_index(batch_op.f('ix_notices_to_improve_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_notices_to_improve_case_id'))

    op.drop_table('notices_to_improve')
    with op.batch_alter_table('nti_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nti_requests_status'))
        batch_op.drop_index(batch_op.f('ix_nti_requests_school_id'))
        batch_op.drop_index(batch_op.f('ix_nti_requests_case_id'))

    op.drop_table('nti_requests')
