"""Formal steps on a case: add one (support first), see it, change its details or status,
extend an order, agree a contract's actions; the list the LA picture links to."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import access, audit
from portal.cases import service as cases
from portal.cases.models import Action, Case
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.formal_steps import bp, rules, service
from portal.formal_steps.forms import FORMS, ExtensionForm, StatusForm, StepActionForm
from portal.formal_steps.models import FormalStep, StepKind, StepStatus
from portal.forms import shows_errors
from portal.orgs.models import Organisation, User
from portal.params import to_int
from portal.pupils.models import Pupil
from portal.statements import built_once


@reads(FormalStep)
def _step_as_saved(step: FormalStep) -> Saved:
    rows = [("Status", step.status.label), ("Start", step.starts_on), ("End", step.ends_on),
            ("Next review", step.next_review)]
    if step.is_order:
        rows += [("Applied", step.applied_on), ("Hearing", step.hearing_on)]
    if step.is_prosecution:
        rows += [("Section", step.section), ("First hearing", step.hearing_on), ("Outcome", step.outcome)]
    return Saved("step", rows, url_for("formal_steps.view_step", case_id=step.case_id, step_id=step.id))


# ----- what the case page and the LA picture ask for (template globals) ------------------------

@bp.app_template_global()
def formal_steps_on(case: Case, records=None) -> list[FormalStep] | None:
    """The case's steps for the case page; None: the user does not see steps (the police).
    `records`: the case's kinds of record, when known (`cases.service.records_on_case`)."""
    if not access.sees_formal_steps(current_user, case):
        return None
    from portal.cases.service import may_have

    if not may_have(records, "steps"):
        return []
    return list(db.session.scalars(_steps_of_case(), {"case_id": case.id}))


@built_once
def _steps_of_case():  # noqa: ANN202 - a statement
    return (select(FormalStep).where(FormalStep.case_id == bindparam("case_id"))
            .options(joinedload(FormalStep.supervisor)).order_by(FormalStep.id))


@bp.app_template_global()
def formal_step_headlines() -> list[tuple[str, int, dict]]:
    """The LA picture's rows: (label, count, the list's arguments) over the cases in the user's scope."""
    from portal.formal_steps.dashboard import counts, headline_rows

    return headline_rows(counts(current_user))


# ----- helpers --------------------------------------------------------------------------------

def _step_url(step: FormalStep, anchor: str = "") -> str:
    return url_for("formal_steps.view_step", case_id=step.case_id, step_id=step.id) + anchor


def _show(form, exc: Refused, aliases: dict[str, str] | None = None) -> None:
    for field, message in exc.problems.items():
        target = getattr(form, (aliases or {}).get(field, field), None)
        if field == "kind":  # support first: the whole message says what to do
            form.form_errors.append(exc.message)
        elif target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]
    if not exc.problems:
        form.form_errors.append(exc.message)


def _details_form(kind: StepKind, case: Case, step: FormalStep | None = None):
    form = FORMS[kind](obj=step if request.method == "GET" else None)
    if hasattr(form, "supervisor_id"):
        form.supervisor_id.choices = [("", "Not yet named")] + [
            (str(u.id), f"{u.name}, {u.organisation.name}")
            for u in db.session.scalars(access.practitioners((access.EWO,)))]
        if request.method == "GET" and step is not None:
            form.supervisor_id.data = str(step.supervisor_id or "")
    if request.method == "GET" and step is not None:
        form.version.data = step.version
    return form


def _data(form, kind: StepKind) -> dict:
    data = {}
    for field in service.fields_of(kind):
        value = getattr(form, field).data
        if field == "supervisor_id":
            value = to_int(value) if value else None
            if value is not None and db.session.get(User, value) is None:
                value = None
        data[field] = value
    return data


# ----- add and change -------------------------------------------------------------------------

@bp.route("/cases/<int:case_id>/formal-steps/new", methods=["GET", "POST"])
@access.require("view_cases")
@audit.viewing("formal_step_form_viewed", "the form of a formal step", ("Case", "case_id"))
def new_step(case_id: int):
    case = access.get_case_for_steps_or_404(current_user, case_id, need="manage")
    kind = StepKind.get(request.args.get("kind", ""))
    evidence = cases.support_evidence(case)
    if kind is None:
        error = shows_errors("Select the kind of step" if request.method == "POST" or "kind" in request.args
                             else None)
        return render_template("formal_steps/choose.html", case=case, kinds=list(StepKind), error=error,
                               evidence=evidence), (422 if error else 200)
    form = _details_form(kind, case)
    if request.method == "POST" and form.validate():
        try:
            step = service.create_step(current_user, case, kind, _data(form, kind))
        except Refused as exc:
            _show(form, exc)
        else:
            flash(f"The {kind.label.lower()} has been added to the case.", "success")
            return redirect(_step_url(step), code=303)
    return render_template("formal_steps/form.html", case=case, kind=kind, form=form, step=None,
                           evidence=evidence), (422 if request.method == "POST" else 200)


@bp.route("/cases/<int:case_id>/formal-steps/<int:step_id>/edit", methods=["GET", "POST"])
@access.require("view_cases")
@audit.viewing("formal_step_form_viewed", "the form of a formal step", ("Case", "case_id"))
def edit_step(case_id: int, step_id: int):
    case = access.get_case_for_steps_or_404(current_user, case_id, need="manage")
    step = access.get_formal_step_or_404(current_user, case, step_id, need="manage")
    form = _details_form(step.kind, case, step)
    if request.method == "POST" and form.validate():
        further = form.further_hearing.data if hasattr(form, "further_hearing") else None
        try:
            service.update_step(current_user, step, _data(form, step.kind), form.version.data, further_hearing=further)
        except Refused as exc:
            _show(form, exc)
        else:
            flash(f"The {step.label.lower()} has been saved.", "success")
            return redirect(_step_url(step), code=303)
    return render_template("formal_steps/form.html", case=case, kind=step.kind, form=form, step=step,
                           evidence=None), (422 if request.method == "POST" else 200)


@bp.route("/cases/<int:case_id>/formal-steps/<int:step_id>/status", methods=["GET", "POST"])
@access.require("view_cases")
@audit.viewing("formal_step_form_viewed", "the form of a formal step", ("Case", "case_id"))
def change_status(case_id: int, step_id: int):
    case = access.get_case_for_steps_or_404(current_user, case_id, need="manage")
    step = access.get_formal_step_or_404(current_user, case, step_id, need="manage")
    form = StatusForm()
    form.status.choices = [(s.value, s.label) for s in rules.next_statuses(step.kind, step.status)]
    if request.method == "GET":
        form.version.data = step.version
    elif form.validate():
        try:
            service.change_status(current_user, step, form.status.data, form.version.data, on=form.on.data,
                                  note=form.note.data or "")
        except Refused as exc:
            _show(form, exc)
        else:
            flash(f"The {step.label.lower()} is now {step.status.label.lower()}.", "success")
            return redirect(_step_url(step), code=303)
    return render_template("formal_steps/status.html", case=case, step=step, form=form), \
        (422 if request.method == "POST" else 200)


@bp.route("/cases/<int:case_id>/formal-steps/<int:step_id>/extensions", methods=["GET", "POST"])
@access.require("view_cases")
@audit.viewing("formal_step_form_viewed", "the form of a formal step", ("Case", "case_id"))
def extend_order(case_id: int, step_id: int):
    case = access.get_case_for_steps_or_404(current_user, case_id, need="manage")
    step = access.get_formal_step_or_404(current_user, case, step_id, need="manage")
    if not step.is_order:
        abort(404)
    form = ExtensionForm()
    if request.method == "GET":
        form.version.data = step.version
    elif form.validate():
        try:
            service.extend_order(current_user, step, form.new_end.data, form.granted_on.data, form.version.data)
        except Refused as exc:
            _show(form, exc)
        else:
            flash(f"The order now ends on {step.ends_on.strftime('%-d %B %Y')}.", "success")
            return redirect(_step_url(step), code=303)
    return render_template("formal_steps/extension.html", case=case, step=step, form=form,
                           latest=rules.add_years(step.ends_on, 3) if step.ends_on else None), \
        (422 if request.method == "POST" else 200)


# ----- a step's page and its agreed actions ----------------------------------------------------

def _action_form(case: Case, formdata=None) -> StepActionForm:
    form = StepActionForm(formdata=formdata)
    form.owner.choices = [("", "Select an owner")] + cases.action_owner_choices(case)
    return form


def _owner(value: str):
    kind, _, raw = (value or "").partition(":")
    ident = to_int(raw)
    if ident is None:
        return None, None
    if kind == "user":
        return db.session.get(User, ident), None
    if kind == "org":
        return None, db.session.get(Organisation, ident)
    return None, None


def _step_page(case: Case, step: FormalStep, action_form=None, status: int = 200):
    actions = db.session.scalars(select(Action).where(Action.formal_step_id == step.id)
                                 .order_by(Action.due_date, Action.id)).all()
    manage = access.can(current_user, "manage_formal_steps", case) and not case.is_closed
    if action_form is None and manage and step.is_contract:
        action_form = _action_form(case)
    return render_template("formal_steps/step.html", case=case, step=step, actions=actions, manage=manage,
                           action_form=action_form, next_statuses=rules.next_statuses(step.kind, step.status)), status


@bp.route("/cases/<int:case_id>/formal-steps/<int:step_id>")
@access.require("view_cases")
@audit.viewing("formal_step_viewed", "a formal step of a case", ("Case", "case_id"))
def view_step(case_id: int, step_id: int):
    case = access.get_case_for_steps_or_404(current_user, case_id)
    return _step_page(case, access.get_formal_step_or_404(current_user, case, step_id))


@bp.route("/cases/<int:case_id>/formal-steps/<int:step_id>/actions", methods=["POST"])
@access.require("view_cases")
@audit.viewing("formal_step_viewed", "a formal step of a case", ("Case", "case_id"))
def add_step_action(case_id: int, step_id: int):
    case = access.get_case_for_steps_or_404(current_user, case_id, need="manage")
    step = access.get_formal_step_or_404(current_user, case, step_id, need="manage")
    form = _action_form(case, request.form)
    if form.validate():
        owner_user, owner_org = _owner(form.owner.data)
        try:
            service.add_agreed_action(current_user, step, form.description.data, form.due_date.data,
                                      owner_user=owner_user, owner_org=owner_org)
        except Refused as exc:
            _show(form, exc, {"owner": "owner"})
        else:
            flash("The agreed action has been added to the case and its owner told.", "success")
            return redirect(_step_url(step, "#agreed-actions"), code=303)
    elif not form.errors:
        form.form_errors.append("Check the action")
    return _step_page(case, step, form, 422)


# ----- the list behind the LA picture's counts ----------------------------------------------------

@bp.route("/formal-steps")
@access.require("view_formal_steps")
@audit.viewing("formal_step_list_viewed", "a list of formal steps", terms=("kind", "status"))
def list_steps():
    stmt = (access.formal_steps_for(current_user)
            .options(selectinload(FormalStep.case).selectinload(Case.pupil).selectinload(Pupil.school))
            .order_by(FormalStep.kind, FormalStep.status, FormalStep.id))
    kinds = [k for k in map(StepKind.get, request.args.getlist("kind")[:10]) if k is not None]
    statuses = [s for s in map(StepStatus.get, request.args.getlist("status")[:20]) if s is not None]
    if kinds:
        stmt = stmt.where(FormalStep.kind.in_(kinds))
    if statuses:
        stmt = stmt.where(FormalStep.status.in_(statuses))
    steps = db.session.scalars(stmt.limit(500)).all()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return render_template("formal_steps/list.html", steps=steps, total=total, chosen_kinds=kinds,
                           chosen_statuses=statuses)
