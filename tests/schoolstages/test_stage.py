"""The school stage a pupil's days absent this term reach, at each threshold of each of the
three terms (the LA's defaults: 3/6/9, 5/8/11, 7/10/13 days for stages 2/3/4; any absence is
stage 1), the same for one pupil and for a whole school, and whether it is due."""
from __future__ import annotations

from datetime import date

import pytest

from portal.attendance import summaries
from portal.extensions import db
from portal.schoolstages import service
from portal.schoolstages.models import FirstDayCall, StageMeeting
from tests import clock
from tests.factories import make_pupil
from tests.schoolstages.conftest import missing

# (a Wednesday in the term, its Monday, the stage 2/3/4 thresholds in days)
TERMS = {
    "autumn": (date(2026, 11, 25), date(2026, 11, 23), (3, 6, 9)),
    "spring": (date(2027, 2, 3), date(2027, 2, 1), (5, 8, 11)),
    "summer": (date(2027, 6, 16), date(2027, 6, 14), (7, 10, 13)),
}


def _cases():
    for term, (_, _, (two, three, four)) in TERMS.items():
        yield term, 0, None
        yield term, 1, 1  # half a day: any absence
        for days, stage in ((two, 2), (three, 3), (four, 4)):
            yield term, days * 2 - 1, stage - 1  # half a day below the edge
            yield term, days * 2, stage  # at the edge
        yield term, four * 2 + 6, 4


@pytest.mark.parametrize("term,sessions,expected", list(_cases()))
def test_the_school_stage_at_each_threshold_of_each_term(world, term, sessions, expected):
    day, monday, _ = TERMS[term]
    with clock.on(day):
        pupil = make_pupil(world.school_a)
        if sessions:
            missing(pupil, sessions, monday)
        one = service.stage_of(pupil)
        assert one.stage == expected and one.days == sessions / 2
        # the pupil page's way (from its summary) and the school's (set-based) agree
        assert service.stage_of(pupil, summary=summaries.pupil_summary(pupil)).stage == expected
        school = service.stages_of(world.school_a.id)
        assert (school[pupil.id].stage if pupil.id in school else None) == expected


def test_a_stage_is_due_until_its_call_or_meeting_is_logged_this_term(world):
    called, met, old_meeting, nothing = (make_pupil(world.school_a, name) for name in ("Cal", "Mel", "Olly", "Nat"))
    missing(called, 2)  # stage 1
    missing(met, 7)  # 3.5 days: stage 2
    missing(old_meeting, 7)
    missing(nothing, 13)  # 6.5 days: stage 3
    staff = world.user("school_staff")
    db.session.add_all([
        FirstDayCall(pupil_id=called.id, school_id=world.school_a.id, call_date=date(2026, 11, 24),
                     outcome="reason_given", recorded_by_id=staff.id),
        StageMeeting(pupil_id=met.id, school_id=world.school_a.id, stage=2, meeting_date=date(2026, 11, 24),
                     attendees="Tutor", targets="T", recorded_by_id=staff.id),
        # last term's meeting does not count this term; nor does a meeting of another stage
        StageMeeting(pupil_id=old_meeting.id, school_id=world.school_a.id, stage=2, meeting_date=date(2026, 7, 1),
                     attendees="Tutor", targets="T", recorded_by_id=staff.id),
        StageMeeting(pupil_id=nothing.id, school_id=world.school_a.id, stage=2, meeting_date=date(2026, 11, 24),
                     attendees="Tutor", targets="T", recorded_by_id=staff.id),
    ])
    db.session.commit()
    stages = service.stages_of(world.school_a.id)
    assert {p.legal_forename: (stages[p.id].stage, stages[p.id].due) for p in (called, met, old_meeting, nothing)} \
        == {"Cal": (1, False), "Mel": (2, False), "Olly": (2, True), "Nat": (3, True)}
    assert service.due_pupil_ids(world.school_a.id) == sorted([old_meeting.id, nothing.id])


def test_only_the_first_four_stages_are_the_schools(world):
    """Positions past 4 (formal steps) are never a school stage, whatever their thresholds."""
    pupil = make_pupil(world.school_a)
    missing(pupil, 40)
    assert service.stage_of(pupil).stage == 4
