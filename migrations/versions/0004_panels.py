"""panels

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:38:28.570969

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('panel_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('online_link', sa.String(length=500), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_panel_meetings_chair_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_meetings'))
    )
    with op.batch_alter_table('panel_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_meetings_chair_id'), ['chair_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_meetings_held_at'), ['held_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_meetings_status'), ['status'], unique=False)

    op.create_table('panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.Column('apologies', sa.Boolean(), nullable=False),
    sa.Column('confidentiality_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['panel_meetings.id'], name=op.f('fk_panel_members_meeting_id_panel_meetings')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_panel_members_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_panel_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members')),
    sa.UniqueConstraint('meeting_id', 'user_id', name='uq_panel_members_meeting_user')
    )
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_members_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_members_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_members_user_id'), ['user_id'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('slot_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('reason_added', sa.Text(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_agenda_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_agenda_items_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['panel_meetings.id'], name=op.f('fk_agenda_items_meeting_id_panel_meetings')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_agenda_items_removed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('panel_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=32), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_panel_decisions_agenda_item_id_agenda_items')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_panel_decisions_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_panel_decisions_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_decisions')),
    sa.UniqueConstraint('agenda_item_id', name=op.f('uq_panel_decisions_agenda_item_id'))
    )
    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_decisions_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('panel_decision_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_actions_panel_decision_id'), ['panel_decision_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_actions_panel_decision_id_panel_decisions'), 'panel_decisions', ['panel_decision_id'], ['id'])



def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_actions_panel_decision_id_panel_decisions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_actions_panel_decision_id'))
        batch_op.drop_column('panel_decision_id')

    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_decisions_case_id'))

    op.drop_table('panel_decisions')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_case_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_panel_members_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_panel_members_meeting_id'))

    op.drop_table('panel_members')
    with op.batch_alter_table('panel_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_meetings_status'))
        batch_op.drop_index(batch_op.f('ix_panel_meetings_held_at'))
        batch_op.drop_index(batch_op.f('ix_panel_meetings_chair_id'))

    op.drop_table('panel_meetings')
