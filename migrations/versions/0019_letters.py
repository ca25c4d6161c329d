"""Letters (issue 15): templates kept by LA admins, each save an immutable version, and the
letters drafted from them (one per liable parent), frozen as a PDF when sent. The default
templates are added by the app on first use (`letters.service.ensure_default_templates`).

Revision ID: 0019_letters
Revises: 0018_chron_time
Create Date: 2026-12-03 07:38:28.648081

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_letters'
down_revision = '0019_steps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('audience', sa.Enum('la', 'school', name='audience', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('penalty_detail', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['retired_by_id'], ['users.id'], name=op.f('fk_letter_templates_retired_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_templates')),
    sa.UniqueConstraint('key', name=op.f('uq_letter_templates_key')),
    sa.UniqueConstraint('name', name=op.f('uq_letter_templates_name'))
    )
    op.create_table('letter_template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_letter_template_versions_author_id_users')),
    sa.ForeignKeyConstraint(['template_id'], ['letter_templates.id'], name=op.f('fk_letter_template_versions_template_id_letter_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template_versions')),
    sa.UniqueConstraint('template_id', 'number', name='uq_letter_template_versions_number')
    )
    with op.batch_alter_table('letter_template_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_template_versions_template_id'), ['template_id'], unique=False)

    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('la', 'school', name='audience', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('penalty_detail', sa.Boolean(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('draft', 'sent', 'discarded', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('discarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discarded_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_letters_case_id_cases')),
    sa.ForeignKeyConstraint(['contact_id'], ['pupil_contacts.id'], name=op.f('fk_letters_contact_id_pupil_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_letters_created_by_id_users')),
    sa.ForeignKeyConstraint(['discarded_by_id'], ['users.id'], name=op.f('fk_letters_discarded_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['case_documents.id'], name=op.f('fk_letters_document_id_case_documents')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_letters_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_letters_sent_by_id_users')),
    sa.ForeignKeyConstraint(['template_version_id'], ['letter_template_versions.id'], name=op.f('fk_letters_template_version_id_letter_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_status'))
        batch_op.drop_index(batch_op.f('ix_letters_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_letters_case_id'))

    op.drop_table('letters')
    with op.batch_alter_table('letter_template_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_template_versions_template_id'))

    op.drop_table('letter_template_versions')
    op.drop_table('letter_templates')
