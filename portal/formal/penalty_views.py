"""Penalty notices: the consideration page that drafts them, each notice's page and its life
(issue, payment, withdrawal, unpaid to prosecution, sharing its details), and the LA's lists
and yearly figures (page and CSV)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.access import formal as formal_access  # registers the formal permissions before the views use them
from portal.csvutil import csv_response
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.formal import bp, figures, penalties
from portal.formal.forms import IssueForm, PaymentForm, PenaltyForm, ProsecutionForm, ReasonForm, SharingForm
from portal.formal.letters import money
from portal.formal.models import PenaltyNotice
from portal.formal.nti_views import apply_refusal
from portal.forms import shows_errors
from portal.pagecache import render_page
from portal.params import int_arg
from portal.statements import StatementMemo, Who, values_of
from portal.timeutil import today


@reads(PenaltyNotice)
def _notice_as_saved(notice: PenaltyNotice) -> Saved:
    return Saved("penalty notice", [("Number", notice.number), ("Status", notice.status.label),
                                    ("Issued", notice.issued_on), ("Paid", notice.paid_on),
                                    ("Reason withdrawn", notice.withdraw_reason)],
                 url_for("formal.view_notice", notice_id=notice.id))


def _managed_case(case_id: int):
    case = access.get_case_or_404(current_user, case_id)
    if not formal_access.may_manage_formal(current_user, case):
        abort(403)
    return case


@bp.route("/cases/<int:case_id>/penalty-notices/new", methods=["GET", "POST"])
@access.require("manage_formal")
@audit.viewing("penalty_consideration_viewed", "the consideration of a penalty notice", ("Case", "case_id"))
def consider_penalty(case_id: int):
    case = _managed_case(case_id)
    form = PenaltyForm()
    facts = penalties.consideration(case)
    form.parent_ids.choices = [(str(p["contact"].id), p["contact"].name) for p in facts["parents"]]
    if form.validate_on_submit():
        try:
            made = penalties.draft_notices(current_user, case, parent_ids=form.chosen(), reason=form.reason.data,
                                           skip_reason=form.skip_reason.data or "")
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash(f"{len(made)} penalty notice{'s' if len(made) != 1 else ''} drafted: "
                  + ", ".join(n.number for n in made) + ". Issue each one when it is served.", "success")
            return redirect(url_for("cases.view_case", case_id=case.id) + "#formal", code=303)
    elif request.method == "GET":
        form.parent_ids.data = [str(p["contact"].id) for p in facts["parents"] if not p["refusal"]]
    return render_template("formal/penalty_form.html", case=case, form=form, facts=facts), \
        (422 if form.is_submitted() else 200)


def _notice_page(notice: PenaltyNotice, status: int = 200, problem: str = "", **forms):
    manage = formal_access.may_manage_formal(current_user, notice.case)
    context = dict(notice=notice, manage=manage, details=formal_access.sees_penalty_details(current_user, notice),
                   amount_today=penalties.amount_due(notice, today()), today=today(),
                   overdue=notice.is_overdue,
                   problem=shows_errors(problem),
                   sharing_form=forms.get("sharing_form") or SharingForm(formdata=None, version=notice.version,
                                                                         shared=notice.details_shared),
                   prosecution_form=ProsecutionForm(formdata=None, version=notice.version))
    return render_template("formal/notice.html", **context), status


@bp.route("/penalty-notices/<int:notice_id>")
@access.require("view_formal")
@audit.viewing("penalty_notice_viewed", "a penalty notice", ("PenaltyNotice", "notice_id"))
def view_notice(notice_id: int):
    return _notice_page(access.get_penalty_notice_or_404(current_user, notice_id))


def _notice_form(notice_id: int, form_class, template: str, act, done: str):
    notice = access.get_penalty_notice_or_404(current_user, notice_id, need="manage")
    form = form_class()
    if request.method == "GET":
        form.version.data = notice.version
    elif form.validate():
        try:
            act(notice, form)
        except Refused as exc:
            apply_refusal(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("formal.view_notice", notice_id=notice.id), code=303)
    return render_template(template, notice=notice, form=form), (422 if form.is_submitted() else 200)


@bp.route("/penalty-notices/<int:notice_id>/issue", methods=["GET", "POST"])
@access.require("manage_formal")
@audit.viewing("penalty_notice_viewed", "a penalty notice", ("PenaltyNotice", "notice_id"))
def issue_notice(notice_id: int):
    return _notice_form(notice_id, IssueForm, "formal/notice_issue.html",
                        lambda n, f: penalties.issue(current_user, n, f.issued_on.data, f.served_by.data,
                                                     f.version.data),
                        "The notice has been issued; its amounts and dates are on this page.")


@bp.route("/penalty-notices/<int:notice_id>/payment", methods=["GET", "POST"])
@access.require("manage_formal")
@audit.viewing("penalty_notice_viewed", "a penalty notice", ("PenaltyNotice", "notice_id"))
def record_payment(notice_id: int):
    def act(notice, form):
        if form.pounds() is None:
            raise Refused("Enter the amount paid in whole pounds, like 80.", {"amount": "Enter the amount paid in "
                                                                                      "whole pounds, like 80"})
        penalties.record_payment(current_user, notice, form.paid_on.data, form.pounds(), form.version.data)

    return _notice_form(notice_id, PaymentForm, "formal/notice_payment.html", act, "The payment has been recorded.")


@bp.route("/penalty-notices/<int:notice_id>/withdraw", methods=["GET", "POST"])
@access.require("manage_formal")
@audit.viewing("penalty_notice_viewed", "a penalty notice", ("PenaltyNotice", "notice_id"))
def withdraw_notice(notice_id: int):
    return _notice_form(notice_id, ReasonForm, "formal/notice_withdraw.html",
                        lambda n, f: penalties.withdraw(current_user, n, f.reason.data or "", f.version.data),
                        "The notice has been withdrawn. It does not count towards the limit of two in three years.")


@bp.route("/penalty-notices/<int:notice_id>/prosecution", methods=["POST"])
@access.require("manage_formal")
@audit.viewing("penalty_notice_viewed", "a penalty notice", ("PenaltyNotice", "notice_id"))
def consider_prosecution(notice_id: int):
    notice = access.get_penalty_notice_or_404(current_user, notice_id, need="manage")
    form = ProsecutionForm()
    try:
        if not form.validate():
            raise Refused("The form has expired: reload the page and try again.")
        penalties.consider_prosecution(current_user, notice, form.version.data)
    except Refused as exc:
        db.session.rollback()
        return _notice_page(notice, 422, exc.message)
    flash("The notice is recorded as unpaid: consider prosecution.", "success")
    return redirect(url_for("formal.view_notice", notice_id=notice.id), code=303)


@bp.route("/penalty-notices/<int:notice_id>/sharing", methods=["POST"])
@access.require("manage_formal")
@audit.viewing("penalty_notice_viewed", "a penalty notice", ("PenaltyNotice", "notice_id"))
def share_notice_details(notice_id: int):
    notice = access.get_penalty_notice_or_404(current_user, notice_id, need="manage")
    form = SharingForm()
    if not form.validate():
        return _notice_page(notice, 422, "The form has expired: reload the page and try again.", sharing_form=form)
    penalties.share_details(current_user, notice, bool(form.shared.data), form.version.data)
    flash("The notice's details are " + ("now shared with" if form.shared.data else "not shared with")
          + " the partner agencies the case is shared with.", "success")
    return redirect(url_for("formal.view_notice", notice_id=notice.id), code=303)


# ----- the LA's lists and figures ---------------------------------------------------------------

def _build_headline_counts(who: Who, on: date):
    """`formal_headlines`' statement, from the user's id, role and organisation and the day."""
    return figures.headline_counts(access.penalty_notices_for(who), access.ntis_for(who),
                                   access.nti_requests_for(who), on)


# built per user and day from the user's id, role and organisation only; run afresh each time
_headline_counts = StatementMemo(_build_headline_counts, maxsize=64)


@bp.app_template_global("formal_headlines")
def formal_headlines() -> list[tuple[str, int, str]]:
    """The LA picture's counts of notices, for those who manage them (the EWO, the LA)."""
    if not access.can(current_user, "manage_formal"):
        return []
    return figures.headlines(values_of(_headline_counts(Who.of(current_user), today())))


@bp.route("/penalty-notices")
@access.require("manage_formal")
@audit.viewing("penalty_notices_viewed", "overdue and due-soon penalty notices")
def penalty_notices():
    def build() -> dict:
        scope = access.penalty_notices_for(current_user).options(selectinload(PenaltyNotice.pupil))
        return dict(overdue=db.session.scalars(figures.overdue(scope)).all(),
                    due_soon=db.session.scalars(figures.due_soon(scope)).all(),
                    next_deadline=figures.next_deadline, amount_due=penalties.amount_due, today=today(),
                    money=money)

    return render_page("formal/penalty_notices.html", build)


def _year() -> int:
    years = figures.years_with_notices()
    year = int_arg("year", min=2000, max=2100, default=years[0])
    return year if year is not None else years[0]


@bp.route("/penalty-notices/figures")
@access.require("view_penalty_figures")
def penalty_figures():
    def build() -> dict:
        year = _year()
        return dict(year=year, label=figures.year_label(year),
                    years=figures.years_with_notices(), figures=figures.figures(year), columns=figures.COLUMNS)

    return render_page("formal/penalty_figures.html", build)


@bp.route("/penalty-notices/figures.csv")
@access.require("view_penalty_figures")
def penalty_figures_csv():
    year = _year()
    numbers = figures.figures(year)
    rows = [[figures.year_label(year), label, numbers[key]] for key, label in figures.COLUMNS]
    return csv_response(f"penalty-notices-{year}-{(year + 1) % 100:02d}.csv", ["Academic year", "Measure", "Number"],
                        rows)
