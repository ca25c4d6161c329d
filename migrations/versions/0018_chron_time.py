"""Chronology entries record whether the time of day was given (issue 14.7)

Entries took only a date and were stored at an invented 12:00 (London); now a person may give the
time it happened, and the time is shown only when it was given.

Existing rows: entries the portal writes itself (triage, stage, action, sweep, panel ...) carry
the real time of the event, so they keep `time_given` true. Entries people typed were stored at
12:00:00 London exactly when the day was in the past (or at the moment of saving when it was
today, which is a real time): those at exactly 12:00:00.000000 London are marked as date-only.

Revision ID: 0018_chron_time
Revises: 0018_panel_people
Create Date: 2026-12-02 17:50:00

"""
from datetime import timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0018_chron_time'
down_revision = '0018_panel_people'
branch_labels = None
depends_on = None

MANUAL_KINDS = ("note", "phone_call", "home_visit", "meeting", "letter", "support_offered", "support_plan",
                "support_not_appropriate", "correction")


def upgrade():
    with op.batch_alter_table('chronology_entries') as batch:
        batch.add_column(sa.Column('time_given', sa.Boolean(), nullable=False, server_default=sa.true()))
    entries = sa.table('chronology_entries', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                       sa.column('occurred_at', sa.DateTime(timezone=True)), sa.column('time_given', sa.Boolean))
    bind = op.get_bind()
    london = ZoneInfo("Europe/London")
    noon = []
    for entry_id, occurred in bind.execute(sa.select(entries.c.id, entries.c.occurred_at)
                                           .where(entries.c.kind.in_(MANUAL_KINDS))):
        if occurred is None:
            continue
        if occurred.tzinfo is None:  # SQLite hands back naive UTC
            occurred = occurred.replace(tzinfo=timezone.utc)
        local = occurred.astimezone(london)
        if (local.hour, local.minute, local.second, local.microsecond) == (12, 0, 0, 0):
            noon.append(entry_id)
    for start in range(0, len(noon), 500):
        bind.execute(sa.update(entries).where(entries.c.id.in_(noon[start:start + 500])).values(time_given=False))


def downgrade():
    with op.batch_alter_table('chronology_entries') as batch:
        batch.drop_column('time_given')
