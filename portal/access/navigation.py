"""The navigation each person sees: the sections their permissions open, the current one marked."""
from __future__ import annotations

from portal.access.panels import has_panels
from portal.access.policy import can
from portal.access.tsm import has_tsms

SCHOOL_PICTURE = ("dashboard.school_picture", "dashboard.governors_summary")

NAVIGATION: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (label, endpoint, permission, the endpoints that count as being in that section)
    ("Home", "dashboard.home", "use_portal", ("dashboard.home",)),
    ("Pupils", "pupils.search", "view_pupils", ("pupils.",)),
    # a school's own dashboard is under "Attendance" for its staff, under "Attendance picture" for the LA
    ("Attendance", "attendance.schools", "view_school_attendance", ("attendance.school", *SCHOOL_PICTURE)),
    ("Attendance picture", "dashboard.la_picture", "view_la_picture", ("dashboard.la_picture", "dashboard.picture_",
                                                                       *SCHOOL_PICTURE)),
    ("Imports", "attendance.list_imports", "import_attendance", ("attendance.list_imports", "attendance.view_import",
                                                                 "attendance.import_")),
    ("Referrals", "cases.list_referrals", "view_referrals", ("cases.new_referral", "cases.edit_referral",
                                                             "cases.list_referrals", "cases.view_referral",
                                                             "cases.triage_referral", "cases.add_to_referral")),
    ("Cases", "cases.list_cases", "view_cases", ("cases.list_cases", "cases.view_case", "cases.update_case",
                                                 "cases.share_case", "cases.withdraw_share", "cases.close_case",
                                                 "cases.add_entry", "cases.correct_entry", "cases.strike_entry",
                                                 "cases.add_action", "cases.new_document", "cases.download_document",
                                                 "cases.remove_document")),
    ("My actions", "cases.my_actions", "view_cases", ("cases.my_actions", "cases.complete_action")),
    ("Panels", "panels.list_meetings", "attend_panels", ("panels.",)),
    ("Targeting support meetings", "tsm.coverage", "view_tsm_coverage", ("tsm.",)),
    ("Support meetings", "tsm.list_meetings", "attend_tsms", ("tsm.",)),
    ("Sweeps", "sweeps.list_sweeps", "view_sweeps", ("sweeps.list_sweeps", "sweeps.new_sweep", "sweeps.view_sweep",
                                                     "sweeps.new_encounter", "sweeps.view_encounter",
                                                     "sweeps.match_encounter", "sweeps.list_encounters",
                                                     "sweeps.report")),
    ("Follow-ups", "sweeps.list_followups", "follow_up_encounters", ("sweeps.list_followups",
                                                                     "sweeps.view_followup",
                                                                     "sweeps.record_followup")),
    ("Organisations", "orgs.list_organisations", "manage_organisations", ("orgs.", "orgs.view_organisation")),
    ("Users", "orgs.list_users", "manage_users", ("orgs.list_users", "orgs.new_user", "orgs.view_user",
                                                  "orgs.edit_user", "orgs.deactivate_user", "orgs.reactivate_user")),
    ("Audit log", "audit.list_events", "view_audit", ("audit.",)),
    ("Stages", "cases.list_stages", "manage_stages", ("cases.list_stages", "cases.edit_stage")),
    ("Settings", "attendance.edit_settings", "manage_settings", ("attendance.edit_settings",
                                                                 "attendance.reference_")),
    ("Calendar", "attendance.calendar_page", "manage_calendar", ("attendance.calendar_page", "attendance.new_term",
                                                            "attendance.edit_term", "attendance.remove_term")),
)


def navigation_for(user, endpoint: str | None = None) -> list[dict]:
    """The navigation a user may use, with the current section marked."""
    items = []
    endpoint = endpoint or ""
    for label, target, perm, sections in NAVIGATION:
        if not can(user, perm):
            continue
        if label == "Panels" and not has_panels(user):
            continue
        # LA admins and EWOs come in by this term's coverage; school staff and invited partners
        # by their meetings
        if label == "Support meetings" and (can(user, "view_tsm_coverage") or not has_tsms(user)):
            continue
        active = bool(endpoint) and endpoint.startswith(sections)
        if label == "Attendance" and endpoint.startswith(SCHOOL_PICTURE) and can(user, "view_la_picture"):
            active = False
        if label == "Organisations":
            active = bool(endpoint) and endpoint.startswith("orgs.") and "user" not in endpoint
        items.append({"label": label, "endpoint": target, "active": active, "current": endpoint == target})
    return items
