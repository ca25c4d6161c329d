"""CME enquiries: the LA's list (open, then recently closed), opening one by hand, an enquiry's
page, and the outcome that closes it (or the reason that reopens it). LA admins and CME
officers only (`access.cme`)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import access, audit
from portal.cme import bp, encounters, report, service, sharing
from portal.cme.forms import EnquiryForm, LinkPupilForm, OutcomeForm, ReopenForm, StepForm
from portal.cme.models import EnquiryOutcome, EnquiryStatus
from portal.csvutil import csv_response
from portal.errors import Refused
from portal.extensions import db
from portal.forms import apply_refusal
from portal.pagecache import render_page
from portal.timeutil import today


@bp.route("/cme/enquiries")
@access.require("work_cme")
@audit.viewing("cme_enquiries_viewed", "the CME enquiries")
def list_enquiries():
    def build() -> dict:
        scope = access.enquiries_for(current_user)
        open_ = service.enquiries(scope, EnquiryStatus.open)
        overdue = service.overdue_counts([e.id for e in open_])
        open_.sort(key=lambda e: -overdue.get(e.id, 0))  # overdue steps first (stable: newest next)
        return dict(open=open_, overdue=overdue, closed=service.enquiries(scope, EnquiryStatus.closed),
                    waiting=encounters.waiting_encounters(), day=service.day_label)

    return render_page("cme/enquiries.html", build)


@bp.route("/cme/enquiries/new", methods=["GET", "POST"])
@access.require("work_cme")
def new_enquiry():
    form = EnquiryForm()
    form.lead_id.choices = [(0, "Me")] + [(u.id, u.name) for u in service.cme_workers() if u.id != current_user.id]
    if request.method == "POST" and form.validate():
        data = {name: getattr(form, name).data for name in ("source", "child_name", "date_of_birth", "address",
                                                            "family_contact", "lead_id")}
        try:
            enquiry = service.open_enquiry(current_user, data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The enquiry is open.", "success")
            return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("cme/enquiry_form.html", form=form), status


def _enquiry_page(enquiry, outcome_form=None, reopen_form=None, link_form=None):
    if outcome_form is None:
        outcome_form = OutcomeForm(formdata=None)
        outcome_form.version.data = enquiry.version
    if reopen_form is None:
        reopen_form = ReopenForm(formdata=None)
        reopen_form.version.data = enquiry.version
    if link_form is None:
        link_form = LinkPupilForm(formdata=None)
        link_form.version.data = enquiry.version
    return render_template("cme/enquiry.html", enquiry=enquiry, outcome_form=outcome_form,
                           reopen_form=reopen_form, link_form=link_form, day=service.day_label, outcomes=EnquiryOutcome,
                           steps=service.steps_for(enquiry.id), today=today(),
                           shares=sharing.shares_of(enquiry.id))


@bp.route("/cme/enquiries/<int:enquiry_id>")
@access.require("work_cme")
@audit.viewing("cme_enquiry_viewed", "a CME enquiry", ("CmeEnquiry", "enquiry_id"))
def view_enquiry(enquiry_id: int):
    return _enquiry_page(access.get_cme_enquiry_or_404(current_user, enquiry_id))


@bp.route("/cme/enquiries/<int:enquiry_id>/close", methods=["POST"])
@access.require("work_cme")
@audit.viewing("cme_enquiry_viewed", "a CME enquiry", ("CmeEnquiry", "enquiry_id"))
def close_enquiry(enquiry_id: int):
    enquiry = access.get_cme_enquiry_or_404(current_user, enquiry_id)
    form = OutcomeForm()
    if form.validate():
        data = {name: getattr(form, name).data for name in ("outcome", "outcome_detail", "outcome_date",
                                                            "outcome_note")}
        try:
            service.close_enquiry(current_user, enquiry, data, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The enquiry is closed.", "success")
            return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id), code=303)
    return _enquiry_page(enquiry, outcome_form=form), 422


@bp.route("/cme/enquiries/<int:enquiry_id>/reopen", methods=["POST"])
@access.require("work_cme")
@audit.viewing("cme_enquiry_viewed", "a CME enquiry", ("CmeEnquiry", "enquiry_id"))
def reopen_enquiry(enquiry_id: int):
    enquiry = access.get_cme_enquiry_or_404(current_user, enquiry_id)
    form = ReopenForm()
    if form.validate():
        try:
            service.reopen_enquiry(current_user, enquiry, form.reason.data or "", form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The enquiry is open again.", "success")
            return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id), code=303)
    return _enquiry_page(enquiry, reopen_form=form), 422


@bp.route("/cme/enquiries/<int:enquiry_id>/steps/<int:cme_step_id>", methods=["GET", "POST"])
@access.require("work_cme")
@audit.viewing("cme_enquiry_viewed", "a CME enquiry", ("CmeEnquiry", "enquiry_id"))
def record_step(enquiry_id: int, cme_step_id: int):
    enquiry = access.get_cme_enquiry_or_404(current_user, enquiry_id)
    step = access.get_cme_step_or_404(current_user, enquiry, cme_step_id)
    form = StepForm(obj=step if request.method == "GET" else None)
    if request.method == "POST" and form.validate():
        data = {name: getattr(form, name).data for name in ("due_date", "done_on", "outcome", "notes")}
        try:
            service.record_step(current_user, enquiry, step, data, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash(f"{step.kind.label}: saved.", "success")
            return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id) + "#steps", code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("cme/step_form.html", form=form, enquiry=enquiry, step=step), status


@bp.route("/cme/encounters/<int:encounter_id>/enquiry", methods=["POST"])
@access.require("work_cme")
def open_enquiry_from_encounter(encounter_id: int):
    encounter = access.get_cme_encounter_or_404(current_user, encounter_id)
    try:
        enquiry = encounters.open_from_encounter(current_user, encounter)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
        return redirect(url_for("cme.list_enquiries"), code=303)
    flash("A CME enquiry is open.", "success")
    return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id), code=303)


@bp.route("/cme/report")
@access.require("work_cme")
@audit.viewing("cme_report_viewed", "the CME report")
def cme_report():
    def build() -> dict:
        return dict(report=report.build(access.enquiries_for(current_user)))

    return render_page("cme/report.html", build)


@bp.route("/cme/report.csv")
@access.require("work_cme")
@audit.viewing("cme_report_viewed", "the CME report")
def cme_report_csv():
    built = report.build(access.enquiries_for(current_user))
    return csv_response(f"cme-report-{today().isoformat()}.csv", report.HEADER, list(report.rows(built)))


@bp.route("/cme/enquiries/<int:enquiry_id>/pupil", methods=["POST"])
@access.require("work_cme")
@audit.viewing("cme_enquiry_viewed", "a CME enquiry", ("CmeEnquiry", "enquiry_id"))
def link_pupil(enquiry_id: int):
    enquiry = access.get_cme_enquiry_or_404(current_user, enquiry_id)
    form = LinkPupilForm()
    if form.validate():
        try:
            encounters.link_pupil(current_user, enquiry, form.upn.data or "", form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The enquiry is linked to the pupil and closed as found on a roll.", "success")
            return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id), code=303)
    return _enquiry_page(enquiry, link_form=form), 422
