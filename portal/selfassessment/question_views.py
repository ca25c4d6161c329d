"""The questionnaire (LA admins): its versions, the draft of the next one (add, reword, reorder,
retire areas) and publishing it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import access
from portal.access import selfassessment as self_assessment_access  # noqa: F401  (registers its permissions)
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import shows_errors
from portal.params import to_int
from portal.selfassessment import bp, questions
from portal.selfassessment.models import Questionnaire, SelfAssessmentArea
from portal.sqlite import writes_on_get


@reads(SelfAssessmentArea)
def _area_as_saved(area: SelfAssessmentArea) -> Saved:
    return Saved("area", [("Title", area.title), ("What good looks like", area.good_looks_like),
                          ("Position", area.position)], url_for("selfassessment.questions_page"))


@reads(Questionnaire)
def _questionnaire_as_saved(questionnaire: Questionnaire) -> Saved:
    return Saved("questionnaire", [("Version", questionnaire.number), ("Status", questionnaire.status.label)],
                 url_for("selfassessment.questions_page"))


def _page(problems: dict[str, str] | None = None, typed: dict | None = None, status: int = 200):
    problems = shows_errors(problems or {})
    return render_template("selfassessment/questions.html", versions=questions.versions(), draft=questions.draft(),
                           problems=problems, typed=typed or {},
                           summary=[{"text": m, "href": f"#{k}"} for k, m in problems.items()]), status


@bp.route("/self-assessments/questions")
@access.require("manage_self_assessment_questions")
@writes_on_get  # version 1 of the questionnaire is written on first use
def questions_page():
    questions.ensure_questionnaire()
    return _page()


@bp.route("/self-assessments/questions/draft", methods=["POST"])
@access.require("manage_self_assessment_questions")
def start_draft():
    try:
        questions.start_draft(current_user)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash("A draft of the next version has been made from the current one.", "success")
    return redirect(url_for("selfassessment.questions_page") + "#draft", code=303)


@bp.route("/self-assessments/questions/areas", methods=["POST"])
@access.require("manage_self_assessment_questions")
def add_area():
    draft = questions.draft()
    if draft is None:
        abort(404)
    title, prompt = request.form.get("title", ""), request.form.get("good_looks_like", "")
    try:
        questions.add_area(current_user, draft, title, prompt)
    except Refused as exc:
        db.session.rollback()
        return _page({f"new-{k}": v for k, v in exc.problems.items()},
                     {"new-title": title, "new-good_looks_like": prompt}, 422)
    flash("The area has been added to the draft.", "success")
    return redirect(url_for("selfassessment.questions_page") + "#draft", code=303)


def _draft_area(area_id: int) -> SelfAssessmentArea:
    draft = questions.draft()
    area = db.session.scalar(select(SelfAssessmentArea).where(SelfAssessmentArea.id == area_id,
                                                              SelfAssessmentArea.questionnaire_id == (
                                                                  draft.id if draft else None)))
    if area is None:
        abort(404)
    return area


@bp.route("/self-assessments/questions/areas/<int:area_id>", methods=["POST"])
@access.require("manage_self_assessment_questions")
def change_area(area_id: int):
    area = _draft_area(area_id)
    title, prompt = request.form.get("title", ""), request.form.get("good_looks_like", "")
    try:
        questions.change_area(current_user, area, title, prompt, to_int(request.form.get("position"), max=99),
                              to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        return _page({f"area-{area_id}-{k}": v for k, v in exc.problems.items()},
                     {f"area-{area_id}-title": title, f"area-{area_id}-good_looks_like": prompt}, 422)
    flash("The area has been changed.", "success")
    return redirect(url_for("selfassessment.questions_page") + "#draft", code=303)


@bp.route("/self-assessments/questions/areas/<int:area_id>/retire", methods=["POST"])
@access.require("manage_self_assessment_questions")
def retire_area(area_id: int):
    area = _draft_area(area_id)
    try:
        questions.retire_area(current_user, area)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash("The area has been taken out of the draft (the published versions keep it).", "success")
    return redirect(url_for("selfassessment.questions_page") + "#draft", code=303)


@bp.route("/self-assessments/questions/publish", methods=["POST"])
@access.require("manage_self_assessment_questions")
def publish():
    draft = questions.draft()
    if draft is None:
        abort(404)
    if request.form.get("confirm") != "yes":
        return _page({"confirm": "Confirm that the draft is ready to publish"}, status=422)
    try:
        questions.publish(current_user, draft)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash(f"Version {draft.number} has been published: schools start from it; assessments already started "
              "stay on theirs.", "success")
    return redirect(url_for("selfassessment.questions_page"), code=303)
