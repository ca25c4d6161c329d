"""sweeps

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 00:02:54.232381

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sweeps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('area', sa.String(length=300), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sweeps_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_sweeps_lead_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweeps'))
    )
    with op.batch_alter_table('sweeps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweeps_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweeps_lead_id'), ['lead_id'], unique=False)

    op.create_table('encounters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('forename', sa.String(length=100), nullable=False),
    sa.Column('surname', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('age', sa.SmallInteger(), nullable=True),
    sa.Column('school_status', sa.String(length=16), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('school_given', sa.String(length=200), nullable=False),
    sa.Column('exclusion', sa.String(length=16), nullable=False),
    sa.Column('accompanied', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reason_accepted', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('concern', sa.Boolean(), nullable=False),
    sa.Column('concern_note', sa.Text(), nullable=False),
    sa.Column('match_status', sa.String(length=16), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=True),
    sa.Column('matched_by_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('match_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['matched_by_id'], ['users.id'], name=op.f('fk_encounters_matched_by_id_users')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_encounters_officer_id_users')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_encounters_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_encounters_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_encounters_school_id_organisations')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeps.id'], name=op.f('fk_encounters_sweep_id_sweeps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounters'))
    )
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_encounters_match_status'), ['match_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounters_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounters_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounters_sweep_id'), ['sweep_id'], unique=False)
        batch_op.create_index('ix_encounters_sweep_recorder', ['sweep_id', 'recorded_by_id'], unique=False)

    op.create_table('sweep_agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_sweep_agencies_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeps.id'], name=op.f('fk_sweep_agencies_sweep_id_sweeps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_agencies')),
    sa.UniqueConstraint('sweep_id', 'organisation_id', name='uq_sweep_agencies_sweep_org')
    )
    with op.batch_alter_table('sweep_agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_agencies_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_agencies_sweep_id'), ['sweep_id'], unique=False)

    op.create_table('sweep_officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeps.id'], name=op.f('fk_sweep_officers_sweep_id_sweeps')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sweep_officers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_officers')),
    sa.UniqueConstraint('sweep_id', 'user_id', name='uq_sweep_officers_sweep_user')
    )
    with op.batch_alter_table('sweep_officers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_officers_sweep_id'), ['sweep_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sweep_officers_user_id'), ['user_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('encounter_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('ewo_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('contact_outcome', sa.String(length=16), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_follow_ups_completed_by_id_users')),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_follow_ups_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['ewo_id'], ['users.id'], name=op.f('fk_follow_ups_ewo_id_users')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_follow_ups_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_follow_ups_school_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('encounter_id', name=op.f('uq_follow_ups_encounter_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_ewo_id'), ['ewo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_status'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_school_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_ewo_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_due_on'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('sweep_officers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_officers_user_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_officers_sweep_id'))

    op.drop_table('sweep_officers')
    with op.batch_alter_table('sweep_agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_agencies_sweep_id'))
        batch_op.drop_index(batch_op.f('ix_sweep_agencies_organisation_id'))

    op.drop_table('sweep_agencies')
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_index('ix_encounters_sweep_recorder')
        batch_op.drop_index(batch_op.f('ix_encounters_sweep_id'))
        batch_op.drop_index(batch_op.f('ix_encounters_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_encounters_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_encounters_match_status'))

    op.drop_table('encounters')
    with op.batch_alter_table('sweeps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweeps_lead_id'))
        batch_op.drop_index(batch_op.f('ix_sweeps_held_on'))

    op.drop_table('sweeps')
