"""Dip-sampling of cases (issue 17): the team-manager flag on users, the audit form's versions
and criteria (version 1 seeded), the samples drawn, the audit of each sampled case and its
grades

Revision ID: 0025_dip_sampling
Revises: 0024_self_assessment
Create Date: 2026-12-05 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_dip_sampling'
down_revision = '0024_self_assessment'
branch_labels = None
depends_on = None

GRADES = ('good', 'requires_improvement', 'inadequate')
CRITERIA = (
    ("The child's voice is recorded",
     "The child's own views, wishes and feelings about school are recorded, in their words where possible."),
    ("Barriers are identified and addressed",
     "The barriers to attendance are named, and the support or action on each one is recorded."),
    ("Support offered before formal steps (support first)",
     "Support was offered and reviewed before any formal or enforcement step, or why it was not appropriate is "
     "recorded."),
    ("Actions are specific, with owners and dates",
     "Each agreed action says what will happen, who owns it and by when."),
    ("Reviews are on time", "The case was reviewed by its review dates, and the reviews are recorded."),
    ("Information shared with the right agencies, and why",
     "The case was shared with the agencies that needed it, and the reason for each share is recorded."),
    ("The outcome is recorded", "What changed for the child (attendance, support in place, closure reason) is "
                                "recorded."),
)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_manager', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table('audit_form_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_form_versions')),
    sa.UniqueConstraint('number', name=op.f('uq_audit_form_versions_number'))
    )
    op.create_table('audit_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['audit_form_versions.id'], name=op.f('fk_audit_criteria_form_id_audit_form_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_criteria'))
    )
    with op.batch_alter_table('audit_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_criteria_form_id'), ['form_id'], unique=False)

    op.create_table('dip_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('seed_given', sa.Boolean(), nullable=False),
    sa.Column('population', sa.Enum('open', 'closed', name='population', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('closed_from', sa.Date(), nullable=True),
    sa.Column('closed_to', sa.Date(), nullable=True),
    sa.Column('population_size', sa.Integer(), nullable=False),
    sa.Column('strata', sa.JSON(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_dip_samples_drawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dip_samples'))
    )
    with op.batch_alter_table('dip_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dip_samples_drawn_by_id'), ['drawn_by_id'], unique=False)

    op.create_table('case_audits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=True),
    sa.Column('form_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'draft', 'complete', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('overall_grade', sa.Enum(*GRADES, name='overall_grade', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('learning_points', sa.Text(), nullable=False),
    sa.Column('auditor_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sample_id'], ['dip_samples.id'], name=op.f('fk_case_audits_sample_id_dip_samples')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_audits_case_id_cases')),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_case_audits_lead_id_users')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_case_audits_stage_id_stages')),
    sa.ForeignKeyConstraint(['form_id'], ['audit_form_versions.id'], name=op.f('fk_case_audits_form_id_audit_form_versions')),
    sa.ForeignKeyConstraint(['auditor_id'], ['users.id'], name=op.f('fk_case_audits_auditor_id_users')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_case_audits_acknowledged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_audits')),
    sa.UniqueConstraint('sample_id', 'case_id', name='uq_case_audits_sample_case')
    )
    with op.batch_alter_table('case_audits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_audits_sample_id'), ['sample_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_audits_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_audits_lead_id'), ['lead_id'], unique=False)

    op.create_table('case_audit_grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum(*GRADES, name='grade', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['case_audits.id'], name=op.f('fk_case_audit_grades_audit_id_case_audits')),
    sa.ForeignKeyConstraint(['criterion_id'], ['audit_criteria.id'], name=op.f('fk_case_audit_grades_criterion_id_audit_criteria')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_audit_grades')),
    sa.UniqueConstraint('audit_id', 'criterion_id', name='uq_case_audit_grades_audit_criterion')
    )
    with op.batch_alter_table('case_audit_grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_audit_grades_audit_id'), ['audit_id'], unique=False)

    # version 1 of the audit form, published
    forms = sa.table('audit_form_versions', sa.column('id', sa.Integer()), sa.column('number', sa.SmallInteger()),
                     sa.column('status', sa.String()), sa.column('created_at', sa.DateTime(timezone=True)),
                     sa.column('published_at', sa.DateTime(timezone=True)), sa.column('version', sa.Integer()))
    now = sa.func.now()
    op.execute(forms.insert().values(number=1, status='published', created_at=now, published_at=now, version=1))
    form_id = op.get_bind().execute(sa.select(forms.c.id).where(forms.c.number == 1)).scalar()
    criteria = sa.table('audit_criteria', sa.column('form_id', sa.Integer()), sa.column('position', sa.SmallInteger()),
                        sa.column('title', sa.String()), sa.column('guidance', sa.Text()),
                        sa.column('version', sa.Integer()))
    op.bulk_insert(criteria, [{'form_id': form_id, 'position': i, 'title': title, 'guidance': guidance, 'version': 1}
                              for i, (title, guidance) in enumerate(CRITERIA, start=1)])


def downgrade():
    op.drop_table('case_audit_grades')
    op.drop_table('case_audits')
    op.drop_table('dip_samples')
    op.drop_table('audit_criteria')
    op.drop_table('audit_form_versions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('team_manager')
