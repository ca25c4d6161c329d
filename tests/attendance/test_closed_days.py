"""Marks for a day the school was closed by its calendar (a weekend, a bank holiday, a holiday or
half-term, the school's own INSET or closure day) reject the whole file with the row and the
reason, unless the code says the session is not counted (#, X, Y1-Y7). Such a mark never makes
a school week."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.attendance import calendar
from portal.attendance.models import AttendanceMark, PupilWeek, SchoolClosure
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY, counts, latest_job, marks_csv, upload
from tests.factories import make_pupil

FIX = "remove the row, or mark it # if the school was closed (or X, Y1–Y7 where one applies)"


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


@pytest.mark.parametrize("day, why", [
    ("2026-11-21", "Saturday 21 November 2026 is a weekend"),
    ("2026-05-04", "4 May 2026 is a bank holiday"),
    ("2026-10-28", "28 October 2026 is in the school holidays"),   # autumn half-term
    ("2026-08-12", "12 August 2026 is in the school holidays"),    # summer
    ("2026-11-19", "the school was closed on 19 November 2026 (INSET or closure day)"),
])
def test_a_mark_on_a_closed_day_rejects_the_file_with_the_row_and_the_reason(client, world, day, why):
    pupil = make_pupil(world.school_a)
    db.session.add(SchoolClosure(school_id=world.school_a.id, date=date(2026, 11, 19), kind="inset"))
    db.session.commit()
    client.login(world.user("school_staff"))
    before = counts()
    upload(client, marks_csv([(pupil.upn, "2026-11-16", "AM", "/"), (pupil.upn, day, "AM", "/"),
                              (pupil.upn, day, "PM", "N")]))
    job = latest_job()
    assert job.status == "failed" and job.error_count == 2
    assert job.errors == [[3, "date", f"Not a school day: {why} – {FIX}"],
                          [4, "date", f"Not a school day: {why} – {FIX}"]]
    assert counts() == before
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "remove the row, or mark it # if the school was closed" in page


@pytest.mark.parametrize("code", ["#", "X", "Y1", "Y4", "Y7"])
def test_codes_that_are_not_counted_are_accepted_on_a_closed_day(client, world, code):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    # Wednesday of half-term and the Saturday after
    upload(client, marks_csv([(pupil.upn, "2026-10-28", "AM", code), (pupil.upn, "2026-10-31", "PM", code)]))
    job = latest_job()
    assert (job.status, job.added) == ("done", 2)
    week = db.session.get(PupilWeek, (pupil.id, date(2026, 10, 26)))
    assert week.possible == 0 and week.unauthorised == 0
    # the holiday week is still no school week: weeks come from the calendar, not the marks
    assert not calendar.for_school(world.school_a.id).is_school_week(date(2026, 10, 26))


def test_another_schools_inset_day_is_an_ordinary_day_here(client, world):
    a, b = make_pupil(world.school_a), make_pupil(world.school_b)
    db.session.add(SchoolClosure(school_id=world.school_b.id, date=date(2026, 11, 19), kind="inset"))
    db.session.commit()
    client.login(world.user("la_admin"))
    upload(client, marks_csv([(a.upn, "2026-11-19", "AM", "/"), (b.upn, "2026-11-19", "AM", "/"),
                              (b.upn, "2026-11-19", "PM", "#")]))
    job = latest_job()
    assert job.status == "failed" and job.error_count == 1
    assert job.errors[0][0] == 3 and "the school was closed on 19 November 2026" in job.errors[0][2]
    upload(client, marks_csv([(a.upn, "2026-11-19", "AM", "/"), (b.upn, "2026-11-19", "PM", "#")]))
    assert latest_job().status == "done"
    assert db.session.scalar(select(AttendanceMark.code).where(AttendanceMark.pupil_id == a.id)) == "/"


def test_each_error_row_of_a_big_file_is_listed_but_the_calendar_is_asked_once_per_day(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    saturday = [(pupil.upn, "2026-11-14", s, "/") for s in ("AM", "PM")]
    upload(client, marks_csv(saturday))
    job = latest_job()
    assert job.error_count == 2 and {e[1] for e in job.errors} == {"date"}
