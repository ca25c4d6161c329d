"""A pupil's school stages: the stage reached this term, the first-day calls and stage meetings
logged, and the forms that log and correct them. Thin: `access` loads and decides, `service`
acts, these views parse and render."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import access, audit
from portal.errors import Refused, Saved, reads
from portal.forms import apply_refusal
from portal.pagecache import render_page
from portal.pupils.models import Pupil
from portal.schoolstages import bp, service
from portal.schoolstages.forms import CallForm, MeetingForm
from portal.schoolstages.models import STAGE_ACTIONS, FirstDayCall, StageMeeting


def _stages_url(pupil_id: int, anchor: str = "") -> str:
    return url_for("schoolstages.pupil_stages", pupil_id=pupil_id) + anchor


@reads(FirstDayCall)
def _call_as_saved(call: FirstDayCall) -> Saved:
    return Saved("first-day call", [("Date", call.call_date), ("Outcome", call.outcome.label), ("Note", call.note)],
                 _stages_url(call.pupil_id, "#calls"))


@reads(StageMeeting)
def _meeting_as_saved(meeting: StageMeeting) -> Saved:
    return Saved("stage meeting", [("Stage", meeting.stage), ("Date", meeting.meeting_date),
                                   ("Who met", meeting.attendees), ("Targets set", meeting.targets),
                                   ("Support offered", meeting.support), ("Next review", meeting.next_review)],
                 _stages_url(meeting.pupil_id, "#meetings"))


def _pupil(pupil_id: int, need: str = "view") -> Pupil:
    pupil = access.get_pupil_or_404(current_user, pupil_id, options=(joinedload(Pupil.school),))
    if need == "log" and not access.can(current_user, "log_school_stages", pupil):
        abort(403)
    return pupil


@bp.route("/pupils/<int:pupil_id>/school-stages")
@access.require("view_school_stages")
@audit.viewing("school_stages_viewed", "a pupil's school stages", ("Pupil", "pupil_id"))
def pupil_stages(pupil_id: int):
    pupil = _pupil(pupil_id)

    def build() -> dict:
        return dict(pupil=pupil, stage=service.stage_of(pupil), term=service.this_term(),
                    calls=service.calls_for(pupil.id), meetings=service.meetings_for(pupil.id),
                    actions=STAGE_ACTIONS, day=service.day_label,
                    may_log=access.can(current_user, "log_school_stages", pupil),
                    may_refer=access.can(current_user, "refer"))

    return render_page("schoolstages/pupil.html", build)


# ----- first-day calls ------------------------------------------------------------------------

def _save_call(pupil: Pupil, call: FirstDayCall | None):
    form = CallForm(obj=call if call is not None and request.method == "GET" else None)
    if request.method == "GET" and call is not None:
        form.outcome.data = call.outcome.value
        form.version.data = call.version
    if request.method == "POST" and form.validate():
        data = {"call_date": form.call_date.data, "outcome": form.outcome.data, "note": form.note.data or ""}
        try:
            if call is None:
                service.log_call(current_user, pupil, data)
            else:
                service.correct_call(current_user, pupil, call, data, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The call has been logged." if call is None else "The call has been corrected.", "success")
            return redirect(_stages_url(pupil.id, "#calls"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("schoolstages/call_form.html", form=form, pupil=pupil, call=call), status


@bp.route("/pupils/<int:pupil_id>/school-stages/calls/new", methods=["GET", "POST"])
@access.require("log_school_stages")
@audit.viewing("school_stage_form_viewed", "a school stage form", ("Pupil", "pupil_id"))
def new_call(pupil_id: int):
    return _save_call(_pupil(pupil_id, "log"), None)


@bp.route("/pupils/<int:pupil_id>/school-stages/calls/<int:stage_call_id>", methods=["GET", "POST"])
@access.require("log_school_stages")
@audit.viewing("school_stage_form_viewed", "a school stage form", ("Pupil", "pupil_id"))
def edit_call(pupil_id: int, stage_call_id: int):
    pupil = _pupil(pupil_id)
    return _save_call(pupil, access.get_first_day_call_or_404(current_user, pupil, stage_call_id, need="edit"))


# ----- stage meetings -------------------------------------------------------------------------

def _save_meeting(pupil: Pupil, meeting: StageMeeting | None):
    form = MeetingForm(obj=meeting if meeting is not None and request.method == "GET" else None)
    if request.method == "GET":
        if meeting is not None:
            form.stage.data = str(meeting.stage)
            form.version.data = meeting.version
        elif (wanted := request.args.get("stage", "")) in ("2", "3", "4"):
            form.stage.data = wanted
    if request.method == "POST" and form.validate():
        data = {"stage": int(form.stage.data), "meeting_date": form.meeting_date.data,
                "attendees": form.attendees.data or "", "targets": form.targets.data or "",
                "support": form.support.data or "", "next_review": form.next_review.data}
        try:
            if meeting is None:
                service.log_meeting(current_user, pupil, data)
            else:
                service.correct_meeting(current_user, meeting, data, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The meeting has been logged." if meeting is None else "The meeting has been corrected.",
                  "success")
            return redirect(_stages_url(pupil.id, "#meetings"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("schoolstages/meeting_form.html", form=form, pupil=pupil, meeting=meeting), status


@bp.route("/pupils/<int:pupil_id>/school-stages/meetings/new", methods=["GET", "POST"])
@access.require("log_school_stages")
@audit.viewing("school_stage_form_viewed", "a school stage form", ("Pupil", "pupil_id"))
def new_meeting(pupil_id: int):
    return _save_meeting(_pupil(pupil_id, "log"), None)


@bp.route("/pupils/<int:pupil_id>/school-stages/meetings/<int:stage_meeting_id>", methods=["GET", "POST"])
@access.require("log_school_stages")
@audit.viewing("school_stage_form_viewed", "a school stage form", ("Pupil", "pupil_id"))
def edit_meeting(pupil_id: int, stage_meeting_id: int):
    pupil = _pupil(pupil_id)
    return _save_meeting(pupil, access.get_stage_meeting_or_404(current_user, pupil, stage_meeting_id, need="edit"))
