"""Dip-sampling: the samples, drawing one, auditing a sampled case, the themes (page, CSV,
printable), and the lead professional's audits of their cases with the acknowledgement.
Thin: `access` loads and decides, `service` acts, these views parse and render."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.csvutil import csv_response
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import apply_refusal
from portal.pagecache import render_page
from portal.params import to_int
from portal.quality import bp, service
from portal.quality.forms import AcknowledgeForm, DrawForm, audit_form_class
from portal.quality.models import AuditCriterion, AuditGrade, CaseAudit, DipSample, Grade, Population


@reads(CaseAudit)
def _audit_as_saved(case_audit: CaseAudit) -> Saved:
    return Saved("audit", [("Status", case_audit.status.label),
                           ("Overall grade", case_audit.overall_grade.label if case_audit.overall_grade else ""),
                           ("Learning points", case_audit.learning_points),
                           ("Acknowledged", "Yes" if case_audit.acknowledged_at else "No")],
                 url_for("quality.view_sample", sample_id=case_audit.sample_id))


# ----- the samples ------------------------------------------------------------------------------

@bp.route("/dip-samples")
@access.require("dip_sample")
def list_samples():
    def build() -> dict:
        samples = db.session.scalars(access.samples_for(current_user).options(
            selectinload(DipSample.drawn_by), selectinload(DipSample.audits))
            .order_by(DipSample.drawn_at.desc(), DipSample.id.desc())).all()
        return dict(samples=samples, may_edit_form=access.can(current_user, "manage_audit_form"))

    return render_page("quality/samples.html", build)


@bp.route("/dip-samples/new", methods=["GET", "POST"])
@access.require("dip_sample")
def new_sample():
    form = DrawForm()
    if form.is_submitted():
        form.validate()
        seed = to_int(form.seed.data, min=0, max=service.MAX_SEED) if form.seed.data else None
        if form.seed.data and seed is None:
            form.seed.errors = list(form.seed.errors) + [
                f"Enter the seed as a whole number from 0 to {service.MAX_SEED}, or leave it empty"]
        closed = form.population.data == Population.closed.value
        if closed:
            for box in (form.closed_from, form.closed_to):
                if box.data is None and not box.errors:
                    box.errors = list(box.errors) + [f"Enter {box.subject.lower()}"]
        if not any(f.errors for f in form):
            try:
                sample = service.draw(current_user, form.size.data, seed, Population.get(form.population.data),
                                      form.closed_from.data if closed else None,
                                      form.closed_to.data if closed else None)
            except Refused as exc:
                db.session.rollback()
                apply_refusal(form, exc)
            else:
                flash(f"{sample.size} cases have been drawn with the seed {sample.seed}.", "success")
                return redirect(url_for("quality.view_sample", sample_id=sample.id), code=303)
        return render_template("quality/new.html", form=form), 422
    return render_template("quality/new.html", form=form)


@bp.route("/dip-samples/<int:sample_id>")
@access.require("dip_sample")
@audit.viewing("dip_sample_viewed", "a dip-sample of cases", ("DipSample", "sample_id"))
def view_sample(sample_id: int):
    sample = access.get_sample_or_404(current_user, sample_id)

    def build() -> dict:
        audits = service.sample_audits(sample)
        return dict(sample=sample, audits=audits, strata=service.stratum_labels(sample),
                    themes=service.themes(sample, audits))

    return render_page("quality/sample.html", build)


def _audit_form(case_audit: CaseAudit):
    form_version = service.form_of(case_audit)
    criteria = form_version.criteria if form_version is not None else []
    form = audit_form_class(criteria)()
    if request.method == "GET":
        kept = {g.criterion_id: g for g in case_audit.grades}
        for c in criteria:
            g = kept.get(c.id)
            getattr(form, f"grade_{c.id}").data = g.grade.value if g is not None and g.grade else None
            getattr(form, f"comment_{c.id}").data = g.comment if g is not None else ""
        form.overall_grade.data = case_audit.overall_grade.value if case_audit.overall_grade else None
        form.learning_points.data = case_audit.learning_points
        form.version.data = case_audit.version
    return form, form_version, criteria


@bp.route("/dip-samples/<int:sample_id>/audits/<int:audit_id>", methods=["GET", "POST"])
@access.require("dip_sample")
@audit.viewing("case_audit_form_viewed", "the audit of a sampled case", ("DipSample", "sample_id"))
def audit_case(sample_id: int, audit_id: int):
    sample = access.get_sample_or_404(current_user, sample_id)
    case_audit = access.get_sample_audit_or_404(current_user, sample, audit_id)
    form, form_version, criteria = _audit_form(case_audit)
    status = 200
    if request.method == "POST" and not case_audit.complete:
        status = 422
        if form.validate():
            grades = {c.id: (getattr(form, f"grade_{c.id}").data, getattr(form, f"comment_{c.id}").data or "")
                      for c in criteria}
            complete = bool(form.complete.data)
            try:
                service.save_audit(current_user, case_audit, grades, form.overall_grade.data,
                                   form.learning_points.data or "", form.version.data, complete=complete)
            except Refused as exc:
                db.session.rollback()
                apply_refusal(form, exc)
            else:
                flash("The audit is complete: the lead professional can now read it." if complete
                      else "The audit has been saved as a draft.", "success")
                return redirect(url_for("quality.view_sample", sample_id=sample.id) if complete
                                else url_for("quality.audit_case", sample_id=sample.id, audit_id=case_audit.id),
                                code=303)
    elif request.method == "POST":
        flash("This audit is complete: it can no longer be changed.", "important")
        return redirect(url_for("quality.audit_case", sample_id=sample.id, audit_id=case_audit.id), code=303)
    fields = [(c, getattr(form, f"grade_{c.id}"), getattr(form, f"comment_{c.id}")) for c in criteria]
    return render_template("quality/audit.html", sample=sample, case_audit=case_audit, form=form, fields=fields,
                           form_version=form_version,
                           grades_by_criterion={g.criterion_id: g for g in case_audit.grades},
                           may_open_case=access.can_open_case(current_user, case_audit.case_id)), status


# ----- themes ------------------------------------------------------------------------------------

def _themes_context(sample: DipSample) -> dict:
    return dict(sample=sample, themes=service.themes(sample), grades=list(Grade))


@bp.route("/dip-samples/<int:sample_id>/themes")
@access.require("dip_sample")
def sample_themes(sample_id: int):
    sample = access.get_sample_or_404(current_user, sample_id)
    return render_page("quality/themes.html", lambda: _themes_context(sample))


@bp.route("/dip-samples/<int:sample_id>/themes/print")
@access.require("dip_sample")
def sample_themes_print(sample_id: int):
    sample = access.get_sample_or_404(current_user, sample_id)
    return render_page("quality/themes_print.html", lambda: _themes_context(sample))


@bp.route("/dip-samples/<int:sample_id>/themes.csv")
@access.require("dip_sample")
def sample_themes_csv(sample_id: int):
    sample = access.get_sample_or_404(current_user, sample_id)
    header = ["Theme", "Name", *[g.label for g in Grade], "Total"]
    return csv_response(f"dip-sample-{sample.id}-themes.csv", header, service.themes_rows(service.themes(sample)))


# ----- the lead professional's side --------------------------------------------------------------

@bp.route("/dip-samples/my-audits")
@access.require("read_case_audits")
def my_audits():
    def build() -> dict:
        audits = db.session.scalars(access.audits_of_my_cases(current_user).options(
            selectinload(CaseAudit.sample)).order_by(CaseAudit.completed_at.desc(), CaseAudit.id.desc())).all()
        return dict(audits=audits)

    return render_page("quality/my_audits.html", build)


def _audit_context(case_audit: CaseAudit, form: AcknowledgeForm | None = None) -> dict:
    grades = db.session.scalars(select(AuditGrade).where(AuditGrade.audit_id == case_audit.id).options(
        selectinload(AuditGrade.criterion)).join(AuditCriterion).order_by(AuditCriterion.position,
                                                                          AuditCriterion.id)).all()
    may_acknowledge = access.may_acknowledge(current_user, case_audit)
    if form is None and may_acknowledge:
        form = AcknowledgeForm(formdata=None)
        form.version.data = case_audit.version
    return dict(case_audit=case_audit, grades=grades, form=form if may_acknowledge else None,
                may_open_case=access.can_open_case(current_user, case_audit.case_id))


@bp.route("/dip-samples/audits/<int:audit_id>")
@access.require("read_case_audits")
@audit.viewing("case_audit_viewed", "the audit of a case", ("CaseAudit", "audit_id"))
def view_audit(audit_id: int):
    case_audit = access.get_completed_audit_or_404(current_user, audit_id)
    return render_page("quality/view_audit.html", lambda: _audit_context(case_audit))


@bp.route("/dip-samples/audits/<int:audit_id>/acknowledge", methods=["POST"])
@access.require("read_case_audits")
@audit.viewing("case_audit_viewed", "the audit of a case", ("CaseAudit", "audit_id"))
def acknowledge_audit(audit_id: int):
    case_audit = access.get_completed_audit_or_404(current_user, audit_id, need="acknowledge")
    form = AcknowledgeForm()
    if form.validate():
        try:
            service.acknowledge(current_user, case_audit, form.response.data or "", form.version.data)
        except Refused as exc:
            db.session.rollback()
            apply_refusal(form, exc)
        else:
            flash("You have acknowledged the audit.", "success")
            return redirect(url_for("quality.view_audit", audit_id=case_audit.id), code=303)
    return render_template("quality/view_audit.html", **_audit_context(case_audit, form)), 422
