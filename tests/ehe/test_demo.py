"""The demo's home-educated children: one a demo pupil who left a demo school, one never on a roll
here, one returned to school this term, one with a review overdue; the demo EWO is a CME
officer; seeding again adds nothing."""
from __future__ import annotations

from sqlalchemy import select

from portal import access
from portal.demo.ehe import seed_ehe
from portal.ehe import reports
from portal.ehe.models import EheRecord, EheStatus, EndReason
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import today
from tests.demo import seed_demo


def test_the_demo_has_home_educated_children_of_each_kind():
    seed_demo("attend-demo-2026")
    records = list(db.session.scalars(select(EheRecord)))
    assert any(r.pupil_id is not None and r.is_current for r in records)
    assert any(r.pupil_id is None and r.is_current and r.previous_school_id is None for r in records)
    report = reports.build(today())
    returned = [r for r in records if r.end_reason == EndReason.returned_to_school]
    assert returned and returned[0].status == EheStatus.ended and returned[0].end_school_id is not None
    assert report.returned_this_term and report.overdue_reviews >= 1 and report.new_this_term
    ewo = db.session.scalar(select(User).where(User.email == "ewo@demo.test"))
    assert ewo.cme_officer and access.can(ewo, "manage_ehe")
    assert seed_ehe(today()) == 0
