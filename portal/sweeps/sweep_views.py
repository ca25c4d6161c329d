"""Sweeps: the list, a new sweep, the sweep page, and the reports."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import access, audit, disclosure, timeutil
from portal.csvutil import csv_response
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import shows_errors
from portal.orgs.models import Organisation, OrgKind, User
from portal.pagecache import render_page
from portal.pagination import WindowPage, page_links, paginate
from portal.params import date_arg, to_int
from portal.sweeps import bp, reports, service
from portal.sweeps.forms import SweepEditForm, SweepForm
from portal.sweeps.models import LABELS, Encounter, Sweep
from portal.urls import link_parts


@bp.route("/sweeps")
@access.require("view_sweeps")
def list_sweeps():
    def build() -> dict:
        stmt = (access.sweeps_for(current_user).options(selectinload(Sweep.lead))
                .order_by(Sweep.held_on.desc(), Sweep.id.desc()))
        page = paginate(stmt)
        ids = [s.id for s in page.items]
        found = dict(db.session.execute(
            access.encounters_for(current_user).with_only_columns(Encounter.sweep_id, func.count())
            .where(Encounter.sweep_id.in_(ids)).group_by(Encounter.sweep_id)).all()) if ids else {}
        exact = access.can(current_user, "view_exact_figures")
        counts = {i: disclosure.count(found.get(i, 0), exact=exact) for i in ids}
        return dict(page=page, pages=page_links(page), counts=counts,
                    partial_view=access.sees_some_encounters_only(current_user),
                    can_record=access.can(current_user, "record_sweeps"),
                    can_match=access.can(current_user, "match_encounters"))

    return render_page("sweeps/sweeps.html", build)


def _people_choices():
    people = db.session.scalars(access.sweep_officers()).all()
    return [(str(u.id), f"{u.name} ({u.organisation.name})") for u in people]


def _agency_choices():
    orgs = db.session.scalars(select(Organisation).where(Organisation.kind != OrgKind.school,
                                                         Organisation.active.is_(True))
                              .order_by(Organisation.kind, Organisation.name)).all()
    return [(str(o.id), o.name) for o in orgs]


@bp.route("/sweeps/new", methods=["GET", "POST"])
@access.require("record_sweeps")
def new_sweep():
    form = SweepForm()
    people = _people_choices()
    form.lead_id.choices = [("", "Select the lead officer")] + people
    form.officers.choices = people
    form.agencies.choices = _agency_choices()
    if request.method == "GET":
        form.held_on.data = timeutil.today()
        if access.can(current_user, "take_part_in_sweeps"):
            form.lead_id.data = str(current_user.id)
        form.agencies.data = [str(current_user.organisation_id)]
    elif form.validate():
        lead, officers, agencies = _team(form)
        try:
            sweep = service.create_sweep(current_user, held_on=form.held_on.data, starts_at=form.starts_at.data,
                                         ends_at=form.ends_at.data, area=form.area.data, lead=lead,
                                         officers=list(officers), agencies=list(agencies),
                                         notes=form.notes.data or "")
        except Refused as exc:
            db.session.rollback()
            for field, message in exc.problems.items():
                getattr(form, field).errors.append(message)
        else:
            flash("The sweep has been created. Record each child you meet.", "success")
            return redirect(url_for("sweeps.view_sweep", sweep_id=sweep.id), code=303)
    return render_template("sweeps/sweep_form.html", form=form), (422 if form.is_submitted() else 200)


def _team(form) -> tuple[User | None, list[User], list[Organisation]]:
    lead = db.session.get(User, to_int(form.lead_id.data)) if to_int(form.lead_id.data) is not None else None
    officer_ids = [to_int(v) for v in form.officers.data or [] if to_int(v)]
    agency_ids = [to_int(v) for v in form.agencies.data or [] if to_int(v)]
    officers = db.session.scalars(select(User).where(User.id.in_(officer_ids))).all() if officer_ids else []
    agencies = db.session.scalars(select(Organisation).where(Organisation.id.in_(agency_ids))).all() \
        if agency_ids else []
    return lead, list(officers), list(agencies)


@bp.route("/sweeps/<int:sweep_id>/edit", methods=["GET", "POST"])
@access.require("edit_sweeps")
def edit_sweep(sweep_id: int):
    """The lead changes the date, window, area or team (versioned: a stale form is a 409)."""
    sweep = access.get_sweep_or_404(current_user, sweep_id, need="edit")
    form = SweepEditForm()
    people = _people_choices()
    form.lead_id.choices = [("", "Select the lead officer")] + people
    form.officers.choices = people
    form.agencies.choices = _agency_choices()
    if request.method == "GET":
        form.held_on.data, form.starts_at.data, form.ends_at.data = sweep.held_on, sweep.starts_at, sweep.ends_at
        form.area.data, form.notes.data, form.lead_id.data = sweep.area, sweep.notes, str(sweep.lead_id)
        form.officers.data = [str(o.user_id) for o in sweep.officers if o.user_id != sweep.lead_id]
        form.agencies.data = [str(a.organisation_id) for a in sweep.agencies]
        form.version.data = sweep.version
    elif form.validate():
        lead, officers, agencies = _team(form)
        try:
            service.edit_sweep(current_user, sweep, form.version.data, held_on=form.held_on.data,
                               starts_at=form.starts_at.data, ends_at=form.ends_at.data, area=form.area.data,
                               lead=lead, officers=officers, agencies=agencies, notes=form.notes.data or "")
        except Refused as exc:
            db.session.rollback()
            for field, message in exc.problems.items():
                getattr(form, field).errors.append(message)
        else:
            flash("The sweep has been changed.", "success")
            return redirect(url_for("sweeps.view_sweep", sweep_id=sweep_id), code=303)
    return render_template("sweeps/sweep_form.html", form=form, sweep=sweep), (422 if form.is_submitted() else 200)


@reads(Sweep)
def _sweep_as_saved(sweep: Sweep) -> Saved:
    return Saved("sweep", [("Date", sweep.held_on.strftime("%-d %B %Y")), ("Time", sweep.window),
                           ("Area", sweep.area), ("Lead", sweep.lead.name if sweep.lead else None)],
                 url_for("sweeps.view_sweep", sweep_id=sweep.id))


@bp.route("/sweeps/<int:sweep_id>")
@access.require("view_sweeps")
@audit.viewing("sweep_viewed", "a sweep and the children met on it", ("Sweep", "sweep_id"), terms=("page",))
def view_sweep(sweep_id: int):
    sweep = access.get_sweep_or_404(current_user, sweep_id)

    def build() -> dict:
        stmt = (access.encounters_for(current_user).where(Encounter.sweep_id == sweep.id)
                .options(selectinload(Encounter.school), selectinload(Encounter.follow_up))
                .order_by(Encounter.seen_at.desc(), Encounter.id.desc()))
        page = WindowPage(stmt, entities=True)
        lead_name, people_names, agency_names = service.sweep_team(sweep)
        return dict(sweep=sweep, page=page, pages=page_links(page),
                    partial_view=access.sees_some_encounters_only(current_user),
                    lead_name=lead_name, people_names=people_names, agency_names=agency_names, labels=LABELS,
                    figures=reports.Shown(_figures(sweep), access.can(current_user, "view_exact_figures")),
                    can_record=access.can(current_user, "record_sweeps", sweep),
                    can_edit=access.can(current_user, "edit_sweeps", sweep),
                    can_match=access.can(current_user, "match_encounters"), today=timeutil.today(),
                    encounter_href=link_parts("sweeps.view_encounter", "encounter_id"))

    return render_page("sweeps/sweep.html", build)


def _figures(sweep: Sweep) -> reports.Figures:
    encounters, followups = access.sweep_figure_scope(current_user)
    return reports.sweep_figures(sweep, timeutil.today(), encounters=encounters, followups=followups)


def _report(start: date | None, end: date | None) -> reports.Report:
    encounters, followups = access.sweep_figure_scope(current_user)
    return reports.build(access.sweeps_for(current_user), start, end, timeutil.today(), encounters=encounters,
                         followups=followups)


def _period() -> tuple[date | None, date | None, list[tuple[str, str]]]:
    from portal.attendance.summaries import periods

    errors = []
    values: dict[str, date | None] = {}
    for key in ("from", "to"):
        problems: dict[str, str] = {}
        value = date_arg(key, errors=problems, subject=f"The ‘{key}’ date",
                         message=f"Enter the ‘{key}’ date like 2026-09-01, from {{min}} to {{max}}")
        if value:
            values[key] = value
        if problems:
            errors.append((f"#{key}-day", problems[key]))
    today = timeutil.today()
    if not request.args.get("from") and "from" not in values:
        _, year = periods(today)
        values["from"] = year.start if year else None
    if not request.args.get("to") and "to" not in values:
        values["to"] = today
    start, end = values.get("from"), values.get("to")
    if start and end and end < start:
        errors.append(("#to-day", "The ‘to’ date must be on or after the ‘from’ date"))
    return start, end, shows_errors(errors)


@bp.route("/sweeps/reports")
@access.require("view_sweeps")
def report():
    start, end, errors = _period()
    exact = access.can(current_user, "view_exact_figures")
    result = _report(start, end) if not errors else None
    return render_template("sweeps/report.html", report=result and result.shown(exact), start=start, end=end,
                           errors=errors, raw=request.args, exact=exact,
                           partial_view=access.sees_some_encounters_only(current_user)), (422 if errors else 200)


@bp.route("/sweeps/reports.csv")
@access.require("view_sweeps")
def report_csv():
    start, end, errors = _period()
    if errors:
        return render_template("sweeps/report.html", report=None, start=start, end=end, errors=errors,
                               raw=request.args, exact=access.can(current_user, "view_exact_figures"),
                               partial_view=access.sees_some_encounters_only(current_user)), 422
    result = _report(start, end)
    name = f"sweeps-{start.isoformat() if start else 'all'}-to-{end.isoformat() if end else 'now'}.csv"
    exact = access.can(current_user, "view_exact_figures")
    return csv_response(name, reports.csv_header(exact), list(reports.csv_rows(result, exact)))
