"""Notifications from schools: a pupil's notification form (deletion or joiner) and the joint
reasonable enquiries, and the notifications list (a school's own; the LA's queue, where each is
acknowledged or turned into an enquiry). Thin: `access` loads and decides, `service` acts."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import access, audit
from portal.attendance import flags
from portal.cme import bp, service, upload
from portal.cme.forms import JointEnquiryForm, NotificationForm, UploadForm
from portal.cme.models import CmeEnquiry, CmeNotification, CmeStep, NotificationStatus
from portal.csvutil import csv_response
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import apply_refusal
from portal.pagecache import render_page
from portal.params import to_int
from portal.pupils.models import Pupil


@reads(CmeNotification)
def _notification_as_saved(notification: CmeNotification) -> Saved:
    return Saved("notification", [("What", notification.kind.label), ("Date", notification.event_date),
                                  ("Status", notification.status.label)], url_for("cme.list_notifications"))


@reads(CmeEnquiry)
def _enquiry_as_saved(enquiry: CmeEnquiry) -> Saved:
    return Saved("CME enquiry", [("Child", enquiry.child_name), ("Status", enquiry.status.label),
                                 ("Outcome", enquiry.outcome.label if enquiry.outcome else "")],
                 url_for("cme.view_enquiry", enquiry_id=enquiry.id))


@reads(CmeStep)
def _step_as_saved(step: CmeStep) -> Saved:
    return Saved("enquiry step", [("Step", step.kind.label), ("Due", step.due_date), ("Done", step.done_on or ""),
                                  ("Outcome", step.outcome)], url_for("cme.view_enquiry", enquiry_id=step.enquiry_id))


def _pupil(pupil_id: int, permission: str) -> Pupil:
    pupil = access.get_cme_pupil_or_404(current_user, pupil_id, options=(joinedload(Pupil.school),))
    if not access.can(current_user, permission, pupil):
        abort(403)
    return pupil


@bp.route("/pupils/<int:pupil_id>/cme-notifications/new", methods=["GET", "POST"])
@access.require("notify_cme")
@audit.viewing("cme_notification_form_viewed", "a CME notification form", ("Pupil", "pupil_id"))
def new_notification(pupil_id: int):
    pupil = _pupil(pupil_id, "notify_cme")
    form = NotificationForm()
    if request.method == "POST" and form.validate():
        data = {name: getattr(form, name).data for name in ("kind", "event_date", "ground", "destination",
                                                            "previous_school", "note")}
        try:
            service.notify(current_user, pupil, data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The LA has been notified.", "success")
            return redirect(url_for("cme.list_notifications"), code=303)
    status = 422 if request.method == "POST" else 200
    done = service.joint_enquiries_done(pupil.id)
    runs = [f for f in flags.flags_for(pupil.id) if f.flag == flags.ABSENCE_RUN]
    return render_template("cme/notification_form.html", form=form, pupil=pupil, done=done, runs=runs,
                           run_kind=flags.KINDS[flags.ABSENCE_RUN], day=service.day_label), status


@bp.route("/pupils/<int:pupil_id>/joint-enquiries", methods=["GET", "POST"])
@access.require("record_joint_enquiries")
@audit.viewing("cme_joint_enquiries_viewed", "a pupil's joint reasonable enquiries", ("Pupil", "pupil_id"))
def joint_enquiries(pupil_id: int):
    pupil = _pupil(pupil_id, "record_joint_enquiries")
    party = access.joint_enquiry_party(current_user)
    form = JointEnquiryForm()
    if request.method == "POST" and form.validate():
        try:
            service.record_joint_enquiry(current_user, pupil, party or "",
                                         {"done_on": form.done_on.data, "what_done": form.what_done.data})
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The enquiries have been recorded.", "success")
            return redirect(url_for("cme.joint_enquiries", pupil_id=pupil.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("cme/joint_enquiries.html", form=form, pupil=pupil, party=party,
                           entries=service.joint_enquiries_for(pupil.id), day=service.day_label), status


@bp.route("/cme/notifications")
@access.require("view_cme_notifications")
@audit.viewing("cme_notifications_viewed", "the CME notifications")
def list_notifications():
    works = access.can(current_user, "work_cme")

    def build() -> dict:
        rows = service.notifications(access.notifications_for(current_user))
        return dict(new=[n for n in rows if n.status == NotificationStatus.new],
                    done=[n for n in rows if n.status != NotificationStatus.new], works=works,
                    day=service.day_label, statuses=NotificationStatus)

    return render_page("cme/notifications.html", build)


def _queue_action(notification_id: int, act) -> object:
    notification = access.get_cme_notification_or_404(current_user, notification_id, need="work")
    try:
        result = act(notification, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
        return redirect(url_for("cme.list_notifications"), code=303)
    return result


@bp.route("/cme/notifications/<int:notification_id>/acknowledge", methods=["POST"])
@access.require("work_cme")
def acknowledge_notification(notification_id: int):
    def act(notification, version):
        service.acknowledge(current_user, notification, version)
        flash("The notification is acknowledged.", "success")
        return redirect(url_for("cme.list_notifications"), code=303)

    return _queue_action(notification_id, act)


@bp.route("/cme/notifications/<int:notification_id>/enquiry", methods=["POST"])
@access.require("work_cme")
def open_enquiry_from_notification(notification_id: int):
    def act(notification, version):
        enquiry = service.open_enquiry_from_notification(current_user, notification, version)
        flash("A CME enquiry is open.", "success")
        return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id), code=303)

    return _queue_action(notification_id, act)


@bp.route("/cme/notifications/upload", methods=["GET", "POST"])
@access.require("notify_cme")
def upload_notifications():
    """A school's batch of notifications from a CSV file: all of it, or nothing and the problems."""
    form = UploadForm()
    problems: list[tuple[int, str, str]] = []
    total = 0
    if form.is_submitted():
        if form.validate():
            file = form.file.data
            try:
                done = upload.upload(current_user, file.stream.read(upload.MAX_BYTES + 1),
                                     filename=(file.filename or "")[:100])
            except upload.UploadRefused as exc:
                db.session.rollback()
                problems, total = exc.rows, exc.total
                form.file.errors.append(exc.message)
            else:
                flash(f"The LA has been notified: {done.summary}.", "success")
                return redirect(url_for("cme.list_notifications"), code=303)
        return render_template("cme/upload.html", form=form, problems=problems, total=total,
                               header=upload.HEADER, grounds=upload.DeletionGround), 422
    return render_template("cme/upload.html", form=form, problems=problems, total=total, header=upload.HEADER,
                           grounds=upload.DeletionGround)


@bp.route("/cme/notifications/upload/template")
@access.require("notify_cme")
def upload_template():
    """The header line alone: a file to fill in."""
    return csv_response("cme-notifications.csv", upload.HEADER, [])
