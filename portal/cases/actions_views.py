"""Agreed actions: added and completed inline on the case page, and "My actions"."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from portal import access, audit, timeutil
from portal.cases import bp, service
from portal.cases.case_views import case_page_context, new_action_form
from portal.cases.forms import CompleteForm
from portal.cases.models import Action, ActionStatus, Case
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.pagecache import htmx, render_page
from portal.pagination import WindowPage, page_links
from portal.params import to_int
from portal.timeutil import today
from portal.urls import link_parts


@reads(Action)
def _action_as_saved(action: Action) -> Saved:
    return Saved("action", [("Action", action.description), ("Status", action.status), ("Outcome", action.outcome),
                            ("By", action.completed_by.name if action.completed_by else None)],
                 url_for("cases.view_case", case_id=action.case_id) + "#actions")


def _owner(value: str):
    kind, _, raw = (value or "").partition(":")
    if to_int(raw) is None:
        return None, None
    if kind == "user":
        return db.session.get(User, to_int(raw)), None
    if kind == "org":
        return None, db.session.get(Organisation, to_int(raw))
    return None, None


@bp.route("/cases/<int:case_id>/actions", methods=["POST"])
@access.require("view_cases")
@audit.viewing("case_viewed", "a case", ("Case", "case_id"))
def add_action(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="add_action")
    form = new_action_form(case, request.form)
    if form.validate():
        owner_user, owner_org = _owner(form.owner.data)
        try:
            service.add_action(current_user, case, form.description.data.strip(), form.due_date.data,
                               owner_user=owner_user, owner_org=owner_org,
                               police_shareable=bool(form.police_shareable.data))
        except Refused as exc:
            form.form_errors.append(exc.message)
        else:
            flash("The action has been added and its owner told.", "success")
            return redirect(url_for("cases.view_case", case_id=case.id) + "#actions", code=303)
    return render_template("cases/case.html", **case_page_context(case, action_form=form, problem=(
        "The action was not added: " + "; ".join(m for errs in form.errors.values() for m in errs)))), 422


@bp.route("/actions/<int:action_id>/complete", methods=["GET", "POST"])
@access.require("view_cases")
def complete_action(action_id: int):
    """Complete an action with its outcome. With htmx the row is replaced in place and the
    chronology told to refresh (HX-Trigger: actionsChanged)."""
    action = access.get_action_or_404(current_user, action_id, need="update")
    form = CompleteForm()
    if request.method == "GET":
        form.version.data = action.version
        template = "cases/_action_complete.html" if htmx else "cases/action_complete.html"
        return render_template(template, action=action, form=form)
    if form.validate():
        try:
            service.complete_action(current_user, action, form.outcome.data.strip(), form.version.data,
                                    status=form.status.data or ActionStatus.done)
        except Refused as exc:
            form.outcome.errors.append(exc.message)
        else:
            if htmx:
                response = htmx_response(render_template("cases/_action_row.html", action=action, today=today(),
                                                         can_update=lambda a: access.can_update_action(
                                                             current_user, a)),
                                         trigger={"actionsChanged": True,
                                                  "announce": f"Action {action.status}: {action.description}"})
                return response
            flash("The action has been completed.", "success")
            return redirect(url_for("cases.view_case", case_id=action.case_id) + "#actions", code=303)
    template = "cases/_action_complete.html" if htmx else "cases/action_complete.html"
    return render_template(template, action=action, form=form), 422


@bp.route("/actions/<int:action_id>/row")
@access.require("view_cases")
def action_row(action_id: int):
    """The row of an action (htmx: cancel an inline edit)."""
    action = access.get_action_or_404(current_user, action_id)
    return render_template("cases/_action_row.html", action=action, today=today(),
                           can_update=lambda a: access.can_update_action(current_user, a))


@bp.route("/actions")
@access.require("view_cases")
@audit.viewing("my_actions_viewed", "My actions", terms=("show", "page"))
def my_actions():
    return render_page("cases/my_actions.html", _my_actions_context)


def _my_actions_context() -> dict:
    show = request.args.get("show", "open")
    mine = or_(Action.owner_user_id == current_user.id, Action.owner_org_id == current_user.organisation_id)
    stmt = (access.actions_for(current_user).where(mine)
            .options(joinedload(Action.case).joinedload(Case.pupil), joinedload(Action.owner_user),
                     joinedload(Action.owner_org)))
    today = timeutil.today()
    if show == "week":
        stmt = stmt.where(Action.status == ActionStatus.open, Action.due_date >= today,
                          Action.due_date <= today + timedelta(days=7))
    elif show == "overdue":
        stmt = stmt.where(Action.status == ActionStatus.open, Action.due_date < today)
    elif show == "done":
        stmt = stmt.where(Action.status != ActionStatus.open)
    else:
        show = "open"
        stmt = stmt.where(Action.status == ActionStatus.open)
    stmt = stmt.order_by(Action.due_date, Action.id) if show != "done" else \
        stmt.order_by(Action.completed_at.desc(), Action.id.desc())
    page = WindowPage(stmt, entities=True)
    return dict(page=page, pages=page_links(page), show=show, today=today,
                can_update=lambda a: access.can_update_action(current_user, a),
                tsm_actions=_tsm_actions(show, today),
                self_assessment_actions=_self_assessment_actions(show, today),
                case_href=link_parts("cases.view_case", "case_id"),
                complete_href=link_parts("cases.complete_action", "action_id"))


def _tsm_actions(show: str, today) -> list[dict]:
    """The user's actions from Targeting Support Meetings (not paged: a handful a term), with
    the pupil named only where the user may see it."""
    from portal.tsm.models import SupportMeeting, TsmActionStatus, TsmItem

    stmt = access.tsm_actions_for(current_user).options(
        joinedload(TsmItem.meeting).joinedload(SupportMeeting.school), joinedload(TsmItem.pupil),
        joinedload(TsmItem.owner_user), joinedload(TsmItem.owner_org))
    if show == "week":
        stmt = stmt.where(TsmItem.status == TsmActionStatus.open, TsmItem.due_date >= today,
                          TsmItem.due_date <= today + timedelta(days=7))
    elif show == "overdue":
        stmt = stmt.where(TsmItem.status == TsmActionStatus.open, TsmItem.due_date < today)
    elif show == "done":
        stmt = stmt.where(TsmItem.status != TsmActionStatus.open)
    else:
        stmt = stmt.where(TsmItem.status == TsmActionStatus.open)
    from portal.tsm.prepare import cohort_choices

    items = db.session.scalars(stmt.order_by(TsmItem.due_date, TsmItem.id)).all()
    cohorts = cohort_choices()
    open_ids = set(db.session.scalars(access.tsms_for(current_user).with_only_columns(SupportMeeting.id).where(
        SupportMeeting.id.in_({item.meeting_id for item in items})))) if items else set()
    rows = []
    for item in items:
        shown = access.tsm_pupil_visible(current_user, item)
        if item.pupil_id is None:
            subject = f"cohort: {cohorts.get(item.cohort or '', item.cohort)}"
        else:
            subject = item.pupil.display_name if shown else "a pupil of the school"
        rows.append({"item": item, "pupil_shown": shown, "subject": subject,
                     "meeting_open": item.meeting_id in open_ids})
    return rows


def _self_assessment_actions(show: str, today) -> list:
    """The planned actions of the school's attendance self-assessment the user owns (issue 17):
    a handful a year, not paged."""
    from portal.selfassessment.models import PlannedActionStatus, SelfAssessment, SelfAssessmentAnswer

    if not access.can(current_user, "complete_self_assessment"):
        return []
    answers = SelfAssessmentAnswer
    stmt = access.self_assessment_actions_for(current_user).options(
        joinedload(answers.area), joinedload(answers.assessment).load_only(SelfAssessment.academic_year))
    if show == "week":
        stmt = stmt.where(answers.action_status == PlannedActionStatus.open, answers.action_due >= today,
                          answers.action_due <= today + timedelta(days=7))
    elif show == "overdue":
        stmt = stmt.where(answers.action_status == PlannedActionStatus.open, answers.action_due < today)
    elif show == "done":
        stmt = stmt.where(answers.action_status != PlannedActionStatus.open)
    else:
        stmt = stmt.where(answers.action_status == PlannedActionStatus.open)
    return list(db.session.scalars(stmt.order_by(answers.action_due, answers.id)))
