"""states as types: a CHECK constraint on every status column; a version on case shares

Each status column keeps its VARCHAR(16) and the values stored today; a CHECK constraint
(named by the metadata's convention: ck_<table>_<column>) now refuses any other value. A row
holding a value outside its states stops the upgrade with the list of them: nothing is
changed behind anyone's back.

Case shares get the version column of the other editable rows (1 for the existing ones), so
two simultaneous withdrawals of one share give one withdrawal and one conflict.

On SQLite every table here is recreated (batch mode), with foreign keys off (migrations/env.py)
and checked before the end.

Revision ID: 0010_states
Revises: 0009_two_factor
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_states'
down_revision = '0009_two_factor'
branch_labels = None
depends_on = None

# (table, column): its states, as the models' enums list them on this day.
STATES = {
    ('referrals', 'status'): ('draft', 'submitted', 'more_info', 'accepted', 'declined'),
    ('cases', 'status'): ('open', 'monitoring', 'closed'),
    ('actions', 'status'): ('open', 'done', 'cancelled'),
    ('panel_meetings', 'status'): ('scheduled', 'published', 'held'),
    ('encounters', 'match_status'): ('unmatched', 'matched', 'no_match'),
    ('follow_ups', 'status'): ('open', 'done'),
    ('import_jobs', 'status'): ('queued', 'running', 'done', 'failed'),
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _refuse_strays(conn) -> None:
    strays = []
    for (table, column), values in STATES.items():
        col = sa.column(column, sa.String)
        rows = conn.execute(sa.select(col, sa.func.count()).select_from(sa.table(table, col))
                            .where(sa.or_(col.is_(None), col.not_in(values))).group_by(col)).all()
        strays += [f"{table}.{column} = {value!r} ({count} rows)" for value, count in rows]
    if strays:
        raise RuntimeError("Values outside their states; correct them, then upgrade again: " + "; ".join(strays))


def _check_foreign_keys(conn) -> None:
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"Foreign keys broken by the upgrade: {broken[:10]}")


def upgrade():
    conn = op.get_bind()
    _refuse_strays(conn)
    for (table, column), values in STATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'), _condition(column, values))
    with op.batch_alter_table('case_shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('case_shares', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)
    _check_foreign_keys(conn)


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table('case_shares', schema=None) as batch_op:
        batch_op.drop_column('version')
    for table, column in STATES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
    _check_foreign_keys(conn)
