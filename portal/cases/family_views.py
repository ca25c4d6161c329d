"""The whole family on a case (issue 14.11): adding and removing siblings of a whole-family
case, and changing the case's lead professional (any practitioner of the partnership)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import access, audit
from portal.cases import bp, family, service
from portal.cases.case_views import case_page_context
from portal.cases.forms import FamilyChildForm, LeadForm
from portal.cases.models import Case
from portal.errors import Refused
from portal.extensions import db
from portal.forms import shows_errors
from portal.orgs.models import User
from portal.pupils.models import Pupil


def _family_refused(case: Case, exc: Refused):
    db.session.rollback()
    message = next(iter(exc.problems.values()), exc.message) if exc.problems else exc.message
    context = case_page_context(case, problem=shows_errors(exc.message), problem_href="#family",
                                family_problem=message)
    return render_template("cases/case.html", **context), 422


def _to_family(case: Case):
    return redirect(url_for("cases.view_case", case_id=case.id) + "#family", code=303)


@bp.route("/cases/<int:case_id>/family", methods=["POST"])
@access.require("lead_cases")
@audit.viewing("case_viewed", "a case", ("Case", "case_id"))
def add_family_child(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    form = FamilyChildForm()
    if not form.validate():
        return _family_refused(case, Refused("Choose a sibling to add.", {"pupil_id": "Choose a sibling"}))
    pupil = db.session.get(Pupil, form.pupil_id.data)
    try:
        if pupil is None:
            raise Refused("Choose a brother or sister of the child.", {"pupil_id": "Choose a sibling"})
        family.add_child(current_user, case, pupil)
    except Refused as exc:
        return _family_refused(case, exc)
    flash(f"{pupil.display_name} is now covered by this whole-family case.", "success")
    return _to_family(case)


@bp.route("/cases/<int:case_id>/family/remove", methods=["POST"])
@access.require("lead_cases")
@audit.viewing("case_viewed", "a case", ("Case", "case_id"))
def remove_family_child(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    form = FamilyChildForm()
    if not form.validate():
        return _family_refused(case, Refused("Choose a child the case covers.", {"pupil_id": "Choose a child"}))
    try:
        family.remove_child(current_user, case, form.pupil_id.data, form.reason.data or "")
    except Refused as exc:
        return _family_refused(case, exc)
    flash("The child is no longer covered by this whole-family case.", "success")
    return _to_family(case)


def lead_choices(roles: tuple[str, ...] = access.PRACTITIONER_ROLES, named_ewo_id: int | None = None
                 ) -> list[tuple[str, str]]:
    """The pick-list of a lead professional: every active practitioner (the school's named EWO marked)."""
    return [(str(u.id), f"{u.name} – {access.role_label(u.role)}, {u.organisation.name}"
             + (" (named EWO)" if u.id == named_ewo_id else ""))
            for u in db.session.scalars(access.practitioners(roles))]


@bp.route("/cases/<int:case_id>/lead", methods=["GET", "POST"])
@access.require("lead_cases")
@audit.viewing("case_lead_form_viewed", "the form to change a case's lead", ("Case", "case_id"))
def change_lead(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    if case.is_closed:
        abort(409)
    form = LeadForm()
    form.lead_id.choices = [("", "Select a practitioner")] + lead_choices()
    if request.method == "GET":
        form.version.data = case.version
        form.lead_id.data = str(case.lead_id)
    elif form.validate():
        lead = db.session.scalar(access.practitioners().where(User.id == int(form.lead_id.data)))
        try:
            if lead is None:
                raise Refused("Select a practitioner.", {"lead_id": "Select a practitioner"})
            service.set_lead(current_user, case, lead, form.version.data, share_with_police=bool(form.police.data))
        except Refused as exc:
            db.session.rollback()
            form.lead_id.errors = [*form.lead_id.errors, next(iter(exc.problems.values()), exc.message)
                                   if exc.problems else exc.message]
        else:
            flash(f"{lead.name} is now the lead professional.", "success")
            return redirect(url_for("cases.view_case", case_id=case.id), code=303)
    return render_template("cases/lead.html", case=case, form=form), (422 if form.is_submitted() else 200)
