"""Notifications from schools: a deletion on the 20-day ground is refused until both parts of
the joint reasonable enquiries are recorded; a deletion to an unknown destination opens a CME
enquiry at once; a joiner; the LA's queue (acknowledge, turn into an enquiry); what the school sees."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal import access
from portal.audit import AuditEvent
from portal.cme import service
from portal.cme.models import CmeEnquiry, CmeNotification, EnquirySource, JointEnquiry, NotificationStatus
from portal.extensions import db
from tests.cme.conftest import deletion
from tests.factories import build_world, make_pupil, make_user
from tests.pages import date_boxes


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_20_day_ground_is_refused_until_the_joint_enquiries_are_recorded(client, other_client):
    world = build_world()
    pupil = make_pupil(world.school_a, "Ada", "Absent")
    client.login(world.user("school_staff"))
    url = f"/pupils/{pupil.id}/cme-notifications/new"
    response = client.post_form(url, deletion("absence_20_days", "Hill Academy"))
    assert response.status_code == 422
    assert "needs the joint reasonable enquiries recorded first" in response.get_data(as_text=True)
    assert "no run of 20 consecutive school days of absence" in response.get_data(as_text=True)  # the flag
    assert _count(CmeNotification) == 0

    # the school's part alone is not enough
    enquiries = {"done_on": date_boxes("2026-11-10"), "what_done": "Calls to both parents, a letter home"}
    assert client.post_form(f"/pupils/{pupil.id}/joint-enquiries", enquiries).status_code == 303
    assert client.post_form(url, deletion("absence_20_days", "Hill Academy")).status_code == 422

    officer = make_user(access.EWO, world.service, cme_officer=True)
    db.session.commit()
    other_client.login(officer)
    la_part = {"done_on": date_boxes("2026-11-12"), "what_done": "Home visit, checks with health and housing"}
    assert other_client.post_form(f"/pupils/{pupil.id}/joint-enquiries", la_part).status_code == 303
    assert {e.party.value for e in db.session.scalars(select(JointEnquiry))} == {"school", "la"}

    assert client.post_form(url, deletion("absence_20_days", "Hill Academy")).status_code == 303
    notification = db.session.scalars(select(CmeNotification)).one()
    assert notification.ground.value == "absence_20_days" and notification.status == NotificationStatus.new


def test_a_deletion_to_an_unknown_destination_opens_an_enquiry(client):
    world = build_world()
    pupil = make_pupil(world.school_a, "Bea", "Gone")
    client.login(world.user("school_staff"))
    response = client.post_form(f"/pupils/{pupil.id}/cme-notifications/new", deletion("moving_away", ""))
    assert response.status_code == 303
    notification = db.session.scalars(select(CmeNotification)).one()
    assert notification.status == NotificationStatus.enquiry and not notification.destination_known
    enquiry = db.session.scalars(select(CmeEnquiry)).one()
    assert (enquiry.pupil_id, enquiry.notification_id, enquiry.source) == (pupil.id, notification.id,
                                                                            EnquirySource.school_notification)
    assert enquiry.child_name.startswith("Bea") and enquiry.is_open
    verbs = set(db.session.scalars(select(AuditEvent.verb)))
    assert {"cme_notification_made", "cme_enquiry_opened"} <= verbs
    # the school sees its notification and that the LA is making enquiries, nothing of the enquiry
    page = client.get("/cme/notifications").get_data(as_text=True)
    assert "The LA is making enquiries" in page and "Bea" in page
    assert client.get(f"/cme/enquiries/{enquiry.id}").status_code == 403


def test_a_known_destination_waits_in_the_queue_and_the_la_acknowledges_it(client, other_client):
    world = build_world()
    pupil = make_pupil(world.school_a, "Cy", "Moved")
    client.login(world.user("school_staff"))
    client.post_form(f"/pupils/{pupil.id}/cme-notifications/new", deletion("other_school", "Hill Academy"))
    notification = db.session.scalars(select(CmeNotification)).one()
    assert notification.status == NotificationStatus.new and _count(CmeEnquiry) == 0

    other_client.login(world.user("la_admin"))
    page = other_client.get("/cme/notifications").get_data(as_text=True)
    assert "Hill Academy" in page and "School A" in page
    response = other_client.post_form(f"/cme/notifications/{notification.id}/acknowledge",
                                      {"version": str(notification.version)})
    assert response.status_code == 303
    db.session.refresh(notification)
    assert notification.status == NotificationStatus.acknowledged
    assert notification.acknowledged_by_id == world.user("la_admin").id
    assert "Acknowledged" in client.get("/cme/notifications").get_data(as_text=True)


def test_the_la_turns_a_notification_into_an_enquiry(other_client):
    world = build_world()
    pupil = make_pupil(world.school_a, "Di", "Elsewhere")
    notification = service.notify(world.user("school_staff"), pupil,
                                  {"kind": "joining", "event_date": date(2026, 11, 16), "previous_school": ""})
    db.session.commit()
    assert notification.status == NotificationStatus.new and notification.ground is None
    officer = make_user(access.EWO, world.service, cme_officer=True)
    db.session.commit()
    other_client.login(officer)
    response = other_client.post_form(f"/cme/notifications/{notification.id}/enquiry", {})
    assert response.status_code == 303
    enquiry = db.session.scalars(select(CmeEnquiry)).one()
    assert enquiry.lead_id == officer.id and response.headers["Location"].endswith(f"/cme/enquiries/{enquiry.id}")
    # twice: refused with a message, nothing more opened
    assert other_client.post_form(f"/cme/notifications/{notification.id}/enquiry", {}).status_code == 303
    assert _count(CmeEnquiry) == 1


def test_a_notification_form_with_problems_keeps_its_values(client):
    world = build_world()
    pupil = make_pupil(world.school_a)
    client.login(world.user("school_staff"))
    response = client.post_form(f"/pupils/{pupil.id}/cme-notifications/new",
                                deletion("", "Somewhere Road"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Select the ground for the deletion" in page and "Somewhere Road" in page
    response = client.post_form(f"/pupils/{pupil.id}/cme-notifications/new", deletion(day="2030-01-01"))
    assert response.status_code == 422 and "must be today or in the past" in response.get_data(as_text=True)
    assert _count(CmeNotification) == 0


def test_who_may_reach_the_notifications(app, client):
    world = build_world()
    pupil = make_pupil(world.school_a)
    other = make_pupil(world.school_b)
    service.notify(world.user("school_staff_b"), other, {"kind": "deletion", "ground": "other_school",
                                                        "event_date": date(2026, 11, 20), "destination": "Elm"})
    db.session.commit()
    client.login(world.user("school_staff"))
    assert client.get(f"/pupils/{other.id}/cme-notifications/new").status_code == 404
    assert "Elm" not in client.get("/cme/notifications").get_data(as_text=True)
    for role in ("ewo", "social_care", "police", "health", "early_help", "panel_chair"):  # the EWO: no CME flag
        someone = app.test_client()
        someone.login(world.user(role))
        assert someone.get("/cme/notifications").status_code == 403, role
        assert someone.get("/cme/enquiries").status_code == 403, role
        assert someone.get(f"/pupils/{pupil.id}/joint-enquiries").status_code in (403, 404), role
