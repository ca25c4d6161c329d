"""Who sees what: a school only its own meetings and pupils; an EWO their schools'; an invited
partner the cohort figures and items, and a pupil's item only when the pupil's case is shared
with them; the minutes (page and PDF) the same way, audited. And the actions in "My actions"."""
from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.cases.models import CaseShare
from portal.extensions import db
from portal.tsm.models import TsmActionStatus, TsmItem
from tests.tsm.conftest import book, record


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def signed_in(app, user):
    client = app.test_client()
    client.login(user)
    return client


def _meeting_with_items(world, pupils):
    meeting = book(world, partners=[world.early_help_org, world.social_care_org])
    ellis = record(world, meeting, pupil_id=pupils["ellis"].id, next_step="early_help",
                   owner_org_id=world.early_help_org.id, due_date=date(2026, 12, 2),
                   note="Ellis Quinlan finds mornings hard")
    steady = record(world, meeting, pupil_id=pupils["steady"].id, next_step="school_support",
                    owner_user_id=world.user("school_staff").id, due_date=date(2026, 12, 2), note="Tom is a carer")
    cohort = record(world, meeting, cohort="persistent", next_step="whole_family",
                    owner_org_id=world.social_care_org.id, due_date=date(2026, 12, 9), note="Family plans")
    return meeting, ellis, steady, cohort


def test_a_school_never_sees_another_schools_meeting_or_pupils(app, world, pupils):
    mine = book(world)
    theirs = book(world, world.school_b)
    record(world, theirs, pupil_id=pupils["fern"].id, next_step="school_support",
           owner_org_id=world.school_b.id, due_date=date(2026, 12, 2))
    school = signed_in(app, world.user("school_staff"))
    listing = school.get("/support-meetings").text
    assert f"/support-meetings/{mine.id}" in listing and f"/support-meetings/{theirs.id}" not in listing
    for url in (f"/support-meetings/{theirs.id}", f"/support-meetings/{theirs.id}/minutes",
                f"/support-meetings/{theirs.id}/minutes/pdf"):
        assert school.get(url).status_code == 404
    assert "Fern" not in school.get(f"/support-meetings/{mine.id}").text
    ewo = signed_in(app, world.user("ewo"))  # school A's EWO
    assert ewo.get(f"/support-meetings/{theirs.id}").status_code == 404
    assert ewo.get(f"/support-meetings/{mine.id}").status_code == 200
    admin = signed_in(app, world.user("la_admin"))
    assert "Fern Foreign" in admin.get(f"/support-meetings/{theirs.id}").text


def test_a_partner_sees_cohort_items_and_only_the_pupils_whose_case_is_shared(app, world, pupils):
    meeting, *_ = _meeting_with_items(world, pupils)
    early_help = signed_in(app, world.user("early_help"))
    page = early_help.get(f"/support-meetings/{meeting.id}").text
    assert "Family plans" in page  # the cohort item
    assert "Quinlan" not in page and "Steady" not in page and "Tom is a carer" not in page
    assert "Persistent absence (missing 10% or more)" in page
    db.session.add(CaseShare(case_id=pupils["case"].id, organisation_id=world.early_help_org.id, reason="test",
                             shared_by_id=world.user("ewo").id))
    db.session.commit()
    page = early_help.get(f"/support-meetings/{meeting.id}").text
    assert "E.Q. (pupil)" in page and "E. Q. finds mornings hard" in page  # initials, the name taken out
    assert "Quinlan" not in page and "Tom is a carer" not in page
    police = signed_in(app, world.user("police"))  # not invited
    assert police.get(f"/support-meetings/{meeting.id}").status_code == 404


def test_partners_see_counts_below_five_suppressed(app, world, pupils):
    meeting, *_ = _meeting_with_items(world, pupils)
    page = signed_in(app, world.user("social_care")).get(f"/support-meetings/{meeting.id}").text
    assert "Persistent absence (missing 10% or more)" in page
    assert "fewer than 5" in page  # one persistent absentee: partners see no count below 5
    assert "Ellis" not in page


def test_the_minutes_pdf_names_pupils_for_the_school_and_not_for_partners(app, world, pupils):
    meeting, *_ = _meeting_with_items(world, pupils)
    school = signed_in(app, world.user("school_staff"))
    response = school.get(f"/support-meetings/{meeting.id}/minutes/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.get_data())
    assert "Targeting Support Meeting minutes: School A" in text
    assert "Ellis Quinlan" in text and "Tom Steady" in text and "Family plans" in text
    assert "Early help" in text and "Whole-family plan" in text
    partner = pdf_text(signed_in(app, world.user("early_help")).get(f"/support-meetings/{meeting.id}/minutes/pdf")
                       .get_data())
    assert "Quinlan" not in partner and "Steady" not in partner and "Family plans" in partner
    page = school.get(f"/support-meetings/{meeting.id}/minutes")
    assert page.status_code == 200 and "Ellis Quinlan" in page.text
    verbs = dict(db.session.execute(select(AuditEvent.verb, func.count()).group_by(AuditEvent.verb)).all())
    assert verbs["tsm_minutes_downloaded"] == 2 and verbs["tsm_minutes_viewed"] == 1


def test_tsm_actions_are_in_their_owners_my_actions_and_not_in_anothers(app, world, pupils):
    meeting, ellis, steady, cohort = _meeting_with_items(world, pupils)
    school = signed_in(app, world.user("school_staff"))
    mine = school.get("/actions").text
    assert "From targeting support meetings" in mine and "Tom Steady" in mine
    assert "Whole-family plan" not in mine and "Early help assessment" not in mine
    home = school.get("/").text
    assert 'Your open actions' in home
    early_help = signed_in(app, world.user("early_help"))
    theirs = early_help.get("/actions").text
    assert "Early help assessment" in theirs
    assert "Quinlan" not in theirs and "a pupil of the school" in theirs  # the case is not shared with them
    assert "Steady" not in theirs and "Whole-family plan" not in theirs
    other_school = signed_in(app, world.user("school_staff_b"))
    assert "From targeting support meetings" not in other_school.get("/actions").text
    # the owner marks it done; someone else cannot
    assert other_school.post_form(f"/support-actions/{steady.id}/done",
                                  {"version": str(steady.version)}).status_code == 404
    assert early_help.post_form(f"/support-actions/{steady.id}/done",
                                {"version": str(steady.version)}).status_code == 404
    seen = steady.version
    done = school.post_form(f"/support-actions/{steady.id}/done", {"version": str(seen), "back": "actions"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/actions")
    db.session.expire_all()
    assert db.session.get(TsmItem, steady.id).status == TsmActionStatus.done
    again = school.post_form(f"/support-actions/{steady.id}/done", {"version": str(seen)})
    assert again.status_code == 409  # stale
    assert "Tom Steady" in school.get("/actions?show=done").text
    assert "Tom Steady" not in school.get("/actions").text


def test_the_home_count_of_open_actions_includes_tsm_actions(app, world, pupils):
    from portal.dashboard.views import _cards  # noqa: PLC0415 - the card's figure

    _meeting_with_items(world, pupils)
    card = next(c for c in _cards(world.user("school_staff")) if c["title"] == "Your open actions")
    assert card["count"] == 1 and card["text"].startswith("0 overdue; 1 due this week")
