"""The demo's school stages: calls and meetings logged for some Riverside pupils, others with
their meeting due, and this week's key-actions list with an action carried over from last
week; seeding again adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.demo.schoolstages import seed_school_stages
from portal.extensions import db
from portal.orgs.models import User
from portal.schoolstages import key_actions, service
from portal.schoolstages.models import FirstDayCall, KeyAction, StageMeeting
from tests.demo import seed_demo


def test_the_demo_has_logged_stages_meetings_due_and_a_carried_over_action():
    seed_demo("attend-demo-2026")
    school_id = db.session.scalar(select(User.organisation_id).where(User.email == "school@demo.test"))
    assert db.session.scalar(select(func.count()).select_from(FirstDayCall)) > 0
    assert db.session.scalar(select(func.count()).select_from(StageMeeting)) > 0
    assert service.due_pupil_ids(school_id)  # some pupils have their meeting due
    week = db.session.scalars(select(KeyAction).where(KeyAction.school_id == school_id,
                                                      KeyAction.week_start == key_actions.this_week())).all()
    carried = [item for item in week if item.carried_from_id]
    assert carried and carried[0].owner_id is not None and carried[0].is_open
    assert seed_school_stages(key_actions.this_week()) == 0
    assert seed_demo("attend-demo-2026") is False
