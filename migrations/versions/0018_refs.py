"""Referral answers the school must choose (consent, urgency, safeguarding concern) may be left
unanswered in a draft: nothing is preselected, and a submission needs each of them (issue 14.4)

Revision ID: 0018_refs
Revises: 0017_tsm
Create Date: 2026-12-02 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_refs'
down_revision = "0018_family"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.alter_column('consent', existing_type=sa.String(length=16), nullable=True)
        batch_op.alter_column('urgency', existing_type=sa.String(length=16), nullable=True)
        batch_op.alter_column('safeguarding_concern', existing_type=sa.Boolean(), nullable=True)


def downgrade():
    referrals = sa.table('referrals', sa.column('consent', sa.String(16)), sa.column('urgency', sa.String(16)),
                         sa.column('safeguarding_concern', sa.Boolean()))
    op.execute(referrals.update().where(referrals.c.consent.is_(None)).values(consent='not_sought'))
    op.execute(referrals.update().where(referrals.c.urgency.is_(None)).values(urgency='routine'))
    op.execute(referrals.update().where(referrals.c.safeguarding_concern.is_(None))
               .values(safeguarding_concern=False))
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.alter_column('consent', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('urgency', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('safeguarding_concern', existing_type=sa.Boolean(), nullable=False)
