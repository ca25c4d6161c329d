"""Organisations and people: which organisation kinds each role belongs to, and who may list
and change organisations and users (LA administrators; everyone else sees their own)."""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from portal.access.policy import can
from portal.access.roles import EARLY_HELP, EWO, LA_ADMIN, PANEL_CHAIR, POLICE, SCHOOL_STAFF, SOCIAL_CARE
from portal.orgs.models import Organisation, OrgKind, User

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


def ewos() -> Select:
    """The active education welfare officers (a school's named EWO, a case's lead)."""
    return select(User).where(User.role == EWO, User.active.is_(True)).order_by(User.name)


def may_lead_cases(user) -> bool:
    """A case's lead professional is an active EWO."""
    return user is not None and user.role == EWO and user.active
