"""Referrals: a school refers, the named EWO triages."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.cases import bp
from portal.cases import referrals as service
from portal.cases.family_views import lead_choices
from portal.cases.forms import AdditionForm, ReferralForm, TriageForm
from portal.cases.models import BARRIERS, Case, Referral, ReferralStatus
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import shows_errors
from portal.orgs.models import User
from portal.pagecache import render_page
from portal.pagination import page_links, paginate
from portal.params import int_arg
from portal.schoolstages.service import referral_summary as school_stages_summary
from portal.timeutil import as_utc, utcnow
from portal.tsm.service import referral_summary as tsm_summary

SAFEGUARDING = {"yes": True, "no": False}


def _form_data(form: ReferralForm) -> tuple[dict, dict[str, str]]:
    chosen = request.form.getlist("barrier")
    errors = {}
    barriers = {}
    for key, _ in BARRIERS:
        if key in chosen:
            barriers[key] = request.form.get(f"barrier_{key}", "").strip()[:500]
    if "other" in barriers and not barriers["other"]:
        errors["barrier_other"] = "Describe the other barrier"
    # The school's choices, None until made; an unknown value counts as no choice.
    consent = form.consent.data if form.consent.data in service.CONSENT_LABELS else None
    urgency = form.urgency.data if form.urgency.data in service.URGENCY_LABELS else None
    return {
        "barriers": barriers,
        "stage_reached": int(form.stage_reached.data) if form.stage_reached.data else None,
        "school_actions": (form.school_actions.data or "").strip(),
        "consent": consent,
        "lawful_basis": (form.lawful_basis.data or "").strip(),
        "urgency": urgency,
        "safeguarding_concern": SAFEGUARDING.get(form.safeguarding_concern.data or ""),
    }, errors


@reads(Referral)
def _referral_as_saved(referral: Referral) -> Saved:
    return Saved("referral", [("Status", referral.status_label)],
                 url_for("cases.view_referral", referral_id=referral.id))


def _form_url(pupil, referral) -> str:
    if referral is not None:
        return url_for("cases.edit_referral", referral_id=referral.id)
    return url_for("cases.new_referral", pupil_id=pupil.id)


def _render_form(form, pupil, referral, barriers, extra_errors, status=200):
    return render_template("cases/referral_form.html", form=form, pupil=pupil, referral=referral,
                           barriers=barriers, barrier_choices=BARRIERS, extra_errors=shows_errors(extra_errors),
                           form_url=_form_url(pupil, referral)), status


def _render_check(form, pupil, referral, data):
    """Check your answers: the answers as the EWO will read them, each with a way back to its
    question (the answers travel in hidden fields, so nothing is saved before the school submits)."""
    return render_template("cases/referral_check.html", form=form, pupil=pupil, referral=referral, data=data,
                           barrier_choices=dict(BARRIERS), consent_labels=service.CONSENT_LABELS,
                           urgency_labels=service.URGENCY_LABELS,
                           safeguarding={v: k for k, v in SAFEGUARDING.items()}, form_url=_form_url(pupil, referral))


def _problems(problems) -> dict[str, str]:
    return {("barrier_illness" if f == "barriers" else f): m for f, m in problems}


def _save(form, pupil, referral):
    """The referral form's buttons: "Continue" (action=check) shows Check your answers; from
    there "Change" (action=change) comes back to the form with the answers kept and "Submit
    referral" (action=submit) saves and submits; "Save as draft" (action=draft) saves a draft
    directly. Returns a response."""
    data, extra = _form_data(form)
    action = request.form.get("action", "check")
    if action == "change":
        return _render_form(form, pupil, referral, data["barriers"], {})
    if not form.validate() or extra:
        return _render_form(form, pupil, referral, data["barriers"], extra, 422)
    if action in ("check", "submit") and (problems := service.missing_in(data)):
        # Refused before anything is saved: no draft appears that the school did not ask for.
        return _render_form(form, pupil, referral, data["barriers"], _problems(problems), 422)
    if action == "check":
        return _render_check(form, pupil, referral, data)
    submitting = action == "submit"
    try:
        saved = service.save_draft(current_user, pupil, data, referral, form.version.data)
        if submitting:
            service.submit(current_user, saved, saved.version)
    except Refused as exc:  # nothing is kept: the request rolls back
        form.form_errors.append(exc.message)
        return _render_form(form, pupil, referral, data["barriers"], _problems(exc.problems.items()),
                            409 if not exc.problems else 422)
    if submitting:
        flash("The referral has been sent to the named education welfare officer.", "success")
    else:
        flash("The draft has been saved. It is not sent until you submit it.", "success")
    return redirect(url_for("cases.view_referral", referral_id=saved.id), code=303)


def _already_referred(pupil, existing):
    """A second open referral for a pupil is refused (409), with the way to the existing one."""
    if isinstance(existing, Case):
        href, text = url_for("cases.view_case", case_id=existing.id), "Go to the open case"
    else:
        href, text = url_for("cases.view_referral", referral_id=existing.id), (
            "Continue the draft" if existing.status == ReferralStatus.draft else "Go to the referral")
    return render_template("cases/referral_exists.html", pupil=pupil, message=service.refusal_for(existing),
                           href=href, link_text=text), 409


@bp.route("/pupils/<int:pupil_id>/referrals/new", methods=["GET", "POST"])
@access.require("refer")
@audit.viewing("referral_form_viewed", "the referral form", ("Pupil", "pupil_id"))
def new_referral(pupil_id: int):
    pupil = access.get_pupil_or_404(current_user, pupil_id)
    tsm_item = int_arg("tsm_item")  # parsed (400 when malformed) before any other answer
    if (existing := service.already_referred(pupil.id)) is not None:
        return _already_referred(pupil, existing)
    form = ReferralForm()
    if form.is_submitted():
        return _save(form, pupil, None)
    # From a Targeting Support Meeting's "referral to the EWO" step (?tsm_item=ID): the form
    # starts with what the meeting noted; the school checks it and submits as usual.
    item = access.tsm_referral_item(current_user, pupil, tsm_item)
    # What the school has already done: its logged first-day calls and stage meetings (issue 17),
    # dated, and the highest stage reached; the school may still change both.
    logged, stage_reached = school_stages_summary(pupil)
    form.school_actions.data = "\n\n".join(part for part in (tsm_summary(item) if item is not None else "", logged)
                                            if part)
    form.stage_reached.data = str(stage_reached or "")
    if item is not None:
        flash("This referral was agreed at a Targeting Support Meeting: what the school has already done "
              "starts with the meeting's note. Check it, select the barriers and submit as usual.", "important")
    return _render_form(form, pupil, None, {}, {})


@bp.route("/referrals/<int:referral_id>/edit", methods=["GET", "POST"])
@access.require("refer")
@audit.viewing("referral_form_viewed", "the referral form", ("Referral", "referral_id"))
def edit_referral(referral_id: int):
    referral = access.get_referral_or_404(current_user, referral_id, need="edit")
    form = ReferralForm(obj=None if request.method == "POST" else referral)
    if request.method == "GET":
        form.stage_reached.data = str(referral.stage_reached or "")
        form.safeguarding_concern.data = {True: "yes", False: "no"}.get(referral.safeguarding_concern)
        form.version.data = referral.version
        return _render_form(form, referral.pupil, referral, referral.barriers, {})
    return _save(form, referral.pupil, referral)


@bp.route("/referrals")
@access.require("view_referrals")
@audit.viewing("referral_list_viewed", "a list of referrals", terms=("status", "page"))
def list_referrals():
    def build() -> dict:
        status = request.args.get("status", "")
        stmt = access.referrals_for(current_user).options(selectinload(Referral.pupil), selectinload(Referral.school))
        queue = access.sees_triage_queue(current_user) and not status
        if queue:
            stmt = stmt.where(Referral.status == ReferralStatus.submitted).order_by(Referral.submitted_at, Referral.id)
        else:
            if (state := ReferralStatus.get(status)) is not None:
                stmt = stmt.where(Referral.status == state)
            stmt = stmt.order_by(Referral.created_at.desc(), Referral.id.desc())
        page = paginate(stmt)
        return dict(page=page, pages=page_links(page), status=status,
                    queue=queue, labels={s: s.label for s in ReferralStatus}, now=utcnow(), as_utc=as_utc)

    return render_page("cases/referrals.html", build)


@bp.route("/referrals/<int:referral_id>")
@access.require("view_referrals")
@audit.viewing("referral_viewed", "a referral", ("Referral", "referral_id"))
def view_referral(referral_id: int):
    referral = access.get_referral_or_404(current_user, referral_id)
    return _render_referral(referral, AdditionForm(), access.can_triage(current_user, referral))


def _render_referral(referral: Referral, addition_form: AdditionForm, can_triage: bool, status: int = 200):
    """The referral page. A referral back in the queue after more information was asked for shows
    the question, and the additions made since it was asked are marked as new."""
    asked = as_utc(referral.triaged_at) if referral.triage_message and referral.triaged_at else None
    answered = referral.status == ReferralStatus.submitted and asked is not None
    new = {a.id for a in referral.additions if answered and asked is not None and as_utc(a.created_at) > asked}
    return render_template("cases/referral.html", referral=referral, barrier_choices=dict(BARRIERS),
                           addition_form=addition_form, can_triage=can_triage, answered=answered,
                           new_additions=new, sees_pupil=access.sees_pupil(current_user, referral.pupil_id)), status


@bp.route("/referrals/<int:referral_id>/additions", methods=["POST"])
@access.require("refer")
@audit.viewing("referral_viewed", "a referral", ("Referral", "referral_id"))
def add_to_referral(referral_id: int):
    referral = access.get_referral_or_404(current_user, referral_id, need="add")
    form = AdditionForm()
    if form.validate():
        try:
            service.add_information(current_user, referral, form.text.data.strip())
        except Refused as exc:
            form.text.errors.append(exc.message)
        else:
            flash("Your information has been added to the referral.", "success")
            return redirect(url_for("cases.view_referral", referral_id=referral.id), code=303)
    return _render_referral(referral, form, False, 422)


@bp.route("/referrals/<int:referral_id>/triage", methods=["GET", "POST"])
@access.require("triage")
@audit.viewing("referral_triage_viewed", "the triage of a referral", ("Referral", "referral_id"))
def triage_referral(referral_id: int):
    referral = access.get_referral_or_404(current_user, referral_id, need="triage")
    form = TriageForm()
    form.lead_id.choices = lead_choices(named_ewo_id=referral.school.named_ewo_id)
    if request.method == "GET":
        form.version.data = referral.version
        form.lead_id.data = str(referral.school.named_ewo_id or current_user.id)
    elif form.validate():
        try:
            if form.decision.data == "accept":
                lead = db.session.get(User, int(form.lead_id.data or 0))
                if lead is None:
                    abort(400)
                case = service.accept(current_user, referral, lead, form.version.data,
                                      share_with_police=bool(form.police.data))
                flash("The referral has been accepted and a case opened.", "success")
                return redirect(url_for("cases.view_case", case_id=case.id), code=303)
            if form.decision.data == "more_info":
                service.ask_for_information(current_user, referral, form.message.data.strip(), form.version.data)
                flash("The school has been asked for more information.", "success")
            else:
                service.decline(current_user, referral, form.message.data.strip(), form.version.data)
                flash("The referral has been declined; the school can see your reason.", "success")
            return redirect(url_for("cases.list_referrals"), code=303)
        except Refused as exc:
            form.form_errors.append(exc.message)
    status = 422 if form.is_submitted() else 200
    return render_template("cases/triage.html", form=form, referral=referral,
                           barrier_choices=dict(BARRIERS)), status
