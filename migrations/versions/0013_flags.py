"""statutory flags: every crossing of the penalty-notice threshold, and each pupil's flags

`threshold_crossings` keeps each dated crossing of 10 unauthorised sessions in a rolling 10
school weeks; `pupil_flags` holds the statutory and practice flags that apply to a pupil this
academic year (rebuilt by every marks import for its pupils and daily by
`flask --app portal attendance refresh-flags`). Both are filled by the first refresh.

Revision ID: 0013_flags
Revises: 0014_settings
Create Date: 2026-12-02 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_flags'
down_revision = '0014_settings'
branch_labels = None
depends_on = None

FLAG_KINDS = ("unauthorised_10_weeks", "unauthorised_10_days", "absent_20_days", "illness_15_days",
              "falling_attendance")


def upgrade():
    op.create_table('threshold_crossings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('unauthorised', sa.SmallInteger(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_threshold_crossings_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threshold_crossings')),
    sa.UniqueConstraint('pupil_id', 'window_start', name=op.f('uq_threshold_crossings_pupil_id')),
    )
    with op.batch_alter_table('threshold_crossings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_threshold_crossings_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('pupil_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=24), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.Column('to_date', sa.Date(), nullable=False),
    sa.Column('figure', sa.Integer(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("flag IN (" + ", ".join(f"'{k}'" for k in FLAG_KINDS) + ")",
                       name=op.f('ck_pupil_flags_flag')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_pupil_flags_pupil_id_pupils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_flags')),
    sa.UniqueConstraint('pupil_id', 'flag', 'from_date', name=op.f('uq_pupil_flags_pupil_id')),
    )
    with op.batch_alter_table('pupil_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_flags_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index('ix_pupil_flags_flag_pupil_id', ['flag', 'pupil_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pupil_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_pupil_flags_flag_pupil_id')
        batch_op.drop_index(batch_op.f('ix_pupil_flags_pupil_id'))
    op.drop_table('pupil_flags')
    with op.batch_alter_table('threshold_crossings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_threshold_crossings_pupil_id'))
    op.drop_table('threshold_crossings')
