"""The meeting: prepared from the data (key groups with their pupils, referral or case),
recording per pupil or cohort (validation, stale writes), notes, marking it held, the referral
pre-filled from a "referral to the EWO" step, and the previous meeting's actions shown at the next."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.tsm import service
from portal.tsm.models import NextStep, TsmActionStatus, TsmItem, TsmStatus
from tests.pages import date_boxes
from tests.tsm.conftest import MEETING_DAY, book, record


def _item(world, pupil, **over):
    data = {"pupil_id": str(pupil.id), "cohort": "", "discussed": "y", "next_step": "ewo_referral",
            "owner": f"org:{world.school_a.id}", "due_date": "2026-12-02", "note": "Anxious mornings since half-term"}
    data.update(over)
    data["due_date"] = date_boxes(data["due_date"])
    return data


def test_the_meeting_page_lists_the_key_groups_with_their_pupils_and_whether_a_case_exists(client, world, pupils):
    meeting = book(world)
    client.login(world.user("ewo"))
    page = client.get(f"/support-meetings/{meeting.id}")
    assert page.status_code == 200
    text = page.text
    assert "Persistent absence (missing 10% or more): 1" in text
    assert "Ellis Quinlan" in text and "70.0" in text
    assert "Tom Steady" not in text and "Fern Foreign" not in text  # at the ambition; another school
    row = text[text.index("Ellis Quinlan"):]
    assert row.index("Yes") < row.index("</tr>")  # the case
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == "tsm_viewed")) == 1


def test_the_ewo_records_a_pupil_step_and_a_cohort_step(client, world, pupils):
    meeting = book(world)
    client.login(world.user("ewo"))
    form = client.get(f"/support-meetings/{meeting.id}/items/new?pupil={pupils['ellis'].id}")
    assert form.status_code == 200 and "Ellis Quinlan (Year 6)" in form.text
    url = f"/support-meetings/{meeting.id}/items/new"
    assert client.post_form(url, _item(world, pupils["ellis"])).status_code == 303
    cohort = _item(world, pupils["ellis"], pupil_id="", cohort="fsm", next_step="early_help",
                   owner=f"org:{world.school_a.id}", note="Breakfast club")
    assert client.post_form(url, cohort).status_code == 303
    items = db.session.scalars(select(TsmItem).order_by(TsmItem.id)).all()
    assert [(i.pupil_id, i.cohort, i.next_step, i.owner_org_id, i.status) for i in items] == [
        (pupils["ellis"].id, None, NextStep.ewo_referral, world.school_a.id, TsmActionStatus.open),
        (None, "fsm", NextStep.early_help, world.school_a.id, TsmActionStatus.open)]
    page = client.get(f"/support-meetings/{meeting.id}").text
    assert "Referral to the EWO" in page and "Free school meals eligible" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.verb == "tsm_item_recorded")) == 2


def test_recording_is_validated_with_an_error_summary(client, world, pupils):
    meeting = book(world)
    client.login(world.user("ewo"))
    url = f"/support-meetings/{meeting.id}/items/new"
    both = client.post_form(url, _item(world, pupils["ellis"], cohort="fsm"))
    assert both.status_code == 422 and "Select a pupil or a cohort (one of them)" in both.text
    assert "govuk-error-summary" in both.text
    no_owner = client.post_form(url, _item(world, pupils["ellis"], owner="", due_date=""))
    assert no_owner.status_code == 422
    assert "Select who owns the step" in no_owner.text and "Enter the date the step is due" in no_owner.text
    early = client.post_form(url, _item(world, pupils["ellis"], due_date="2026-11-01"))
    assert "The due date cannot be before the meeting" in early.text
    cohort_referral = client.post_form(url, _item(world, pupils["ellis"], pupil_id="", cohort="fsm"))
    assert "A referral to the EWO is for one pupil" in cohort_referral.text
    other_school = client.post_form(url, _item(world, pupils["fern"]))
    assert other_school.status_code == 422  # not among the choices
    assert "Anxious mornings since half-term" in no_owner.text  # the form keeps what was typed
    # no further action needs no owner, and is done when recorded
    assert client.post_form(url, _item(world, pupils["ellis"], next_step="no_action", owner="",
                                       due_date="")).status_code == 303
    item = db.session.scalar(select(TsmItem))
    assert item.status == TsmActionStatus.done and item.owner_org_id is None
    assert db.session.scalar(select(func.count()).select_from(TsmItem)) == 1


def test_a_stale_change_of_an_item_is_a_409(client, world, pupils):
    meeting = book(world)
    item = record(world, meeting, pupil_id=pupils["ellis"].id, next_step="school_support",
                  owner_org_id=world.school_a.id, due_date=date(2026, 12, 2), note="first")
    client.login(world.user("ewo"))
    url = f"/support-meetings/{meeting.id}/items/{item.id}/edit"
    assert client.get(url).status_code == 200
    stale = _item(world, pupils["ellis"], next_step="school_support", version=str(item.version), note="mine")
    assert client.post_form(url, {**stale, "note": "theirs"}).status_code == 303
    response = client.post_form(url, stale)
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(TsmItem, item.id).note == "theirs"


def test_notes_and_marking_held(client, world, pupils):
    meeting = book(world)
    client.login(world.user("ewo"))
    notes = {"notes": "PA down on last term", "school_actions": "First-day calls by 9:30",
             "version": str(meeting.version)}
    assert client.post_form(f"/support-meetings/{meeting.id}/notes", notes).status_code == 303
    assert client.post_form(f"/support-meetings/{meeting.id}/notes", notes).status_code == 409  # stale
    db.session.expire_all()
    assert client.post_form(f"/support-meetings/{meeting.id}/held",
                            {"version": str(meeting.version)}).status_code == 303
    db.session.expire_all()
    assert meeting.status == TsmStatus.held and meeting.school_actions == "First-day calls by 9:30"
    closed = client.post_form(f"/support-meetings/{meeting.id}/items/new", _item(world, pupils["ellis"]))
    assert closed.status_code == 303  # the record is closed: back to the meeting with a message
    assert db.session.scalar(select(func.count()).select_from(TsmItem)) == 0


def test_a_meeting_still_to_come_is_not_marked_held(client, world, pupils):
    meeting = book(world, day=date(2026, 12, 9))
    client.login(world.user("ewo"))
    response = client.post_form(f"/support-meetings/{meeting.id}/held", {"version": str(meeting.version)},
                                follow_redirects=True)
    assert "mark it held on the day or after" in response.text
    db.session.expire_all()
    assert meeting.status == TsmStatus.booked


def test_the_school_sees_its_meeting_read_only_and_may_not_record(app, world, pupils):
    meeting = book(world)
    client = app.test_client()
    client.login(world.user("school_staff"))
    page = client.get(f"/support-meetings/{meeting.id}")
    assert page.status_code == 200 and "Ellis Quinlan" in page.text
    assert "Record a pupil or cohort item" not in page.text
    assert client.get(f"/support-meetings/{meeting.id}/items/new").status_code == 403
    assert client.post_form(f"/support-meetings/{meeting.id}/held", {}).status_code == 403


def test_a_referral_step_opens_the_referral_form_pre_filled(app, world, pupils):
    meeting = book(world)
    item = record(world, meeting, pupil_id=pupils["ellis"].id, next_step="ewo_referral",
                  owner_org_id=world.school_a.id, due_date=date(2026, 12, 2),
                  note="Anxious mornings; mother reports refusal since half-term")
    pupils["case"].status = "closed"  # a pupil with an active case is not referred again (issue 14.3)
    db.session.commit()
    client = app.test_client()
    client.login(world.user("school_staff"))
    page = client.get(f"/support-meetings/{meeting.id}").text
    link = f"/pupils/{pupils['ellis'].id}/referrals/new?tsm_item={item.id}"
    assert link.replace("&", "&amp;") in page or link in page
    form = client.get(link).text
    assert "Agreed at the Targeting Support Meeting on 18 Nov 2026" in form
    assert "Anxious mornings; mother reports refusal since half-term" in form
    # another pupil's item, or a made-up number, pre-fills nothing
    assert "Targeting Support Meeting" not in client.get(
        f"/pupils/{pupils['steady'].id}/referrals/new?tsm_item={item.id}").text
    assert "Targeting Support Meeting" not in client.get(
        f"/pupils/{pupils['ellis'].id}/referrals/new?tsm_item=99999999999").text


def test_the_next_meeting_shows_the_previous_ones_actions_and_their_status(client, world, pupils):
    summer = book(world, day=date(2026, 6, 10))
    done = record(world, summer, pupil_id=pupils["ellis"].id, next_step="school_support",
                  owner_user_id=world.user("school_staff").id, due_date=date(2026, 6, 24), note="Mentor")
    record(world, summer, cohort="fsm", next_step="whole_family", owner_org_id=world.school_a.id,
           due_date=date(2026, 7, 1), note="Breakfast club")
    service.complete_action(world.user("school_staff"), done, done.version)
    service.mark_held(world.user("ewo"), summer, summer.version)
    db.session.commit()
    autumn = book(world, day=MEETING_DAY)
    client.login(world.user("ewo"))
    page = client.get(f"/support-meetings/{autumn.id}").text
    previous = page[page.index("The previous meeting's actions"):]
    assert "10 June 2026, 10:00" in previous
    assert "Ellis Quinlan" in previous and "Done" in previous
    assert "Free school meals eligible" in previous and "Overdue" in previous
    minutes = client.get(f"/support-meetings/{autumn.id}/minutes").text
    assert "Actions from the previous meeting (10 June 2026, 10:00)" in minutes
