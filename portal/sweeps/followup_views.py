"""Follow-ups: the school and its named EWO contact the parent or carer and record it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access, audit, timeutil
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.pagination import page_links, paginate
from portal.pupils.models import Pupil
from portal.sweeps import bp, service
from portal.sweeps.forms import FollowUpForm
from portal.sweeps.models import LABELS, FollowUp, FollowUpStatus

FILTERS = (("open", "Open"), ("overdue", "Overdue"), ("done", "Done"), ("all", "All"))


@bp.route("/follow-ups")
@access.require("follow_up_encounters")
@audit.viewing("follow_up_list_viewed", "a list of sweep follow-ups", terms=("status", "page"))
def list_followups():
    status = request.args.get("status", "open")
    today = timeutil.today()
    stmt = (access.followups_for(current_user)
            .options(selectinload(FollowUp.pupil).selectinload(Pupil.school), selectinload(FollowUp.encounter),
                     selectinload(FollowUp.ewo)))
    if status == "open":
        stmt = stmt.where(FollowUp.status == FollowUpStatus.open)
    elif status == "overdue":
        stmt = stmt.where(FollowUp.status == FollowUpStatus.open, FollowUp.due_on < today)
    elif status == "done":
        stmt = stmt.where(FollowUp.status == FollowUpStatus.done)
    if status == "done":
        stmt = stmt.order_by(FollowUp.completed_at.desc(), FollowUp.id.desc())
    else:
        stmt = stmt.order_by(FollowUp.status.desc(), FollowUp.due_on, FollowUp.id)
    page = paginate(stmt)
    return render_template("sweeps/followups.html", page=page, pages=page_links(page), status=status,
                           filters=FILTERS, today=today, labels=LABELS)


def _context(follow_up: FollowUp, form: FollowUpForm):
    return dict(follow_up=follow_up, encounter=follow_up.encounter, form=form, labels=LABELS,
                today=timeutil.today(), prompt=service.refer_prompt(follow_up),
                can_refer=access.can(current_user, "refer"),
                case=_visible_case(follow_up))


def _visible_case(follow_up: FollowUp):
    return access.visible_open_case(current_user, follow_up.pupil_id)


@reads(FollowUp)
def _followup_as_saved(follow_up: FollowUp) -> Saved:
    return Saved("follow-up", [("Status", "Done" if follow_up.status == FollowUpStatus.done else "Open"),
                               ("Outcome", follow_up.outcome),
                               ("By", follow_up.completed_by.name if follow_up.completed_by else None)],
                 url_for("sweeps.view_followup", followup_id=follow_up.id))


@bp.route("/follow-ups/<int:followup_id>")
@access.require("follow_up_encounters")
@audit.viewing("follow_up_viewed", "a sweep follow-up", ("FollowUp", "followup_id"))
def view_followup(followup_id: int):
    follow_up = access.get_followup_or_404(current_user, followup_id)
    form = FollowUpForm(formdata=None)
    form.version.data = follow_up.version
    return render_template("sweeps/followup.html", **_context(follow_up, form))


@bp.route("/follow-ups/<int:followup_id>/outcome", methods=["POST"])
@access.require("follow_up_encounters")
@audit.viewing("follow_up_viewed", "a sweep follow-up", ("FollowUp", "followup_id"))
def record_followup(followup_id: int):
    follow_up = access.get_followup_or_404(current_user, followup_id)
    form = FollowUpForm()
    if form.validate():
        try:
            service.record_follow_up(current_user, follow_up, form.contact_outcome.data, form.outcome.data or "",
                                     form.version.data)
        except Refused as exc:
            db.session.rollback()
            for field, message in exc.problems.items():
                getattr(form, field).errors.append(message)
        else:
            flash("The outcome of the follow-up has been recorded.", "success")
            return redirect(url_for("sweeps.view_followup", followup_id=follow_up.id), code=303)
    return render_template("sweeps/followup.html", **_context(follow_up, form)), 422
