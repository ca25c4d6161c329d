"""Amended marks, as the register shows them: for each session changed by a later import, the
original and the amended entry, the reason, when, and the name and position of who made it
(The School Attendance (Pupil Registration) (England) Regulations 2024)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.attendance.models import MarkChange
from portal.extensions import db


def amendments_for(pupil_id: int, start: date, end: date) -> dict[tuple[date, str], list[MarkChange]]:
    """{(date, session): its amendments, oldest first} for a pupil's register from start to end."""
    out: dict[tuple[date, str], list[MarkChange]] = {}
    for change in db.session.scalars(
            select(MarkChange).where(MarkChange.pupil_id == pupil_id, MarkChange.date >= start,
                                     MarkChange.date <= end)
            .order_by(MarkChange.date, MarkChange.session, MarkChange.changed_at, MarkChange.id)):
        out.setdefault((change.date, change.session), []).append(change)
    return out
