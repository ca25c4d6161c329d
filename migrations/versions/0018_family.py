"""Whole-family cases: the siblings a case covers besides its own child (issue 14.11)

Revision ID: 0018_family
Revises: 0017_tsm
Create Date: 2026-12-02 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_family'
down_revision = "0018_documents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_children',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_children_case_id_cases')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_case_children_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_case_children_added_by_id_users')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_case_children_removed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_children'))
    )
    with op.batch_alter_table('case_children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_children_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_children_pupil_id'), ['pupil_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_children_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_case_children_case_id'))
    op.drop_table('case_children')
