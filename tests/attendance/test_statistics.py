"""Issue 16, PostgreSQL: after a marks import (and the demo seed) the planner knows the tables'
sizes at once; before autovacuum got to them it planned a school as one pupil and one week."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from portal.attendance import imports
from portal.attendance.models import AttendanceMark, ImportJob
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY
from tests.factories import make_pupil

pytestmark = pytest.mark.skipif("postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
                                reason="PostgreSQL's planner statistics")


def _estimated(table: str) -> float:
    return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table})


def test_a_marks_import_leaves_the_planner_knowing_how_many_marks_there_are(world, tmp_path):
    upns = [make_pupil(world.school_a).upn for _ in range(4)]
    db.session.commit()
    lines = ["upn,date,session,code"]
    for upn in upns:
        for d in range(5):
            day = (date(2026, 11, 16) + timedelta(days=d)).isoformat()
            lines += [f"{upn},{day},AM,/", f"{upn},{day},PM,N"]
    path = tmp_path / "marks.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job = ImportJob(kind="marks", school_id=None, status="running", filename="marks.csv", path=str(path),
                    size_bytes=os.path.getsize(path))
    db.session.add(job)
    db.session.commit()

    with clock.on(TODAY):
        done = imports.import_marks(db.session.get(ImportJob, job.id), today=TODAY)
    assert done.status == "done"
    db.session.commit()
    marks = db.session.scalar(select(func.count()).select_from(AttendanceMark))
    assert marks == 40
    assert _estimated("attendance_marks") == marks  # ANALYZE counted them (never analysed: -1)
    assert _estimated("pupils") == 4
