"""The self-assessment pages: the school completes and submits (422 with the GOV.UK error
summary when incomplete, values kept), attaches evidence; the EWO reviews; the LA grid and its
CSV; the planned actions in My actions; who sees what."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from portal.extensions import db
from portal.selfassessment.models import AssessmentStatus, PlannedActionStatus, SelfAssessment
from tests.pages import date_boxes
from tests.selfassessment.conftest import YEAR, answers_by_key, submitted

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _as(app, user):
    """A browser of its own, signed in as the user."""
    browser = app.test_client()
    browser.login(user)
    return browser


def _start(client, world):
    client.login(world.user("school_staff"))
    response = client.post("/self-assessments/start", data={"csrf_token": client.token()})
    assert response.status_code == 303
    return db.session.scalar(select(SelfAssessment).where(SelfAssessment.school_id == world.school_a.id))


def _form(client, assessment, staff, ratings=None, action="save"):
    data = {"csrf_token": client.token(), "version": str(assessment.version), "action": action}
    for answer in assessment.answers:
        rating = (ratings or {}).get(answer.area.key, "green")
        key = f"a{answer.id}"
        data[f"{key}-rating"] = rating
        data[f"{key}-evidence"] = f"Evidence {answer.area.key}"
        data[f"{key}-action"] = "Weekly analysis meeting" if rating != "green" else ""
        data[f"{key}-action_owner_id"] = str(staff.id) if rating != "green" else ""
        data[f"{key}-action_due"] = date_boxes("2027-02-26" if rating != "green" else "")
    return data


def test_a_school_saves_a_draft_then_submits_and_it_is_read_only_after(client, world):
    assessment = _start(client, world)
    page = client.get("/self-assessments/mine")
    assert "Continue the self-assessment" in page.text
    staff = world.user("school_staff")
    data = _form(client, assessment, staff, {"data": "red"})
    data[f"a{answers_by_key(assessment)['culture'].id}-rating"] = ""
    response = client.post(f"/self-assessments/{assessment.id}/edit", data=data)
    assert response.status_code == 303
    db.session.refresh(assessment)
    assert assessment.is_draft and answers_by_key(assessment)["data"].rating == "red"
    # submitting with an area unrated and a red one without its action: refused, values kept
    culture, data_area = answers_by_key(assessment)["culture"], answers_by_key(assessment)["data"]
    data = _form(client, assessment, staff, {"data": "red"}, action="submit")
    data[f"a{culture.id}-rating"] = ""
    data[f"a{data_area.id}-action"] = ""
    data[f"a{data_area.id}-evidence"] = "Typed evidence kept"
    response = client.post(f"/self-assessments/{assessment.id}/edit", data=data)
    assert response.status_code == 422
    assert "There is a problem" in response.text and "<title>Error:" in response.text
    assert f'href="#a{culture.id}-rating"' in response.text
    assert "Regular analysis of data for pupils and cohorts is rated red: enter the planned action" in response.text
    assert "Typed evidence kept" in response.text
    db.session.refresh(assessment)
    assert assessment.is_draft
    response = client.post(f"/self-assessments/{assessment.id}/edit",
                           data=_form(client, assessment, staff, {"data": "red"}, action="submit"))
    assert response.status_code == 303
    db.session.refresh(assessment)
    assert assessment.status == AssessmentStatus.submitted
    page = client.get(f"/self-assessments/{assessment.id}")
    assert page.status_code == 200 and "Weekly analysis meeting" in page.text and "Continue" not in page.text
    assert client.get(f"/self-assessments/{assessment.id}/edit").status_code == 303
    again = client.post("/self-assessments/start", data={"csrf_token": client.token()}, follow_redirects=True)
    assert "only one is made a year" in again.text


def test_evidence_is_checked_stored_and_downloaded_only_by_those_who_see_the_assessment(app, client, world):
    assessment = _start(client, world)
    bad = client.post(f"/self-assessments/{assessment.id}/evidence",
                      data={"csrf_token": client.token(), "file": (io.BytesIO(b"MZ not a pdf"), "x.pdf")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "The file must be a PDF" in bad.text
    ok = client.post(f"/self-assessments/{assessment.id}/evidence",
                     data={"csrf_token": client.token(), "title": "Attendance policy 2026",
                           "file": (io.BytesIO(PDF), "policy.pdf")}, content_type="multipart/form-data")
    assert ok.status_code == 303
    evidence = assessment.evidence[0]
    download = client.get(f"/self-assessments/{assessment.id}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    client = _as(app, world.user("school_staff_b"))
    assert client.get(f"/self-assessments/{assessment.id}/evidence/{evidence.id}").status_code == 404


def test_the_named_ewo_challenges_a_rating_and_the_school_sees_the_outcome(app, client, world):
    assessment = submitted(world, ratings={"policy": "amber"})
    culture = answers_by_key(assessment)["culture"]
    client.login(world.user("ewo"))
    form = client.get(f"/self-assessments/{assessment.id}/review")
    assert form.status_code == 200
    data = {"csrf_token": client.token(), "version": str(assessment.version), "action": "done"}
    for answer in assessment.answers:
        data[f"a{answer.id}-review"] = "agree"
    data[f"a{culture.id}-review"] = "challenge"
    response = client.post(f"/self-assessments/{assessment.id}/review", data=data)
    assert response.status_code == 422 and "Whole-school culture: say why you challenge the rating" in response.text
    data[f"a{culture.id}-comment"] = "Few staff know the policy"
    assert client.post(f"/self-assessments/{assessment.id}/review", data=data).status_code == 303
    client = _as(app, world.user("school_staff"))
    page = client.get(f"/self-assessments/{assessment.id}")
    assert "Challenged" in page.text and "Few staff know the policy" in page.text
    client = _as(app, world.user("ewo_b"))  # not the school's EWO
    assert client.get(f"/self-assessments/{assessment.id}").status_code == 404


def test_the_la_grid_counts_marks_the_challenge_lists_who_has_not_submitted_and_downloads(client, world):
    submitted(world, ratings={"data": "red", "policy": "amber"})
    client.login(world.user("la_admin"))
    page = client.get(f"/self-assessments?year={YEAR}")
    assert page.status_code == 200
    text = page.text
    assert "Submitted: 1 of 2 schools" in text
    assert "Red 1" in text and "Amber 1" in text
    not_submitted = text[text.index('id="not-submitted"'):]
    assert "School B (not started)" in not_submitted
    assert "Weekly analysis" not in text  # the grid shows ratings; the actions due list shows them:
    sorted_page = client.get(f"/self-assessments?year={YEAR}&sort=data&order=asc")
    assert sorted_page.status_code == 200 and 'aria-sort="ascending"' in sorted_page.text
    download = client.get(f"/self-assessments/overview.csv?year={YEAR}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][:4] == ["School", "Academic year", "Status", "Whole-school culture"]
    school_a = next(r for r in rows if r[0] == "School A")
    assert school_a[2] == "Submitted" and school_a[rows[0].index("Regular analysis of data for pupils and cohorts")] \
        == "Red"
    assert next(r for r in rows if r[0] == "School B")[2] == "Not started"


def test_an_ewo_sees_the_grid_of_their_own_schools_only(client, world):
    submitted(world)
    submitted(world, school_key="school_staff_b")
    client.login(world.user("ewo"))
    text = client.get("/self-assessments").text
    assert "School A" in text and "School B" not in text


def test_planned_actions_are_in_the_owners_my_actions_and_marked_done_there(app, client, world):
    assessment = submitted(world, ratings={"governance": "amber"})
    answer = answers_by_key(assessment)["governance"]
    client.login(world.user("school_staff"))
    page = client.get("/actions")
    assert "From the school&#39;s attendance self-assessment" in page.text or \
        "From the school's attendance self-assessment" in page.text
    assert f'id="sa-action-{answer.id}"' in page.text
    response = client.post(f"/self-assessment-actions/{answer.id}/done",
                           data={"csrf_token": client.token(), "version": str(answer.version)})
    assert response.status_code == 303
    db.session.refresh(answer)
    assert answer.action_status == PlannedActionStatus.done
    assert f'id="sa-action-{answer.id}"' not in client.get("/actions").text
    client = _as(app, world.user("school_staff_b"))
    assert client.post(f"/self-assessment-actions/{answer.id}/done",
                       data={"csrf_token": client.token()}).status_code == 404


def test_partners_and_the_panel_chair_see_none_of_it(app, world):
    assessment = submitted(world)
    for role in ("social_care", "early_help", "health", "police", "panel_chair"):
        client = _as(app, world.user(role))
        assert client.get(f"/self-assessments/{assessment.id}").status_code == 404, role
        assert client.get("/self-assessments").status_code == 403, role
        assert "Self-assessment" not in client.get("/").text, role
    for key in ("school_staff_b", "ewo_b"):
        assert _as(app, world.user(key)).get(f"/self-assessments/{assessment.id}").status_code == 404
    assert _as(app, world.user("school_staff")).get(f"/self-assessments/{assessment.id}").status_code == 200
    assert _as(app, world.user("ewo")).get(f"/self-assessments/{assessment.id}").status_code == 200
    assert client.get(f"/self-assessments/{assessment.id}").status_code == 404


def test_the_la_admin_edits_and_publishes_the_questionnaire(client, world):
    client.login(world.user("la_admin"))
    page = client.get("/self-assessments/questions")
    assert page.status_code == 200 and "Version 1" in page.text and "Governance and challenge" in page.text
    assert client.post("/self-assessments/questions/draft", data={"csrf_token": client.token()}).status_code == 303
    empty = client.post("/self-assessments/questions/areas", data={"csrf_token": client.token(), "title": ""})
    assert empty.status_code == 422 and "Enter the area&#39;s title" in empty.text
    assert client.post("/self-assessments/questions/areas", data={
        "csrf_token": client.token(), "title": "Pupils' voice", "good_looks_like": "Asked"}).status_code == 303
    assert client.post("/self-assessments/questions/publish", data={"csrf_token": client.token()}).status_code == 422
    assert client.post("/self-assessments/questions/publish",
                       data={"csrf_token": client.token(), "confirm": "yes"}).status_code == 303
    assert "Version 2" in client.get("/self-assessments/questions").text


def test_a_stale_save_of_the_draft_is_a_conflict_with_the_newer_values(client, world):
    assessment = _start(client, world)
    staff = world.user("school_staff")
    stale = _form(client, assessment, staff, {"data": "red"})
    assert client.post(f"/self-assessments/{assessment.id}/edit", data=stale).status_code == 303
    stale["a%d-evidence" % answers_by_key(assessment)["data"].id] = "Someone else's edit"
    response = client.post(f"/self-assessments/{assessment.id}/edit", data=stale)
    assert response.status_code == 409
    assert "Regular analysis of data for pupils and cohorts" in response.text


def test_the_school_sees_the_review_once_it_is_done(app, world):
    from portal.selfassessment import service

    assessment = submitted(world)
    culture = answers_by_key(assessment)["culture"]
    values = {a.id: {"review": "agree", "comment": ""} for a in assessment.answers}
    values[culture.id] = {"review": "challenge", "comment": "Not yet in the staff handbook"}
    service.review(world.user("ewo"), assessment, values, None)
    db.session.commit()
    school = _as(app, world.user("school_staff"))
    assert "Not yet in the staff handbook" not in school.get(f"/self-assessments/{assessment.id}").text
    assert "Not yet in the staff handbook" in _as(app, world.user("la_admin")).get(
        f"/self-assessments/{assessment.id}").text
    service.review(world.user("ewo"), assessment, values, None, done=True)
    db.session.commit()
    assert "Not yet in the staff handbook" in school.get(f"/self-assessments/{assessment.id}").text
