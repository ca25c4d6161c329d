"""The navigation each person sees, decided here and nowhere else.

The service is grouped into a few sections (GOV.UK service navigation in the header); the pages
of the section a person is in are listed under the header (the section navigation). A section
shows only the pages the person may use; a section with none is not shown; a section with a
single page is shown under that page's name. No role sees more than seven sections.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from portal.access import formal, selfassessment  # noqa: F401  (their permissions join the policy's table)
from portal.access.panels import meetings_open_between
from portal.access.policy import can
from portal.access.roles import SCHOOL_STAFF
from portal.access.tsm import tsms_for
from portal.statements import StatementMemo

SCHOOL_PICTURE = ("dashboard.school_picture", "dashboard.governors_summary")
MAX_SECTIONS = 7


class NavPage(NamedTuple):
    label: str
    endpoint: str
    permission: str
    within: tuple[str, ...]  # the endpoints (or prefixes) that count as being on this page


SECTIONS: tuple[tuple[str, tuple[NavPage, ...]], ...] = (
    ("Home", (NavPage("Home", "dashboard.home", "use_portal", ("dashboard.home",)),)),
    ("Children", (
        NavPage("Pupils", "pupils.search", "view_pupils", ("pupils.", "letters.new_pupil_letter",
                                                           "schoolstages.pupil_stages", "schoolstages.new_",
                                                           "schoolstages.edit_")),
        # a school's own dashboard is under "Attendance" for its staff, under "Attendance picture" for the LA
        NavPage("Attendance", "attendance.schools", "view_school_attendance", (
            "attendance.school", *SCHOOL_PICTURE, "schoolstages.key_action", "schoolstages.prepare_",
            "schoolstages.allocate_", "schoolstages.complete_", "schoolstages.review_")),
        # elective home education (issue 18): LA admins and CME officers
        NavPage("Home education", "ehe.list_records", "manage_ehe", ("ehe.",)),
        # children missing education (issue 18): a school's notifications; the LA's queue and enquiries
        NavPage("Children missing education", "cme.list_notifications", "view_cme_notifications", (
            "cme.list_notifications", "cme.acknowledge_", "cme.open_enquiry_from", "cme.new_notification",
            "cme.joint_enquiries")),
        NavPage("CME enquiries", "cme.list_enquiries", "work_cme", (
            "cme.list_enquiries", "cme.new_enquiry", "cme.view_enquiry", "cme.close_enquiry", "cme.record_step",
            "cme.reopen_enquiry", "cme.open_enquiry_from_encounter", "cme.link_pupil", "cme.share_enquiry",
            "cme.withdraw_cme_share")),
        # CME enquiries the LA shared with children's social care or the police (their users only)
        NavPage("CME enquiries shared with you", "cme.shared_enquiries", "view_shared_cme", (
            "cme.shared_enquiries", "cme.view_shared_enquiry")),
        NavPage("CME report", "cme.cme_report", "work_cme", ("cme.cme_report",)),
    )),
    ("Cases", (
        NavPage("Cases", "cases.list_cases", "view_cases", (
            "cases.list_cases", "cases.view_case", "cases.update_case", "cases.share_case", "cases.withdraw_share",
            "cases.close_case", "cases.add_entry", "cases.correct_entry", "cases.strike_entry", "cases.add_action",
            "cases.chronology", "cases.new_document", "cases.download_document", "cases.remove_document",
            "cases.add_family_child", "cases.remove_family_child", "cases.change_lead", "letters.new_case_letter")),
        NavPage("Referrals", "cases.list_referrals", "view_referrals", (
            "cases.new_referral", "cases.edit_referral", "cases.list_referrals", "cases.view_referral",
            "cases.triage_referral", "cases.add_to_referral", "cases.check_referral", "cases.submit_referral")),
        NavPage("My actions", "cases.my_actions", "view_cases", ("cases.my_actions", "cases.complete_action",
                                                              "cases.action_row")),
        NavPage("NTI requests", "formal.nti_requests", "view_nti_requests", ("formal.nti_request", "formal.view_nti_",
                                                                           "formal.decline_nti_")),
        NavPage("Penalty notices", "formal.penalty_notices", "manage_formal", ("formal.penalty_", "formal.view_notice",
                                                                             "formal.issue_", "formal.record_payment",
                                                                             "formal.withdraw_", "formal.consider_")),
        NavPage("Dip-sampling", "quality.list_samples", "dip_sample", ("quality.list_samples", "quality.new_sample",
                                                                      "quality.view_sample", "quality.audit_case",
                                                                      "quality.sample_", "quality.audit_form",
                                                                      "quality.criterion", "quality.new_criterion",
                                                                      "quality.new_form_draft",
                                                                      "quality.publish_form")),
        NavPage("Audits of my cases", "quality.my_audits", "read_case_audits", ("quality.my_audits",
                                                                               "quality.view_audit",
                                                                               "quality.acknowledge_audit")),
    )),
    ("Meetings", (
        NavPage("Panels", "panels.list_meetings", "attend_panels", ("panels.",)),
        NavPage("Targeting support meetings", "tsm.coverage", "view_tsm_coverage", ("tsm.",)),
        NavPage("Support meetings", "tsm.list_meetings", "attend_tsms", ("tsm.",)),
    )),
    ("Sweeps", (
        NavPage("Sweeps", "sweeps.list_sweeps", "view_sweeps", (
            "sweeps.list_sweeps", "sweeps.new_sweep", "sweeps.view_sweep", "sweeps.edit_sweep",
            "sweeps.new_encounter", "sweeps.view_encounter", "sweeps.match_encounter", "sweeps.unmatch_encounter",
            "sweeps.list_encounters", "sweeps.report")),
        NavPage("Follow-ups", "sweeps.list_followups", "follow_up_encounters", (
            "sweeps.list_followups", "sweeps.view_followup", "sweeps.record_followup")),
    )),
    ("Data", (
        NavPage("Attendance picture", "dashboard.la_picture", "view_la_picture", (
            "dashboard.la_picture", "dashboard.picture_", *SCHOOL_PICTURE)),
        NavPage("Imports", "attendance.list_imports", "import_attendance", (
            "attendance.list_imports", "attendance.view_import", "attendance.import_")),
        # the school's own self-assessment; every school's in one grid for the LA and the EWO (issue 17)
        NavPage("Self-assessment", "selfassessment.school_assessments", "complete_self_assessment", (
            "selfassessment.school_assessments", "selfassessment.start", "selfassessment.edit_assessment",
            "selfassessment.view_assessment", "selfassessment.add_evidence", "selfassessment.download_evidence",
            "selfassessment.remove_evidence")),
        NavPage("Self-assessments", "selfassessment.overview", "view_self_assessment_overview", (
            "selfassessment.overview", "selfassessment.view_assessment", "selfassessment.review_assessment",
            "selfassessment.download_evidence")),
    )),
    ("Admin", (
        NavPage("Organisations", "orgs.list_organisations", "manage_organisations", ("orgs.",)),
        NavPage("Users", "orgs.list_users", "manage_users", ("orgs.list_users", "orgs.new_user", "orgs.view_user",
                                                          "orgs.edit_user", "orgs.deactivate_user",
                                                          "orgs.reactivate_user")),
        NavPage("Audit log", "audit.list_events", "view_audit", ("audit.",)),
        NavPage("Stages", "cases.list_stages", "manage_stages", ("cases.list_stages", "cases.edit_stage")),
        NavPage("Settings", "attendance.edit_settings", "manage_settings", ("attendance.edit_settings",
                                                                         "attendance.reference_")),
        NavPage("Calendar", "attendance.calendar_page", "manage_calendar", (
            "attendance.calendar_page", "attendance.new_term", "attendance.edit_term", "attendance.remove_term",
            "attendance.closures")),
        NavPage("Letter templates", "letters.list_templates", "manage_letter_templates", (
            "letters.list_templates", "letters.new_template", "letters.edit_template", "letters.retire_template")),
        NavPage("Retention", "retention.due", "manage_retention", ("retention.",)),
        NavPage("Self-assessment questionnaire", "selfassessment.questions_page", "manage_self_assessment_questions", (
            "selfassessment.questions_page", "selfassessment.start_draft", "selfassessment.add_area",
            "selfassessment.change_area", "selfassessment.retire_area", "selfassessment.publish")),
    )),
)


def _may_use(user, page: NavPage, meetings: dict[str, bool]) -> bool:
    if not can(user, page.permission):
        return False
    if page.label == "Panels":
        return meetings["panels"]
    # LA admins and EWOs come in by this term's coverage; school staff and invited partners by their meetings
    if page.label == "Support meetings":
        return not can(user, "view_tsm_coverage") and meetings["tsms"]
    return True


def page_flags(user) -> dict:
    """What the navigation on every page needs beyond the policy, asked in one query: whether
    the user has a panel and a support meeting open to them and how
    many of their notifications are unread. Memoised for the request (`flask.g`)."""
    from datetime import timedelta

    from flask import g

    from portal.access.panels import panel_access_days
    from portal.statements import Who, values_of
    from portal.timeutil import utcnow

    cached = g.get("_page_flags")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    now = utcnow()
    row = values_of(_flags_statement(Who.of(user)), {
        "flags_now": now, "flags_cutoff": now - timedelta(days=panel_access_days())})
    flags = {"panels": bool(row[0]), "tsms": bool(row[1]), "unread": int(row[2] or 0)}
    g._page_flags = (user.id, flags)
    return flags


def _build_flags(who):
    """`page_flags`' statement, from the user's id, role and organisation; the panels' access
    window is a parameter (the times of the request)."""
    from sqlalchemy import bindparam, func, literal, select

    from portal.notifications.models import Notification
    from portal.panels.models import PanelMeeting
    from portal.tsm.models import SupportMeeting

    panels = literal(True) if can(who, "run_panels") else meetings_open_between(
        who, bindparam("flags_cutoff"), bindparam("flags_now")).with_only_columns(PanelMeeting.id).exists()
    tsms = literal(True) if can(who, "view_tsm_coverage") or who.role == SCHOOL_STAFF else tsms_for(
        who).with_only_columns(SupportMeeting.id).exists()
    unread = select(func.count()).select_from(Notification).where(
        Notification.user_id == who.id, Notification.read_at.is_(None)).scalar_subquery()
    return select(panels, tsms, unread)


_flags_statement = StatementMemo(_build_flags)  # about 20 KB each: the most recent 256 users' kept


def _on(user, page: NavPage, endpoint: str) -> bool:
    """Whether `endpoint` is one of the page's own (its list, the objects it lists, their forms)."""
    if not endpoint:
        return False
    if page.label == "Attendance" and endpoint.startswith(SCHOOL_PICTURE) and can(user, "view_la_picture"):
        return False
    if page.label == "Organisations":
        return endpoint.startswith("orgs.") and "user" not in endpoint
    return endpoint.startswith(page.within)


def sections_for(user, endpoint: str | None = None) -> list[dict]:
    """The sections a user may use, in order, each with its pages; the one the user is in is
    `active`, and in it the page they are on is `active` (and `current` when it is that page's own
    address)."""
    meetings = page_flags(user)
    return _sections(_nav_user(user),
                     endpoint or "", meetings["panels"],
                     meetings["tsms"])


class _NavUser(NamedTuple):
    """All the navigation asks of a user: their role (the policy's permissions without an object)."""
    role: str
    is_authenticated: bool
    team_manager: bool = False  # an EWO who draws dip-samples (`policy.USER_RULES`)
    cme_officer: bool = False  # an EWO who works children missing education (`policy.USER_RULES`)


def _nav_user(user) -> _NavUser:
    return _NavUser(user.role, bool(user.is_authenticated), bool(getattr(user, "team_manager", False)),
                    bool(getattr(user, "cme_officer", False)))


def _sections(user: _NavUser, endpoint: str, panels: bool, tsms: bool) -> list[dict]:
    sections = []
    meetings = {"panels": panels, "tsms": tsms}
    for label, pages in SECTIONS:
        visible = [page for page in pages if _may_use(user, page, meetings)]
        if not visible:
            continue
        # the first page that claims the endpoint is the one marked (Targeting support meetings and
        # Support meetings share theirs)
        on = next((page for page in visible if _on(user, page, endpoint)), None)
        items = [{"label": page.label, "endpoint": page.endpoint, "active": page is on,
                  "current": endpoint == page.endpoint} for page in visible]
        sections.append({"label": label if len(items) > 1 else items[0]["label"], "endpoint": items[0]["endpoint"],
                         "active": on is not None, "current": items[0]["current"], "items": items})
    return sections


NAV_MEMO_SIZE = 1024
_nav_memo: OrderedDict[tuple, tuple] = OrderedDict()
_nav_lock = threading.Lock()


def page_navigation(user, endpoint: str | None, script_root: str = "") -> tuple[list[dict], dict | None]:
    """What base.html shows: the header's sections (at most MAX_SECTIONS) and the section
    navigation, each page with its `href`. It depends only on the user's role, whether they have
    a panel and a support meeting open to them (`page_flags`, asked afresh each request), the
    endpoint and the address the app is mounted at, so it is worked out once per distinct key
    (bounded, least recently used out) and shared: section names and addresses, nothing about a
    person. Callers must not change what it returns."""
    from flask import url_for

    meetings = page_flags(user)
    who = _nav_user(user)
    key = (who, meetings["panels"], meetings["tsms"], endpoint or "", script_root)
    with _nav_lock:
        kept = _nav_memo.get(key)
        if kept is not None:
            _nav_memo.move_to_end(key)
            return kept
    sections = _sections(who, endpoint or "", meetings["panels"], meetings["tsms"])
    for section in sections:
        section["href"] = url_for(section["endpoint"])
        for item in section["items"]:
            item["href"] = url_for(item["endpoint"])
    kept = (sections[:MAX_SECTIONS], section_navigation(sections))
    with _nav_lock:
        _nav_memo[key] = kept
        while len(_nav_memo) > NAV_MEMO_SIZE:
            _nav_memo.popitem(last=False)
    return kept


def navigation_for(user, endpoint: str | None = None) -> list[dict]:
    """The header's service navigation: one link per section (at most MAX_SECTIONS)."""
    return sections_for(user, endpoint)[:MAX_SECTIONS]


def section_navigation(sections: list[dict]) -> dict | None:
    """Of `sections_for(...)`: the pages of the section the user is in, when it has more than one."""
    for section in sections:
        if section["active"] and len(section["items"]) > 1:
            return {"label": section["label"], "items": section["items"]}
    return None
