"""Pupil search and the pupil page."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from portal import access, audit, timeutil
from portal.attendance import amendments, calc, charts, flags, summaries
from portal.cases import referrals
from portal.cases.models import CLOSURE_REASONS
from portal.ehe import service as ehe
from portal.errors import Saved, reads
from portal.extensions import db, htmx
from portal.forms import Form
from portal.pagecache import render_page
from portal.pupils import bp, service
from portal.pupils.forms import ContactForm, PupilForm
from portal.pupils.models import Enrolment, Pupil
from portal.pupils.register import register_rows, shown_codes
from portal.pupils.upn import la_warning
from portal.pupils.weekly import chart_bars, week_rows
from portal.schoolstages import service as school_stages
from portal.schoolstages.models import STAGE_ACTIONS

RESULTS = 20


def _search(q: str):
    stmt = access.pupils_for(current_user).options(selectinload(Pupil.school))
    tokens = [t for t in q.lower().split() if t][:5]
    for token in tokens:
        stmt = stmt.where(Pupil.search_text.contains(token, autoescape=True))
    total = db.session.scalar(stmt.with_only_columns(func.count(Pupil.id)).order_by(None))
    pupils = db.session.scalars(stmt.order_by(Pupil.legal_surname, Pupil.legal_forename, Pupil.id)
                                .limit(RESULTS)).all()
    return pupils, total


@bp.route("/pupils")
@access.require("view_pupils")
@audit.viewing("pupil_search", "a search for pupils", terms=("q",), only_with_terms=True)
def search():
    q = request.args.get("q", "").strip()[:100]
    pupils, total = _search(q) if q else ([], 0)
    context = {"q": q, "pupils": pupils, "total": total, "limit": RESULTS}
    if htmx and not htmx.history_restore_request:
        return render_template("pupils/_results.html", **context)
    return render_template("pupils/search.html", **context)


@bp.route("/pupils/<int:pupil_id>")
@access.require("view_pupils")
@audit.viewing("pupil_viewed", "a pupil's page", ("Pupil", "pupil_id"))
def view(pupil_id: int):
    # one statement (a pupil has a few contacts and enrolments): all a kept page's check reads
    pupil = access.get_pupil_or_404(current_user, pupil_id, options=(
        joinedload(Pupil.school), joinedload(Pupil.contacts),
        joinedload(Pupil.enrolments).joinedload(Enrolment.school)))
    return render_page("pupils/pupil.html", lambda: _pupil_context(pupil))


def _pupil_context(pupil: Pupil) -> dict:
    summary = summaries.pupil_summary(pupil)
    register = {}
    amended: dict = {}
    calendar_weeks = []
    if summary.term:
        start, end = summary.term.start, min(summary.term.end, timeutil.today())
        register = summaries.register_for(pupil, start, end)
        amended = amendments.amendments_for(pupil.id, start, end)
        first = calc.week_start(start)
        while first <= end:
            calendar_weeks.append([first + timedelta(days=i) for i in range(5)])
            first += timedelta(days=7)
    return dict(
        pupil=pupil, summary=summary, register=register, amended=amended,
        calendar_weeks=calendar_weeks, codes=summaries.code_table(), chart=charts.weekly_chart(summary.weeks),
        calc=calc, flags=flags.flags_for(pupil.id), crossings=flags.crossings_for(pupil.id), flag_kinds=flags.KINDS,
        # the page asks only whether there is one (`already_referred`): None, else True
        referred=(referrals.is_referred(pupil.id) or None) if access.can(current_user, "refer") else None,
        record=referrals.pupil_record(current_user, pupil.id), closure_labels=dict(CLOSURE_REASONS),
        register_rows=register_rows, shown_codes=shown_codes, chart_bars=chart_bars, week_rows=week_rows,
        # the school's own stage this term (issue 17): for those who see the school's stages
        stage=school_stages.stage_of(pupil, summary=summary)
        if access.can(current_user, "view_school_stages") else None, term=summary.term, actions=STAGE_ACTIONS,
        # elective home education (issue 18): only the line that the LA knows (never the record)
        ehe_since=ehe.known_since([pupil.id]).get(pupil.id))


# ----- editing --------------------------------------------------------------------------

@reads(Pupil)
def _pupil_as_saved(pupil: Pupil) -> Saved:
    return Saved("pupil", [
        ("Legal name", pupil.legal_name), ("Preferred name", pupil.display_name),
        ("Date of birth", pupil.date_of_birth.strftime("%-d %B %Y")), ("Year group", pupil.year_label),
        ("Address", f"{pupil.address} {pupil.postcode}"),
        ("Cohorts", ", ".join(label for _, label, _ in pupil.flags) or "None"),
    ], url_for("pupils.view", pupil_id=pupil.id))


def _form_data(form: PupilForm) -> dict:
    data = {f: getattr(form, f).data for f in service.EDITABLE}
    data["nc_year"] = int(form.nc_year.data)
    data["preferred_forename"] = data["preferred_forename"] or None
    data["preferred_surname"] = data["preferred_surname"] or None
    data["postcode"] = (data["postcode"] or "").upper()
    return data


@bp.route("/pupils/<int:pupil_id>/edit", methods=["GET", "POST"])
@access.require("edit_pupils")
@audit.viewing("pupil_edit_viewed", "the form to change a pupil's details", ("Pupil", "pupil_id"))
def edit(pupil_id: int):
    pupil = access.get_pupil_or_404(current_user, pupil_id, need="edit")
    form = PupilForm(obj=None if request.method == "POST" else pupil)
    if request.method == "GET":
        form.nc_year.data = str(pupil.nc_year)
        form.version.data = pupil.version
    if form.is_submitted():
        if form.validate():
            changed = service.update_pupil(current_user, pupil, _form_data(form), form.version.data)
            flash("Changes saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("pupils.view", pupil_id=pupil_id))
        return render_template("pupils/edit.html", form=form, pupil=pupil, upn_warning=la_warning(pupil.upn)), 422
    return render_template("pupils/edit.html", form=form, pupil=pupil, upn_warning=la_warning(pupil.upn))


@bp.route("/pupils/<int:pupil_id>/contacts", methods=["GET", "POST"])
@access.require("edit_pupils")
@audit.viewing("contact_form_viewed", "a pupil's contact forms", ("Pupil", "pupil_id"))
def add_contact(pupil_id: int):
    pupil = access.get_pupil_or_404(current_user, pupil_id, need="edit")
    form = ContactForm()
    if form.is_submitted():
        if form.validate():
            service.add_contact(current_user, pupil, {
                "name": form.name.data, "relationship_to_pupil": form.relationship_to_pupil.data or "",
                "phone": form.phone.data or "", "email": form.email.data or "",
                "parental_responsibility": form.parental_responsibility.data})
            flash(f"{form.name.data} has been added as a contact.", "success")
            return redirect(url_for("pupils.view", pupil_id=pupil_id) + "#contacts")
        return render_template("pupils/contact.html", form=form, pupil=pupil), 422
    return render_template("pupils/contact.html", form=form, pupil=pupil)


@bp.route("/pupils/<int:pupil_id>/contacts/<int:contact_id>/remove", methods=["GET", "POST"])
@access.require("edit_pupils")
@audit.viewing("contact_form_viewed", "a pupil's contact forms", ("Pupil", "pupil_id"))
def remove_contact(pupil_id: int, contact_id: int):
    pupil = access.get_pupil_or_404(current_user, pupil_id, need="edit")
    contact = next((c for c in pupil.contacts if c.id == contact_id), None)
    if contact is None:
        abort(404)
    form = Form()
    if form.validate_on_submit():
        name = contact.name
        service.remove_contact(current_user, pupil, contact)
        flash(f"{name} has been removed from the contacts.", "success")
        return redirect(url_for("pupils.view", pupil_id=pupil_id) + "#contacts")
    return render_template("pupils/remove_contact.html", form=form, pupil=pupil, contact=contact)
