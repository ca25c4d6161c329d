"""Elective home education: the LA's list of EHE children, a child's record with its
suitability enquiries and reviews, the forms that start, add to and end a record, and the
reports (page and CSV). Thin: `access` loads and decides, `service` acts, these views parse
and render. LA admins and CME officers only (`manage_ehe`)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.csvutil import csv_response
from portal.ehe import bp, reports, service
from portal.ehe.forms import EndForm, EnquiryForm, ReviewForm, StartForm
from portal.ehe.models import EheRecord, EheStatus, EndReason, SuitabilityEnquiry
from portal.errors import Refused, Saved, reads
from portal.forms import apply_refusal
from portal.pagecache import render_page
from portal.pagination import page_links, paginate
from portal.params import to_int
from portal.timeutil import today

STATUS_FILTERS = (("current", "Current"), ("ended", "Ended"), ("all", "All"))



def _record_url(record_id: int, anchor: str = "") -> str:
    return url_for("ehe.view_record", ehe_id=record_id) + anchor


@reads(EheRecord)
def _record_as_saved(record: EheRecord) -> Saved:
    return Saved("home education record", [
        ("Suitability", record.suitability.label), ("Next review", record.next_review_on),
        ("Status", record.status.label), ("Ended", record.ended_on),
        ("Why it ended", record.end_reason.label if record.end_reason else None)], _record_url(record.id))


def _school_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(str(s.id), s.name) for s in service.partnership_schools()]


def _int_or_none(value) -> int | None:
    return to_int(value, min=1) if value else None


@bp.route("/ehe")
@access.require("manage_ehe")
@audit.viewing("ehe_list_viewed", "the list of home-educated children", terms=("status", "page"))
def list_records():
    status = request.args.get("status", "current")
    if status not in {s for s, _ in STATUS_FILTERS}:
        status = "current"

    def build() -> dict:
        stmt = (access.ehe_records_for(current_user)
                .options(selectinload(EheRecord.previous_school), selectinload(EheRecord.end_school)))
        if status != "all":
            stmt = stmt.where(EheRecord.status == EheStatus(status))
        page = paginate(stmt.order_by(EheRecord.surname, EheRecord.forename, EheRecord.id))
        return dict(page=page, pages=page_links(page), status=status, filters=STATUS_FILTERS, today=today(),
                    day=service.day_label)

    return render_page("ehe/records.html", build)


@bp.route("/ehe/new", methods=["GET", "POST"])
@access.require("manage_ehe")
@audit.viewing("ehe_start_form_viewed", "the form to record a home-educated child")
def new_record():
    form = StartForm()
    form.previous_school_id.choices = _school_choices("Not one of the partnership's schools")
    if request.method == "POST" and form.validate():
        data = {"forename": form.forename.data, "surname": form.surname.data,
                "date_of_birth": form.date_of_birth.data, "address": form.address.data,
                "started_on": form.started_on.data, "learnt_from": form.learnt_from.data,
                "previous_school_id": _int_or_none(form.previous_school_id.data),
                "previous_school_name": form.previous_school_name.data, "note": form.note.data,
                "next_review_on": form.next_review_on.data}
        try:
            if form.upn.data:
                pupil = access.pupil_for_ehe(current_user, form.upn.data)
                if pupil is None:
                    raise Refused(problems={"upn": "No pupil has this UPN: check it, or leave it empty and enter "
                                                   "the child's details"})
                data["pupil_id"] = pupil.id
            record = service.start_ehe(current_user, data)
        except Refused as exc:
            if "pupil_id" in exc.problems:
                exc.problems["upn"] = exc.problems.pop("pupil_id")
            apply_refusal(form, exc)
        else:
            flash(f"{record.child_name} has been recorded as home educated.", "success")
            return redirect(_record_url(record.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("ehe/record_form.html", form=form), status


@bp.route("/ehe/<int:ehe_id>")
@access.require("manage_ehe")
@audit.viewing("ehe_record_viewed", "a home-educated child's record", ("EheRecord", "ehe_id"))
def view_record(ehe_id: int):
    record = access.get_ehe_record_or_404(current_user, ehe_id, options=(
        selectinload(EheRecord.pupil), selectinload(EheRecord.previous_school), selectinload(EheRecord.end_school),
        selectinload(EheRecord.created_by),
        selectinload(EheRecord.enquiries).selectinload(SuitabilityEnquiry.recorded_by),
        selectinload(EheRecord.reviews)))

    def build() -> dict:
        return dict(record=record, today=today(), day=service.day_label,
                    pupil_link=record.pupil_id is not None and access.may_open_pupil(current_user, record.pupil_id),
                    year=reports.year_group_label(reports.year_group(record.date_of_birth, today())))

    return render_page("ehe/record.html", build)


@bp.route("/ehe/<int:ehe_id>/enquiries", methods=["GET", "POST"])
@access.require("manage_ehe")
@audit.viewing("ehe_form_viewed", "a home-educated child's form", ("EheRecord", "ehe_id"))
def add_enquiry(ehe_id: int):
    record = access.get_ehe_record_or_404(current_user, ehe_id, need="change")
    form = EnquiryForm()
    if request.method == "GET":
        form.version.data = record.version
    if request.method == "POST" and form.validate():
        try:
            service.record_enquiry(current_user, record, {
                "asked_on": form.asked_on.data, "question": form.question.data, "response": form.response.data,
                "outcome": form.outcome.data, "next_step": form.next_step.data}, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The suitability enquiry has been recorded.", "success")
            return redirect(_record_url(record.id, "#enquiries"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("ehe/enquiry_form.html", form=form, record=record), status


@bp.route("/ehe/<int:ehe_id>/reviews", methods=["GET", "POST"])
@access.require("manage_ehe")
@audit.viewing("ehe_form_viewed", "a home-educated child's form", ("EheRecord", "ehe_id"))
def add_review(ehe_id: int):
    record = access.get_ehe_record_or_404(current_user, ehe_id, need="change")
    form = ReviewForm()
    if request.method == "GET":
        form.version.data = record.version
    if request.method == "POST" and form.validate():
        try:
            service.record_review(current_user, record, {
                "reviewed_on": form.reviewed_on.data, "note": form.note.data,
                "next_review_on": form.next_review_on.data}, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The review has been recorded.", "success")
            return redirect(_record_url(record.id, "#reviews"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("ehe/review_form.html", form=form, record=record), status


@bp.route("/ehe/<int:ehe_id>/end", methods=["GET", "POST"])
@access.require("manage_ehe")
@audit.viewing("ehe_form_viewed", "a home-educated child's form", ("EheRecord", "ehe_id"))
def end_record(ehe_id: int):
    record = access.get_ehe_record_or_404(current_user, ehe_id, need="change")
    form = EndForm()
    form.end_school_id.choices = _school_choices("Choose the school")
    if request.method == "GET":
        form.version.data = record.version
    if request.method == "POST" and form.validate():
        try:
            service.end_ehe(current_user, record, {
                "end_reason": form.end_reason.data, "end_school_id": _int_or_none(form.end_school_id.data),
                "ended_on": form.ended_on.data, "end_note": form.end_note.data}, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("Home education has been recorded as ended.", "success")
            return redirect(_record_url(record.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("ehe/end_form.html", form=form, record=record, returned=EndReason.returned_to_school), \
        status


@bp.route("/ehe/reports")
@access.require("manage_ehe")
@audit.viewing("ehe_reports_viewed", "the home education reports")
def report():
    def build() -> dict:
        return dict(report=reports.build(), day=service.day_label)

    return render_page("ehe/reports.html", build)


@bp.route("/ehe/reports/ehe-figures.csv")
@access.require("manage_ehe")
@audit.viewing("ehe_reports_exported", "the home education figures (CSV)")
def report_csv():
    figures = reports.csv_rows(reports.build())
    return csv_response(f"ehe-figures-{today().isoformat()}.csv", ["Measure", "Group", "Children"], figures)
