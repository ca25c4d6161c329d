"""CME enquiries: opened by hand, each outcome closes with what it needs, reopening with a
reason, a stale close is a 409, and who may reach them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import access
from portal.audit import AuditEvent
from portal.cme.models import CmeEnquiry, EnquiryOutcome, EnquiryStatus
from portal.extensions import db
from tests.factories import build_world, make_user
from tests.pages import date_boxes


@pytest.fixture
def officer_client(app):
    world = build_world()
    officer = make_user(access.EWO, world.service, cme_officer=True)
    db.session.commit()
    client = app.test_client()
    client.login(officer)
    client.world, client.officer = world, officer
    return client


def _open(client, **over) -> CmeEnquiry:
    data = {"source": "other_la", "child_name": "Finn Unknown", "date_of_birth": date_boxes("2015-03-27"),
            "address": "4 Quay Street", "family_contact": "Mother, 07700 900123", "lead_id": "0"}
    data.update(over)
    response = client.post_form("/cme/enquiries/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalars(select(CmeEnquiry).order_by(CmeEnquiry.id.desc())).first()


def test_an_officer_opens_an_enquiry_by_hand_and_leads_it(officer_client):
    enquiry = _open(officer_client)
    assert enquiry.lead_id == officer_client.officer.id and enquiry.pupil_id is None
    page = officer_client.get(f"/cme/enquiries/{enquiry.id}").get_data(as_text=True)
    assert "4 Quay Street" in page and "Another local authority" in page
    assert "Finn Unknown" in officer_client.get("/cme/enquiries").get_data(as_text=True)
    response = officer_client.post_form("/cme/enquiries/new", {"source": "", "child_name": ""})
    assert response.status_code == 422 and "Enter the child" in response.get_data(as_text=True)


@pytest.mark.parametrize(("outcome", "detail", "day", "note"), [
    ("found_on_roll", "Hill Academy", "", ""),
    ("other_la", "Northshire County Council", "2026-11-24", ""),
    ("abroad", "", "", ""),
    ("home_education", "", "2026-11-23", ""),
    ("missing", "Children's social care and the police", "2026-11-24", ""),
    ("other", "", "", "The family were travelling; school place found"),
])
def test_each_outcome_closes_the_enquiry(officer_client, outcome, detail, day, note):
    enquiry = _open(officer_client)
    data = {"outcome": outcome, "outcome_detail": detail, "outcome_date": date_boxes(day), "outcome_note": note,
            "version": str(enquiry.version)}
    response = officer_client.post_form(f"/cme/enquiries/{enquiry.id}/close", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.closed and enquiry.outcome == EnquiryOutcome(outcome)
    assert enquiry.outcome_detail == detail and enquiry.outcome_note == note
    assert (enquiry.outcome_date.isoformat() if enquiry.outcome_date else "") == day
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "cme_enquiry_closed")).one()


@pytest.mark.parametrize(("outcome", "message"), [
    ("other_la", "Enter the local authority the child moved to"),
    ("home_education", "Enter the date the LA was told"),
    ("missing", "Enter to whom it was escalated"),
    ("found_on_roll", "Enter the school whose roll the child is on"),
    ("other", "Enter a note saying what the outcome was"),
])
def test_an_outcome_without_what_it_needs_is_refused(officer_client, outcome, message):
    enquiry = _open(officer_client)
    response = officer_client.post_form(f"/cme/enquiries/{enquiry.id}/close", {"outcome": outcome})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.refresh(enquiry)
    assert enquiry.is_open


def test_a_closed_enquiry_is_reopened_with_a_reason(officer_client):
    enquiry = _open(officer_client)
    officer_client.post_form(f"/cme/enquiries/{enquiry.id}/close", {"outcome": "abroad"})
    assert officer_client.post_form(f"/cme/enquiries/{enquiry.id}/reopen", {"reason": ""}).status_code == 422
    response = officer_client.post_form(f"/cme/enquiries/{enquiry.id}/reopen",
                                        {"reason": "Seen in the town again"})
    assert response.status_code == 303
    db.session.refresh(enquiry)
    assert enquiry.is_open and enquiry.outcome is None and enquiry.reopen_reason == "Seen in the town again"


def test_a_stale_close_is_a_conflict(officer_client):
    enquiry = _open(officer_client)
    stale = enquiry.version
    officer_client.post_form(f"/cme/enquiries/{enquiry.id}/close", {"outcome": "abroad", "version": str(stale)})
    officer_client.post_form(f"/cme/enquiries/{enquiry.id}/reopen", {"reason": "Back"})
    response = officer_client.post_form(f"/cme/enquiries/{enquiry.id}/close",
                                        {"outcome": "abroad", "version": str(stale)})
    assert response.status_code == 409


def test_an_la_admin_works_enquiries_but_a_school_and_partners_may_not(app, officer_client):
    enquiry = _open(officer_client)
    world = officer_client.world
    admin = app.test_client()
    admin.login(world.user("la_admin"))
    assert admin.get(f"/cme/enquiries/{enquiry.id}").status_code == 200
    for role in ("school_staff", "ewo", "social_care", "police"):
        someone = app.test_client()
        someone.login(world.user(role))
        assert someone.get(f"/cme/enquiries/{enquiry.id}").status_code == 403, role


def test_linking_the_enquiry_to_a_pupil_closes_it_as_found_on_a_roll(officer_client):
    from tests.factories import make_pupil

    pupil = make_pupil(officer_client.world.school_b, "Lin", "Onroll")
    db.session.commit()
    enquiry = _open(officer_client)
    url = f"/cme/enquiries/{enquiry.id}/pupil"
    response = officer_client.post_form(url, {"upn": "A000000000000"})
    assert response.status_code == 422 and "Enter the UPN of a pupil on a roll" in response.get_data(as_text=True)
    response = officer_client.post_form(url, {"upn": pupil.upn.lower(), "version": str(enquiry.version)})
    assert response.status_code == 303
    db.session.refresh(enquiry)
    assert not enquiry.is_open and enquiry.outcome == EnquiryOutcome.found_on_roll
    assert (enquiry.pupil_id, enquiry.outcome_detail) == (pupil.id, "School B")


def test_the_home_education_outcome_starts_the_childs_ehe_record(officer_client):
    """Closed as elective home education, the child gets an EHE record from the date the LA was
    told; a child without a date of birth gets none (the officer records it by hand), and a second
    enquiry about the same child does not start a second record."""
    from portal.ehe.models import EheRecord

    enquiry = _open(officer_client)
    response = officer_client.post_form(f"/cme/enquiries/{enquiry.id}/close", {
        "outcome": "home_education", "outcome_date": date_boxes("2026-11-23"), "version": str(enquiry.version)})
    assert response.status_code == 303
    record = db.session.scalars(select(EheRecord)).one()
    assert (record.forename, record.surname) == ("Finn", "Unknown")
    assert record.date_of_birth.isoformat() == "2015-03-27" and record.started_on.isoformat() == "2026-11-23"
    assert record.address == "4 Quay Street" and f"CME enquiry #{enquiry.id}" in record.note
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "ehe_started")).one()

    unknown = _open(officer_client, child_name="Nameless Child", date_of_birth=date_boxes(""))
    response = officer_client.post_form(f"/cme/enquiries/{unknown.id}/close", {
        "outcome": "home_education", "outcome_date": date_boxes("2026-11-23"), "version": str(unknown.version)})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(EheRecord)) == 1
