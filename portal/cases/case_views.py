"""Cases: the list, the case page, and the lead's changes to it."""
from __future__ import annotations

from functools import lru_cache

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Integer, bindparam, exists, func, or_, select
from sqlalchemy.orm import joinedload

from portal import access, audit
from portal.cases import bp, caseload, service
from portal.cases.action_rows import action_rows
from portal.cases.chronology import chronology_items
from portal.cases.forms import ActionForm, CaseUpdateForm, CloseForm, EntryForm, ReasonForm, ShareForm, WithdrawForm
from portal.cases.models import (
    CHRONOLOGY_KINDS,
    CLOSURE_REASONS,
    NOT_APPROPRIATE_REASONS,
    Action,
    ActionStatus,
    Case,
    CaseShare,
    CaseStatus,
    ChronologyEntry,
    Stage,
)
from portal.errors import Refused, Saved, reads
from portal.extensions import db, htmx
from portal.forms import shows_errors
from portal.orgs.models import Organisation, User
from portal.pagecache import render_page
from portal.pagination import WindowPage, page_links
from portal.params import int_arg
from portal.pupils.models import COHORT_FLAGS, Pupil
from portal.statements import built_once
from portal.timeutil import today
from portal.urls import link_parts

SORTS = {
    "review": (Case.next_review.is_(None), Case.next_review, Case.id),
    "opened": (Case.opened_at.desc(), Case.id.desc()),
    "name": (Pupil.legal_surname, Pupil.legal_forename, Case.id),
}
# The list's status filter: active (open or monitoring, the default), one state, or all.
STATUS_FILTERS = [("active", "Open or monitoring"), *((s.value, s.label) for s in CaseStatus), ("all", "All")]


@bp.route("/cases")
@access.require("view_cases")
@audit.viewing("case_list_viewed", "a list of cases",
               terms=("status", "mine", "school", "stage", "cohort", "overdue", "sort", "page"))
def list_cases():
    if htmx and htmx.target == "case-list" and not htmx.history_restore_request:
        return render_template("cases/_case_list.html", **_caseload_context())
    return render_page("cases/cases.html", _caseload_context)


def _caseload_context():  # noqa: ANN202 - (the window page holds rows, then case rows)
    args = request.args
    stmt = caseload.rows_select(access.cases_for(current_user))
    status = args.get("status", "active")
    if status == "active":
        stmt = stmt.where(Case.status != CaseStatus.closed)
    elif (state := CaseStatus.get(status)) is not None:
        stmt = stmt.where(Case.status == state)
    if args.get("mine") == "1":
        stmt = stmt.where(Case.lead_id == current_user.id)
    school = int_arg("school")
    if school is not None:
        stmt = stmt.where(Pupil.school_id == school)
    stage = int_arg("stage")
    if stage is not None:
        stmt = stmt.where(Case.stage_id == stage)
    cohort = args.get("cohort", "")
    police = access.restricted_view(current_user)
    if cohort in {f for f, _, _ in COHORT_FLAGS} and not police:  # the police see no cohort detail
        stmt = stmt.where(getattr(Pupil, cohort).is_(True))
    if args.get("overdue") == "1":
        overdue_action = exists().where(Action.case_id == Case.id, Action.status == ActionStatus.open,
                                        Action.due_date < today())
        stmt = stmt.where(or_(overdue_action, Case.next_review < today()))
    sort = args.get("sort", "review")
    stmt = stmt.order_by(*SORTS.get(sort, SORTS["review"]))
    page = WindowPage(stmt)
    page.items = rows = caseload.case_rows(page.items)
    case_ids = [c.id for c in rows]
    overdue = dict(db.session.execute(
        select(Action.case_id, func.count()).where(Action.case_id.in_(case_ids), Action.status == ActionStatus.open,
                                                   Action.due_date < today()).group_by(Action.case_id)).all()
    ) if case_ids else {}
    return dict(page=page, pages=page_links(page), args=args, status=status, status_filters=STATUS_FILTERS,
                   sort=sort, overdue=overdue, case_href=link_parts("cases.view_case", "case_id"),
                   schools=db.session.execute(access.schools_for(current_user)
                                              .with_only_columns(Organisation.id, Organisation.name)).all(),
                   stages=db.session.execute(select(Stage.id, Stage.name).order_by(Stage.position)).all(),
                   cohorts=[] if police else COHORT_FLAGS, today=today(),
                   # the police see no attendance figures
                   trends=None if police else caseload.attendance_trends(rows), case_rows_html=caseload.list_rows)


CHRONOLOGY_PAGE = 50  # entries shown at a time, newest first; "Show more" adds the next ones
MAX_CHRONOLOGY_PAGE = 10_000


def _chronology(case: Case, kind: str = "", agency: int | None = None, *, page: int = 1,
                only_page: bool = False, visible=None) -> tuple[list[ChronologyEntry], bool]:
    """The entries the user may see, newest first: the first `page` pages (the page, without
    JavaScript), or `only_page` the entries of page `page` alone (what "Show more" appends).
    Also whether there are more. `visible`: `access.chronology_statement` for the user, when made
    already."""
    base, params = visible or access.chronology_statement(current_user, case)
    by_kind, by_agency = kind in dict(CHRONOLOGY_KINDS), agency is not None
    start = (page - 1) * CHRONOLOGY_PAGE if only_page else 0
    size = CHRONOLOGY_PAGE if only_page else page * CHRONOLOGY_PAGE
    params = {**params, "offset": start, "limit": size + 1}
    if by_kind:
        params["kind"] = kind
    if by_agency:
        params["agency"] = agency
    rows = db.session.scalars(_entries_statement(base, by_kind, by_agency), params).all()
    return list(rows[:size]), len(rows) > size


@lru_cache(maxsize=64)
def _entries_statement(visible, by_kind: bool, by_agency: bool):  # noqa: ANN001, ANN202 - statements
    """A page of the entries of `visible` (an `access.chronology_statement`), newest first,
    filtered by kind and by agency or not: built once each (the values are parameters)."""
    stmt = (visible
            .options(joinedload(ChronologyEntry.author), joinedload(ChronologyEntry.organisation),
                     joinedload(ChronologyEntry.document))
            .order_by(ChronologyEntry.occurred_at.desc(), ChronologyEntry.id.desc()))
    if by_kind:
        stmt = stmt.where(ChronologyEntry.kind == bindparam("kind"))
    if by_agency:
        stmt = stmt.where(ChronologyEntry.organisation_id == bindparam("agency"))
    return stmt.offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer))


def _chronology_agencies(case: Case, visible=None) -> set:
    """The organisations that wrote entries the user may see (for the filter), whatever is shown.
    `visible`: `access.chronology_statement` for the user, when made already."""
    base, params = visible or access.chronology_statement(current_user, case)
    return set(db.session.scalars(_agencies_statement(base), params))


@lru_cache(maxsize=64)
def _agencies_statement(visible):  # noqa: ANN001, ANN202 - statements
    return select(Organisation).where(Organisation.id.in_(visible.with_only_columns(ChronologyEntry.organisation_id)))


@built_once
def _actions_of_case():
    return (select(Action).where(Action.case_id == bindparam("case_id"))
            .options(joinedload(Action.owner_user).joinedload(User.organisation), joinedload(Action.owner_org))
            .order_by(Action.status != ActionStatus.open, Action.due_date, Action.id))


@built_once
def _shares_of_case():
    return (select(CaseShare).where(CaseShare.case_id == bindparam("case_id"))
            .options(joinedload(CaseShare.organisation)).order_by(CaseShare.id))


@built_once
def _stages():
    return select(Stage).order_by(Stage.position)


def _chronology_context(case: Case, view: str, lead: bool) -> dict:
    """What the chronology (`cases/_chronology.html`) shows: the entries the user may see (the
    first `page` pages, filtered), whether there are more, and the filters. Also `visible`, the
    user's chronology statement, for the agency filter."""
    kind, agency = request.args.get("kind", ""), int_arg("agency")
    page = int_arg("page", max=MAX_CHRONOLOGY_PAGE, default=1, clamp=True) or 1
    visible = access.chronology_statement(current_user, case)  # the entries and the agency filter
    entries, more = _chronology(case, kind, agency, page=page, visible=visible)
    reasons = dict(NOT_APPROPRIATE_REASONS)
    return dict(case=case, view=view, lead=lead, entries=entries, chronology_page=page, chronology_more=more,
                kinds=CHRONOLOGY_KINDS, kind=kind, agency="" if agency is None else str(agency),
                not_appropriate_reasons=reasons, visible=visible,
                entries_html=chronology_items(entries, case, view, lead, CHRONOLOGY_KINDS, reasons, current_user.id))


def case_page_context(case: Case, **extra):
    view = access.case_view(current_user)
    lead = access.can_lead(current_user, case)
    context = _chronology_context(case, view, lead)
    visible = context.pop("visible")
    records = service.records_on_case(case)
    actions = db.session.scalars(_actions_of_case(), {"case_id": case.id}).all()
    shares = db.session.scalars(_shares_of_case(), {"case_id": case.id}).all()
    agencies = _chronology_agencies(case, visible) | {s.organisation for s in shares}
    stages = db.session.scalars(_stages()).all()
    is_open = not case.is_closed
    # the forms are made only where the page shows them (and the view's own, with what was posted, win)
    context.update(
        actions=actions, shares=shares, agencies=sorted(agencies, key=lambda o: o.name), today=today(),
        closure_reasons=dict(CLOSURE_REASONS),
        entry_form=EntryForm(formdata=None, prefix="entry") if is_open and "entry_form" not in extra else None,
        action_form=new_action_form(case, shares=shares) if (
            is_open and "action_form" not in extra and access.can(current_user, "add_action", case)) else None,
        update_form=_update_form(case, stages) if lead and is_open and "update_form" not in extra else None,
        can_update=lambda a: access.can_update_action(current_user, a),
        actions_html=action_rows(actions, today(), lambda a: access.can_update_action(current_user, a)),
        # shown to the lead alone, on an open case (the change of stage)
        support_evidence=service.support_evidence(case) if lead and is_open else [],
        case_records=records)
    if view != "police":
        from portal.attendance.summaries import pupil_summary
        from portal.cases.stages import suggested_stage

        summary = pupil_summary(case.pupil)
        context["case_attendance_now"] = summary.year_totals.percent_text
        context["suggested"], context["days_absent"] = suggested_stage(case.pupil, summary=summary, stages=stages)
    from portal.cases.family import family_view

    context["family"] = family_view(current_user, case, records)
    # the completed dip-sample audits of the case, for its lead professional (issue 17)
    context["case_audits"] = access.completed_audits_of_case(current_user, case)
    if access.panel_history_visible(current_user, case):
        from portal.panels.service import history_for_case

        context["panel_history"] = history_for_case(case) if service.may_have(records, "panel") else []
    context.update(extra)
    return context


def new_action_form(case: Case, formdata=None, shares=None, shown: bool = True) -> ActionForm:
    """The "Add an agreed action" form; `shown` false: the page does not show it (no owners to list)."""
    form = ActionForm(formdata=formdata, prefix="action")
    form.owner.choices = [("", "Select an owner")] + (service.action_owner_choices(case, shares) if shown else [])
    return form


def _update_form(case: Case, stages=None) -> CaseUpdateForm:
    form = CaseUpdateForm(formdata=None, obj=case, prefix="case")
    if stages is None:
        stages = db.session.scalars(_stages()).all()
    form.stage_id.choices = [(str(s.id), s.name) for s in stages]
    form.stage_id.data = str(case.stage_id or "")
    return form


@bp.route("/cases/<int:case_id>")
@access.require("view_cases")
@audit.viewing("case_viewed", "a case", ("Case", "case_id"), terms=("kind", "agency"))
def view_case(case_id: int):
    case = access.get_case_for_page_or_404(current_user, case_id)
    if htmx and htmx.target == "chronology-list" and not htmx.history_restore_request:
        return _more_entries(case)
    if htmx and htmx.target == "chronology" and not htmx.history_restore_request:
        context = _chronology_context(case, access.case_view(current_user), access.can_lead(current_user, case))
        del context["visible"]
        return render_template("cases/_chronology.html", **context)
    return render_page("cases/case.html", lambda: case_page_context(case))


def _more_entries(case: Case):
    """"Show more": the next page of entries alone, appended to the list, with the next link."""
    kind, agency = request.args.get("kind", ""), int_arg("agency")
    page = int_arg("page", max=MAX_CHRONOLOGY_PAGE, default=2, clamp=True) or 2
    entries, more = _chronology(case, kind, agency, page=page, only_page=True)
    view, lead = access.case_view(current_user), access.can_lead(current_user, case)
    reasons = dict(NOT_APPROPRIATE_REASONS)
    return render_template("cases/_chronology_more.html", case=case, entries=entries, chronology_more=more,
                           chronology_page=page, kind=kind, agency="" if agency is None else str(agency),
                           kinds=CHRONOLOGY_KINDS, view=view, lead=lead, not_appropriate_reasons=reasons,
                           entries_html=chronology_items(entries, case, view, lead, CHRONOLOGY_KINDS, reasons,
                                                         current_user.id))


def _back(case: Case, anchor: str = ""):
    return redirect(url_for("cases.view_case", case_id=case.id) + anchor, code=303)


def _refused(case: Case, message: str, status: int = 422, **extra):
    return render_template("cases/case.html", **case_page_context(case, problem=shows_errors(message), **extra)), status


@reads(Case)
def _case_as_saved(case: Case) -> Saved:
    return Saved("case", [("Status", case.status), ("Stage", case.stage.name if case.stage else None),
                          ("Next review", case.next_review)], url_for("cases.view_case", case_id=case.id))


@reads(CaseShare)
def _share_as_saved(share: CaseShare) -> Saved:
    return Saved("share", [("Shared with", share.organisation.name), ("Status", share.status_label),
                           ("Reason for withdrawing", share.withdraw_reason)],
                 url_for("cases.view_case", case_id=share.case_id) + "#sharing")


@bp.route("/cases/<int:case_id>/update", methods=["POST"])
@access.require("lead_cases")
@audit.viewing("case_viewed", "a case", ("Case", "case_id"))
def update_case(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    form = CaseUpdateForm(prefix="case")
    form.stage_id.choices = [(str(s.id), s.name) for s in db.session.scalars(select(Stage).order_by(Stage.position))]
    if not form.validate():  # the form comes back as typed, with its errors
        return _refused(case, "; ".join(m for errs in form.errors.values() for m in errs), update_form=form)
    try:
        version = form.version.data
        if form.stage_id.data and int(form.stage_id.data) != case.stage_id:
            stage = db.session.get(Stage, int(form.stage_id.data))
            service.set_stage(current_user, case, stage, version, form.reason.data or "",
                              share_with_police=bool(form.police.data))
            version = case.version
        if form.status.data and form.status.data != case.status:
            service.set_status(current_user, case, form.status.data, version,
                               share_with_police=bool(form.police.data))
            version = case.version
        if form.next_review.data and form.next_review.data != case.next_review:
            service.set_review(current_user, case, form.next_review.data, version)
    except Refused as exc:
        db.session.rollback()
        return _refused(case, exc.message, update_form=form)
    flash("The case has been updated.", "success")
    return _back(case)


@bp.route("/cases/<int:case_id>/chronology", methods=["POST"])
@access.require("view_cases")
@audit.viewing("case_viewed", "a case", ("Case", "case_id"))
def add_entry(case_id: int):
    case = access.get_case_or_404(current_user, case_id)
    form = EntryForm(prefix="entry")
    if form.validate():
        occurred, time_given = form.occurred()
        try:
            service.add_entry(current_user, case, form.kind.data, occurred, form.text.data.strip(),
                              time_given=time_given,
                              police_shareable=form.police_shareable.data, health=form.health.data,
                              support_name=form.support_name.data, review_on=form.review_on.data,
                              not_appropriate_reason=form.not_appropriate_reason.data or None)
        except Refused as exc:
            if exc.problems:
                for field, message in exc.problems.items():
                    target = getattr(form, {"occurred_at": "occurred_time"}.get(field, field), None)
                    if target is None:
                        form.form_errors.append(message)
                    else:
                        target.errors = [*target.errors, message]
            else:
                form.form_errors.append(exc.message)
        else:
            flash("The entry has been added to the chronology.", "success")
            return _back(case, "#chronology")
    return _refused(case, "The chronology entry was not added: " + "; ".join(
        m for errs in form.errors.values() for m in errs), entry_form=form)


@bp.route("/cases/<int:case_id>/chronology/<int:entry_id>/correct", methods=["GET", "POST"])
@access.require("view_cases")
def correct_entry(case_id: int, entry_id: int):
    case = access.get_case_or_404(current_user, case_id)
    entry = access.get_entry_or_404(current_user, case, entry_id)
    if not access.may_correct_entry(current_user, case, entry):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        service.correct_entry(current_user, entry, form.reason.data.strip())
        flash("The correction has been added; the original entry is kept.", "success")
        return _back(case, "#chronology")
    return render_template("cases/entry_change.html", case=case, entry=entry, form=form, mode="correct",
                           view=access.case_view(current_user)), \
        (422 if form.is_submitted() else 200)


@bp.route("/cases/<int:case_id>/chronology/<int:entry_id>/strike", methods=["GET", "POST"])
@access.require("lead_cases")
def strike_entry(case_id: int, entry_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    entry = access.get_entry_or_404(current_user, case, entry_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            service.strike_entry(current_user, entry, form.reason.data.strip())
        except Refused as exc:
            form.reason.errors.append(exc.message)
        else:
            flash("The entry has been struck through. It stays visible to the lead and the LA.", "success")
            return _back(case, "#chronology")
    return render_template("cases/entry_change.html", case=case, entry=entry, form=form, mode="strike",
                           view=access.case_view(current_user)), \
        (422 if form.is_submitted() else 200)


@bp.route("/cases/<int:case_id>/shares", methods=["GET", "POST"])
@access.require("lead_cases")
@audit.viewing("case_share_form_viewed", "the form to share a case", ("Case", "case_id"))
def share_case(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    form = ShareForm()
    orgs = db.session.scalars(select(Organisation).where(Organisation.active.is_(True),
                                                         Organisation.kind.in_(service.SHAREABLE_KINDS),
                                                         Organisation.id != case.pupil.school_id)
                              .order_by(Organisation.kind, Organisation.name)).all()
    form.organisation_id.choices = [("", "Select an organisation")] + [(str(o.id), f"{o.name} ({o.kind.label})")
                                                                       for o in orgs]
    if form.validate_on_submit():
        org = db.session.get(Organisation, int(form.organisation_id.data))
        if org is None:  # the choices are checked, but the organisation may have gone since
            abort(404)
        try:
            service.share(current_user, case, org, form.reason.data.strip())
        except Refused as exc:
            form.form_errors.append(exc.message)
        else:
            flash(f"The case has been shared with {org.name}.", "success")
            return _back(case, "#sharing")
    return render_template("cases/share.html", case=case, form=form), (422 if form.is_submitted() else 200)


@bp.route("/cases/<int:case_id>/shares/<int:share_id>/withdraw", methods=["GET", "POST"])
@access.require("lead_cases")
def withdraw_share(case_id: int, share_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    item = next((s for s in case.shares if s.id == share_id), None)
    if item is None:
        abort(404)
    form = WithdrawForm()
    if not form.is_submitted():
        form.version.data = item.version
    elif form.validate():
        try:
            service.withdraw_share(current_user, item, form.reason.data.strip(), form.version.data)
        except Refused as exc:
            form.reason.errors.append(exc.message)
        else:
            flash(f"Sharing with {item.organisation.name} has been withdrawn.", "success")
            return _back(case, "#sharing")
    return render_template("cases/withdraw.html", case=case, item=item, form=form), \
        (422 if form.is_submitted() else 200)


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@access.require("lead_cases")
@audit.viewing("case_close_form_viewed", "the form to close a case", ("Case", "case_id"))
def close_case(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    form = CloseForm()
    form.lead_id.choices = [("", "Select a social worker")] + [
        (str(u.id), f"{u.name}, {u.organisation.name}")
        for u in db.session.scalars(access.practitioners((access.SOCIAL_CARE,)))]
    if request.method == "GET":
        form.version.data = case.version
    elif form.validate():
        text = (form.text.data or "").strip()
        try:
            if form.reason.data == service.STEP_UP_REASON:  # stays open, social care leads (issue 14.11)
                lead = db.session.get(User, int(form.lead_id.data)) if form.lead_id.data else None
                service.step_up(current_user, case, lead, text, form.version.data)
            else:
                service.close(current_user, case, form.reason.data, text, form.version.data,
                              share_with_police=bool(form.police.data))
        except Refused as exc:
            db.session.rollback()
            if "lead_id" in exc.problems:
                form.lead_id.errors = [*form.lead_id.errors, exc.problems["lead_id"]]
            else:
                form.form_errors.append(exc.message)
        else:
            if form.reason.data == service.STEP_UP_REASON:
                flash("The case has been stepped up to children's social care. It stays open with a social "
                      "worker as lead.", "success")
            else:
                flash("The case has been closed.", "success")
            return _back(case)
    open_actions = [a for a in case.actions if a.is_open]
    return render_template("cases/close.html", case=case, form=form, open_actions=open_actions), \
        (422 if form.is_submitted() else 200)
