"""A chair lists on an agenda only the cases the panel is for: referred to the panel (at the
panel stage) or due for review by the meeting's day, plus cases they can otherwise see. Any
other number, whether or not a case has it, gets the same GOV.UK error; the reason for adding
is required and audited."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import access
from portal.audit import AuditEvent
from portal.errors import Refused
from portal.extensions import db
from portal.panels import service
from portal.panels.models import AgendaItem
from portal.panels.rules import NOT_LISTABLE
from tests.panels.test_service import make_case
from tests.panels.test_views import chair, day, meeting, version  # noqa: F401


@pytest.fixture
def cases(world, day):
    c = {
        "referred": make_case(world, position=6, review=None),
        "due": make_case(world, review=day),
        "not_due": make_case(world, review=day + timedelta(days=1)),
        "no_review": make_case(world, review=None),
        "closed": make_case(world, review=day - timedelta(days=5), status="closed"),
    }
    return c


def _added() -> int:
    return db.session.scalar(select(func.count()).select_from(AgendaItem))


def test_a_chair_lists_cases_referred_or_due_and_nothing_else(world, meeting, cases):
    chair_user = world.user("panel_chair")
    listable = {name for name, case in cases.items() if access.case_for_agenda(chair_user, meeting, case.id)}
    assert listable == {"referred", "due"}
    assert access.case_for_agenda(chair_user, meeting, max(c.id for c in cases.values()) + 1) is None
    assert access.case_for_agenda(chair_user, meeting, 10**30) is None  # no such number, no error
    for name in ("not_due", "no_review", "closed"):
        with pytest.raises(Refused, match="No case with that number can be added"):
            service.add_item(chair_user, meeting, cases[name], "Worried about this family")
        db.session.rollback()
    assert _added() == 0
    service.add_item(chair_user, meeting, cases["referred"], "Referred by the lead")
    assert _added() == 1


def test_an_la_admin_may_also_list_the_cases_they_can_see(world, meeting, cases):
    admin = world.user("la_admin")  # sees every case (access.cases_for)
    assert access.case_for_agenda(admin, meeting, cases["not_due"].id) is cases["not_due"]
    service.add_item(admin, meeting, cases["no_review"], "The EWO asked for advice")
    assert _added() == 1


def _error_summary(html: str) -> str:
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert block, "no error summary"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.group(0))).strip()


def test_no_such_case_and_a_case_not_listable_get_the_same_answer(chair, world, meeting, cases):
    url = f"/panels/{meeting.id}/agenda/items"

    def add(case_id):
        return chair.post_form(url, {"add-csrf_token": chair.token(), "add-case_id": str(case_id),
                                     "add-reason": "Attendance falling fast", "add-version": version(meeting.id)})

    not_listable, unknown = add(cases["not_due"].id), add(max(c.id for c in cases.values()) + 100)
    beyond = add(10**12)  # no id is that large
    assert not_listable.status_code == unknown.status_code == beyond.status_code == 422
    summary = _error_summary(not_listable.text)
    assert NOT_LISTABLE in summary and summary == _error_summary(unknown.text) == _error_summary(beyond.text)
    assert _added() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.verb == "agenda_item_added")) == 0
    assert add(cases["due"].id).status_code == 303


def test_the_reason_for_adding_is_required_and_audited(chair, world, meeting, cases):
    url = f"/panels/{meeting.id}/agenda/items"
    data = {"add-case_id": str(cases["referred"].id), "add-version": version(meeting.id)}
    blank = chair.post_form(url, {**data, "add-csrf_token": chair.token(), "add-reason": "  "})
    assert blank.status_code == 422 and "Enter the reason for adding the case" in blank.text
    assert _added() == 0
    ok = chair.post_form(url, {**data, "add-csrf_token": chair.token(), "add-reason": "The lead asks for a panel"})
    assert ok.status_code == 303
    item = db.session.scalars(select(AgendaItem)).one()
    assert item.reason_added == "The lead asks for a panel"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "agenda_item_added")).one()
    assert event.actor_id == world.user("panel_chair").id and "The lead asks for a panel" in event.summary
    assert event.changes == {"case_id": {"from": None, "to": cases["referred"].id}}
