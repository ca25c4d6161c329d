"""Documents on a case: letters, contracts, medical evidence and photos of signed forms, each
with its chronology entry; the file itself lives outside the database (DOCUMENTS_DIR)

Revision ID: 0018_documents
Revises: 0017_tsm
Create Date: 2026-12-02 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_documents'
down_revision = '0017_tsm'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('file_type', sa.Enum('pdf', 'png', 'jpeg', 'docx', 'xlsx', 'doc', 'odt', name='file_type',
                                   native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('police_shareable', sa.Boolean(), nullable=False),
    sa.Column('health', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('kept', 'removed', name='status', native_enum=False, create_constraint=True,
                                length=16), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('remove_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_documents_case_id_cases')),
    sa.ForeignKeyConstraint(['entry_id'], ['chronology_entries.id'],
                            name=op.f('fk_case_documents_entry_id_chronology_entries')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_case_documents_removed_by_id_users')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_case_documents_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_documents')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_case_documents_entry_id')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_case_documents_stored_name'))
    )
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_documents_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_documents_case_id'))
    op.drop_table('case_documents')
