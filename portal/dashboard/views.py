"""Each role's home page: what needs doing now, with links into the portal."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import access
from portal.dashboard import bp
from portal.extensions import db

# Parts of the portal still to come, per role (issues not yet built).
COMING: dict[str, list[str]] = {
}


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _cards(user) -> list[dict]:
    from portal.attendance.summaries import today
    from portal.cases.models import Action, ActionStatus, Case, CaseStatus, Referral, ReferralStatus
    from portal.tsm.models import TsmActionStatus, TsmItem

    cards = []
    now = today()
    if access.can(user, "view_referrals"):
        referrals = access.referrals_for(user)
        if not access.sees_triage_queue(user):
            with_school = referrals.where(Referral.status.in_((ReferralStatus.draft, ReferralStatus.more_info)))
            cards.append({"title": "Referrals", "href": url_for("cases.list_referrals"),
                          "count": _count(with_school),
                          "text": "drafts and referrals where more information was asked for"})
        else:
            cards.append({"title": "Referrals awaiting triage", "href": url_for("cases.list_referrals"),
                          "count": _count(referrals.where(Referral.status == ReferralStatus.submitted)),
                          "text": ("from every school" if access.serves_every_school(user)
                                   else "from the schools you serve") + ", oldest first"})
    if access.can(user, "view_cases"):
        cases = access.cases_for(user).where(Case.status != CaseStatus.closed)
        if access.is_active_ewo(user):
            cards.append({"title": "Cases you lead", "href": url_for("cases.list_cases", mine=1),
                          "count": _count(cases.where(Case.lead_id == user.id)),
                          "text": "open or monitoring"})
        else:
            cards.append({"title": "Open cases", "href": url_for("cases.list_cases"), "count": _count(cases),
                          "text": "shared with your organisation" if access.is_agency(user)
                          else "in every school" if access.serves_every_school(user)
                          else "for the pupils you work with"})
        mine = access.actions_for(user).where(
            Action.status == ActionStatus.open,
            or_(Action.owner_user_id == user.id, Action.owner_org_id == user.organisation_id))
        this_week = mine.where(Action.due_date >= now, Action.due_date <= now + timedelta(days=7))
        # with the actions agreed at Targeting Support Meetings
        tsm = access.tsm_actions_for(user).where(TsmItem.status == TsmActionStatus.open)
        tsm_week = tsm.where(TsmItem.due_date >= now, TsmItem.due_date <= now + timedelta(days=7))
        cards.append({"title": "Your open actions", "href": url_for("cases.my_actions"),
                      "count": _count(mine) + _count(tsm),
                      "text": f"{_count(mine.where(Action.due_date < now)) + _count(tsm.where(TsmItem.due_date < now))}"
                              f" overdue; {_count(this_week) + _count(tsm_week)} due this week"})
    cards += _picture_cards(user)
    if access.can(user, "view_school_attendance"):
        cards.append({"title": "School attendance", "href": url_for("attendance.schools"), "count": None,
                      "text": "key groups: at risk, persistent absence, absent today, penalty threshold"})
    cards += _sweep_cards(user, now)
    if access.can(user, "run_panels"):
        cards.append({"title": "Panel meetings", "href": url_for("panels.list_meetings"), "count": None,
                      "text": "schedule meetings, build and publish agendas, run them, minutes"})
        cards.append({"title": "Panel overview", "href": url_for("panels.panel_overview"), "count": None,
                      "text": "decisions by type, actions by agency, attendance before and after"})
    if access.can(user, "manage_users"):
        cards.append({"title": "Users and organisations", "href": url_for("orgs.list_users"), "count": None,
                      "text": "who can sign in, their role and organisation; each school's named EWO"})
        cards.append({"title": "Audit log", "href": url_for("audit.list_events"), "count": None,
                      "text": "every sign-in, view and change"})
    return cards


def _picture_cards(user) -> list[dict]:
    """The attendance picture: the LA dashboard, or a school's own dashboard for its staff."""
    if access.can(user, "view_la_picture"):
        whole = access.picture_school_ids(user) is None
        return [{"title": "Attendance picture", "href": url_for("dashboard.la_picture"), "count": None,
                 "text": ("every school" if whole else "the schools you serve")
                 + ": attendance, persistent absence and cohorts against last year, national and the ambition"}]
    if access.can(user, "view_school_picture"):
        return [{"title": f"Attendance picture: {school.name}",
                 "href": url_for("dashboard.school_picture", school_id=school.id), "count": None,
                 "text": "the school's figures against the LA, national and the ambition; cohorts, trend, reasons"}
                for school in db.session.scalars(access.schools_for(user))]
    return []


def _sweep_cards(user, now) -> list[dict]:
    from portal.sweeps.models import Encounter, FollowUp, FollowUpStatus, MatchStatus

    cards = []
    if access.can(user, "view_sweeps") and not access.can(user, "match_encounters"):  # the police
        cards.append({"title": "Truancy sweeps", "href": url_for("sweeps.list_sweeps"),
                      "count": _count(access.sweeps_for(user)), "text": "that you are named on, as lead or officer"})
    if access.can(user, "match_encounters"):
        cards.append({"title": "Children to match", "href": url_for("sweeps.list_encounters"),
                      "count": _count(access.encounters_for(user)
                                      .where(Encounter.match_status == MatchStatus.unmatched)),
                      "text": "met in truancy sweeps, not yet matched to a pupil"})
    if access.can(user, "follow_up_encounters"):
        follow_ups = access.followups_for(user).where(FollowUp.status == FollowUpStatus.open)
        cards.append({"title": "Sweep follow-ups", "href": url_for("sweeps.list_followups"),
                      "count": _count(follow_ups),
                      "text": f"{_count(follow_ups.where(FollowUp.due_on < now))} overdue: contact the parent or "
                              "carer by the next school day"})
    return cards


@bp.before_app_request
def _fresh_figures():
    """Each request reads the attendance picture afresh (figures memoise within a request)."""
    from portal.dashboard import figures

    figures.forget()


@bp.route("/")
@access.require("use_portal")
def home():
    user = current_user._get_current_object()
    return render_template("dashboard/home.html", user=user, cards=_cards(user), coming=COMING.get(user.role, []),
                           no_schools=access.ewo_without_schools(user))
