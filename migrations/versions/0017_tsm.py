"""Targeting Support Meetings: one per school per term, its invited partners, and the items
recorded at it (per pupil or cohort: the agreed next step, owner, due date; an action)

Revision ID: 0017_tsm
Revises: 0016_reference
Create Date: 2026-12-02 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_tsm'
down_revision = '0016_reference'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('support_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('ewo_id', sa.Integer(), nullable=False),
    sa.Column('school_lead_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('booked', 'held', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('school_actions', sa.Text(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('marked_held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_support_meetings_booked_by_id_users')),
    sa.ForeignKeyConstraint(['ewo_id'], ['users.id'], name=op.f('fk_support_meetings_ewo_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_support_meetings_school_id_organisations')),
    sa.ForeignKeyConstraint(['school_lead_id'], ['users.id'], name=op.f('fk_support_meetings_school_lead_id_users')),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], name=op.f('fk_support_meetings_term_id_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_meetings')),
    sa.UniqueConstraint('school_id', 'term_id', name='uq_support_meetings_school_term')
    )
    with op.batch_alter_table('support_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_meetings_ewo_id'), ['ewo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meetings_held_at'), ['held_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meetings_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meetings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meetings_term_id'), ['term_id'], unique=False)

    op.create_table('support_meeting_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=True),
    sa.Column('cohort', sa.String(length=32), nullable=True),
    sa.Column('discussed', sa.Boolean(), nullable=False),
    sa.Column('next_step', sa.Enum('school_support', 'early_help', 'ewo_referral', 'whole_family', 'no_action', name='next_step', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('owner_org_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_support_meeting_items_completed_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['support_meetings.id'], name=op.f('fk_support_meeting_items_meeting_id_support_meetings')),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_support_meeting_items_owner_org_id_organisations')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_support_meeting_items_owner_user_id_users')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_support_meeting_items_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_support_meeting_items_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_meeting_items'))
    )
    with op.batch_alter_table('support_meeting_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_meeting_items_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meeting_items_owner_org_id'), ['owner_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meeting_items_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meeting_items_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('support_meeting_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['support_meetings.id'], name=op.f('fk_support_meeting_partners_meeting_id_support_meetings')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_support_meeting_partners_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_meeting_partners')),
    sa.UniqueConstraint('meeting_id', 'organisation_id', name='uq_support_meeting_partners')
    )
    with op.batch_alter_table('support_meeting_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_meeting_partners_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_meeting_partners_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('support_meeting_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_meeting_partners_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_support_meeting_partners_meeting_id'))

    op.drop_table('support_meeting_partners')
    with op.batch_alter_table('support_meeting_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_meeting_items_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_support_meeting_items_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_support_meeting_items_owner_org_id'))
        batch_op.drop_index(batch_op.f('ix_support_meeting_items_meeting_id'))

    op.drop_table('support_meeting_items')
    with op.batch_alter_table('support_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_meetings_term_id'))
        batch_op.drop_index(batch_op.f('ix_support_meetings_status'))
        batch_op.drop_index(batch_op.f('ix_support_meetings_school_id'))
        batch_op.drop_index(batch_op.f('ix_support_meetings_held_at'))
        batch_op.drop_index(batch_op.f('ix_support_meetings_ewo_id'))

    op.drop_table('support_meetings')
