"""Permissions: which roles hold which permission, and the object rules that narrow some of
them (`can(user, "add_action", case)`). Views declare theirs with `@require(...)`."""
from __future__ import annotations

import importlib
from functools import wraps
from typing import Any, Callable

from flask import abort
from flask_login import current_user, login_required

from portal.access.roles import (
    AGENCY_ROLES,
    ALL_ROLES,
    EARLY_HELP,
    EWO,
    HEALTH,
    LA_ADMIN,
    PANEL_CHAIR,
    POLICE,
    SCHOOL_STAFF,
    SOCIAL_CARE,
)

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "use_portal": ALL_ROLES,
    "manage_organisations": frozenset({LA_ADMIN}),
    "manage_users": frozenset({LA_ADMIN}),
    "view_audit": frozenset({LA_ADMIN}),
    # A subject access export (issue 16, UK GDPR): everything held about one pupil, in one ZIP.
    "export_subject_access": frozenset({LA_ADMIN}),
    # Pupils and attendance: schools see their own, EWOs the schools they serve, the LA all.
    # Partner agencies see a pupil only through a case shared with them.
    "view_pupils": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "edit_pupils": frozenset({SCHOOL_STAFF, LA_ADMIN}),
    "import_attendance": frozenset({SCHOOL_STAFF, LA_ADMIN}),
    "import_for_any_school": frozenset({LA_ADMIN}),
    "view_school_attendance": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    # The calendar: the LA's term dates (LA admins); each school's INSET and closure days (its
    # staff, its named EWO and the LA: the school is in their scope).
    "manage_calendar": frozenset({LA_ADMIN}),
    # The attendance picture (issue 13): the LA dashboard for LA admins, EWOs (their schools)
    # and the panel chair (figures only, read-only); a school's dashboard for its staff, its EWO
    # and the LA; the pupils behind a figure only for those who see those pupils anyway.
    "view_la_picture": frozenset({LA_ADMIN, EWO, PANEL_CHAIR}),
    "view_school_picture": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "see_pupils_behind_figures": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "manage_school_closures": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    # Referrals and cases
    "refer": frozenset({SCHOOL_STAFF}),
    "view_referrals": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "triage": frozenset({EWO, LA_ADMIN}),
    "view_cases": frozenset({SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, HEALTH, POLICE, LA_ADMIN}),
    # The lead side of a case: its lead professional (any practitioner: `roles.PRACTITIONER_ROLES`),
    # the EWO serving the pupil's school, or the LA (`access.cases.can_lead`).
    "lead_cases": frozenset({EWO, EARLY_HELP, HEALTH, SOCIAL_CARE, LA_ADMIN}),
    # Who may add an agreed action to a case they can see: the lead side, the school and the
    # agencies working with the family (the police record theirs as chronology entries).
    "add_action": frozenset({SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, HEALTH, LA_ADMIN}),
    # A school changes its own referral while it is a draft or more information was asked for,
    # and adds to it once it is submitted.
    "edit_referral": frozenset({SCHOOL_STAFF}),
    "add_to_referral": frozenset({SCHOOL_STAFF}),
    # Completing (or cancelling) an action: decided per action by `can_update_action`.
    "update_actions": frozenset({SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, HEALTH, POLICE, LA_ADMIN}),
    # Formal support and court steps (issue 15, `access.steps`): the lead side manages them; the
    # school sees its pupils' steps, partners those on cases shared with them; never the police.
    "view_formal_steps": frozenset({SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, HEALTH, LA_ADMIN}),
    "manage_formal_steps": frozenset({EWO, LA_ADMIN}),
    "manage_stages": frozenset({LA_ADMIN}),
    "manage_settings": frozenset({LA_ADMIN}),  # local defaults: the attendance ambition
    # The retention schedule, what is due and the run that deletes it (issue 16, `portal.retention`)
    "manage_retention": frozenset({LA_ADMIN}),
    "manage_reference_figures": frozenset({LA_ADMIN}),  # national and local figures to compare against
    "read_outbox": frozenset({LA_ADMIN}),
    # Panels: the chair and LA admins run meetings; anyone may be invited to one (in person or
    # through their agency), and then sees its agenda and packs within the access window.
    "run_panels": frozenset({PANEL_CHAIR, LA_ADMIN}),
    "oversee_all_panels": frozenset({LA_ADMIN}),
    "attend_panels": ALL_ROLES,
    # Targeting Support Meetings: the LA books one per school per term and sees every school's
    # coverage (an EWO their schools'); the EWO (or the LA) runs them; school staff see their
    # school's, partners those they are invited to (`access.tsm`).
    "book_tsms": frozenset({LA_ADMIN}),
    "view_tsm_coverage": frozenset({EWO, LA_ADMIN}),
    "run_tsms": frozenset({EWO, LA_ADMIN}),
    "attend_tsms": ALL_ROLES,
    # Truancy sweeps: police and EWOs run them and record the children met (those named on the
    # sweep); EWOs (and the LA) match each child to a pupil; the school and its named EWO follow
    # each match up. Who a child was matched to is seen beyond the school only by those whose
    # pupil it is (`see_matched_pupil`).
    "view_sweeps": frozenset({POLICE, EWO, LA_ADMIN}),
    "record_sweeps": frozenset({POLICE, EWO, LA_ADMIN}),
    "edit_sweeps": frozenset({POLICE, EWO, LA_ADMIN}),  # a sweep's lead (and the LA): `may_edit_sweep`
    "take_part_in_sweeps": frozenset({POLICE, EWO}),
    "match_encounters": frozenset({EWO, LA_ADMIN}),
    "follow_up_encounters": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "see_matched_pupil": frozenset({POLICE, EWO, LA_ADMIN}),
    # Figures (counts, percentages) exactly as they are; partner agencies (the police) see counts
    # of children from 5 up and no percentages, so an aggregate never identifies a child
    # (`portal.disclosure`).
    "view_exact_figures": ALL_ROLES - frozenset(AGENCY_ROLES),
    # Letters (issue 15, `access.letters`): LA admins keep the templates; the lead side of a case
    # writes letters on it; schools (and their EWO, the LA) write stage letters for their pupils.
    # Letters are read by those who see the pupil or the case; the police hold "view_letters"
    # only so that a letter's address answers them 404 like anything not theirs: they see none.
    "manage_letter_templates": frozenset({LA_ADMIN}),
    "write_case_letters": frozenset({EWO, EARLY_HELP, HEALTH, SOCIAL_CARE, LA_ADMIN}),
    "write_pupil_letters": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "view_letters": frozenset({SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, HEALTH, POLICE, LA_ADMIN}),
    # Dip-sampling (issue 17, `access.quality`): LA admins and team managers (EWOs with the flag:
    # `USER_RULES`) draw samples and audit the cases; LA admins keep the audit form; a case's lead
    # professional reads and acknowledges the completed audits of their own cases.
    "dip_sample": frozenset({EWO, LA_ADMIN}),
    "manage_audit_form": frozenset({LA_ADMIN}),
    "read_case_audits": frozenset({EWO, EARLY_HELP, HEALTH, SOCIAL_CARE, LA_ADMIN}),
    # The school's own stages (issue 17, `access.schoolstages`): a pupil's first-day calls and
    # stage meetings for those who see the pupil (read-only for the EWO and the LA), logged by
    # the pupil's school; the weekly key-actions list for the school's staff and its named EWO.
    "view_school_stages": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "log_school_stages": frozenset({SCHOOL_STAFF}),
    "view_key_actions": frozenset({SCHOOL_STAFF, EWO}),
    "manage_key_actions": frozenset({SCHOOL_STAFF}),
    # Elective home education (issue 18, `access.ehe`): LA-only. LA admins and CME officers (EWOs
    # with the flag: `USER_RULES`) record and read every EHE record and its reports; a school
    # sees only the "home educated, known to the LA" line on its former pupil's page.
    "manage_ehe": frozenset({EWO, LA_ADMIN}),
    # Children missing education (issue 18, `access.cme`): a school notifies the LA of deletions
    # from its register and of joiners, and sees its own notifications; CME officers (EWOs with
    # the flag: `USER_RULES`) and LA admins work the queue and the enquiries; joint reasonable
    # enquiries are recorded by the pupil's school (its part) and by the LA (its part).
    "notify_cme": frozenset({SCHOOL_STAFF}),
    "view_cme_notifications": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "record_joint_enquiries": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    "work_cme": frozenset({EWO, LA_ADMIN}),
    # A CME enquiry shared with a partner agency (children's social care, the police) with a
    # reason: their users see the enquiries shared with their organisation (`access.cme`), the
    # police in a restricted form; nobody else outside the LA sees any of it.
    "view_shared_cme": frozenset({SOCIAL_CARE, POLICE}),
}

# permission -> what else the user must be, beyond their role (without any object): a team
# manager is an EWO with the flag set by an LA admin.
USER_RULES: dict[str, Callable[[Any], bool]] = {
    "dip_sample": lambda user: user.role == LA_ADMIN or bool(getattr(user, "team_manager", False)),
    "manage_ehe": lambda user: user.role == LA_ADMIN or bool(getattr(user, "cme_officer", False)),
    "work_cme": lambda user: user.role == LA_ADMIN or bool(getattr(user, "cme_officer", False)),
    "view_cme_notifications": lambda user: user.role != EWO or bool(getattr(user, "cme_officer", False)),
    "record_joint_enquiries": lambda user: user.role != EWO or bool(getattr(user, "cme_officer", False)),
}

# permission -> the rule that decides it for one object, once the role holds the permission.
# Filled by the domain modules (`object_rule`), so a template can ask `can("add_action", case)`.
OBJECT_RULES: dict[str, Callable[[Any, Any], bool]] = {}


def object_rule(permission: str):
    """Register the object rule of a permission (decorator)."""
    if permission not in PERMISSIONS:
        raise LookupError(f"unknown permission {permission!r}")

    def decorator(rule):
        OBJECT_RULES[permission] = rule
        return rule

    return decorator


_rules_loaded = False


def _load_object_rules() -> None:
    """The domain modules register their object rules when imported: make sure they are."""
    global _rules_loaded
    if not _rules_loaded:
        import portal.access as package

        for domain in package.DOMAINS:
            importlib.import_module(f"portal.access.{domain}")
        _rules_loaded = True


def can(user, permission: str, obj: Any = None) -> bool:
    """Whether the user holds the permission (and, given an object, may use it on that object)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    try:
        allowed = user.role in PERMISSIONS[permission]
    except KeyError:
        raise LookupError(f"unknown permission {permission!r}") from None
    if allowed and permission in USER_RULES:
        allowed = USER_RULES[permission](user)
    if not allowed or obj is None:
        return allowed
    _load_object_rules()
    rule = OBJECT_RULES.get(permission)
    return True if rule is None else bool(rule(user, obj))


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


def load_or_404(scope, model, object_id: int, need: str = "view",
                needs: dict[str, Callable[[Any], bool]] | None = None,
                visible: Callable[[Any], bool] | None = None, id_param: str | None = None):
    """The one loader behind every `get_*_or_404`: the `model` row with this id inside `scope`
    (the user's scoped select), else 404, so existence is never leaked; `visible(row)` false
    is a 404 too. When `needs` holds a rule for `need` and it says no, 403: the user may see
    the row but not do that. Each domain module keeps its own scope and rules. `id_param`: the
    scope (a statement built once) already asks for `model.id` equal to this bound parameter."""
    from portal.extensions import db

    # unique(): a scope may join-load a collection of the row (one statement, not one per collection)
    if id_param is None:
        found = db.session.execute(scope.where(model.id == object_id)).unique().scalar()
    else:
        found = db.session.execute(scope, {id_param: object_id}).unique().scalar()
    if found is None or (visible is not None and not visible(found)):
        abort(404)
    rule = (needs or {}).get(need)
    if rule is not None and not rule(found):
        abort(403)
    return found


def public(view):
    """Mark a view as reachable without signing in (login page, health check, errors)."""
    view.required_permission = None
    return view


def is_agency(user) -> bool:
    """A partner agency (social care, early help, police): sees only what is shared with it."""
    return user.role in AGENCY_ROLES
