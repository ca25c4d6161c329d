"""Notices to improve: raising one from a case, its page and outcome; schools' requests and the
LA's queue of them; and the formal section of the case page (`formal_on_case`)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.access import formal as formal_access  # registers the formal permissions before the views use them
from portal.cases import service as case_service
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.formal import bp, notices, penalties
from portal.formal.forms import NtiForm, NtiOutcomeForm, NtiRequestForm, ReasonForm
from portal.formal.models import NoticeToImprove, NtiRequest, RequestStatus
from portal.params import int_arg


def apply_refusal(form, exc: Refused, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal on the form: each problem on its field, the rest above the form."""
    db.session.rollback()
    if not exc.problems:
        form.form_errors.append(exc.message)
    for field, message in exc.problems.items():
        target = getattr(form, (aliases or {}).get(field, field), None)
        if target is None or not hasattr(target, "errors"):
            form.form_errors.append(message)
        else:
            target.errors = [*(target.errors or []), message]


@bp.app_template_global("formal_on_case")
def formal_on_case(case, records=None):
    """What the case page's formal section shows the person looking (None: nothing, the police).
    `records`: the case's kinds of record (`cases.service.records_on_case`), when known: no
    query for a kind the case has none of."""
    if not formal_access.sees_formal(current_user):
        return None
    ntis = notices.ntis_of_case(case) if case_service.may_have(records, "ntis") else []
    penalty = penalties.notices_of_case(case) if case_service.may_have(records, "penalties") else []
    requests = list(db.session.scalars(access.nti_requests_for(current_user).where(NtiRequest.case_id == case.id)
                                       .order_by(NtiRequest.id.desc()))) \
        if case_service.may_have(records, "nti_requests") else []
    return {"ntis": ntis, "notices": penalty, "requests": requests,
            "manage": formal_access.may_manage_formal(current_user, case),
            "request": formal_access.may_request_nti(current_user, case),
            "details": lambda notice: formal_access.sees_penalty_details(current_user, notice)}


@reads(NoticeToImprove)
def _nti_as_saved(nti: NoticeToImprove) -> Saved:
    return Saved("notice to improve", [("Status", nti.status.label), ("Outcome notes", nti.outcome_note)],
                 url_for("formal.view_nti", nti_id=nti.id))


@reads(NtiRequest)
def _request_as_saved(item: NtiRequest) -> Saved:
    return Saved("request", [("Status", item.status.label), ("Reason declined", item.decline_reason)],
                 url_for("formal.view_nti_request", request_id=item.id))


def _nti_choices(form: NtiForm, case) -> list:
    form.parent_ids.choices = [(str(c.id), f"{c.name}" + (f" ({c.relationship_to_pupil})" if c.relationship_to_pupil
                                                          else "")) for c in notices.liable_parents(case.pupil)]
    evidence = case_service.support_evidence(case)
    form.support_ids.choices = [(str(e.id), case_service.evidence_summary(e)) for e in evidence]
    return evidence


@bp.route("/cases/<int:case_id>/notices-to-improve/new", methods=["GET", "POST"])
@access.require("manage_formal")
@audit.viewing("nti_form_viewed", "the form to issue a notice to improve", ("Case", "case_id"))
def new_nti(case_id: int):
    case = access.get_case_or_404(current_user, case_id)
    if not formal_access.may_manage_formal(current_user, case):
        abort(403)
    request_id = int_arg("request")
    item = None
    if request_id is not None:
        item = db.session.scalar(access.nti_requests_for(current_user).where(NtiRequest.id == request_id,
                                                                             NtiRequest.case_id == case.id))
        if item is None:
            abort(404)
    form = NtiForm()
    evidence = _nti_choices(form, case)
    if request.method == "GET":
        form.parent_ids.data = [value for value, _ in form.parent_ids.choices]
        form.weeks.data = "6"
    elif form.validate():
        try:
            nti = notices.raise_nti(current_user, case, issued_on=form.issued_on.data, weeks=int(form.weeks.data),
                                    parent_ids=form.chosen(form.parent_ids),
                                    support_ids=form.chosen(form.support_ids), rationale=form.rationale.data or "",
                                    improvement=form.improvement.data or "", request=item)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The notice to improve has been recorded.", "success")
            return redirect(url_for("formal.view_nti", nti_id=nti.id), code=303)
    today = notices.today()
    q_start, q_end = notices.qualifying_period(case.pupil, today)
    record = notices.unauthorised_sessions(case.pupil, q_start, q_end)
    return render_template("formal/nti_form.html", case=case, form=form, evidence=evidence, item=item,
                           q_start=q_start, q_end=q_end, record=record), (422 if form.is_submitted() else 200)


@bp.route("/notices-to-improve/<int:nti_id>")
@access.require("view_formal")
@audit.viewing("nti_viewed", "a notice to improve", ("NoticeToImprove", "nti_id"))
def view_nti(nti_id: int):
    nti = access.get_nti_or_404(current_user, nti_id)
    manage = formal_access.may_manage_formal(current_user, nti.case)
    return render_template("formal/nti.html", nti=nti, manage=manage, period_record=notices.period_record(nti),
                           ended=notices.period_ended(nti), outcome_form=_outcome_form(nti))


def _outcome_form(nti, formdata=None) -> NtiOutcomeForm:
    form = NtiOutcomeForm(formdata=formdata)
    if formdata is None:
        form.version.data = nti.version
    return form


@bp.route("/notices-to-improve/<int:nti_id>/outcome", methods=["GET", "POST"])
@access.require("manage_formal")
@audit.viewing("nti_viewed", "a notice to improve", ("NoticeToImprove", "nti_id"))
def nti_outcome(nti_id: int):
    nti = access.get_nti_or_404(current_user, nti_id, need="manage")
    form = NtiOutcomeForm()
    if request.method == "GET":
        form.version.data = nti.version
    elif form.validate():
        try:
            notices.record_outcome(current_user, nti, form.improved.data == "yes", form.note.data or "",
                                   form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The outcome has been recorded.", "success")
            return redirect(url_for("formal.view_nti", nti_id=nti.id), code=303)
    return render_template("formal/nti_outcome.html", nti=nti, form=form, period_record=notices.period_record(nti),
                           ended=notices.period_ended(nti)), (422 if form.is_submitted() else 200)


# ----- schools' requests -------------------------------------------------------------------

@bp.route("/cases/<int:case_id>/nti-requests/new", methods=["GET", "POST"])
@access.require("request_nti")
@audit.viewing("nti_request_form_viewed", "the form to request a notice to improve", ("Case", "case_id"))
def new_nti_request(case_id: int):
    case = access.get_case_or_404(current_user, case_id)
    if not formal_access.may_request_nti(current_user, case):
        abort(403)
    form = NtiRequestForm()
    if form.validate_on_submit():
        try:
            item = notices.request_nti(current_user, case, form.evidence.data or "")
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("Your request has been sent to the LA.", "success")
            return redirect(url_for("formal.view_nti_request", request_id=item.id), code=303)
    return render_template("formal/nti_request_form.html", case=case, form=form), \
        (422 if form.is_submitted() else 200)


@bp.route("/nti-requests")
@access.require("view_nti_requests")
@audit.viewing("nti_requests_viewed", "requests for notices to improve", terms=("status",))
def nti_requests():
    status = RequestStatus.get(request.args.get("status", "open"))
    stmt = access.nti_requests_for(current_user).options(
        selectinload(NtiRequest.case), selectinload(NtiRequest.school), selectinload(NtiRequest.requested_by))
    if status is not None:
        stmt = stmt.where(NtiRequest.status == status)
    items = db.session.scalars(stmt.order_by(NtiRequest.created_at, NtiRequest.id)).all()
    from portal.pupils.models import Pupil

    ids = sorted({item.case.pupil_id for item in items})
    pupils = {p.id: p for p in db.session.scalars(select(Pupil).where(Pupil.id.in_(ids)))}
    return render_template("formal/nti_requests.html", items=items, pupils=pupils, status=status,
                           statuses=list(RequestStatus))


@bp.route("/nti-requests/<int:request_id>")
@access.require("view_nti_requests")
@audit.viewing("nti_request_viewed", "a request for a notice to improve", ("NtiRequest", "request_id"))
def view_nti_request(request_id: int):
    item = access.get_nti_request_or_404(current_user, request_id)
    return render_template("formal/nti_request.html", item=item,
                           decide=formal_access.may_manage_formal(current_user, item.case) and item.is_open)


@bp.route("/nti-requests/<int:request_id>/decline", methods=["GET", "POST"])
@access.require("manage_formal")
@audit.viewing("nti_request_viewed", "a request for a notice to improve", ("NtiRequest", "request_id"))
def decline_nti_request(request_id: int):
    item = access.get_nti_request_or_404(current_user, request_id, need="decide")
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = item.version
    elif form.validate():
        try:
            notices.decline_request(current_user, item, form.reason.data or "", form.version.data)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash("The request has been declined; the school sees your reason.", "success")
            return redirect(url_for("formal.nti_requests"), code=303)
    return render_template("formal/nti_decline.html", item=item, form=form), (422 if form.is_submitted() else 200)
