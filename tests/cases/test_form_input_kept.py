# ruff: noqa: F811  (pytest fixtures imported from test_views)
"""Issue 14.6: a form that comes back with errors keeps what was typed, and every date is the
GOV.UK date input (day, month and year boxes) with a message that says how to fix it."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.cases.models import Action, Case, ChronologyEntry
from portal.extensions import db
from tests.cases.test_views import (  # noqa: F401  (fixtures)
    _fixed_today,
    case,
    entry_form,
    hidden_value,
    pupil,
    signed_in,
    stage,
    update_form,
)


def _selected(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, f"no select {name!r}"
    chosen = re.search(r'<option value="([^"]*)" selected', select_html.group(1))
    return chosen.group(1) if chosen else None


def _box(html: str, box_id: str) -> str:
    tag = re.search(rf'<input[^>]*id="{re.escape(box_id)}"[^>]*>', html)
    assert tag, f"no box {box_id!r}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def test_a_stage_change_with_a_date_missing_its_month_keeps_the_stage_and_the_three_boxes(app, world, case):
    lead = signed_in(app, world.user("ewo"))
    version = hidden_value(lead.get(f"/cases/{case.id}"), "case-version")
    stage_before = db.session.get(Case, case.id).stage_id
    target = stage(2)
    data = update_form(lead, case.id, version, stage_id=target.id, reason="Attendance down again")
    data["case-next_review"] = ["15", "", "2026"]
    response = lead.post(f"/cases/{case.id}/update", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # the how-to-fix message, in the summary (linked to the month box) and beside the field
    assert '<a href="#case-next_review-month">Date of the next review must include a month</a>' in html
    assert html.count("Date of the next review must include a month") == 2
    assert "Not a valid date value" not in html
    # what was typed is all still there
    assert _selected(html, "case-stage_id") == str(target.id)
    assert (_box(html, "case-next_review-day"), _box(html, "case-next_review-month"),
            _box(html, "case-next_review-year")) == ("15", "", "2026")
    assert 'value="Attendance down again"' in html
    # only the box at fault is marked
    month = re.search(r'<input[^>]*id="case-next_review-month"[^>]*>', html).group(0)
    day = re.search(r'<input[^>]*id="case-next_review-day"[^>]*>', html).group(0)
    assert "govuk-input--error" in month and "govuk-input--error" not in day
    # nothing was written
    db.session.expire_all()
    assert db.session.get(Case, case.id).stage_id == stage_before


def test_the_old_single_box_date_says_what_is_missing(app, world, case):
    lead = signed_in(app, world.user("ewo"))
    version = hidden_value(lead.get(f"/cases/{case.id}"), "case-version")
    data = update_form(lead, case.id, version, stage_id=stage(2).id)
    data["case-next_review"] = ["15/12/2026", "", ""]
    response = lead.post(f"/cases/{case.id}/update", data=data)
    assert response.status_code == 422
    assert "Date of the next review must include a month and year" in response.get_data(as_text=True)


def test_a_date_that_is_not_real_or_in_the_future_says_how_to_fix_it(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    ewo.get(f"/cases/{case.id}")
    before = db.session.scalar(select(func.count(ChronologyEntry.id)))
    data = entry_form(ewo, "phone_call", "Spoke to mother about mornings", police=True)
    data["entry-occurred_on"] = ["31", "2", "2026"]
    response = ewo.post(f"/cases/{case.id}/chronology", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Date it happened must be a real date" in html
    assert "Spoke to mother about mornings" in html  # the text typed
    assert re.search(r'name="entry-police_shareable"[^>]*checked', html)  # the box ticked
    assert _selected(html, "entry-kind") == "phone_call"
    data["entry-occurred_on"] = ["1", "1", "2099"]
    response = ewo.post(f"/cases/{case.id}/chronology", data=data)
    assert response.status_code == 422
    assert "Date it happened must be today or in the past" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ChronologyEntry.id))) == before


def test_an_action_without_a_due_date_keeps_its_description(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    ewo.get(f"/cases/{case.id}")
    response = ewo.post(f"/cases/{case.id}/actions", data={
        "action-csrf_token": ewo.token(), "action-description": "Home visit with the school nurse",
        "action-owner": f"user:{world.user('ewo').id}", "action-due_date": ["", "", ""]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<a href="#action-due_date-day">Enter the date the action is due</a>' in html
    assert "Home visit with the school nurse" in html
    assert _selected(html, "action-owner") == f"user:{world.user('ewo').id}"
    assert db.session.scalar(select(func.count(Action.id))) == 0
