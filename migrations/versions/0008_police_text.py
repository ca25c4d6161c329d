"""chronology entries: the police's own wording (police_text) instead of a police_shareable flag

Portal-written entries carried one text for every audience, so an entry marked shareable
with the police showed them whatever it said (the closure entry's attendance figures).
Each entry now carries the wording the police read, NULL when they do not see it.

Existing entries the police could see are given a police wording here: a person's own
entries (and the sweep encounters the police recorded) keep their words; the portal's own
entries lose what the police must not read (attendance at open and close, a stage change's
reason, the panel); any other kind is taken out of the police view.

Revision ID: 0008_police_text
Revises: 0007_import_origin
Create Date: 2026-12-08 00:00:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_police_text'
down_revision = '0007_import_origin'
branch_labels = None
depends_on = None

# Entries a person writes (and corrections of them), the sweep encounters the police recorded
# themselves and "Referral accepted; case opened with … as lead": the police read the same words.
SAME_WORDS = ("note", "phone_call", "home_visit", "meeting", "letter", "support_offered", "correction", "sweep",
              "triage")


def police_wording(kind: str, text: str) -> str | None:
    """The police wording of an entry written before police_text existed (None: hide it)."""
    if kind in SAME_WORDS:
        return text
    if kind == "decision":
        if text.startswith("Case closed: "):  # "Case closed: <reason>[ – <text>]. Attendance at open …"
            reason = re.split(r" – |\. Attendance at open", text[len("Case closed: "):], maxsplit=1)[0]
            return f"Case closed: {reason.rstrip('.')}."
        if text.startswith(("Case moved from ", "Lead professional changed from ")):
            return text
        return None
    if kind == "stage_change":
        return text.split(" Reason: ", 1)[0]
    if kind == "action":
        return text.replace("Action agreed at the attendance panel for ", "Action agreed for ", 1)
    return None


entries = sa.table("chronology_entries", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                   sa.column("text", sa.Text), sa.column("police_shareable", sa.Boolean),
                   sa.column("health", sa.Boolean), sa.column("police_text", sa.Text))


def upgrade():
    with op.batch_alter_table('chronology_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('police_text', sa.Text(), nullable=True))
    conn = op.get_bind()
    shared = conn.execute(sa.select(entries.c.id, entries.c.kind, entries.c.text)
                          .where(entries.c.police_shareable.is_(True), entries.c.health.is_(False))).all()
    for entry_id, kind, text in shared:
        wording = police_wording(kind, text)
        if wording is not None:
            conn.execute(entries.update().where(entries.c.id == entry_id).values(police_text=wording))
    with op.batch_alter_table('chronology_entries', schema=None) as batch_op:
        batch_op.drop_column('police_shareable')


def downgrade():
    with op.batch_alter_table('chronology_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('police_shareable', sa.Boolean(), nullable=False, server_default=sa.false()))
    conn = op.get_bind()
    conn.execute(entries.update().where(entries.c.police_text.is_not(None)).values(police_shareable=True))
    with op.batch_alter_table('chronology_entries', schema=None) as batch_op:
        batch_op.alter_column('police_shareable', server_default=None)
        batch_op.drop_column('police_text')
