"""The audit form (LA admins): the current version, a new draft copied from it, its criteria
added, changed or removed, and publishing it. Audits keep the version they started with."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import access
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import apply_refusal
from portal.params import to_int
from portal.quality import bp, service
from portal.quality.forms import CriterionForm
from portal.quality.models import AuditCriterion, AuditFormVersion, FormStatus


@reads(AuditCriterion)
def _criterion_as_saved(criterion: AuditCriterion) -> Saved:
    return Saved("criterion", [("Criterion", criterion.title), ("Guidance", criterion.guidance),
                               ("Position", criterion.position)], url_for("quality.audit_form"))


@reads(AuditFormVersion)
def _form_as_saved(form: AuditFormVersion) -> Saved:
    return Saved("audit form", [("Version", form.number), ("Status", form.status.label)],
                 url_for("quality.audit_form"))


@bp.route("/dip-samples/form")
@access.require("manage_audit_form")
def audit_form():
    versions = db.session.scalars(select(AuditFormVersion).where(AuditFormVersion.status == FormStatus.published)
                                  .order_by(AuditFormVersion.number.desc())).all()
    return render_template("quality/form.html", current=service.current_form(), draft=service.draft_form(),
                           versions=versions)


@bp.route("/dip-samples/form/drafts", methods=["POST"])
@access.require("manage_audit_form")
def new_form_draft():
    try:
        service.start_form_draft(current_user)
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash("A new version of the audit form has been started from the current one.", "success")
    return redirect(url_for("quality.audit_form"), code=303)


@bp.route("/dip-samples/form/publish", methods=["POST"])
@access.require("manage_audit_form")
def publish_form():
    draft = service.draft_form()
    if draft is None:
        flash("There is no draft version to publish.", "important")
        return redirect(url_for("quality.audit_form"), code=303)
    try:
        service.publish_form(current_user, draft, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
    else:
        flash(f"Version {draft.number} of the audit form is published: audits started from now use it.", "success")
    return redirect(url_for("quality.audit_form"), code=303)


@bp.route("/dip-samples/form/criteria/new", methods=["GET", "POST"])
@access.require("manage_audit_form")
def new_criterion():
    draft = service.draft_form()
    if draft is None:
        abort(404)
    form = CriterionForm()
    if request.method == "GET":
        form.position.data = max((c.position for c in draft.criteria), default=0) + 1
    elif form.validate():
        try:
            service.add_criterion(current_user, draft, form.title.data or "", form.guidance.data or "",
                                  form.position.data)
        except Refused as exc:
            db.session.rollback()
            apply_refusal(form, exc)
        else:
            flash("The criterion has been added to the draft.", "success")
            return redirect(url_for("quality.audit_form"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("quality/criterion.html", form=form, criterion=None, draft=draft), status


@bp.route("/dip-samples/form/criteria/<int:criterion_id>", methods=["GET", "POST"])
@access.require("manage_audit_form")
def criterion(criterion_id: int):
    found = access.get_draft_criterion_or_404(current_user, criterion_id)
    form = CriterionForm(obj=found if request.method == "GET" else None)
    if request.method == "POST" and form.remove.data:
        service.remove_criterion(current_user, found)
        flash("The criterion has been removed from the draft.", "success")
        return redirect(url_for("quality.audit_form"), code=303)
    if request.method == "POST" and form.validate():
        try:
            service.update_criterion(current_user, found, form.title.data or "", form.guidance.data or "",
                                     form.position.data, form.version.data)
        except Refused as exc:
            db.session.rollback()
            apply_refusal(form, exc)
        else:
            flash("The criterion has been changed.", "success")
            return redirect(url_for("quality.audit_form"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("quality/criterion.html", form=form, criterion=found, draft=found.form), status
