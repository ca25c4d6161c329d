"""Issue 14, point 8: sharing with the police is chosen, never assumed. The triage that opens a
case, a stage change, an agreed action and a sweep encounter matched by an EWO reach the police
view only when someone ticked the box; unticked (the default) they stay out of it."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from portal.cases import referrals, service
from portal.cases.models import Action, ChronologyEntry
from portal.extensions import db
from portal.sweeps import service as sweeps
from tests import clock
from tests.attendance.helpers import TODAY
from tests.cases.test_views import (
    GOOD,
    HX_CHRONOLOGY,
    add_week,
    hidden_value,
    id_from,
    signed_in,
    stage,
    text_of,
    update_form,
)
from tests.factories import make_pupil
from tests.pages import date_boxes


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


@pytest.fixture
def pupil(world):
    p = make_pupil(world.school_a, "Alex", "Able")
    add_week(p, date(2026, 11, 16))
    return p


def submitted(world, pupil):
    staff = world.user("school_staff")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    referrals.submit(staff, referral, referral.version)
    db.session.commit()
    return referral


def police_entries(case_id: int, kind: str) -> list[str | None]:
    db.session.expire_all()
    return list(db.session.scalars(select(ChronologyEntry.police_text).where(
        ChronologyEntry.case_id == case_id, ChronologyEntry.kind == kind)))


def accept_via_page(app, world, referral, **extra) -> int:
    ewo = signed_in(app, world.user("ewo"))
    page = ewo.get(f"/referrals/{referral.id}/triage")
    assert page.status_code == 200
    assert 'name="police"' in page.get_data(as_text=True)
    assert 'name="police" type="checkbox" value="y" checked' not in page.get_data(as_text=True)
    response = ewo.post_form(f"/referrals/{referral.id}/triage", {
        "decision": "accept", "lead_id": str(world.user("ewo").id), "message": "",
        "version": str(referral.version), **extra})
    return id_from(response, "/cases/")


def test_the_triage_entry_is_not_shared_with_the_police_unless_chosen(app, world, pupil):
    case_id = accept_via_page(app, world, submitted(world, pupil))
    assert police_entries(case_id, "triage") == [None]
    other = make_pupil(world.school_a, "Bea", "Bold")
    case_id = accept_via_page(app, world, submitted(world, other), police="y")
    assert police_entries(case_id, "triage") == [
        f"Referral accepted; case opened with {world.user('ewo').name} as lead professional."]


def _case(world, pupil):
    referral = submitted(world, pupil)
    case = referrals.accept(world.user("ewo"), referral, world.user("ewo"), referral.version)
    service.share(world.user("ewo"), case, world.police_org, "Seen in the town centre in school hours")
    db.session.commit()
    return case


def test_a_stage_change_reaches_the_police_only_when_chosen(app, world, pupil):
    case = _case(world, pupil)
    ewo = signed_in(app, world.user("ewo"))
    page = ewo.get(f"/cases/{case.id}")
    assert 'name="case-police"' in page.get_data(as_text=True)
    response = ewo.post(f"/cases/{case.id}/update", data=update_form(
        ewo, case.id, hidden_value(page, "case-version"), stage_id=stage(4).id))
    assert response.status_code == 303, response.status_code
    assert police_entries(case.id, "stage_change") == [None]
    police = signed_in(app, world.user("police"))
    assert "Stage changed" not in text_of(police.get(f"/cases/{case.id}", headers=HX_CHRONOLOGY))

    page = ewo.get(f"/cases/{case.id}")
    response = ewo.post(f"/cases/{case.id}/update", data={**update_form(
        ewo, case.id, hidden_value(page, "case-version"), stage_id=stage(3).id), "case-police": "y"})
    assert response.status_code == 303, response.status_code
    assert sorted(police_entries(case.id, "stage_change"), key=str) == [
        None, f"Stage changed from {stage(4).name} to {stage(3).name}."]
    assert "Stage changed" in text_of(police.get(f"/cases/{case.id}", headers=HX_CHRONOLOGY))


def test_an_action_reaches_the_police_only_when_chosen(app, world, pupil):
    case = _case(world, pupil)
    ewo = signed_in(app, world.user("ewo"))
    page = ewo.get(f"/cases/{case.id}")
    assert 'name="action-police_shareable"' in page.get_data(as_text=True)
    for description, extra in (("Call home each morning", {}),
                               ("Include in the patrol briefing", {"action-police_shareable": "y"})):
        response = ewo.post(f"/cases/{case.id}/actions", data={
            "action-csrf_token": ewo.token(), "action-description": description,
            "action-owner": f"org:{world.police_org.id}", "action-due_date": date_boxes(TODAY + timedelta(days=7)),
            **extra})
        assert response.status_code == 303, response.status_code
    shareable = dict(db.session.execute(select(Action.description, Action.police_shareable)
                                        .where(Action.case_id == case.id)).all())
    assert shareable == {"Call home each morning": False, "Include in the patrol briefing": True}
    police = signed_in(app, world.user("police"))
    text = text_of(police.get(f"/cases/{case.id}", headers=HX_CHRONOLOGY))
    assert "Include in the patrol briefing" in text and "Call home each morning" not in text


def test_a_sweep_encounter_matched_by_an_ewo_is_not_shared_with_the_police(app, world, pupil):
    case = _case(world, pupil)
    police, ewo = world.user("police"), world.user("ewo")
    sweep = sweeps.create_sweep(police, held_on=TODAY - timedelta(days=1), starts_at=time(9), ends_at=time(12),
                                area="Town centre", lead=police, officers=[ewo], agencies=[])
    for who in (ewo, police):
        encounter = sweeps.record_encounter(police, sweep, {
            "seen_time": time(10, 30), "location": "Bus station", "officer_id": police.id, "forename": "Alex",
            "surname": "Able", "date_of_birth": pupil.date_of_birth, "age": None, "school_status": "school",
            "school_id": world.school_a.id, "school_given": "", "exclusion": "none", "accompanied": "alone",
            "reason": "Said he felt unwell", "reason_accepted": False, "outcome": "returned_to_school",
            "outcome_note": "", "concern": False, "concern_note": ""})
        sweeps.confirm_match(who, encounter, pupil, encounter.version)
    db.session.commit()
    shared = police_entries(case.id, "sweep")
    assert len(shared) == 2 and shared.count(None) == 1  # the police officer's own match is theirs to see


def test_a_lead_change_and_a_closure_reach_the_police_only_when_chosen(app, world, pupil):
    """Issue 14.8: the lead change and the closure entries were always in the police view."""
    case = _case(world, pupil)
    ewo = signed_in(app, world.user("ewo"))
    page = ewo.get(f"/cases/{case.id}/lead")
    assert 'name="police" type="checkbox"' in page.get_data(as_text=True)
    assert ewo.post_form(f"/cases/{case.id}/lead", {"lead_id": str(world.user("early_help").id),
                                                    "version": hidden_value(page, "version")}).status_code == 303
    page = ewo.get(f"/cases/{case.id}/close")
    assert 'name="police" type="checkbox" value="y" checked' not in page.get_data(as_text=True)
    assert ewo.post_form(f"/cases/{case.id}/close", {"reason": "improved", "text": "",
                                                     "version": hidden_value(page, "version")}).status_code == 303
    db.session.expire_all()
    decisions = dict(db.session.execute(select(ChronologyEntry.text, ChronologyEntry.police_text).where(
        ChronologyEntry.case_id == case.id, ChronologyEntry.kind == "decision")).all())
    assert [t for t in decisions if t.startswith(("Lead professional changed", "Case closed"))] and all(
        police is None for text, police in decisions.items() if text.startswith(("Lead professional", "Case closed")))
    police = signed_in(app, world.user("police"))
    text = text_of(police.get(f"/cases/{case.id}", headers=HX_CHRONOLOGY))
    assert "Lead professional changed" not in text and "Case closed" not in text

    other = _case(world, make_pupil(world.school_a, "Cal", "Chosen"))
    service.set_lead(world.user("ewo"), other, world.user("early_help"), other.version, share_with_police=True)
    service.close(world.user("early_help"), other, "improved", "", other.version, share_with_police=True)
    db.session.commit()
    text = text_of(police.get(f"/cases/{other.id}", headers=HX_CHRONOLOGY))
    assert "Lead professional changed" in text and "Case closed: Attendance improved and sustained." in text
