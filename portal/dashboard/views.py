"""Each role's home page: what needs doing now, with links into the portal."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import access
from portal.dashboard import bp
from portal.extensions import db
from portal.pagecache import render_page
from portal.statements import StatementMemo, Who, values_of
from portal.templating import fixed_url

# Parts of the portal still to come, per role (issues not yet built).
COMING: dict[str, list[str]] = {
}


def _count_of(stmt):
    return select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery()


def _count_statements(who: Who, now) -> dict:
    """The counts a user's cards show, by name: the same conditions as `_cards`."""
    from portal.cases.models import Action, ActionStatus, Case, CaseStatus, Referral, ReferralStatus
    from portal.sweeps.models import Encounter, FollowUp, FollowUpStatus, MatchStatus
    from portal.tsm.models import TsmActionStatus, TsmItem

    counts = {}
    if access.can(who, "view_referrals"):
        referrals = access.referrals_for(who)
        if not access.sees_triage_queue(who):
            counts["referrals"] = referrals.where(Referral.status.in_((ReferralStatus.draft, ReferralStatus.more_info)))
        else:
            counts["referrals"] = referrals.where(Referral.status == ReferralStatus.submitted)
    if access.can(who, "view_cases"):
        cases = access.cases_for(who).where(Case.status != CaseStatus.closed)
        counts["cases"] = cases.where(Case.lead_id == who.id) if access.is_active_ewo(who) else cases
        mine = access.actions_for(who).where(
            Action.status == ActionStatus.open,
            or_(Action.owner_user_id == who.id, Action.owner_org_id == who.organisation_id))
        # with the actions agreed at Targeting Support Meetings
        tsm = access.tsm_actions_for(who).where(TsmItem.status == TsmActionStatus.open)
        week_end = now + timedelta(days=7)
        counts.update({
            "mine": mine, "tsm": tsm,
            "mine_overdue": mine.where(Action.due_date < now), "tsm_overdue": tsm.where(TsmItem.due_date < now),
            "mine_week": mine.where(Action.due_date >= now, Action.due_date <= week_end),
            "tsm_week": tsm.where(TsmItem.due_date >= now, TsmItem.due_date <= week_end),
        })
    if access.can(who, "view_sweeps") and not access.can(who, "match_encounters"):  # the police
        counts["sweeps"] = access.sweeps_for(who)
    if access.can(who, "match_encounters"):
        counts["to_match"] = access.encounters_for(who).where(Encounter.match_status == MatchStatus.unmatched)
    if access.can(who, "follow_up_encounters"):
        follow_ups = access.followups_for(who).where(FollowUp.status == FollowUpStatus.open)
        counts["follow_ups"] = follow_ups
        counts["follow_ups_overdue"] = follow_ups.where(FollowUp.due_on < now)
    return counts


def _build_counts(who: Who, now):
    """All of a user's card counts in one SELECT (a scalar subquery each), or None."""
    counts = _count_statements(who, now)
    return select(*(_count_of(stmt).label(name) for name, stmt in counts.items())) if counts else None


# built per user (and day) from the user's id, role and organisation only; run afresh each time.
# An EWO's is about 100 KB (with its cache key): the most recent 64 users' are kept.
_counts_statement = StatementMemo(_build_counts, maxsize=64)


def _counts(user, now) -> dict[str, int]:
    stmt = _counts_statement(Who.of(user), now)
    if stmt is None:
        return {}
    return {name: value or 0 for name, value in values_of(stmt)._mapping.items()}


def _cards(user) -> list[dict]:
    from portal.attendance.summaries import today

    cards = []
    now = today()
    n = _counts(user, now)
    if access.can(user, "view_referrals"):
        if not access.sees_triage_queue(user):
            cards.append({"title": "Referrals", "href": fixed_url("cases.list_referrals"),
                          "count": n["referrals"],
                          "text": "drafts and referrals where more information was asked for"})
        else:
            cards.append({"title": "Referrals awaiting triage", "href": fixed_url("cases.list_referrals"),
                          "count": n["referrals"],
                          "text": ("from every school" if access.serves_every_school(user)
                                   else "from the schools you serve") + ", oldest first"})
    if access.can(user, "view_cases"):
        if access.is_active_ewo(user):
            cards.append({"title": "Cases you lead", "href": fixed_url("cases.list_cases", mine=1),
                          "count": n["cases"],
                          "text": "open or monitoring"})
        else:
            cards.append({"title": "Open cases", "href": fixed_url("cases.list_cases"), "count": n["cases"],
                          "text": "shared with your organisation" if access.is_agency(user)
                          else "in every school" if access.serves_every_school(user)
                          else "for the pupils you work with"})
        cards.append({"title": "Your open actions", "href": fixed_url("cases.my_actions"),
                      "count": n["mine"] + n["tsm"],
                      "text": f"{n['mine_overdue'] + n['tsm_overdue']}"
                              f" overdue; {n['mine_week'] + n['tsm_week']} due this week"})
    cards += _picture_cards(user)
    if access.can(user, "view_school_attendance"):
        cards.append({"title": "School attendance", "href": fixed_url("attendance.schools"), "count": None,
                      "text": "key groups: at risk, persistent absence, absent today, penalty threshold"})
    cards += _sweep_cards(user, n)
    if access.can(user, "run_panels"):
        cards.append({"title": "Panel meetings", "href": fixed_url("panels.list_meetings"), "count": None,
                      "text": "schedule meetings, build and publish agendas, run them, minutes"})
        cards.append({"title": "Panel overview", "href": fixed_url("panels.panel_overview"), "count": None,
                      "text": "decisions by type, actions by agency, attendance before and after"})
    if access.can(user, "manage_users"):
        cards.append({"title": "Users and organisations", "href": fixed_url("orgs.list_users"), "count": None,
                      "text": "who can sign in, their role and organisation; each school's named EWO"})
        cards.append({"title": "Audit log", "href": fixed_url("audit.list_events"), "count": None,
                      "text": "every sign-in, view and change"})
    return cards


_schools_statement = StatementMemo(access.schools_for)  # a user's schools, built once per user


def _picture_cards(user) -> list[dict]:
    """The attendance picture: the LA dashboard, or a school's own dashboard for its staff."""
    if access.can(user, "view_la_picture"):
        whole = access.picture_school_ids(user) is None
        return [{"title": "Attendance picture", "href": fixed_url("dashboard.la_picture"), "count": None,
                 "text": ("every school" if whole else "the schools you serve")
                 + ": attendance, persistent absence and cohorts against last year, national and the ambition"}]
    if access.can(user, "view_school_picture"):
        return [{"title": f"Attendance picture: {school.name}",
                 "href": url_for("dashboard.school_picture", school_id=school.id), "count": None,
                 "text": "the school's figures against the LA, national and the ambition; cohorts, trend, reasons"}
                for school in db.session.scalars(_schools_statement(Who.of(user)))]
    return []


def _sweep_cards(user, n: dict[str, int]) -> list[dict]:
    cards = []
    if access.can(user, "view_sweeps") and not access.can(user, "match_encounters"):  # the police
        cards.append({"title": "Truancy sweeps", "href": fixed_url("sweeps.list_sweeps"),
                      "count": n["sweeps"], "text": "that you are named on, as lead or officer"})
    if access.can(user, "match_encounters"):
        cards.append({"title": "Children to match", "href": fixed_url("sweeps.list_encounters"),
                      "count": n["to_match"],
                      "text": "met in truancy sweeps, not yet matched to a pupil"})
    if access.can(user, "follow_up_encounters"):
        cards.append({"title": "Sweep follow-ups", "href": fixed_url("sweeps.list_followups"),
                      "count": n["follow_ups"],
                      "text": f"{n['follow_ups_overdue']} overdue: contact the parent or "
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

    def build() -> dict:
        return dict(user=user, cards=_cards(user), coming=COMING.get(user.role, []),
                    no_schools=access.ewo_without_schools(user))

    return render_page("dashboard/home.html", build)
