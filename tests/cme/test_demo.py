"""The demo's CME: the EWO is a CME officer; notifications new, acknowledged, turned into an
enquiry and a joiner; open and closed enquiries; seeding again adds nothing."""
from __future__ import annotations

from sqlalchemy import select

from portal.cme.models import CmeEnquiry, CmeNotification, CmeShare, EnquiryStatus
from portal.demo.cme import seed_cme
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import today
from tests.demo import seed_demo


def test_the_demo_has_notifications_in_each_state_and_open_and_closed_enquiries():
    seed_demo("attend-demo-2026")
    assert db.session.scalar(select(User.cme_officer).where(User.email == "ewo@demo.test")) is True
    notifications = db.session.scalars(select(CmeNotification)).all()
    assert {n.status.value for n in notifications} == {"new", "acknowledged", "enquiry"}
    assert any(n.kind.value == "joining" for n in notifications)
    statuses = {e.status for e in db.session.scalars(select(CmeEnquiry))}
    assert statuses == {EnquiryStatus.open, EnquiryStatus.closed}
    assert db.session.scalar(select(CmeEnquiry.id).where(CmeEnquiry.encounter_id.is_not(None))) is not None
    shared = {(s.organisation.kind.value, s.enquiry.child_name) for s in db.session.scalars(select(CmeShare))}
    assert ("police", "Leo Marsh") in shared and any(kind == "social_care" for kind, _ in shared)
    assert all(s.reason for s in db.session.scalars(select(CmeShare)))
    assert seed_cme(today()) == 0
