"""The weekly key-actions list of a school: this week's pupils needing action, allocation to a
colleague, done, last week's incomplete actions carried over, and the leadership review."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import access, audit
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import apply_refusal, shows_errors
from portal.orgs.models import Organisation, User
from portal.pagecache import render_page
from portal.params import date_arg, to_date, to_int
from portal.schoolstages import bp, key_actions
from portal.schoolstages.forms import AllocateForm, ReviewForm
from portal.schoolstages.models import KeyAction
from portal.urls import href_format


def _list_url(school_id: int, week=None, anchor: str = "") -> str:
    args = {"week": week.isoformat()} if week is not None and week != key_actions.this_week() else {}
    return url_for("schoolstages.key_action_list", school_id=school_id, **args) + anchor


@reads(KeyAction)
def _item_as_saved(item: KeyAction) -> Saved:
    return Saved("key action", [("Action", item.action), ("Allocated to", item.owner.name if item.owner else "–"),
                                ("Due", item.due_date), ("Status", item.status.label)],
                 _list_url(item.school_id, item.week_start))


def _staff(school: Organisation) -> list[User]:
    return list(db.session.scalars(select(User).where(User.organisation_id == school.id, User.active.is_(True))
                                   .order_by(User.name)))


def _week() -> tuple:
    errors: dict[str, str] = {}
    week = date_arg("week", errors=errors, max=key_actions.this_week(), subject="The week")
    week = key_actions.this_week(week) if week is not None else key_actions.this_week()
    return week, errors


def _context(school: Organisation, week, errors: dict, review_form=None) -> dict:
    items = key_actions.items_for(school.id, week)
    edit = access.can(current_user, "manage_key_actions") and access.is_own_school_staff(current_user, school.id)
    this_week = key_actions.this_week()
    return dict(school=school, week=week, items=items, edit=edit, errors=shows_errors(errors),
                review=key_actions.review_of(school.id, week),
                review_form=review_form or (ReviewForm(formdata=None) if edit else None),
                this_week=this_week, previous=week - timedelta(days=7),
                next=week + timedelta(days=7) if week < this_week else None,
                open_count=sum(1 for i in items if i.is_open),
                carried_count=sum(1 for i in items if i.carried_from_id),
                pupil_href=href_format("schoolstages.pupil_stages", "pupil_id"),
                page_status=422 if errors else 200)


@bp.route("/schools/<int:school_id>/key-actions")
@access.require("view_key_actions")
@audit.viewing("key_actions_viewed", "a school's key-actions list", ("Organisation", "school_id"), terms=("week",))
def key_action_list(school_id: int):
    school = access.get_key_action_school_or_404(current_user, school_id)
    week, errors = _week()
    return render_page("schoolstages/key_actions.html", lambda: _context(school, week, errors))


@bp.route("/schools/<int:school_id>/key-actions/prepare", methods=["POST"])
@access.require("manage_key_actions")
def prepare_key_actions(school_id: int):
    school = access.get_key_action_school_or_404(current_user, school_id, need="edit")
    try:
        added = key_actions.prepare(current_user, school)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        carried = sum(1 for item in added if item.carried_from_id)
        flash(f"This week's list is up to date: {len(added) - carried} pupil{'s' if len(added) - carried != 1 else ''}"
              f" added, {carried} carried over from last week.", "success")
    return redirect(_list_url(school.id), code=303)


@bp.route("/schools/<int:school_id>/key-actions/<int:key_action_id>", methods=["GET", "POST"])
@access.require("manage_key_actions")
@audit.viewing("key_actions_viewed", "a school's key-actions list", ("Organisation", "school_id"))
def allocate_key_action(school_id: int, key_action_id: int):
    school = access.get_key_action_school_or_404(current_user, school_id, need="edit")
    item = access.get_key_action_or_404(current_user, school, key_action_id)
    form = AllocateForm(formdata=None if request.method == "GET" else request.form)
    form.owner_id.choices = [("", "Select a colleague")] + [(str(u.id), u.name) for u in _staff(school)]
    if request.method == "GET":
        form.owner_id.data = str(item.owner_id or "")
        form.action.data = item.action
        form.due_date.data = item.due_date
        form.version.data = item.version
    elif form.validate():
        try:
            key_actions.allocate(current_user, school, item, {
                "owner_id": to_int(form.owner_id.data), "action": form.action.data or "",
                "due_date": form.due_date.data}, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The action has been allocated.", "success")
            return redirect(_list_url(school.id, item.week_start, f"#item-{item.id}"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("schoolstages/allocate.html", form=form, school=school, item=item,
                           back=_list_url(school.id, item.week_start, f"#item-{item.id}")), status


@bp.route("/schools/<int:school_id>/key-actions/<int:key_action_id>/done", methods=["POST"])
@access.require("manage_key_actions")
def complete_key_action(school_id: int, key_action_id: int):
    school = access.get_key_action_school_or_404(current_user, school_id, need="edit")
    item = access.get_key_action_or_404(current_user, school, key_action_id)
    try:
        key_actions.complete(current_user, item, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash("The action is marked as done.", "success")
    return redirect(_list_url(school.id, item.week_start, "#actions"), code=303)


@bp.route("/schools/<int:school_id>/key-actions/review", methods=["POST"])
@access.require("manage_key_actions")
@audit.viewing("key_actions_viewed", "a school's key-actions list", ("Organisation", "school_id"))
def review_key_actions(school_id: int):
    school = access.get_key_action_school_or_404(current_user, school_id, need="edit")
    week = key_actions.this_week(to_date_or_none(request.form.get("week")))
    form = ReviewForm()
    if form.validate():
        try:
            key_actions.record_review(current_user, school, week, form.note.data or "")
        except Refused as exc:
            db.session.rollback()
            flash(exc.message, "important")
        else:
            flash("Your review of the week's list has been recorded.", "success")
        return redirect(_list_url(school.id, week, "#review"), code=303)
    return render_template("schoolstages/key_actions.html", **_context(school, week, {}, review_form=form)), 422


def to_date_or_none(text: str | None):
    return to_date(text, max=key_actions.this_week())
