"""The checklist of an enquiry: each step due so many school days after the enquiry opened on
the child's school calendar (its closures count), overdue once its due date has passed undone,
recorded (done, outcome, notes) through its form; the enquiries list puts overdue ones first."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal import access
from portal.attendance.models import SchoolClosure
from portal.cme import service
from portal.cme.models import CmeEnquiry, CmeStep, StepKind
from portal.extensions import db
from tests import clock
from tests.factories import build_world, make_pupil, make_user
from tests.pages import date_boxes


def _enquiry_for_a_pupil_of_school_a():
    world = build_world()
    pupil = make_pupil(world.school_a, "Gil", "Away")
    # Thursday 26 November is an INSET day at school A
    db.session.add(SchoolClosure(school_id=world.school_a.id, date=date(2026, 11, 26), kind="inset"))
    db.session.commit()
    service.notify(world.user("school_staff"), pupil, {"kind": "deletion", "ground": "moving_away",
                                                       "event_date": date(2026, 11, 24), "destination": ""})
    db.session.commit()
    return world, db.session.scalars(select(CmeEnquiry)).one()


def test_steps_fall_due_in_school_days_on_the_school_calendar():
    _, enquiry = _enquiry_for_a_pupil_of_school_a()  # opened Wednesday 25 November
    steps = {s.kind: s for s in service.steps_for(enquiry.id)}
    assert set(steps) == set(StepKind)
    # two school days after Wednesday 25: Thursday is INSET, so Friday 27 and Monday 30
    assert steps[StepKind.home_visit].due_date == date(2026, 11, 30)
    assert steps[StepKind.other_schools].due_date == date(2026, 12, 3)


def test_a_step_is_overdue_once_its_due_date_has_passed_undone():
    _, enquiry = _enquiry_for_a_pupil_of_school_a()
    visit = next(s for s in service.steps_for(enquiry.id) if s.kind == StepKind.home_visit)
    assert not visit.overdue(date(2026, 11, 30)) and visit.overdue(date(2026, 12, 1))
    with clock.on(date(2026, 12, 1)):
        assert service.overdue_counts([enquiry.id]) == {enquiry.id: 2}  # the home visit, the family contact


def test_an_officer_records_a_step_and_the_list_puts_overdue_enquiries_first(app):
    world, enquiry = _enquiry_for_a_pupil_of_school_a()
    officer = make_user(access.EWO, world.service, cme_officer=True)
    db.session.commit()
    visit = next(s for s in service.steps_for(enquiry.id) if s.kind == StepKind.home_visit)
    with clock.on(date(2026, 12, 1)):
        later = service.open_enquiry(officer, {"source": "professional", "child_name": "Hal Later"})  # newer
        db.session.commit()
        client = app.test_client()
        client.login(officer)
        page = client.get("/cme/enquiries").get_data(as_text=True)
        assert page.index("Gil") < page.index("Hal Later") and "2 overdue" in page
        assert "Overdue" in client.get(f"/cme/enquiries/{enquiry.id}").get_data(as_text=True)
        url = f"/cme/enquiries/{enquiry.id}/steps/{visit.id}"
        response = client.post_form(url, {"due_date": date_boxes("2026-11-30"), "done_on": date_boxes("2026-11-30"),
                                          "outcome": "", "notes": "", "version": str(visit.version)})
        assert response.status_code == 422 and "Enter the outcome of the step" in response.get_data(as_text=True)
        response = client.post_form(url, {"due_date": date_boxes("2026-11-30"), "done_on": date_boxes("2026-11-30"),
                                          "outcome": "No answer; neighbours say the family left in October",
                                          "notes": "Card left", "version": str(visit.version)})
        assert response.status_code == 303
        db.session.refresh(visit)
        assert visit.done_on == date(2026, 11, 30) and not visit.overdue(date(2026, 12, 1))
        # a step of another enquiry is not found through this one
        other = service.steps_for(later.id)[0]
        assert client.get(f"/cme/enquiries/{enquiry.id}/steps/{other.id}").status_code == 404
    assert db.session.get(CmeStep, other.id).done_on is None
