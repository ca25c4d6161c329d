"""The self-assessment's rules: one a school a year, drafts, what a submission needs, the EWO's
review, the questionnaire's versions, the grid and the change since last year."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import AuditEvent
from portal.errors import Refused
from portal.extensions import db
from portal.selfassessment import questions, service
from portal.selfassessment.models import (
    AssessmentStatus,
    PlannedActionStatus,
    Rating,
    ReviewOutcome,
    SelfAssessment,
)
from tests.selfassessment.conftest import YEAR, answers_by_key, filled, submitted


def test_the_year_comes_from_the_school_calendar_and_version_1_has_the_eight_areas(world):
    assert service.academic_year() == YEAR
    assert service.previous_year(YEAR) == "2025/26"
    staff = world.user("school_staff")
    assessment = service.start(staff, world.school_a)
    assert assessment.academic_year == YEAR and assessment.status == AssessmentStatus.draft
    assert [a.area.title for a in assessment.answers][:3] == [
        "Whole-school culture", "Attendance policy", "Accurate registers and first-day follow-up"]
    assert len(assessment.answers) == 8 and assessment.questionnaire.number == 1


def test_a_draft_is_saved_as_often_as_wanted_unrated_areas_and_all(world):
    staff = world.user("school_staff")
    assessment = service.start(staff, world.school_a)
    first = assessment.answers[0]
    service.save(staff, assessment, {first.id: {"rating": "amber", "evidence": "Some", "action": ""}}, None)
    service.save(staff, assessment, {first.id: {"rating": "red", "evidence": "More", "action": "Plan"}},
                 assessment.version)
    db.session.commit()
    assert first.rating == Rating.red and first.evidence == "More" and assessment.is_draft
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.verb == "self_assessment_saved")) == 2


def test_submitting_needs_every_area_rated_and_an_action_for_red_and_amber(world):
    staff = world.user("school_staff")
    assessment = service.start(staff, world.school_a)
    values = filled(assessment, staff, {"policy": "amber"})
    culture = answers_by_key(assessment)["culture"]
    policy = answers_by_key(assessment)["policy"]
    values[culture.id]["rating"] = ""
    values[policy.id].update(action="", action_owner_id=None, action_due=None)
    with pytest.raises(Refused) as refused:
        service.save(staff, assessment, values, None, submit=True)
    assert refused.value.problems == {
        f"a{culture.id}-rating": "Whole-school culture: select a rating",
        f"a{policy.id}-action": "Attendance policy is rated amber: enter the planned action",
        f"a{policy.id}-action_owner_id": "Attendance policy: select who owns the planned action",
        f"a{policy.id}-action_due": "Attendance policy: enter the date the planned action is due"}


def test_the_owner_of_an_action_is_one_of_the_schools_staff(world):
    staff = world.user("school_staff")
    assessment = service.start(staff, world.school_a)
    values = filled(assessment, world.user("school_staff_b"), {"data": "red"})
    with pytest.raises(Refused) as refused:
        service.save(staff, assessment, values, None, submit=True)
    assert list(refused.value.problems.values()) == [
        "Regular analysis of data for pupils and cohorts: select a member of the school's staff"]


def test_one_submission_a_year_refused_clearly_and_backed_by_the_database(world):
    assessment = submitted(world)
    assert assessment.status == AssessmentStatus.submitted and assessment.submitted_at is not None
    staff = world.user("school_staff")
    with pytest.raises(Refused, match="already started its self-assessment for 2026/27: it was submitted"):
        service.start(staff, world.school_a)
    with pytest.raises(Refused, match="already been submitted"):
        service.save(staff, assessment, {}, None, submit=True)
    db.session.add(SelfAssessment(school_id=world.school_a.id, academic_year=YEAR,
                                  questionnaire_id=assessment.questionnaire_id, started_by_id=staff.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_ewo_agrees_or_challenges_a_challenge_needs_a_comment_and_done_needs_every_area(world):
    assessment = submitted(world, ratings={"governance": "amber"})
    ewo = world.user("ewo")
    by_key = answers_by_key(assessment)
    values = {a.id: {"review": "agree", "comment": ""} for a in assessment.answers}
    values[by_key["culture"].id] = {"review": "challenge", "comment": ""}
    with pytest.raises(Refused) as refused:
        service.review(ewo, assessment, values, None)
    assert refused.value.problems == {f"a{by_key['culture'].id}-comment":
                                      "Whole-school culture: say why you challenge the rating"}
    db.session.rollback()
    values[by_key["culture"].id]["comment"] = "Pupils' voice says otherwise"
    del values[by_key["staffing"].id]
    with pytest.raises(Refused, match="Staffing and training: select agree or challenge"):
        service.review(ewo, assessment, values, None, done=True)
    db.session.rollback()
    values[by_key["staffing"].id] = {"review": "agree", "comment": ""}
    service.review(ewo, assessment, values, None, done=True)
    db.session.commit()
    assert assessment.status == AssessmentStatus.reviewed and assessment.reviewed_by_id == ewo.id
    assert by_key["culture"].review == ReviewOutcome.challenge
    assert by_key["culture"].review_comment == "Pupils' voice says otherwise"
    with pytest.raises(Refused):
        service.review(ewo, assessment, values, None, done=True)


def test_an_assessment_stays_on_its_version_when_a_new_one_is_published(world):
    admin = world.user("la_admin")
    started = service.start(world.user("school_staff"), world.school_a)
    draft = questions.start_draft(admin)
    assert draft.number == 2 and len(draft.areas) == 8
    culture = draft.areas[0]
    questions.change_area(admin, culture, "Whole-school culture and ethos", "Reworded", 8, None)
    questions.retire_area(admin, next(a for a in draft.areas if a.key == "staffing"))
    questions.add_area(admin, draft, "Pupils' voice", "Pupils are asked why they miss school")
    questions.publish(admin, draft)
    db.session.commit()
    assert [a.title for a in draft.areas][-2:] == ["Whole-school culture and ethos", "Pupils' voice"]
    assert [a.position for a in draft.areas] == list(range(1, 9))
    later = service.start(world.user("school_staff_b"), world.school_b)
    assert started.questionnaire.number == 1 and len(started.answers) == 8
    assert "Staffing and training" in [a.area.title for a in started.answers]
    assert later.questionnaire.number == 2
    assert "Staffing and training" not in [a.area.title for a in later.answers]
    with pytest.raises(Refused, match="Only a draft"):
        questions.add_area(admin, draft, "Too late", "")


def test_the_grid_counts_and_the_change_since_last_year(world):
    submitted(world, ratings={"culture": "amber", "data": "red"}, year="2025/26")
    submitted(world, ratings={"data": "amber", "governance": "red"})  # 2026/27
    rows = service.grid([world.school_a, world.school_b], YEAR)
    a, b = rows
    assert a.submitted and not b.submitted and b.status_label == "Not started"
    assert a.ratings["data"] == Rating.amber and a.ratings["governance"] == Rating.red
    assert a.change["culture"] == "better" and a.change["data"] == "better"
    assert a.change["governance"] == "worse" and a.change["policy"] == "same"
    assert [r.school.name for r in service.sort_rows(rows, "governance", False)] == ["School A", "School B"]
    assert service.change_of(None, Rating.red) == ""


def test_actions_due_and_a_planned_action_done(world):
    assessment = submitted(world, ratings={"data": "red", "policy": "amber"})
    due = service.actions_due([world.school_a.id], YEAR)
    assert [a.area.key for a in due] == ["policy", "data"] or [a.area.key for a in due] == ["data", "policy"]
    answer = due[0]
    service.complete_action(world.user("school_staff"), answer, answer.version)
    db.session.commit()
    assert answer.action_status == PlannedActionStatus.done
    assert len(service.actions_due([world.school_a.id], YEAR)) == 1
    with pytest.raises(Refused, match="already done"):
        service.complete_action(world.user("school_staff"), answer, None)
    assert assessment.status == AssessmentStatus.submitted


def test_the_due_date_is_kept(world):
    assessment = submitted(world, ratings={"data": "red"})
    assert answers_by_key(assessment)["data"].action_due == date(2027, 3, 26)
