"""The demo holds every state of the formal workflow, made through the services."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.errors import Refused
from portal.extensions import db
from portal.formal import figures, notices, penalties
from portal.formal.models import NoticeStatus, NoticeToImprove, NtiRequest, NtiStatus, PenaltyNotice, RequestStatus
from portal.orgs.models import User


def test_the_demo_shows_each_step_and_a_refused_third_notice(client):
    seed_demo("attend-demo-2026")
    ntis = db.session.scalars(select(NoticeToImprove)).all()
    assert {n.status for n in ntis} == {NtiStatus.in_period, NtiStatus.improved}
    statuses = db.session.scalars(select(PenaltyNotice.status)).all()
    assert {NoticeStatus.paid, NoticeStatus.issued, NoticeStatus.withdrawn} <= set(statuses)
    from portal.access import penalty_notices_for

    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    assert db.session.scalars(figures.overdue(penalty_notices_for(admin))).all()
    assert db.session.scalars(figures.due_soon(penalty_notices_for(admin))).all()
    assert db.session.scalar(select(func.count()).select_from(NtiRequest)
                             .where(NtiRequest.status == RequestStatus.open)) == 2
    withdrawn = db.session.scalar(select(PenaltyNotice).where(PenaltyNotice.status == NoticeStatus.withdrawn))
    case = withdrawn.case
    parent = notices.liable_parents(case.pupil)[0]
    with pytest.raises(Refused) as refused:
        penalties.draft_notices(case.lead, case, parent_ids=[parent.id], reason="term_time_holiday",
                                skip_reason="Another term-time holiday this autumn.")
    assert "a third is not allowed" in refused.value.message
    db.session.rollback()
    assert seed_demo("attend-demo-2026") is False
