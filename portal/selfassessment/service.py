"""Self-assessment use cases: start this year's, save the draft, submit it, attach evidence,
the EWO's review, a planned action done; and what the LA overview reads. Each change writes its
audit entry in the caller's transaction (`portal.transaction`); nothing here commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, transaction
from portal.attendance import calendar
from portal.attendance.calendar_service import academic_year_of
from portal.cases import documents
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import Organisation, User
from portal.selfassessment.models import (
    AssessmentStatus,
    PlannedActionStatus,
    Rating,
    ReviewOutcome,
    SelfAssessment,
    SelfAssessmentAnswer,
    SelfAssessmentEvidence,
)
from portal.selfassessment.questions import ensure_questionnaire
from portal.timeutil import today, utcnow

TEXT_MAX = 5000
NEEDS_ACTION = (Rating.red, Rating.amber)
RANK = {Rating.red: 1, Rating.amber: 2, Rating.green: 3}


def academic_year(day: date | None = None) -> str:
    """The academic year a day is in, from the school calendar (the last term begun), else 1 August."""
    day = day or today()
    begun = [t for t in calendar.named_terms() if t.start_date <= day]
    return begun[-1].academic_year if begun else academic_year_of(day)


def previous_year(year: str) -> str:
    first = int(year[:4]) - 1
    return f"{first}/{(first + 1) % 100:02d}"


def link(assessment: SelfAssessment) -> str:
    return f"/self-assessments/{assessment.id}"


# ----- the school -----------------------------------------------------------------------------

def start(actor: User, school: Organisation, year: str | None = None) -> SelfAssessment:
    """This academic year's self-assessment of the school, as a draft on the current questionnaire."""
    year = year or academic_year()
    found = db.session.scalar(select(SelfAssessment).where(SelfAssessment.school_id == school.id,
                                                           SelfAssessment.academic_year == year))
    if found is not None:
        raise Refused(f"{school.name} has already started its self-assessment for {year}"
                      + (": it was submitted, and only one is made a year." if not found.is_draft else "."))
    questionnaire = ensure_questionnaire()
    assessment = SelfAssessment(school_id=school.id, academic_year=year, questionnaire_id=questionnaire.id,
                                started_by_id=actor.id, status=AssessmentStatus.draft)
    assessment.answers = [SelfAssessmentAnswer(area_id=area.id) for area in questionnaire.areas]
    db.session.add(assessment)
    db.session.flush()
    audit.record(actor, "self_assessment_started", assessment, summary=f"{school.name}, {year}")
    return assessment


def _answer_problems(answer: SelfAssessmentAnswer, values: dict[str, Any], staff: set[int]) -> dict[str, str]:
    key, title = f"a{answer.id}", answer.area.title
    problems = {}
    if values.get("rating") and Rating.get(values["rating"]) is None:
        problems[f"{key}-rating"] = f"{title}: select Red, Amber or Green"
    for name in ("evidence", "action"):
        if len(values.get(name) or "") > TEXT_MAX:
            problems[f"{key}-{name}"] = f"{title}: the {name} must be {TEXT_MAX} characters or fewer"
    owner = values.get("action_owner_id")
    if owner is not None and owner not in staff:
        problems[f"{key}-action_owner_id"] = f"{title}: select a member of the school's staff"
    if values.get("action_due_problem"):
        problems[f"{key}-action_due"] = f"{title}: {values['action_due_problem']}"
    return problems


def _submission_problems(answer: SelfAssessmentAnswer) -> dict[str, str]:
    key, title = f"a{answer.id}", answer.area.title
    if answer.rating is None:
        return {f"{key}-rating": f"{title}: select a rating"}
    problems = {}
    if answer.rating in NEEDS_ACTION:
        if not answer.action.strip():
            problems[f"{key}-action"] = f"{title} is rated {answer.rating.label.lower()}: enter the planned action"
        if answer.action_owner_id is None:
            problems[f"{key}-action_owner_id"] = f"{title}: select who owns the planned action"
        if answer.action_due is None:
            problems[f"{key}-action_due"] = f"{title}: enter the date the planned action is due"
    return problems


def staff_of(school_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.organisation_id == school_id, User.active.is_(True))
                                   .order_by(User.name)))


def save(actor: User, assessment: SelfAssessment, values: dict[int, dict[str, Any]], expected_version: int | None,
         *, submit: bool = False) -> SelfAssessment:
    """Save the draft's answers (`values`: per answer id, rating, evidence, action, action_owner_id,
    action_due); with `submit`, every area must be rated and each red or amber one have a planned
    action with its owner and date, and the assessment is then submitted (read-only for the school)."""
    check_version(assessment, expected_version)
    if not assessment.is_draft:
        raise Refused(f"The self-assessment for {assessment.academic_year} has already been submitted: "
                      "only one is submitted a year, and it can no longer be changed.")
    staff = {u.id for u in staff_of(assessment.school_id)}
    problems: dict[str, str] = {}
    for answer in assessment.answers:
        problems.update(_answer_problems(answer, values.get(answer.id, {}), staff))
    if problems:
        raise Refused(problems=problems)
    for answer in assessment.answers:
        given = values.get(answer.id)
        if given is None:
            continue
        answer.rating = Rating.get(given.get("rating")) if given.get("rating") else None
        answer.evidence = (given.get("evidence") or "").strip()
        answer.action = (given.get("action") or "").strip()
        answer.action_owner_id = given.get("action_owner_id")
        answer.action_due = given.get("action_due")
    if submit:
        for answer in assessment.answers:
            problems.update(_submission_problems(answer))
        if problems:
            raise Refused(problems=problems)
    assessment.saved_at = utcnow()
    if submit:
        assessment.status = AssessmentStatus.submitted
        assessment.submitted_at, assessment.submitted_by_id = assessment.saved_at, actor.id
    flush_or_conflict(assessment)
    ratings = ", ".join(f"{a.area.key}={a.rating or '-'}" for a in assessment.answers)
    audit.record(actor, "self_assessment_submitted" if submit else "self_assessment_saved", assessment,
                 summary=f"{assessment.academic_year}: {ratings}"[:500])
    if submit:
        ewo = assessment.school.named_ewo
        if ewo is not None:
            notify.notify_users([ewo], f"{assessment.school.name} has submitted its attendance self-assessment "
                                       f"for {assessment.academic_year}: review it", link(assessment))
        owners = {a.action_owner_id for a in assessment.answers if a.has_action}
        notify.notify_users([db.session.get(User, i) for i in owners],
                            "The attendance self-assessment gave you a planned action", "/actions")
    return assessment


def add_evidence(actor: User, assessment: SelfAssessment, *, data: bytes, filename: str,
                 title: str) -> SelfAssessmentEvidence:
    """Attach a file as evidence (checked and stored as a case's documents are)."""
    if not assessment.is_draft:
        raise Refused("The self-assessment has been submitted: evidence can no longer be added.")
    title = " ".join((title or "").split())
    if len(title) > 200:
        raise Refused(problems={"title": "The description must be 200 characters or fewer"})
    stored, file_type, safe_name = documents.store_checked(data, filename)
    try:
        evidence = SelfAssessmentEvidence(assessment_id=assessment.id, title=title or safe_name, filename=safe_name,
                                          stored_name=stored, file_type=file_type, size=len(data),
                                          uploaded_by_id=actor.id)
        db.session.add(evidence)
        db.session.flush()
        audit.record(actor, "self_assessment_evidence_added", assessment,
                     summary=f"evidence #{evidence.id} ({file_type.value}, {len(data)} bytes)")
    except BaseException:
        documents.delete_stored_files([stored])
        raise
    return evidence


def remove_evidence(actor: User, evidence: SelfAssessmentEvidence) -> None:
    """Take a file off a draft; its stored copy is deleted once the removal is committed."""
    assessment = evidence.assessment
    if not assessment.is_draft:
        raise Refused("The self-assessment has been submitted: its evidence stays.")
    stored = evidence.stored_name
    db.session.delete(evidence)
    db.session.flush()
    audit.record(actor, "self_assessment_evidence_removed", assessment, summary=f"evidence #{evidence.id}")
    transaction.after_commit(lambda: documents.delete_stored_files([stored]))


# ----- the EWO's review -----------------------------------------------------------------------

def review(actor: User, assessment: SelfAssessment, values: dict[int, dict[str, str]], expected_version: int | None,
           *, done: bool = False) -> SelfAssessment:
    """Agree or challenge each area's rating (a challenge needs a comment); `done`: every area
    reviewed, and the school told the outcome."""
    check_version(assessment, expected_version)
    if assessment.status != AssessmentStatus.submitted:
        raise Refused("Only a submitted self-assessment is reviewed; this one's review is done.")
    problems: dict[str, str] = {}
    for answer in assessment.answers:
        given = values.get(answer.id, {})
        outcome = ReviewOutcome.get(given.get("review")) if given.get("review") else None
        comment = (given.get("comment") or "").strip()
        key, title = f"a{answer.id}", answer.area.title
        if given.get("review") and outcome is None:
            problems[f"{key}-review"] = f"{title}: select agree or challenge"
        elif outcome == ReviewOutcome.challenge and not comment:
            problems[f"{key}-comment"] = f"{title}: say why you challenge the rating"
        elif len(comment) > TEXT_MAX:
            problems[f"{key}-comment"] = f"{title}: the comment must be {TEXT_MAX} characters or fewer"
        elif done and outcome is None:
            problems[f"{key}-review"] = f"{title}: select agree or challenge"
    if problems:
        raise Refused(problems=problems)
    for answer in assessment.answers:
        given = values.get(answer.id, {})
        answer.review = ReviewOutcome.get(given.get("review")) if given.get("review") else None
        answer.review_comment = (given.get("comment") or "").strip()
    assessment.saved_at = utcnow()
    if done:
        assessment.status = AssessmentStatus.reviewed
        assessment.reviewed_at, assessment.reviewed_by_id = assessment.saved_at, actor.id
    flush_or_conflict(assessment)
    challenged = [a.area.key for a in assessment.answers if a.review == ReviewOutcome.challenge]
    audit.record(actor, "self_assessment_reviewed" if done else "self_assessment_review_saved", assessment,
                 summary=f"{assessment.academic_year}: challenged {', '.join(challenged) or 'none'}")
    if done:
        staff = [db.session.get(User, i) for i in {assessment.submitted_by_id, assessment.started_by_id} if i]
        notify.notify_users(staff, f"Your EWO has reviewed the attendance self-assessment for "
                                   f"{assessment.academic_year}" + (f" and challenged {len(challenged)} rating(s)"
                                                                    if challenged else ""), link(assessment))
    return assessment


# ----- a planned action done ------------------------------------------------------------------

def complete_action(actor: User, answer: SelfAssessmentAnswer, expected_version: int | None) -> SelfAssessmentAnswer:
    check_version(answer, expected_version)
    if not answer.action_open:
        raise Refused("The action is already done.")
    answer.action_status = PlannedActionStatus.done
    answer.action_done_at, answer.action_done_by_id = utcnow(), actor.id
    flush_or_conflict(answer)
    audit.record(actor, "self_assessment_action_done", answer,
                 summary=f"{answer.assessment.academic_year}: {answer.area.title}")
    return answer


# ----- the LA overview ------------------------------------------------------------------------

@dataclass
class GridRow:
    school: Organisation
    assessment: SelfAssessment | None
    ratings: dict[str, Rating | None] = field(default_factory=dict)
    reviews: dict[str, SelfAssessmentAnswer] = field(default_factory=dict)
    change: dict[str, str] = field(default_factory=dict)  # better / same / worse

    @property
    def submitted(self) -> bool:
        return self.assessment is not None and not self.assessment.is_draft

    @property
    def status_label(self) -> str:
        if self.assessment is None:
            return "Not started"
        return {AssessmentStatus.draft: "Draft", AssessmentStatus.submitted: "Submitted",
                AssessmentStatus.reviewed: "Reviewed"}[self.assessment.status]


def change_of(before: Rating | None, now: Rating | None) -> str:
    """Better, same or worse since last year ("" when either year has no rating)."""
    if before is None or now is None:
        return ""
    return "better" if RANK[now] > RANK[before] else "worse" if RANK[now] < RANK[before] else "same"


def _by_school(year: str, school_ids) -> dict[int, SelfAssessment]:
    rows = db.session.scalars(select(SelfAssessment).where(SelfAssessment.academic_year == year,
                                                           SelfAssessment.school_id.in_(school_ids))
                              .options(selectinload(SelfAssessment.answers).selectinload(SelfAssessmentAnswer.area)))
    return {a.school_id: a for a in rows}


def grid(schools: list[Organisation], year: str) -> list[GridRow]:
    """Every school's ratings by area (its submitted assessment of `year`; a draft shows none),
    with the change since the year before, in a fixed number of queries."""
    ids = [s.id for s in schools]
    this, last = _by_school(year, ids), _by_school(previous_year(year), ids)
    out = []
    for school in schools:
        assessment = this.get(school.id)
        row = GridRow(school, assessment)
        if assessment is not None and not assessment.is_draft:
            row.ratings = {a.area.key: a.rating for a in assessment.answers}
            row.reviews = {a.area.key: a for a in assessment.answers if a.review is not None}
            before = last.get(school.id)
            if before is not None and not before.is_draft:
                old = {a.area.key: a.rating for a in before.answers}
                row.change = {k: change_of(old.get(k), v) for k, v in row.ratings.items()}
        out.append(row)
    return out


def sort_rows(rows: list[GridRow], sort: str, descending: bool) -> list[GridRow]:
    """By school name, or by an area's rating (red first; schools without one last)."""
    if sort == "school":
        return sorted(rows, key=lambda r: r.school.name.lower(), reverse=descending)
    rated = [r for r in rows if r.ratings.get(sort) is not None]
    unrated = [r for r in rows if r.ratings.get(sort) is None]
    rated.sort(key=lambda r: (RANK[r.ratings[sort]], r.school.name.lower()))  # type: ignore[index]
    if descending:
        rated.reverse()
    return rated + sorted(unrated, key=lambda r: r.school.name.lower())


def actions_due(school_ids, year: str) -> list[SelfAssessmentAnswer]:
    """The open planned actions of the schools' submitted assessments of the year, soonest first."""
    return list(db.session.scalars(
        select(SelfAssessmentAnswer).join(SelfAssessment, SelfAssessment.id == SelfAssessmentAnswer.assessment_id)
        .where(SelfAssessment.school_id.in_(school_ids), SelfAssessment.academic_year == year,
               SelfAssessment.status != AssessmentStatus.draft,
               SelfAssessmentAnswer.action_status == PlannedActionStatus.open,
               SelfAssessmentAnswer.action_due.is_not(None))
        .options(selectinload(SelfAssessmentAnswer.area), selectinload(SelfAssessmentAnswer.action_owner),
                 selectinload(SelfAssessmentAnswer.assessment).selectinload(SelfAssessment.school))
        .order_by(SelfAssessmentAnswer.action_due, SelfAssessmentAnswer.id)))
