"""The TSM tests' world: the clock in the autumn term 2026/27, school A with a persistent
absentee (Ellis Quinlan, with a case) and a pupil at the ambition; helpers to book and record."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.attendance.models import PupilWeek
from portal.cases.models import Case
from portal.extensions import db
from portal.timeutil import LONDON
from portal.tsm import service
from portal.tsm.prepare import cohort_choices
from tests import clock
from tests.factories import make_pupil

TODAY = date(2026, 11, 25)  # a Wednesday in the autumn term 2026/27
MEETING_DAY = date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _in_term():
    with clock.on(TODAY):
        yield


def weeks(pupil, attended_of_ten: int, n: int = 8) -> None:
    """n school weeks this term with `attended_of_ten` sessions of 10 attended (the rest unauthorised)."""
    first = date(2026, 9, 7)
    for i in range(n):
        monday = first + timedelta(weeks=i)
        db.session.add(PupilWeek(pupil_id=pupil.id, week_start=monday, possible=10, attended=attended_of_ten,
                                 unauthorised=10 - attended_of_ten, open_sessions=10,
                                 last_date=monday + timedelta(days=4)))
    db.session.flush()


@pytest.fixture
def pupils(world):
    """school A: Ellis Quinlan at 70% (persistent, a case open), Tom Steady at 100%; school B:
    Fern Foreign at 60% (persistent)."""
    ellis = make_pupil(world.school_a, "Ellis", "Quinlan")
    steady = make_pupil(world.school_a, "Tom", "Steady")
    fern = make_pupil(world.school_b, "Fern", "Foreign")
    weeks(ellis, 7)
    weeks(steady, 10)
    weeks(fern, 6)
    case = Case(pupil_id=ellis.id, status="open", lead_id=world.user("ewo").id)
    db.session.add(case)
    db.session.commit()
    return {"ellis": ellis, "steady": steady, "fern": fern, "case": case}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def book(world, school=None, day: date = MEETING_DAY, partners=()):
    school = school or world.school_a
    meeting = service.book(world.user("la_admin"), school, at(day), ewo=school.named_ewo or world.user("ewo"),
                           school_lead=world.user("school_staff") if school is world.school_a else None,
                           partners=list(partners))
    db.session.commit()
    return meeting


def record(world, meeting, **data):
    data.setdefault("discussed", True)
    item = service.record_item(meeting.ewo, meeting, data, cohort_choices())
    db.session.commit()
    return item
