"""The self-assessment tests' world: the clock in the autumn term 2026/27; helpers to start,
fill and submit a school's assessment."""
from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.selfassessment import service
from tests import clock

TODAY = date(2026, 11, 25)  # a Wednesday in the autumn term 2026/27
YEAR = "2026/27"


@pytest.fixture(autouse=True)
def _in_term():
    with clock.on(TODAY):
        yield


def answers_by_key(assessment) -> dict:
    return {a.area.key: a for a in assessment.answers}


def filled(assessment, owner, ratings: dict[str, str] | None = None, due: date = date(2027, 3, 26)) -> dict:
    """Values for `service.save`: every area green but those in `ratings`; red and amber ones
    with a planned action owned by `owner`."""
    values = {}
    for answer in assessment.answers:
        rating = (ratings or {}).get(answer.area.key, "green")
        needs = rating in ("red", "amber")
        values[answer.id] = {"rating": rating, "evidence": f"Evidence for {answer.area.title}",
                             "action": f"Improve {answer.area.title.lower()}" if needs else "",
                             "action_owner_id": owner.id if needs else None, "action_due": due if needs else None}
    return values


def submitted(world, school_key="school_staff", ratings=None, year=None):
    """A submitted assessment of the user's school."""
    staff = world.user(school_key)
    assessment = service.start(staff, staff.organisation, year)
    service.save(staff, assessment, filled(assessment, staff, ratings), None, submit=True)
    db.session.commit()
    return assessment
