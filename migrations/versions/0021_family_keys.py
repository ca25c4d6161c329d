"""Siblings are found through indexes (issue 16): the e-mail and phone keys of parent/carer
contacts and the postcode key of pupils, each an index on the expression the search spells
(portal/pupils/models.py); a case page no longer scans every contact of the LA

Revision ID: 0021_family_keys
Revises: 0020_import
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_family_keys'
down_revision = '0020_import'
branch_labels = None
depends_on = None

PHONE = "phone"
for _char in (" ", "-", "(", ")", ".", "+"):
    PHONE = f"replace({PHONE}, '{_char}', '')"


def upgrade():
    op.create_index('ix_pupil_contacts_email_key', 'pupil_contacts', [sa.text("lower(trim(email))")])
    op.create_index('ix_pupil_contacts_phone_key', 'pupil_contacts', [sa.text(PHONE)])
    op.create_index('ix_pupils_postcode_key', 'pupils', [sa.text("upper(replace(postcode, ' ', ''))")])


def downgrade():
    op.drop_index('ix_pupils_postcode_key', table_name='pupils')
    op.drop_index('ix_pupil_contacts_phone_key', table_name='pupil_contacts')
    op.drop_index('ix_pupil_contacts_email_key', table_name='pupil_contacts')
