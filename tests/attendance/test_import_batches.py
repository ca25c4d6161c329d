"""The import checks a file BATCH rows at a time: a batch of well-formed rows column by column,
any other batch row by row. The errors, and what is stored, must not depend on where the
batches fall (here batches of 3 rows, staged 2 rows per INSERT)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.attendance import imports
from portal.attendance.models import AttendanceMark, PupilWeek, SchoolClosure
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY, latest_job, marks_csv, upload
from tests.factories import make_pupil

CLOSED = "the school was closed on 19 November 2026 (INSET or closure day)"


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def _upload(client, rows, monkeypatch, batch: int | None):
    if batch is not None:
        monkeypatch.setattr(imports, "BATCH", batch)
        monkeypatch.setattr(imports, "ROWS_PER_INSERT", 2)
    upload(client, marks_csv(rows))
    return latest_job()


def _file_with_problems(p, q):
    return [
        (p.upn, "2026-11-16", "AM", "/"), (p.upn, "2026-11-16", "PM", "\\"), (q.upn, "2026-11-16", "AM", "/"),
        (q.upn, "2026-11-19", "AM", "#"), (p.upn, "2026-11-17", "AM", "N"), (p.upn, "2026-11-17", "PM", "I"),
        (p.upn.lower(), "2026-11-18", "AM", "/"), (p.upn, "2026-11-18", "pm", "/"), (p.upn, "2026-11-19", "AM", "/"),
        (q.upn, "2026-11-17", "AM", "L"), (q.upn, "2026-11-17", "PM", "L"), (q.upn, "2026-11-16", "AM", "O"),
        ("N999999999999", "2026-11-20", "AM", "/"), (p.upn, "2026-11-31", "AM", "/"), (p.upn, "2026-11-20", "AM", "ZZ"),
        (p.upn, "2026-11-20", "PM"), (p.upn, "2026-11-16", "AM", "U"),
    ]


@pytest.mark.parametrize("batch", [3, 4, 5])
def test_the_same_errors_whatever_the_batches(client, world, monkeypatch, batch):
    p, q = make_pupil(world.school_a), make_pupil(world.school_a)
    db.session.add(SchoolClosure(school_id=world.school_a.id, date=date(2026, 11, 19), kind="inset"))
    db.session.commit()
    client.login(world.user("school_staff"))
    rows = _file_with_problems(p, q)
    whole = _upload(client, rows, monkeypatch, None)  # one batch: every row checked one by one
    batched = _upload(client, rows, monkeypatch, batch)
    assert whole.status == batched.status == "failed"
    assert batched.errors == whole.errors
    # rows 8 and 9 (a lower-case UPN, "pm") are taken as the row checks take them
    assert [e[:2] for e in whole.errors] == [
        [10, "date"], [13, "row"], [14, "upn"], [15, "date"], [16, "code"], [17, "row"], [18, "row"]]
    assert CLOSED in whole.errors[0][2]
    assert "Duplicate of row 4" in whole.errors[1][2] and "Duplicate of row 2" in whole.errors[6][2]
    assert batched.rows == whole.rows == len(rows)


@pytest.mark.parametrize("batch", [2, 3, 7])
def test_a_good_file_stores_the_same_marks_whatever_the_batches(client, world, monkeypatch, batch):
    p, q = make_pupil(world.school_a), make_pupil(world.school_a)
    db.session.add(SchoolClosure(school_id=world.school_a.id, date=date(2026, 11, 19), kind="inset"))
    db.session.commit()
    client.login(world.user("school_staff"))
    rows = [(p.upn, "2026-11-16", "AM", "/"), (p.upn, "2026-11-16", "PM", "\\"), (q.upn, "2026-11-19", "AM", "#"),
            (q.upn, "2026-11-19", "PM", "#"), (p.upn.lower(), "2026-11-18", "AM", "N"),
            (p.upn, "2026-11-18", "PM", "L"),
            (q.upn, "2026-11-20", "AM", "U"), (q.upn, " 2026-11-20", "PM", "I"), (p.upn, "2026-11-20", "AM", "/")]
    job = _upload(client, rows, monkeypatch, batch)
    assert (job.status, job.added) == ("done", len(rows))
    stored = set(db.session.execute(select(AttendanceMark.pupil_id, AttendanceMark.date, AttendanceMark.session,
                                           AttendanceMark.code)))
    assert stored == {({p.upn: p.id, p.upn.lower(): p.id, q.upn: q.id}[u], date.fromisoformat(d.strip()), s, c)
                      for u, d, s, c in rows}
    week_q = db.session.get(PupilWeek, (q.id, date(2026, 11, 16)))
    assert (week_q.possible, week_q.unauthorised, week_q.authorised, week_q.open_sessions) == (2, 1, 1, 2)
