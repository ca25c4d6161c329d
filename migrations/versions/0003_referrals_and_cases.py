"""referrals and cases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:09:49.349193

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails'))
    )
    op.create_table('stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('term1_days', sa.SmallInteger(), nullable=True),
    sa.Column('term2_days', sa.SmallInteger(), nullable=True),
    sa.Column('term3_days', sa.SmallInteger(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stages')),
    sa.UniqueConstraint('position', name=op.f('uq_stages_position'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('barriers', sa.JSON(), nullable=False),
    sa.Column('stage_reached', sa.SmallInteger(), nullable=True),
    sa.Column('school_actions', sa.Text(), nullable=False),
    sa.Column('consent', sa.String(length=16), nullable=False),
    sa.Column('lawful_basis', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('safeguarding_concern', sa.Boolean(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('triaged_by_id', sa.Integer(), nullable=True),
    sa.Column('triaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('triage_message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_referrals_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_referrals_school_id_organisations')),
    sa.ForeignKeyConstraint(['triaged_by_id'], ['users.id'], name=op.f('fk_referrals_triaged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closure_reason', sa.String(length=32), nullable=True),
    sa.Column('closure_text', sa.Text(), nullable=False),
    sa.Column('attendance_at_open', sa.JSON(), nullable=True),
    sa.Column('attendance_at_close', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_cases_lead_id_users')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_cases_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_cases_referral_id_referrals')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_cases_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('referral_id', name=op.f('uq_cases_referral_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('referral_additions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_referral_additions_author_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_additions_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_additions'))
    )
    with op.batch_alter_table('referral_additions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_additions_referral_id'), ['referral_id'], unique=False)

    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('owner_org_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('police_shareable', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_actions_case_id_cases')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_actions_completed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_actions_owner_org_id_organisations')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_actions_owner_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_owner_org_id'), ['owner_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_owner_user_id'), ['owner_user_id'], unique=False)

    op.create_table('case_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_shares_case_id_cases')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_case_shares_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], name=op.f('fk_case_shares_shared_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_case_shares_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_shares'))
    )
    with op.batch_alter_table('case_shares', schema=None) as batch_op:
        batch_op.create_index('ix_case_shares_active', ['organisation_id', 'withdrawn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_shares_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_shares_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('chronology_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('police_shareable', sa.Boolean(), nullable=False),
    sa.Column('health', sa.Boolean(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('struck_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('struck_by_id', sa.Integer(), nullable=True),
    sa.Column('strike_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_chronology_entries_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_chronology_entries_case_id_cases')),
    sa.ForeignKeyConstraint(['corrects_id'], ['chronology_entries.id'], name=op.f('fk_chronology_entries_corrects_id_chronology_entries')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_chronology_entries_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['struck_by_id'], ['users.id'], name=op.f('fk_chronology_entries_struck_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronology_entries'))
    )
    with op.batch_alter_table('chronology_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chronology_entries_case_id'), ['case_id'], unique=False)


    # The graduated response (DOMAIN.md): a trust's school stages with the default per-term
    # thresholds in days absent (0 = any absence), then the stages beyond the school.
    stages = sa.table('stages', sa.column('position', sa.SmallInteger), sa.column('name', sa.String),
                      sa.column('level', sa.String), sa.column('term1_days', sa.SmallInteger),
                      sa.column('term2_days', sa.SmallInteger), sa.column('term3_days', sa.SmallInteger),
                      sa.column('version', sa.Integer))
    op.bulk_insert(stages, [
        dict(position=1, name='Stage 1: first-day absence call home', level='support',
             term1_days=0, term2_days=0, term3_days=0, version=1),
        dict(position=2, name='Stage 2: tutor meeting, targets set', level='support',
             term1_days=3, term2_days=5, term3_days=7, version=1),
        dict(position=3, name='Stage 3: year leader meeting, targets and support reviewed', level='support',
             term1_days=6, term2_days=8, term3_days=10, version=1),
        dict(position=4, name='Stage 4: senior leader meeting', level='support',
             term1_days=9, term2_days=11, term3_days=13, version=1),
        dict(position=5, name='LA support: education welfare officer', level='support', term1_days=None, term2_days=None, term3_days=None, version=1),
        dict(position=6, name='Multi-agency attendance panel', level='support', term1_days=None, term2_days=None, term3_days=None, version=1),
        dict(position=7, name='Formal support: attendance or parenting contract, education supervision order',
             level='formal', term1_days=None, term2_days=None, term3_days=None, version=1),
        dict(position=8, name='Enforcement: notice to improve, penalty notice or prosecution',
             level='enforcement', term1_days=None, term2_days=None, term3_days=None, version=1),
    ])


def downgrade():
    with op.batch_alter_table('chronology_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chronology_entries_case_id'))

    op.drop_table('chronology_entries')
    with op.batch_alter_table('case_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_shares_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_case_shares_case_id'))
        batch_op.drop_index('ix_case_shares_active')

    op.drop_table('case_shares')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actions_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_actions_owner_org_id'))
        batch_op.drop_index(batch_op.f('ix_actions_case_id'))

    op.drop_table('actions')
    with op.batch_alter_table('referral_additions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_additions_referral_id'))

    op.drop_table('referral_additions')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_cases_lead_id'))

    op.drop_table('cases')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_school_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_pupil_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')

    op.drop_table('notifications')
    op.drop_table('stages')
    op.drop_table('outbox_emails')
