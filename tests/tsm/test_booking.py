"""Booking a TSM (the LA admin), its validation, and this term's coverage: held, booked, missing."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.tsm import service
from portal.tsm.models import SupportMeeting, TsmStatus
from tests.factories import make_org
from tests.pages import date_boxes
from tests.tsm.conftest import MEETING_DAY, TODAY, book


def _form(world, **over):
    data = {"school_id": str(world.school_a.id), "day": "2026-12-09", "start": "10:00", "place": "School A",
            "ewo_id": str(world.user("ewo").id), "school_lead_id": str(world.user("school_staff").id),
            "partners": [str(world.early_help_org.id)]}
    data.update(over)
    data["day"] = date_boxes(data["day"])
    return data


def test_the_la_books_a_meeting_with_the_named_ewo_lead_and_partners(client, world):
    client.login(world.user("la_admin"))
    page = client.get(f"/support-meetings/new?school={world.school_a.id}")
    assert page.status_code == 200
    assert "(the school&#39;s named EWO)" in page.text
    response = client.post_form("/support-meetings/new", _form(world))
    assert response.status_code == 303
    meeting = db.session.scalar(select(SupportMeeting))
    assert meeting.school_id == world.school_a.id and meeting.ewo_id == world.user("ewo").id
    assert meeting.term.name == "Autumn" and meeting.term.academic_year == "2026/27"
    assert service.meeting_day(meeting) == date(2026, 12, 9) and meeting.status == TsmStatus.booked
    assert [p.organisation_id for p in meeting.partners] == [world.early_help_org.id]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == "tsm_booked")) == 1


def test_booking_refuses_a_holiday_a_second_meeting_in_the_term_and_another_schools_lead(client, world):
    client.login(world.user("la_admin"))
    holiday = client.post_form("/support-meetings/new", _form(world, day="2026-12-25"))
    assert holiday.status_code == 422 and "not in a school term" in holiday.text
    assert "govuk-error-summary" in holiday.text
    wrong_lead = client.post_form("/support-meetings/new",
                                  _form(world, school_lead_id=str(world.user("school_staff_b").id)))
    assert wrong_lead.status_code == 422 and 'href="#school_lead_id"' in wrong_lead.text  # not among the choices
    bad = client.post_form("/support-meetings/new", _form(world, day="9/12/2026", start="ten"))
    assert (bad.status_code == 422 and "Date of the meeting must include a month and year" in bad.text
            and "hours and minutes" in bad.text)
    assert client.post_form("/support-meetings/new", _form(world)).status_code == 303
    again = client.post_form("/support-meetings/new", _form(world, day="2026-12-16"))
    assert again.status_code == 422 and "already has a TSM in the autumn term 2026/27" in again.text
    assert db.session.scalar(select(func.count()).select_from(SupportMeeting)) == 1


def test_only_the_la_books(app, world):
    for role in ("ewo", "school_staff", "early_help"):
        client = app.test_client()
        client.login(world.user(role))
        assert client.get("/support-meetings/new").status_code == 403


def test_coverage_this_term_held_booked_and_missing(client, world):
    school_c = make_org(name="School C")
    make_org(name="Closed School", active=False)
    held = book(world, world.school_a, MEETING_DAY)
    service.mark_held(world.user("ewo"), held, held.version)
    booked = book(world, world.school_b, date(2026, 12, 10))
    # last term's meeting of school C counts for its last date, not for this term
    last_term = book(world, school_c, date(2026, 6, 10))
    service.mark_held(world.user("la_admin"), last_term, last_term.version)
    db.session.commit()
    term = service.current_term(TODAY)
    assert service.coverage(term) == {world.school_a.id: service.Coverage.held,
                                      world.school_b.id: service.Coverage.booked,
                                      school_c.id: service.Coverage.missing}
    assert service.last_held_by_school() == {world.school_a.id: MEETING_DAY, school_c.id: date(2026, 6, 10)}
    client.login(world.user("la_admin"))
    page = client.get("/support-meetings/coverage")
    assert page.status_code == 200
    assert "Held: 1. Booked: 1. Missing: 1." in page.text
    assert "10 Dec 2026, 10:00" in page.text and "10 Jun 2026" in page.text
    assert f"/support-meetings/{booked.id}" in page.text


def test_an_ewo_sees_the_coverage_of_their_schools_only(client, world):
    book(world, world.school_b, date(2026, 12, 10))
    client.login(world.user("ewo"))
    page = client.get("/support-meetings/coverage")
    assert "School A" in page.text and "School B" not in page.text
    assert "Book a meeting" not in page.text


def _home(app, world, role, path="/") -> str:
    client = app.test_client()
    client.login(world.user(role))
    return client.get(path).text


def test_navigation(app, world):
    # LA admins and EWOs: a section of its own, or a page of the "Meetings" section beside Panels
    for role in ("la_admin", "ewo"):
        navs = re.findall(r"<nav.*?</nav>", _home(app, world, role, "/support-meetings/coverage"), re.S)
        assert any("Targeting support meetings" in nav for nav in navs)
    school = _home(app, world, "school_staff")
    assert "Support meetings" in school and "Targeting support meetings" not in school
    assert "Support meetings" not in _home(app, world, "early_help")  # not invited to any
    book(world, partners=[world.early_help_org])
    assert "Support meetings" in _home(app, world, "early_help")
