"""The calendar screens: the LA's term dates and England's bank holidays (LA admins), and each
school's INSET and closure days (its staff, its named EWO and the LA)."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import access, timeutil
from portal.attendance import bp, calendar, calendar_service
from portal.attendance.calendar_forms import ClosureForm, ConfirmForm, TermForm
from portal.attendance.models import Term
from portal.errors import Refused, Saved, reads
from portal.extensions import db

PROVISIONAL_AHEAD = timedelta(days=183)  # warn when today + 6 months is past the last term entered


def _day(d) -> str:
    return f"{d:%-d %B %Y}" if d else "none"


@reads(Term)
def _term_as_saved(term: Term) -> Saved:
    return Saved("term", [("Academic year", term.academic_year), ("Term", term.name),
                          ("First day", _day(term.start_date)), ("Last day", _day(term.end_date)),
                          ("Half-term", f"{_day(term.half_term_start)} to {_day(term.half_term_end)}"
                                        if term.half_term_start else "none")],
                 url_for("attendance.edit_term", term_id=term.id))


def _apply_problems(form, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = list(field.errors) + [message]


# ----- the LA's term dates ------------------------------------------------------------------

@bp.route("/calendar")
@access.require("manage_calendar")
def calendar_page():
    la = calendar.for_la()
    ahead = timeutil.today() + PROVISIONAL_AHEAD
    holidays = calendar_service.bank_holidays()
    today = timeutil.today()
    return render_template("attendance/calendar.html", years=calendar_service.terms_by_year(),
                           last_entered=la.last_entered, provisional=la.provisional(ahead) or not la.terms,
                           ahead=ahead, holidays=[h for h in holidays if h.date.year >= today.year - 1],
                           held_until=holidays[-1].date if holidays else None)


@bp.route("/calendar/terms/new", methods=["GET", "POST"])
@access.require("manage_calendar")
def new_term():
    form = TermForm()
    if form.is_submitted():
        if form.validate():
            try:
                term = calendar_service.add_term(current_user, form.values())
            except Refused as exc:
                _apply_problems(form, exc.problems)
            else:
                flash(f"The {term.name} term {term.academic_year} has been added.", "success")
                return redirect(url_for("attendance.calendar_page"), code=303)
        return render_template("attendance/term_form.html", form=form, term=None), 422
    return render_template("attendance/term_form.html", form=form, term=None)


@bp.route("/calendar/terms/<int:term_id>", methods=["GET", "POST"])
@access.require("manage_calendar")
def edit_term(term_id: int):
    term = db.get_or_404(Term, term_id)
    form = TermForm(obj=None if request.method == "POST" else term)
    if request.method == "GET":
        form.version.data = term.version
    elif form.validate():
        try:
            calendar_service.update_term(current_user, term, form.version.data, form.values())
        except Refused as exc:
            _apply_problems(form, exc.problems)
        else:
            flash(f"The {term.name} term {term.academic_year} has been saved.", "success")
            return redirect(url_for("attendance.calendar_page"), code=303)
    return render_template("attendance/term_form.html", form=form, term=term), (422 if form.is_submitted() else 200)


@bp.route("/calendar/terms/<int:term_id>/remove", methods=["GET", "POST"])
@access.require("manage_calendar")
def remove_term(term_id: int):
    term = db.get_or_404(Term, term_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = f"{term.name} term {term.academic_year}"
        calendar_service.remove_term(current_user, term)
        flash(f"The {name} has been removed.", "success")
        return redirect(url_for("attendance.calendar_page"), code=303)
    return render_template("attendance/remove.html", form=form, back=url_for("attendance.calendar_page"),
                           title=f"Remove the {term.name} term {term.academic_year}?",
                           warning="Its days stop being school days: school weeks, rolling windows and "
                                   "deadlines are worked out again without them. The removal is kept in the "
                                   "audit log.",
                           button="Yes, remove the term"), (422 if form.is_submitted() else 200)


# ----- a school's INSET and closure days ------------------------------------------------------

@bp.route("/schools/<int:school_id>/closures")
@access.require("manage_school_closures")
def school_closures(school_id: int):
    school = access.get_school_or_404(current_user, school_id)
    return render_template("attendance/closures.html", school=school,
                           closures=calendar_service.closures_for(school.id), today=timeutil.today())


@bp.route("/schools/<int:school_id>/closures/new", methods=["GET", "POST"])
@access.require("manage_school_closures")
def new_closure(school_id: int):
    school = access.get_school_or_404(current_user, school_id)
    form = ClosureForm()
    if form.is_submitted():
        if form.validate():
            try:
                closure = calendar_service.add_closure(current_user, school.id, form.date.data, form.kind.data,
                                                       form.note.data or "")
            except Refused as exc:
                _apply_problems(form, exc.problems)
            else:
                flash(f"{_day(closure.date)} has been added as a closure day.", "success")
                return redirect(url_for("attendance.school_closures", school_id=school.id), code=303)
        return render_template("attendance/closure_form.html", form=form, school=school), 422
    return render_template("attendance/closure_form.html", form=form, school=school)


@bp.route("/schools/<int:school_id>/closures/<int:closure_id>/remove", methods=["GET", "POST"])
@access.require("manage_school_closures")
def remove_closure(school_id: int, closure_id: int):
    closure = access.get_closure_or_404(current_user, school_id, closure_id)
    back = url_for("attendance.school_closures", school_id=school_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        day = _day(closure.date)
        calendar_service.remove_closure(current_user, closure)
        flash(f"{day} is no longer a closure day.", "success")
        return redirect(back, code=303)
    return render_template("attendance/remove.html", form=form, back=back,
                           title=f"Remove the closure day on {_day(closure.date)}?",
                           warning="The day becomes a school day again for this school: marks for it are "
                                   "counted, and its week is a school week. The removal is kept in the audit log.",
                           button="Yes, remove it"), (422 if form.is_submitted() else 200)
