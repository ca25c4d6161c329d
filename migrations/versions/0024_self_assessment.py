"""The school attendance self-assessment (issue 17): the questionnaire's versions and areas, each
school's assessment of an academic year (one per school per year), its answers per area and the
files attached as evidence. Version 1 of the questionnaire is written by the portal on first use
(`portal.selfassessment.questions.ensure_questionnaire`).

Revision ID: 0024_self_assessment
Revises: 0023_records_version
Create Date: 2026-12-05 21:33:55.100396

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_self_assessment'
down_revision = '0023_records_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('self_assessment_questionnaires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_self_assessment_questionnaires_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment_questionnaires')),
    sa.UniqueConstraint('number', name=op.f('uq_self_assessment_questionnaires_number'))
    )
    op.create_table('self_assessment_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('good_looks_like', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['self_assessment_questionnaires.id'], name=op.f('fk_self_assessment_areas_questionnaire_id_self_assessment_questionnaires')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment_areas')),
    sa.UniqueConstraint('questionnaire_id', 'key', name='uq_self_assessment_areas_key')
    )
    with op.batch_alter_table('self_assessment_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessment_areas_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('self_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('academic_year', sa.String(length=7), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'reviewed', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['self_assessment_questionnaires.id'], name=op.f('fk_self_assessments_questionnaire_id_self_assessment_questionnaires')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_self_assessments_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_self_assessments_school_id_organisations')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_self_assessments_started_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_self_assessments_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessments')),
    sa.UniqueConstraint('school_id', 'academic_year', name='uq_self_assessments_school_year')
    )
    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessments_academic_year'), ['academic_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_assessments_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_assessments_status'), ['status'], unique=False)

    op.create_table('self_assessment_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Enum('red', 'amber', 'green', name='rating', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('action_owner_id', sa.Integer(), nullable=True),
    sa.Column('action_due', sa.Date(), nullable=True),
    sa.Column('action_status', sa.Enum('open', 'done', name='action_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('action_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action_done_by_id', sa.Integer(), nullable=True),
    sa.Column('review', sa.Enum('agree', 'challenge', name='review', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_done_by_id'], ['users.id'], name=op.f('fk_self_assessment_answers_action_done_by_id_users')),
    sa.ForeignKeyConstraint(['action_owner_id'], ['users.id'], name=op.f('fk_self_assessment_answers_action_owner_id_users')),
    sa.ForeignKeyConstraint(['area_id'], ['self_assessment_areas.id'], name=op.f('fk_self_assessment_answers_area_id_self_assessment_areas')),
    sa.ForeignKeyConstraint(['assessment_id'], ['self_assessments.id'], name=op.f('fk_self_assessment_answers_assessment_id_self_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment_answers')),
    sa.UniqueConstraint('assessment_id', 'area_id', name='uq_self_assessment_answers_area')
    )
    with op.batch_alter_table('self_assessment_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessment_answers_action_owner_id'), ['action_owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_assessment_answers_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('self_assessment_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('file_type', sa.Enum('pdf', 'png', 'jpeg', 'docx', 'xlsx', 'doc', 'odt', name='file_type', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['self_assessments.id'], name=op.f('fk_self_assessment_evidence_assessment_id_self_assessments')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_self_assessment_evidence_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_self_assessment_evidence_stored_name'))
    )
    with op.batch_alter_table('self_assessment_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessment_evidence_assessment_id'), ['assessment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('self_assessment_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessment_evidence_assessment_id'))

    op.drop_table('self_assessment_evidence')
    with op.batch_alter_table('self_assessment_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessment_answers_assessment_id'))
        batch_op.drop_index(batch_op.f('ix_self_assessment_answers_action_owner_id'))

    op.drop_table('self_assessment_answers')
    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessments_status'))
        batch_op.drop_index(batch_op.f('ix_self_assessments_school_id'))
        batch_op.drop_index(batch_op.f('ix_self_assessments_academic_year'))

    op.drop_table('self_assessments')
    with op.batch_alter_table('self_assessment_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessment_areas_questionnaire_id'))

    op.drop_table('self_assessment_areas')
    op.drop_table('self_assessment_questionnaires')
