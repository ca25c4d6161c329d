"""The school stages' tests: the clock on a Wednesday of the autumn term 2026/27 (thresholds
any absence / 3 / 6 / 9 days), helpers to give a pupil days absent this term."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.attendance.models import PupilWeek
from portal.extensions import db
from tests import clock

TODAY = date(2026, 11, 25)  # a Wednesday in the autumn term 2026/27
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _in_term():
    with clock.on(TODAY):
        yield


def missing(pupil, sessions: int, week: date = MONDAY) -> None:
    """`sessions` missed (unauthorised) in one week of the term."""
    db.session.add(PupilWeek(pupil_id=pupil.id, week_start=week, possible=40, attended=40 - sessions,
                             unauthorised=sessions, open_sessions=40, last_date=week + timedelta(days=4)))
    db.session.commit()


def call_data(**over) -> dict:
    from tests.pages import date_boxes

    data = {"call_date": "2026-11-24", "outcome": "no_answer", "note": ""}
    data.update(over)
    data["call_date"] = date_boxes(data["call_date"])
    return data


def meeting_data(**over) -> dict:
    from tests.pages import date_boxes

    data = {"stage": "2", "meeting_date": "2026-11-24", "attendees": "Ms Tutor, the pupil and mother",
            "targets": "Be in school every day next week", "support": "Breakfast club", "next_review": "2026-12-08"}
    data.update(over)
    data["meeting_date"] = date_boxes(data["meeting_date"])
    data["next_review"] = date_boxes(data["next_review"])
    return data
