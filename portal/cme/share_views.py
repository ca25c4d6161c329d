"""Sharing CME enquiries with partner agencies (issue 18): the LA shares an enquiry with
children's social care or the police (with a reason) and withdraws the share; the partners see
the enquiries shared with their agency — the police in a restricted form. Thin: `access` loads
and decides, `sharing` acts."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal import access, audit
from portal.cme import bp, service, sharing
from portal.cme.forms import ShareForm, WithdrawShareForm
from portal.cme.models import CmeEnquiry, CmeShare, EnquiryStatus
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import apply_refusal
from portal.orgs.models import Organisation
from portal.pagecache import render_page
from portal.params import to_int


@reads(CmeShare)
def _share_as_saved(item: CmeShare) -> Saved:
    return Saved("share", [("Shared with", item.organisation.name), ("Status", item.status_label),
                           ("Reason for withdrawing", item.withdraw_reason)],
                 url_for("cme.view_enquiry", enquiry_id=item.enquiry_id) + "#sharing")


@bp.route("/cme/enquiries/<int:enquiry_id>/shares", methods=["GET", "POST"])
@access.require("work_cme")
@audit.viewing("cme_share_form_viewed", "the form to share a CME enquiry", ("CmeEnquiry", "enquiry_id"))
def share_enquiry(enquiry_id: int):
    enquiry = access.get_cme_enquiry_or_404(current_user, enquiry_id)
    form = ShareForm()
    form.organisation_id.choices = [("", "Select an agency")] + [
        (str(o.id), f"{o.name} ({o.kind.label})") for o in sharing.partner_organisations()]
    if form.is_submitted() and form.validate():
        org_id = to_int(form.organisation_id.data)
        org = db.session.get(Organisation, org_id) if org_id is not None else None
        try:
            item = sharing.share(current_user, enquiry, org, form.reason.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash(f"The enquiry has been shared with {item.organisation.name}.", "success")
            return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id) + "#sharing", code=303)
    return render_template("cme/share.html", enquiry=enquiry, form=form), (422 if form.is_submitted() else 200)


@bp.route("/cme/enquiries/<int:enquiry_id>/shares/<int:cme_share_id>/withdraw", methods=["GET", "POST"])
@access.require("work_cme")
@audit.viewing("cme_share_form_viewed", "the form to share a CME enquiry", ("CmeEnquiry", "enquiry_id"))
def withdraw_cme_share(enquiry_id: int, cme_share_id: int):
    enquiry = access.get_cme_enquiry_or_404(current_user, enquiry_id)
    item = access.get_cme_share_or_404(current_user, enquiry, cme_share_id)
    form = WithdrawShareForm()
    if not form.is_submitted():
        form.version.data = item.version
    elif form.validate():
        try:
            sharing.withdraw(current_user, item, form.reason.data, form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash(f"Sharing with {item.organisation.name} has been withdrawn.", "success")
            return redirect(url_for("cme.view_enquiry", enquiry_id=enquiry.id) + "#sharing", code=303)
    return render_template("cme/withdraw_share.html", enquiry=enquiry, item=item, form=form), \
        (422 if form.is_submitted() else 200)


@bp.route("/cme/shared")
@access.require("view_shared_cme")
@audit.viewing("cme_shared_enquiries_viewed", "the CME enquiries shared with an agency")
def shared_enquiries():
    def build() -> dict:
        scope = access.shared_enquiries_for(current_user).order_by(CmeEnquiry.status.desc(), CmeEnquiry.id.desc())
        enquiries = list(db.session.scalars(scope))
        return dict(open=[e for e in enquiries if e.status == EnquiryStatus.open],
                    closed=[e for e in enquiries if e.status != EnquiryStatus.open],
                    day=service.day_label, view=access.cme_view(current_user))

    return render_page("cme/shared_enquiries.html", build)


@bp.route("/cme/shared/<int:enquiry_id>")
@access.require("view_shared_cme")
@audit.viewing("cme_shared_enquiry_viewed", "a CME enquiry shared with an agency", ("CmeEnquiry", "enquiry_id"))
def view_shared_enquiry(enquiry_id: int):
    enquiry = access.get_shared_cme_enquiry_or_404(current_user, enquiry_id)
    view = access.cme_view(current_user)
    own = sharing.active_share(enquiry.id, current_user.organisation_id)
    steps = service.steps_for(enquiry.id) if view == "full" else []
    return render_template("cme/shared_enquiry.html", enquiry=enquiry, view=view, share=own, steps=steps,
                           day=service.day_label)
