"""Who may see or do what: the one place that decides.

Views declare what they need with `@require("permission")` and load objects through the
`get_*_or_404` loaders and `*_for(user)` scoped queries here. An object outside a user's
scope is a 404 (its existence is not leaked); an object the user may see but not change,
or a page their role may not use, is a 403.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, false, select

from portal.orgs.models import Organisation, OrgKind, User

SCHOOL_STAFF = "school_staff"
EWO = "ewo"
SOCIAL_CARE = "social_care"
EARLY_HELP = "early_help"
POLICE = "police"
PANEL_CHAIR = "panel_chair"
LA_ADMIN = "la_admin"

ROLES = (SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, POLICE, PANEL_CHAIR, LA_ADMIN)
AGENCY_ROLES = (SOCIAL_CARE, EARLY_HELP, POLICE)

ROLE_LABELS = {
    SCHOOL_STAFF: "School staff",
    EWO: "Education welfare officer",
    SOCIAL_CARE: "Children's social care",
    EARLY_HELP: "Early help",
    POLICE: "Police",
    PANEL_CHAIR: "Panel chair",
    LA_ADMIN: "LA administrator",
}

# Which kinds of organisation each role may belong to.
ROLE_ORG_KINDS: dict[str, tuple[OrgKind, ...]] = {
    SCHOOL_STAFF: (OrgKind.school,),
    EWO: (OrgKind.attendance_service,),
    SOCIAL_CARE: (OrgKind.social_care,),
    EARLY_HELP: (OrgKind.early_help,),
    POLICE: (OrgKind.police,),
    PANEL_CHAIR: (OrgKind.attendance_service, OrgKind.other),
    LA_ADMIN: (OrgKind.attendance_service, OrgKind.other),
}

ALL_ROLES = frozenset(ROLES)

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "use_portal": ALL_ROLES,
    "manage_organisations": frozenset({LA_ADMIN}),
    "manage_users": frozenset({LA_ADMIN}),
    "view_audit": frozenset({LA_ADMIN}),
    # Pupils and attendance: schools see their own, EWOs the schools they serve, the LA all.
    # Partner agencies see a pupil only through a case shared with them (cases issue).
    "view_pupils": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "edit_pupils": frozenset({SCHOOL_STAFF, LA_ADMIN}),
    "import_attendance": frozenset({SCHOOL_STAFF, LA_ADMIN}),
    "view_school_attendance": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    # Referrals and cases
    "refer": frozenset({SCHOOL_STAFF}),
    "view_referrals": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "triage": frozenset({EWO, LA_ADMIN}),
    "view_cases": frozenset({SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, POLICE, LA_ADMIN}),
    "lead_cases": frozenset({EWO, LA_ADMIN}),
    "manage_stages": frozenset({LA_ADMIN}),
    "read_outbox": frozenset({LA_ADMIN}),
    # Panels: the chair and LA admins run meetings; anyone may be invited to one (in person or
    # through their agency), and then sees its agenda and packs within the access window.
    "run_panels": frozenset({PANEL_CHAIR, LA_ADMIN}),
    "attend_panels": ALL_ROLES,
    # Truancy sweeps: police and EWOs run them and record the children met; EWOs (and the LA)
    # match each child to a pupil; the school and its named EWO follow each match up.
    "view_sweeps": frozenset({POLICE, EWO, LA_ADMIN}),
    "record_sweeps": frozenset({POLICE, EWO, LA_ADMIN}),
    "match_encounters": frozenset({EWO, LA_ADMIN}),
    "follow_up_encounters": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
}


def can(user, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    try:
        return user.role in PERMISSIONS[permission]
    except KeyError:
        raise LookupError(f"unknown permission {permission!r}") from None


def require(permission: str) -> Callable:
    """Decorator: anonymous users go to the login page; users without the permission get 403."""
    if permission not in PERMISSIONS:
        raise LookupError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # read by the codebase tests
        return wrapped

    return decorator


def public(view):
    """Mark a view as reachable without signing in (login page, health check, errors)."""
    view.required_permission = None
    return view


# ----- scoped queries -------------------------------------------------------------------

def organisations_for(user) -> Select:
    """Organisations a user may list (admin screens)."""
    if can(user, "manage_organisations"):
        return select(Organisation)
    return select(Organisation).where(Organisation.id == user.organisation_id)


def users_for(user) -> Select:
    if can(user, "manage_users"):
        return select(User)
    return select(User).where(User.id == user.id)


def get_organisation_or_404(user, org_id: int, need: str = "view") -> Organisation:
    from portal.extensions import db

    org = db.session.scalar(organisations_for(user).where(Organisation.id == org_id))
    if org is None:
        abort(404)
    if need == "edit" and not can(user, "manage_organisations"):
        abort(403)
    return org


def get_user_or_404(user, user_id: int, need: str = "view") -> User:
    from portal.extensions import db

    found = db.session.scalar(users_for(user).where(User.id == user_id))
    if found is None:
        abort(404)
    if need == "edit" and not can(user, "manage_users"):
        abort(403)
    return found


def school_ids_for(user) -> Select:
    """Ids of the schools whose pupils and attendance a user may see."""
    if user.role == LA_ADMIN:
        return select(Organisation.id).where(Organisation.kind == OrgKind.school)
    if user.role == SCHOOL_STAFF:
        return select(Organisation.id).where(Organisation.id == user.organisation_id,
                                             Organisation.kind == OrgKind.school)
    if user.role == EWO:
        return select(Organisation.id).where(Organisation.named_ewo_id == user.id)
    return select(Organisation.id).where(false())


def schools_for(user) -> Select:
    return select(Organisation).where(Organisation.id.in_(school_ids_for(user))).order_by(Organisation.name)


def pupils_for(user) -> Select:
    from portal.pupils.models import Pupil

    return select(Pupil).where(Pupil.school_id.in_(school_ids_for(user)))


def get_pupil_or_404(user, pupil_id: int, need: str = "view"):
    from portal.extensions import db
    from portal.pupils.models import Pupil

    pupil = db.session.scalar(pupils_for(user).where(Pupil.id == pupil_id))
    if pupil is None:
        abort(404)
    if need == "edit" and not can(user, "edit_pupils"):
        abort(403)
    return pupil


def get_school_or_404(user, school_id: int) -> Organisation:
    from portal.extensions import db

    school = db.session.scalar(schools_for(user).where(Organisation.id == school_id))
    if school is None:
        abort(404)
    return school


def imports_for(user) -> Select:
    from portal.attendance.models import ImportJob

    if user.role == LA_ADMIN:
        return select(ImportJob)
    return select(ImportJob).where(ImportJob.uploaded_by_id == user.id)


def get_import_or_404(user, job_id: int):
    from portal.attendance.models import ImportJob
    from portal.extensions import db

    job = db.session.scalar(imports_for(user).where(ImportJob.id == job_id))
    if job is None:
        abort(404)
    return job


def referrals_for(user) -> Select:
    """Schools see their own referrals (drafts included); EWOs the submitted referrals of the
    schools they serve; the LA every submitted referral."""
    from portal.cases.models import Referral

    if user.role == SCHOOL_STAFF:
        return select(Referral).where(Referral.school_id == user.organisation_id)
    if user.role in (EWO, LA_ADMIN):
        return select(Referral).where(Referral.school_id.in_(school_ids_for(user)), Referral.status != "draft")
    return select(Referral).where(false())


def get_referral_or_404(user, referral_id: int, need: str = "view"):
    from portal.cases.models import Referral
    from portal.extensions import db

    referral = db.session.scalar(referrals_for(user).where(Referral.id == referral_id))
    if referral is None:
        abort(404)
    if need == "edit" and not (user.role == SCHOOL_STAFF and referral.status in ("draft", "more_info")):
        abort(403)
    if need == "add" and user.role != SCHOOL_STAFF:
        abort(403)
    if need == "triage" and not can_triage(user, referral):
        abort(403)
    return referral


def can_triage(user, referral) -> bool:
    """The school's named EWO (or the LA) triages a submitted referral."""
    if referral.status != "submitted":
        return False
    if user.role == LA_ADMIN:
        return True
    return user.role == EWO and referral.school.named_ewo_id == user.id


def _active_share_for(org_id):
    from portal.cases.models import Case, CaseShare

    return select(CaseShare.case_id).where(CaseShare.organisation_id == org_id,
                                           CaseShare.withdrawn_at.is_(None)).correlate(Case)


def cases_for(user) -> Select:
    """Schools: cases of their pupils; EWOs: cases of the schools they serve; partner
    agencies: exactly the cases shared with their organisation (a withdrawn share hides the
    case at once); the LA: all."""
    from portal.cases.models import Case
    from portal.pupils.models import Pupil

    if user.role in (SCHOOL_STAFF, EWO, LA_ADMIN):
        pupils = select(Pupil.id).where(Pupil.school_id.in_(school_ids_for(user)))
        return select(Case).where(Case.pupil_id.in_(pupils))
    if user.role in AGENCY_ROLES:
        return select(Case).where(Case.id.in_(_active_share_for(user.organisation_id)))
    return select(Case).where(false())


def case_view(user) -> str:
    """How much of a case a role sees: the police see a restricted view (summary, actions and
    the chronology entries marked shareable with police; no register detail or health notes)."""
    return "police" if user.role == POLICE else "full"


def can_lead(user, case) -> bool:
    """The lead professional, the EWO serving the pupil's school, or the LA."""
    if user.role == LA_ADMIN:
        return True
    return user.role == EWO and (case.lead_id == user.id or case.pupil.school.named_ewo_id == user.id)


def get_case_or_404(user, case_id: int, need: str = "view"):
    from portal.cases.models import Case
    from portal.extensions import db

    case = db.session.scalar(cases_for(user).where(Case.id == case_id))
    if case is None:
        abort(404)
    if need == "lead" and not can_lead(user, case):
        abort(403)
    return case


def actions_for(user) -> Select:
    """Actions on the cases a user can see."""
    from portal.cases.models import Action, Case

    return select(Action).where(Action.case_id.in_(cases_for(user).with_only_columns(Case.id)))


def can_update_action(user, action) -> bool:
    """The owner (or someone of the owning agency), the case lead side, or the LA."""
    if user.role == LA_ADMIN or can_lead(user, action.case):
        return True
    if action.owner_user_id == user.id:
        return True
    return action.owner_org_id is not None and action.owner_org_id == user.organisation_id


# ----- panels -------------------------------------------------------------------------------
# A meeting is run by its chair (or an LA admin). Invited members, in person or through their
# agency, see its agenda from publication until PANEL_ACCESS_DAYS after the meeting.

def panel_access_days() -> int:
    from flask import current_app

    return int(current_app.config.get("PANEL_ACCESS_DAYS", 7))


def can_manage_meeting(user, meeting) -> bool:
    """The meeting's chair, or an LA administrator."""
    if user.role == LA_ADMIN:
        return True
    return user.role == PANEL_CHAIR and meeting.chair_id == user.id


def personal_invitation(user, meeting):
    """The user's own PanelMember row for the meeting (None if there is none)."""
    from portal.extensions import db
    from portal.panels.models import PanelMember

    return db.session.scalar(select(PanelMember).where(PanelMember.meeting_id == meeting.id,
                                                       PanelMember.user_id == user.id))


def agency_invitation(org_id: int, meeting):
    """The invitation of an agency as a whole (None if there is none)."""
    from portal.extensions import db
    from portal.panels.models import PanelMember

    return db.session.scalar(select(PanelMember).where(PanelMember.meeting_id == meeting.id,
                                                       PanelMember.user_id.is_(None),
                                                       PanelMember.organisation_id == org_id))


def meeting_membership(user, meeting):
    """The user's own invitation, else their agency's (None: not invited)."""
    return personal_invitation(user, meeting) or agency_invitation(user.organisation_id, meeting)


def meeting_open_to(user, meeting, now=None) -> bool:
    """The chair and LA admins always; an invited member (in person or through their agency)
    from publication until PANEL_ACCESS_DAYS days after the meeting."""
    from datetime import timedelta

    from portal.timeutil import as_utc, utcnow

    if can_manage_meeting(user, meeting):
        return True
    if meeting.published_at is None or meeting_membership(user, meeting) is None:
        return False
    now = now or utcnow()
    until = as_utc(meeting.held_at) + timedelta(days=panel_access_days())
    return as_utc(meeting.published_at) <= now <= until


def invited_meetings(user) -> Select:
    """Meetings a user may list, whatever the date: LA admins all, a chair the meetings they
    chair, a member the published meetings they (or their agency) are invited to."""
    from sqlalchemy import and_, or_

    from portal.panels.models import PanelMeeting, PanelMember

    if user.role == LA_ADMIN:
        return select(PanelMeeting)
    invited = select(PanelMember.meeting_id).where(or_(
        PanelMember.user_id == user.id,
        and_(PanelMember.user_id.is_(None), PanelMember.organisation_id == user.organisation_id)))
    published = and_(PanelMeeting.id.in_(invited), PanelMeeting.published_at.is_not(None))
    if user.role == PANEL_CHAIR:
        return select(PanelMeeting).where(or_(PanelMeeting.chair_id == user.id, published))
    return select(PanelMeeting).where(published)


def meetings_for(user) -> Select:
    """Panel meetings a user may open now: `invited_meetings`, a member's only until the
    access window closes (PANEL_ACCESS_DAYS after the meeting)."""
    from datetime import timedelta

    from sqlalchemy import or_

    from portal.panels.models import PanelMeeting
    from portal.timeutil import utcnow

    stmt = invited_meetings(user)
    if user.role == LA_ADMIN:
        return stmt
    cutoff = utcnow() - timedelta(days=panel_access_days())
    return stmt.where(or_(PanelMeeting.chair_id == user.id,
                          (PanelMeeting.held_at >= cutoff) & (PanelMeeting.published_at <= utcnow())))


def get_meeting_or_404(user, meeting_id: int, need: str = "view"):
    """need="view": the chair, LA admins, or an invited member inside the access window;
    need="manage": the chair or an LA admin (403 for a member who can see it)."""
    from portal.extensions import db
    from portal.panels.models import PanelMeeting

    meeting = db.session.scalar(meetings_for(user).where(PanelMeeting.id == meeting_id))
    if meeting is None or not meeting_open_to(user, meeting):
        abort(404)
    if need == "manage" and not can_manage_meeting(user, meeting):
        abort(403)
    return meeting


def get_agenda_item_or_404(user, meeting_id: int, item_id: int, need: str = "view"):
    """An item of a meeting the user may see; removed items only for the chair side."""
    from portal.extensions import db
    from portal.panels.models import AgendaItem

    meeting = get_meeting_or_404(user, meeting_id, need=need)
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    if item.removed_at is not None and not can_manage_meeting(user, meeting):
        abort(404)
    return item


def managed_meetings(user) -> Select:
    """The meetings whose outcomes a user oversees (the panel overview): LA admins all, a
    chair the meetings they chair."""
    from portal.panels.models import PanelMeeting

    if user.role == LA_ADMIN:
        return select(PanelMeeting)
    if user.role == PANEL_CHAIR:
        return select(PanelMeeting).where(PanelMeeting.chair_id == user.id)
    abort(403)


def minutes_versions(user, meeting) -> tuple[str, ...]:
    """The versions of a meeting's minutes a user may open: everyone who may see the meeting
    the redacted one; the chair side, and members who confirmed the confidentiality
    statement, the restricted one too (with children's names)."""
    row = personal_invitation(user, meeting)
    if can_manage_meeting(user, meeting) or (row is not None and row.confidentiality_confirmed_at is not None):
        return ("restricted", "redacted")
    return ("redacted",)


def panel_history_visible(user, case) -> bool:
    """The panel's decisions on a case show on the case page, except in the police view."""
    return case_view(user) != "police"


def case_for_agenda(user, case_id: int):
    """The case a chair (or LA admin) lists on an agenda by its number; None if there is none.
    Panel chairs list cases they do not otherwise see: the panel is where they are discussed."""
    from portal.cases.models import Case
    from portal.extensions import db

    if not can(user, "run_panels"):
        abort(403)
    return db.session.get(Case, case_id)


def panel_chairs() -> Select:
    """The people who can chair a meeting."""
    return select(User).where(User.role.in_((PANEL_CHAIR, LA_ADMIN)), User.active.is_(True)).order_by(User.name)


def has_panels(user) -> bool:
    """Show "Panels" in the navigation: always to those who run panels, to others while a
    meeting they are invited to is open to them."""
    from portal.extensions import db
    from portal.panels.models import PanelMeeting

    if can(user, "run_panels"):
        return True
    return db.session.scalar(meetings_for(user).with_only_columns(PanelMeeting.id).limit(1)) is not None


# ----- truancy sweeps ------------------------------------------------------------------------

def _sweeps_taken_part_in(user) -> Select:
    """Ids of the sweeps a user leads, works on, or whose agencies include the user's."""
    from sqlalchemy import or_

    from portal.sweeps.models import Sweep, SweepAgency, SweepOfficer

    return select(Sweep.id).where(or_(
        Sweep.lead_id == user.id,
        Sweep.id.in_(select(SweepOfficer.sweep_id).where(SweepOfficer.user_id == user.id)),
        Sweep.id.in_(select(SweepAgency.sweep_id).where(SweepAgency.organisation_id == user.organisation_id)),
    ))


def takes_part(user, sweep) -> bool:
    """The lead, an officer, or someone of an agency taking part."""
    return (sweep.lead_id == user.id or any(o.user_id == user.id for o in sweep.officers)
            or any(a.organisation_id == user.organisation_id for a in sweep.agencies))


def encounters_for(user) -> Select:
    """The police: the encounters of the sweeps they (or their force) take part in. EWOs: the
    encounters still to match (and those found not on roll), those matched to pupils of the
    schools they serve, and those they recorded. Schools: the encounters matched to their own
    pupils (seen through the follow-up). The LA: all."""
    from sqlalchemy import or_

    from portal.pupils.models import Pupil
    from portal.sweeps.models import Encounter

    if user.role == LA_ADMIN:
        return select(Encounter)
    if user.role == POLICE:
        return select(Encounter).where(Encounter.sweep_id.in_(_sweeps_taken_part_in(user)))
    if user.role == EWO:
        pupils = select(Pupil.id).where(Pupil.school_id.in_(school_ids_for(user)))
        return select(Encounter).where(or_(Encounter.match_status != "matched", Encounter.pupil_id.in_(pupils),
                                           Encounter.recorded_by_id == user.id))
    if user.role == SCHOOL_STAFF:
        pupils = select(Pupil.id).where(Pupil.school_id == user.organisation_id)
        return select(Encounter).where(Encounter.match_status == "matched", Encounter.pupil_id.in_(pupils))
    return select(Encounter).where(false())


def sweeps_for(user) -> Select:
    """Sweeps a user may open: those they take part in, and (EWOs) those with an encounter
    for them to match or follow; the LA all."""
    from sqlalchemy import or_

    from portal.sweeps.models import Encounter, Sweep

    if not can(user, "view_sweeps"):
        return select(Sweep).where(false())
    if user.role == LA_ADMIN:
        return select(Sweep)
    if user.role == POLICE:
        return select(Sweep).where(Sweep.id.in_(_sweeps_taken_part_in(user)))
    in_scope = encounters_for(user).with_only_columns(Encounter.sweep_id)
    return select(Sweep).where(or_(Sweep.id.in_(_sweeps_taken_part_in(user)), Sweep.id.in_(in_scope)))


def get_sweep_or_404(user, sweep_id: int, need: str = "view"):
    """need="record": the user takes part in the sweep (or is an LA admin), else 403."""
    from portal.extensions import db
    from portal.sweeps.models import Sweep

    sweep = db.session.scalar(sweeps_for(user).where(Sweep.id == sweep_id))
    if sweep is None:
        abort(404)
    if need == "record" and not (user.role == LA_ADMIN or (can(user, "record_sweeps") and takes_part(user, sweep))):
        abort(403)
    return sweep


def get_encounter_or_404(user, encounter_id: int, need: str = "view"):
    """need="match": EWOs and the LA (403 for the police who can see it)."""
    from portal.extensions import db
    from portal.sweeps.models import Encounter

    encounter = db.session.scalar(encounters_for(user).where(Encounter.id == encounter_id))
    if encounter is None:
        abort(404)
    if need == "match" and not can(user, "match_encounters"):
        abort(403)
    return encounter


def encounter_view(user) -> str:
    """The police see who the child was matched to, never the pupil's attendance or case
    (unless a case is shared with them, and then through the case)."""
    return "police" if user.role == POLICE else "full"


def followups_for(user) -> Select:
    """Schools: follow-ups for their own pupils; EWOs: those of the schools they serve (and
    any named to them); the LA: all."""
    from sqlalchemy import or_

    from portal.sweeps.models import FollowUp

    if user.role == LA_ADMIN:
        return select(FollowUp)
    if user.role == SCHOOL_STAFF:
        return select(FollowUp).where(FollowUp.school_id == user.organisation_id)
    if user.role == EWO:
        return select(FollowUp).where(or_(FollowUp.school_id.in_(school_ids_for(user)), FollowUp.ewo_id == user.id))
    return select(FollowUp).where(false())


def get_followup_or_404(user, followup_id: int):
    from portal.extensions import db
    from portal.sweeps.models import FollowUp

    item = db.session.scalar(followups_for(user).where(FollowUp.id == followup_id))
    if item is None:
        abort(404)
    return item


def visible_open_case(user, pupil_id: int):
    """The pupil's open case if the user may see it (e.g. shared with their agency), else None."""
    from portal.cases.models import Case
    from portal.extensions import db

    return db.session.scalar(cases_for(user).where(Case.pupil_id == pupil_id, Case.status != "closed")
                             .order_by(Case.id.desc()).limit(1))


def audit_for(user) -> Select:
    from portal.audit import AuditEvent

    if not can(user, "view_audit"):
        abort(403)
    return select(AuditEvent)


# ----- navigation -------------------------------------------------------------------------

NAVIGATION: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (label, endpoint, permission, the endpoints that count as being in that section)
    ("Home", "dashboard.home", "use_portal", ("dashboard.",)),
    ("Pupils", "pupils.search", "view_pupils", ("pupils.",)),
    ("Attendance", "attendance.schools", "view_school_attendance", ("attendance.school",)),
    ("Imports", "attendance.list_imports", "import_attendance", ("attendance.list_imports", "attendance.view_import",
                                                                 "attendance.import_")),
    ("Referrals", "cases.list_referrals", "view_referrals", ("cases.new_referral", "cases.edit_referral",
                                                             "cases.list_referrals", "cases.view_referral",
                                                             "cases.triage_referral", "cases.add_to_referral")),
    ("Cases", "cases.list_cases", "view_cases", ("cases.list_cases", "cases.view_case", "cases.update_case",
                                                 "cases.share_case", "cases.withdraw_share", "cases.close_case",
                                                 "cases.add_entry", "cases.correct_entry", "cases.strike_entry",
                                                 "cases.add_action")),
    ("My actions", "cases.my_actions", "view_cases", ("cases.my_actions", "cases.complete_action")),
    ("Panels", "panels.list_meetings", "attend_panels", ("panels.",)),
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
)


def navigation_for(user, endpoint: str | None = None) -> list[dict]:
    """The navigation a user may use, with the current section marked."""
    items = []
    for label, target, perm, sections in NAVIGATION:
        if not can(user, perm):
            continue
        if label == "Panels" and not has_panels(user):
            continue
        active = bool(endpoint) and endpoint.startswith(sections)
        if label == "Organisations":
            active = bool(endpoint) and endpoint.startswith("orgs.") and "user" not in endpoint
        items.append({"label": label, "endpoint": target, "active": active, "current": endpoint == target})
    return items
