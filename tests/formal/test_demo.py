"""The demo holds every state of the formal workflow, made through the services."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.errors import Refused
from portal.extensions import db
from portal.formal import figures, notices, penalties
from portal.formal.models import NoticeStatus, NoticeToImprove, NtiRequest, NtiStatus, PenaltyNotice, RequestStatus
from portal.orgs.models import User
from tests.demo import seed_demo


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


def test_every_formal_page_of_the_demo_opens(app, client):
    seed_demo("attend-demo-2026")
    ewo, school, partner = app.test_client(), app.test_client(), app.test_client()
    ewo.login("ewo@demo.test", "attend-demo-2026")
    admin = client
    admin.login("admin@demo.test", "attend-demo-2026")
    school.login("school2@demo.test", "attend-demo-2026")
    partner.login("socialcare@demo.test", "attend-demo-2026")
    urls = []
    for nti in db.session.scalars(select(NoticeToImprove)):
        urls += [f"/notices-to-improve/{nti.id}", f"/notices-to-improve/{nti.id}/outcome", f"/cases/{nti.case_id}",
                 f"/cases/{nti.case_id}/notices-to-improve/new", f"/cases/{nti.case_id}/penalty-notices/new"]
    for notice in db.session.scalars(select(PenaltyNotice)):
        urls += [f"/penalty-notices/{notice.id}", f"/penalty-notices/{notice.id}/issue",
                 f"/penalty-notices/{notice.id}/payment", f"/penalty-notices/{notice.id}/withdraw",
                 f"/cases/{notice.case_id}", f"/cases/{notice.case_id}/penalty-notices/new"]
    for item in db.session.scalars(select(NtiRequest)):
        urls += [f"/nti-requests/{item.id}", f"/nti-requests/{item.id}/decline",
                 f"/cases/{item.case_id}/notices-to-improve/new?request={item.id}"]
    urls += ["/nti-requests", "/nti-requests?status=accepted", "/penalty-notices", "/penalty-notices/figures",
             "/penalty-notices/figures?year=2024"]
    for url in urls:
        response = admin.get(url)
        assert response.status_code == 200, url
    for url in ("/nti-requests", "/penalty-notices"):
        assert ewo.get(url).status_code == 200
    listing = school.get("/nti-requests")
    assert listing.status_code == 200
    for notice in db.session.scalars(select(PenaltyNotice)):
        if notice.pupil.school.name == "Oakfield Academy":
            page = school.get(f"/penalty-notices/{notice.id}")
            assert page.status_code == 200 and notice.number not in page.text
            assert school.get(f"/cases/{notice.case_id}/nti-requests/new").status_code == 200
