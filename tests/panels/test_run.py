"""Running the meeting over HTTP: the chair records attendance, then a decision per item with
its agreed actions (landing on the case in one go); htmx moves to the next item; a refused
decision is a 422 that writes nothing; only the chair side may run a meeting."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.cases.models import Action, ChronologyEntry
from portal.extensions import db
from portal.panels import service
from portal.panels.models import PanelDecision, PanelMember
from tests.pages import date_boxes
from tests.panels.test_views import begin, chair, day, make_case, meeting, publish_with, signed_in  # noqa: F401

HX = {"HX-Request": "true", "HX-Target": "run-item"}


def decisions() -> int:
    return db.session.scalar(select(func.count()).select_from(PanelDecision))


def form(world, day, **extra):  # noqa: F811
    data = {"decision": "continue_support", "rationale": "Attendance is improving with the support in place.",
            "next_review": date_boxes(day + timedelta(days=42)),
            "actions-0-description": "Weekly check-in with the family", "actions-0-owner": f"org:{world.school_a.id}",
            "actions-0-due": date_boxes(day + timedelta(days=14)),
            "actions-1-description": "Home visit", "actions-1-owner": f"org:{world.service.id}",
            "actions-1-due": date_boxes(day + timedelta(days=7))}
    data.update(extra)
    return data


@pytest.fixture
def running(world, meeting):  # noqa: F811
    first, second = make_case(world, forename="Ana"), make_case(world, forename="Ben")
    items = publish_with(world, meeting, first, second)
    begin(meeting)
    return meeting, items


def test_no_decision_before_the_meeting_has_started(chair, world, meeting, day):  # noqa: F811
    """A meeting days away takes no decision (it would land on the case at once): the run screen
    says when decisions can be made, and a posted decision is refused and writes nothing."""
    [item] = publish_with(world, meeting, make_case(world, forename="Ana"))
    page = chair.get(f"/panels/{meeting.id}/run").get_data(as_text=True)
    assert "Record the decision" not in page and "Decisions can be recorded once the meeting has started" in page
    assert "at 10:00" in page
    response = chair.post_form(f"/panels/{meeting.id}/items/{item.id}/decision", form(world, day))
    assert response.status_code == 422 and decisions() == 0
    assert "once the meeting has started" in response.get_data(as_text=True)


def test_the_meeting_page_offers_the_chair_to_run_a_published_meeting(chair, running):  # noqa: F811
    meeting, _ = running
    assert "Run the meeting" in chair.get(f"/panels/{meeting.id}").get_data(as_text=True)


def test_the_chair_records_attendance(chair, world, running):  # noqa: F811
    meeting, _ = running
    chair_user = world.user("panel_chair")
    service.invite_agency(chair_user, meeting, world.school_a)
    service.invite_user(chair_user, meeting, world.user("social_care"))
    school, person = db.session.scalars(select(PanelMember).where(PanelMember.meeting_id == meeting.id)
                                        .order_by(PanelMember.id)).all()
    page = chair.get(f"/panels/{meeting.id}/run")
    assert page.status_code == 200 and f'name="member-{school.id}"' in page.get_data(as_text=True)
    response = chair.post_form(f"/panels/{meeting.id}/attendance",
                               {f"member-{school.id}": "present", f"member-{person.id}": "apologies"})
    assert response.status_code == 303 and response.headers["Location"].startswith(f"/panels/{meeting.id}/run")
    db.session.expire_all()
    assert (school.present, school.apologies) == (True, False)
    assert (person.present, person.apologies) == (False, True)
    bad = chair.post_form(f"/panels/{meeting.id}/attendance", {f"member-{school.id}": "asleep"})
    assert bad.status_code == 422


def test_a_decision_with_two_actions_lands_on_the_case(chair, world, running, day):  # noqa: F811
    meeting, (first, second) = running
    page = chair.get(f"/panels/{meeting.id}/run").get_data(as_text=True)
    assert "Ana" in page and "Record the decision" in page and f"org:{world.service.id}" in page
    response = chair.post_form(f"/panels/{meeting.id}/items/{first.id}/decision", form(world, day))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/panels/{meeting.id}/run?item={second.id}"
    record = db.session.scalar(select(PanelDecision))
    assert record.agenda_item_id == first.id and record.decision == "continue_support"
    case = first.case
    db.session.refresh(case)
    assert case.next_review == day + timedelta(days=42)
    actions = db.session.scalars(select(Action).where(Action.case_id == case.id).order_by(Action.id)).all()
    assert [(a.owner_org_id, a.panel_decision_id) for a in actions] == [(world.school_a.id, record.id),
                                                                        (world.service.id, record.id)]
    assert db.session.scalar(select(func.count()).select_from(ChronologyEntry).where(
        ChronologyEntry.case_id == case.id, ChronologyEntry.kind == "decision")) == 1
    # the decided item now shows the decision instead of the form
    shown = chair.get(f"/panels/{meeting.id}/run?item={first.id}").get_data(as_text=True)
    assert "Continue support" in shown and "Home visit" in shown and "Record the decision" not in shown


def test_with_htmx_the_answer_is_the_next_items_fragment(chair, world, running, day):  # noqa: F811
    meeting, (first, second) = running
    response = chair.post_form(f"/panels/{meeting.id}/items/{first.id}/decision", form(world, day), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="run-item"' in html and "Ben" in html and "has been recorded" in html
    assert response.headers["HX-Push-Url"] == f"/panels/{meeting.id}/run?item={second.id}"
    assert "decisionRecorded" in response.headers["HX-Trigger"]
    # previous / next move item to item as fragments too
    back = chair.get(f"/panels/{meeting.id}/run?item={first.id}", headers=HX).get_data(as_text=True)
    assert "<html" not in back and "Continue support" in back and "Next item" in back


def test_an_empty_rationale_is_422_and_writes_nothing(chair, world, running, day):  # noqa: F811
    meeting, (first, _) = running
    response = chair.post_form(f"/panels/{meeting.id}/items/{first.id}/decision", form(world, day, rationale=" "))
    assert response.status_code == 422  # the page checks: error summary, "Error: " title
    assert "Record the rationale for the decision" in response.get_data(as_text=True)
    fragment = chair.post_form(f"/panels/{meeting.id}/items/{first.id}/decision",
                               form(world, day, rationale="", **{"actions-1-due": ["14", "", "2027"]}), headers=HX)
    assert fragment.status_code == 422
    html = fragment.get_data(as_text=True)
    # a GOV.UK date input: the message says how to fix it, links to the box at fault, and what was typed stays
    assert "govuk-error-summary" in html and "The due date of action 2 must include a month" in html
    assert 'href="#actions-1-due-month"' in html
    assert 'id="actions-1-due-day" name="actions-1-due" type="text" inputmode="numeric" value="14"' in html
    assert 'govuk-input--width-2 govuk-input--error" id="actions-1-due-month"' in html
    assert 'govuk-input--width-2" id="actions-1-due-day"' in html  # only the box at fault is marked
    assert decisions() == 0
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_a_member_who_is_not_the_chair_cannot_run_the_meeting(app, world, running, day):  # noqa: F811
    meeting, (first, _) = running
    service.invite_agency(world.user("panel_chair"), meeting, world.school_a)
    member = signed_in(app, world.user("school_staff"))
    assert member.get(f"/panels/{meeting.id}/run").status_code in (403, 404)
    response = member.post_form(f"/panels/{meeting.id}/items/{first.id}/decision", form(world, day))
    assert response.status_code in (403, 404)
    assert decisions() == 0


def test_an_unpublished_meeting_refuses_decisions(chair, world, meeting, day):  # noqa: F811
    item = service.add_item(world.user("panel_chair"), meeting, make_case(world), "Listed by the chair")
    page = chair.get(f"/panels/{meeting.id}/run")
    assert page.status_code == 303 and page.headers["Location"] == f"/panels/{meeting.id}"
    response = chair.post_form(f"/panels/{meeting.id}/items/{item.id}/decision", form(world, day))
    assert response.status_code == 422 and "Publish the agenda" in response.get_data(as_text=True)
    assert decisions() == 0


def test_attendance_is_recorded_per_person_with_their_agency(chair, world, running):  # noqa: F811
    """Issue 14.17: the minutes say who came for which agency and who sent apologies, not only
    which agencies: the chair adds people by name (no account needed); an agency invited as a
    whole is then not listed on its own."""
    meeting, _ = running
    chair_user = world.user("panel_chair")
    service.invite_agency(chair_user, meeting, world.early_help_org)
    service.invite_user(chair_user, meeting, world.user("social_care"))
    url = f"/panels/{meeting.id}/attendees"
    bad = chair.post_form(url, {"name": "Priya Shah", "organisation_id": "", "mark": ""})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Select the agency they came for" in html and "Select present or apologies" in html
    assert 'value="Priya Shah"' in html  # kept
    assert db.session.scalar(select(func.count()).select_from(PanelMember).where(PanelMember.person_name != "")) == 0
    ok = chair.post_form(url, {"name": "Priya Shah", "organisation_id": str(world.early_help_org.id),
                               "mark": "present"})
    assert ok.status_code == 303
    chair.post_form(url, {"name": "Dr Tom Ng", "organisation_id": str(world.police_org.id), "mark": "apologies"})
    person = db.session.scalar(select(PanelMember).where(PanelMember.user_id == world.user("social_care").id))
    chair.post_form(f"/panels/{meeting.id}/attendance", {f"member-{person.id}": "present"})
    minutes = " ".join(chair.get(f"/panels/{meeting.id}/minutes?version=restricted").get_data(as_text=True).split())
    early_help = world.early_help_org.name
    assert f"Priya Shah ({early_help})" in minutes and f"Dr Tom Ng ({world.police_org.name})" in minutes
    assert f"{world.user('social_care').name} (" in minutes
    present = minutes.split("Present")[1].split("Apologies")[0]
    apologies = minutes.split("Apologies")[1][:300]
    assert "Priya Shah" in present and "Dr Tom Ng" in apologies and "Dr Tom Ng" not in present
    absent = minutes.split("Absent or not recorded")[1].split("Confidentiality statement")[0]
    assert early_help not in absent  # the agency invitation is not listed again as absent
