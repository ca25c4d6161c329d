"""panel attendance per person, and wrong sweep matches undone

- panel_members.person_name: someone who attended (or sent apologies) for an agency without
  being invited by name or having an account (the chair records them on the run screen);
- follow_ups: a follow-up can be cancelled (a wrong match undone, with who, when and why), so
  an encounter may have a cancelled follow-up and, after a new match, a live one: the unique
  constraint on encounter_id becomes an index.

Revision ID: 0018_panel_people
Revises: 0017_tsm
Create Date: 2026-12-02 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_panel_people'
down_revision = "0018_refs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_name', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.alter_column('person_name', server_default=None)
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_ups_status'), type_='check')
        batch_op.drop_constraint(op.f('uq_follow_ups_encounter_id'), type_='unique')
        batch_op.add_column(sa.Column('cancelled_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.alter_column('cancelled_reason', server_default=None)
        batch_op.create_check_constraint(op.f('ck_follow_ups_status'), "status IN ('open', 'done', 'cancelled')")
        batch_op.create_index(batch_op.f('ix_follow_ups_encounter_id'), ['encounter_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_follow_ups_cancelled_by_id_users'), 'users',
                                    ['cancelled_by_id'], ['id'])


def downgrade():
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM follow_ups WHERE status = 'cancelled'")).scalar():
        raise RuntimeError("Cancelled follow-ups exist: they cannot be kept by the older schema.")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_follow_ups_cancelled_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_follow_ups_encounter_id'))
        batch_op.drop_constraint(op.f('ck_follow_ups_status'), type_='check')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_reason')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_follow_ups_status'), "status IN ('open', 'done')")
        batch_op.create_unique_constraint(batch_op.f('uq_follow_ups_encounter_id'), ['encounter_id'])
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_column('person_name')
