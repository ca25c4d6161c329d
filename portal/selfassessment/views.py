"""The self-assessment pages: the school's own (start, complete, attach evidence, submit), the
assessment read and reviewed by the EWO, the LA overview (grid, CSV, not submitted, change since
last year, actions due) and a planned action done from My actions.
Thin: `access` loads and decides, `service` acts, these views parse and render."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.access import selfassessment as self_assessment_access  # registers its permissions first
from portal.cases import documents
from portal.cases.filetypes import MEDIA_TYPES
from portal.csvutil import csv_response
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import shows_errors
from portal.orgs.models import Organisation
from portal.pagecache import render_page
from portal.params import read_date_boxes, to_int
from portal.selfassessment import bp, questions, service
from portal.selfassessment.models import (
    AssessmentStatus,
    Rating,
    ReviewOutcome,
    SelfAssessment,
    SelfAssessmentAnswer,
)
from portal.timeutil import today

YEAR_CHOICES = 6  # the overview offers this year and the five before


@reads(SelfAssessment)
def _assessment_as_saved(assessment: SelfAssessment) -> Saved:
    return Saved("self-assessment", [("Year", assessment.academic_year), ("Status", assessment.status.label)] + [
        (a.area.title, a.rating.label if a.rating else "Not rated") for a in assessment.answers],
        url_for("selfassessment.view_assessment", assessment_id=assessment.id))


@reads(SelfAssessmentAnswer)
def _answer_as_saved(answer: SelfAssessmentAnswer) -> Saved:
    return Saved("planned action", [("Area", answer.area.title), ("Action", answer.action),
                                    ("Status", answer.action_status.label)], url_for("cases.my_actions"))


def _load(assessment_id: int, need: str = "view") -> SelfAssessment:
    return self_assessment_access.get_self_assessment_or_404(current_user, assessment_id, need)


def _answers(assessment: SelfAssessment) -> list[SelfAssessmentAnswer]:
    """The answers in the questionnaire's order, their areas and owners loaded (one query)."""
    return list(db.session.scalars(
        select(SelfAssessmentAnswer).where(SelfAssessmentAnswer.assessment_id == assessment.id)
        .options(selectinload(SelfAssessmentAnswer.area), selectinload(SelfAssessmentAnswer.action_owner))))


def _ordered(answers: list[SelfAssessmentAnswer]) -> list[SelfAssessmentAnswer]:
    return sorted(answers, key=lambda a: (a.area.position, a.id))


def _summary(problems: dict[str, str]) -> list[dict[str, str]]:
    return [{"text": message, "href": f"#{name}"} for name, message in shows_errors(problems).items()]


# ----- the school's own -----------------------------------------------------------------------

@bp.route("/self-assessments/mine")
@access.require("complete_self_assessment")
def school_assessments():
    def build() -> dict:
        assessments = db.session.scalars(self_assessment_access.self_assessments_for(current_user)
                                         .order_by(SelfAssessment.academic_year.desc())).all()
        year = service.academic_year()
        return dict(assessments=assessments, year=year,
                    this_year=next((a for a in assessments if a.academic_year == year), None),
                    school=current_user.organisation)

    return render_page("selfassessment/mine.html", build)


@bp.route("/self-assessments/start", methods=["POST"])
@access.require("complete_self_assessment")
def start():
    school = current_user.organisation
    try:
        assessment = service.start(current_user, school)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
        return redirect(url_for("selfassessment.school_assessments"), code=303)
    flash(f"Your self-assessment for {assessment.academic_year} has been started: save it as often as you like, "
          "and submit it when every area is rated.", "success")
    return redirect(url_for("selfassessment.edit_assessment", assessment_id=assessment.id), code=303)


def _typed(assessment: SelfAssessment, answers: list[SelfAssessmentAnswer]) -> dict[int, dict[str, Any]]:
    """What the form shows per answer: the saved values, or what was posted."""
    out: dict[int, dict[str, Any]] = {}
    posted = request.method == "POST"
    for a in answers:
        key = f"a{a.id}"
        if posted:
            boxes = request.form.getlist(f"{key}-action_due")
            out[a.id] = {"rating": request.form.get(f"{key}-rating", ""),
                         "evidence": request.form.get(f"{key}-evidence", ""),
                         "action": request.form.get(f"{key}-action", ""),
                         "action_owner_id": request.form.get(f"{key}-action_owner_id", ""),
                         "action_due": (boxes + ["", "", ""])[:3]}
        else:
            due = a.action_due
            out[a.id] = {"rating": a.rating or "", "evidence": a.evidence, "action": a.action,
                         "action_owner_id": str(a.action_owner_id or ""),
                         "action_due": [str(due.day), str(due.month), str(due.year)] if due else ["", "", ""]}
    return out


def _values(answers: list[SelfAssessmentAnswer]) -> dict[int, dict[str, Any]]:
    values: dict[int, dict[str, Any]] = {}
    for a in answers:
        key = f"a{a.id}"
        _, due, problem, _ = read_date_boxes(request.form.getlist(f"{key}-action_due"), "The due date")
        if due is not None and not today() - timedelta(days=366) <= due <= today() + timedelta(days=3 * 366):
            due, problem = None, "The due date must be within the next three years"
        owner = request.form.get(f"{key}-action_owner_id", "")
        values[a.id] = {"rating": request.form.get(f"{key}-rating", ""),
                        "evidence": request.form.get(f"{key}-evidence", ""),
                        "action": request.form.get(f"{key}-action", ""),
                        "action_owner_id": to_int(owner) if owner else None,
                        "action_due": due, "action_due_problem": problem or ""}
        if owner and to_int(owner) is None:
            values[a.id]["action_owner_id"] = -1  # not one of the school's staff: refused as such
    return values


def _edit_context(assessment: SelfAssessment, answers: list[SelfAssessmentAnswer],
                  problems: dict[str, str] | None = None) -> dict:
    return dict(assessment=assessment, answers=_ordered(answers), typed=_typed(assessment, answers),
                problems=problems or {}, summary=_summary(problems or {}), ratings=list(Rating),
                staff=service.staff_of(assessment.school_id), evidence=assessment.evidence,
                max_text=documents.max_text())


@bp.route("/self-assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
@access.require("complete_self_assessment")
def edit_assessment(assessment_id: int):
    assessment = _load(assessment_id)
    if not assessment.is_draft:
        flash(f"The self-assessment for {assessment.academic_year} has been submitted: it can no longer be changed.",
              "important")
        return redirect(url_for("selfassessment.view_assessment", assessment_id=assessment.id), code=303)
    if not self_assessment_access.may_edit_self_assessment(current_user, assessment):
        abort(403)
    answers = _answers(assessment)
    if request.method == "GET":
        return render_template("selfassessment/edit.html", **_edit_context(assessment, answers))
    submit = request.form.get("action") == "submit"
    try:
        service.save(current_user, assessment, _values(answers), to_int(request.form.get("version")), submit=submit)
    except Refused as exc:
        db.session.rollback()
        assessment = _load(assessment_id)
        answers = _answers(assessment)
        problems = exc.problems or {"main-content": exc.message}
        return render_template("selfassessment/edit.html", **_edit_context(assessment, answers, problems)), 422
    if submit:
        flash(f"Your self-assessment for {assessment.academic_year} has been submitted. Your education welfare "
              "officer has been told, and will review it.", "success")
        return redirect(url_for("selfassessment.view_assessment", assessment_id=assessment.id), code=303)
    flash("Your draft has been saved.", "success")
    return redirect(url_for("selfassessment.edit_assessment", assessment_id=assessment.id), code=303)


@bp.route("/self-assessments/<int:assessment_id>/evidence", methods=["POST"])
@access.require("complete_self_assessment")
def add_evidence(assessment_id: int):
    assessment = _load(assessment_id, need="edit")
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Refused(problems={"file": "Select a file"})
        service.add_evidence(current_user, assessment, data=upload.read(documents.max_bytes() + 1),
                             filename=upload.filename, title=request.form.get("title", ""))
    except Refused as exc:
        db.session.rollback()
        assessment = _load(assessment_id)
        answers = _answers(assessment)
        return render_template("selfassessment/edit.html", **_edit_context(
            assessment, answers, {k if k != "title" else "file": v for k, v in exc.problems.items()}
            or {"file": exc.message})), 422
    flash("The file has been attached as evidence.", "success")
    return redirect(url_for("selfassessment.edit_assessment", assessment_id=assessment.id) + "#evidence", code=303)


@bp.route("/self-assessments/<int:assessment_id>/evidence/<int:evidence_id>")
@access.require("view_self_assessments")
@audit.viewing("self_assessment_evidence_downloaded", "a file of a self-assessment",
               ("SelfAssessment", "assessment_id"))
def download_evidence(assessment_id: int, evidence_id: int):
    assessment = _load(assessment_id)
    evidence = self_assessment_access.get_self_assessment_evidence_or_404(current_user, assessment, evidence_id)
    path = documents.path_of(evidence)
    if not path.is_file():
        abort(404)
    audit.viewed(detail=f"evidence #{evidence.id}")
    response = send_file(path, mimetype=MEDIA_TYPES[evidence.file_type], as_attachment=True,
                         download_name=evidence.filename, conditional=False, etag=False, max_age=None)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/self-assessments/<int:assessment_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@access.require("complete_self_assessment")
def remove_evidence(assessment_id: int, evidence_id: int):
    assessment = _load(assessment_id)
    evidence = self_assessment_access.get_self_assessment_evidence_or_404(current_user, assessment, evidence_id,
                                                                         need="remove")
    try:
        service.remove_evidence(current_user, evidence)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash("The file has been removed.", "success")
    return redirect(url_for("selfassessment.edit_assessment", assessment_id=assessment.id) + "#evidence", code=303)


# ----- reading one, and the EWO's review ------------------------------------------------------

@bp.route("/self-assessments/<int:assessment_id>")
@access.require("view_self_assessments")
def view_assessment(assessment_id: int):
    assessment = _load(assessment_id)

    def build() -> dict:
        return dict(assessment=assessment, answers=_ordered(_answers(assessment)), evidence=assessment.evidence,
                    may_edit=self_assessment_access.may_edit_self_assessment(current_user, assessment),
                    may_review=self_assessment_access.may_review_self_assessment(current_user, assessment),
                    # the school sees the EWO's review once it is done; the EWO and the LA as it goes
                    show_review=assessment.status == AssessmentStatus.reviewed or not access.can(
                        current_user, "complete_self_assessment"))

    return render_page("selfassessment/assessment.html", build)


def _review_typed(answers: list[SelfAssessmentAnswer]) -> dict[int, dict[str, str]]:
    if request.method == "POST":
        return {a.id: {"review": request.form.get(f"a{a.id}-review", ""),
                       "comment": request.form.get(f"a{a.id}-comment", "")} for a in answers}
    return {a.id: {"review": a.review or "", "comment": a.review_comment} for a in answers}


@bp.route("/self-assessments/<int:assessment_id>/review", methods=["GET", "POST"])
@access.require("review_self_assessments")
def review_assessment(assessment_id: int):
    assessment = _load(assessment_id, need="review")
    answers = _ordered(_answers(assessment))
    problems: dict[str, str] = {}
    if request.method == "POST":
        done = request.form.get("action") == "done"
        try:
            service.review(current_user, assessment, _review_typed(answers), to_int(request.form.get("version")),
                           done=done)
        except Refused as exc:
            db.session.rollback()
            assessment = _load(assessment_id)
            problems = exc.problems or {"main-content": exc.message}
        else:
            if done:
                flash("Your review is done: the school can see the outcome of each area.", "success")
                return redirect(url_for("selfassessment.view_assessment", assessment_id=assessment.id), code=303)
            flash("Your review has been saved.", "success")
            return redirect(url_for("selfassessment.review_assessment", assessment_id=assessment.id), code=303)
    typed = _review_typed(answers)
    return render_template("selfassessment/review.html", assessment=assessment, answers=answers, typed=typed,
                           problems=problems, summary=_summary(problems), outcomes=list(ReviewOutcome),
                           evidence=assessment.evidence), (422 if problems else 200)


# ----- the overview ---------------------------------------------------------------------------

def _year_arg() -> tuple[str, list[str]]:
    this = service.academic_year()
    years = [this]
    for _ in range(YEAR_CHOICES - 1):
        years.append(service.previous_year(years[-1]))
    asked = request.args.get("year", "")
    return (asked if asked in years else this), years


def _areas() -> list:
    """The grid's columns: the areas of the latest published questionnaire."""
    latest = questions.latest_published()
    return list(latest.areas) if latest is not None else []


def _grid(year: str) -> tuple[list[Organisation], list[service.GridRow]]:
    schools = list(db.session.scalars(self_assessment_access.self_assessment_schools_for(current_user)
                                      .order_by(Organisation.name)))
    return schools, service.grid(schools, year)


@bp.route("/self-assessments")
@access.require("view_self_assessment_overview")
def overview():
    def build() -> dict:
        year, years = _year_arg()
        areas = _areas()
        schools, rows = _grid(year)
        keys = {a.key for a in areas}
        sort = request.args.get("sort", "school")
        sort = sort if sort == "school" or sort in keys else "school"
        descending = request.args.get("order") == "desc"
        rows = service.sort_rows(rows, sort, descending)
        counts = {a.key: {r: sum(1 for row in rows if row.ratings.get(a.key) == r) for r in Rating} for a in areas}
        return dict(year=year, years=years, areas=areas, rows=rows, sort=sort, descending=descending,
                    counts=counts, not_submitted=[r for r in rows if not r.submitted],
                    submitted=sum(1 for r in rows if r.submitted),
                    actions=service.actions_due([s.id for s in schools], year), today=today(),
                    previous=service.previous_year(year))

    return render_page("selfassessment/overview.html", build)


@bp.route("/self-assessments/overview.csv")
@access.require("view_self_assessment_overview")
def overview_csv():
    year, _ = _year_arg()
    areas = _areas()
    _, rows = _grid(year)
    header = ["School", "Academic year", "Status"]
    for area in areas:
        header += [area.title, f"{area.title}: EWO review", f"{area.title}: since last year"]

    lines = []  # made now: the response streams after the request's session has closed
    for row in rows:
        cells = [row.school.name, year, row.status_label]
        for area in areas:
            rating = row.ratings.get(area.key)
            reviewed = row.reviews.get(area.key)
            cells += [rating.label if rating else "", reviewed.review.label if reviewed and reviewed.review else "",
                      row.change.get(area.key, "")]
        lines.append(cells)
    return csv_response(f"self-assessments-{year.replace('/', '-')}.csv", header, lines)


# ----- a planned action done (from My actions) ------------------------------------------------

@bp.route("/self-assessment-actions/<int:answer_id>/done", methods=["POST"])
@access.require("complete_self_assessment")
def complete_action(answer_id: int):
    answer = self_assessment_access.get_self_assessment_action_or_404(current_user, answer_id)
    try:
        service.complete_action(current_user, answer, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash("The planned action is marked as done.", "success")
    return redirect(url_for("cases.my_actions"), code=303)
