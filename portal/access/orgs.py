"""Organisations and people: which organisation kinds each role belongs to, and who may list
and change organisations and users (LA administrators; everyone else sees their own)."""
from __future__ import annotations

from sqlalchemy import Select, select

from portal.access.policy import PERMISSIONS, can, load_or_404
from portal.access.roles import (
    EARLY_HELP,
    EWO,
    HEALTH,
    LA_ADMIN,
    PANEL_CHAIR,
    POLICE,
    PRACTITIONER_ROLES,
    SCHOOL_STAFF,
    SOCIAL_CARE,
)
from portal.orgs.models import Organisation, OrgKind, User

# Which kinds of organisation each role may belong to.
ROLE_ORG_KINDS: dict[str, tuple[OrgKind, ...]] = {
    SCHOOL_STAFF: (OrgKind.school,),
    EWO: (OrgKind.attendance_service,),
    SOCIAL_CARE: (OrgKind.social_care,),
    EARLY_HELP: (OrgKind.early_help,),
    HEALTH: (OrgKind.health,),
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
    return load_or_404(organisations_for(user), Organisation, org_id, need,
                       {"edit": lambda org: can(user, "manage_organisations")})


def get_user_or_404(user, user_id: int, need: str = "view") -> User:
    return load_or_404(users_for(user), User, user_id, need, {"edit": lambda found: can(user, "manage_users")})


def users_who_may(permission: str) -> Select:
    """The active users whose role holds `permission` (who to tell that something awaits them)."""
    return select(User).where(User.role.in_(sorted(PERMISSIONS[permission])), User.active.is_(True)).order_by(User.id)


def ewos() -> Select:
    """The active education welfare officers (a school's named EWO, a case's lead)."""
    return select(User).where(User.role == EWO, User.active.is_(True)).order_by(User.name)


def school_staff(school_id: int | None = None) -> Select:
    """The active school staff (of one school, when given): a TSM's attendance lead."""
    stmt = select(User).where(User.role == SCHOOL_STAFF, User.active.is_(True))
    return stmt.where(User.organisation_id == school_id) if school_id is not None else stmt


def is_active_ewo(user) -> bool:
    """An active education welfare officer (who may run a school's TSM)."""
    return user is not None and user.role == EWO and user.active


def practitioners(roles: tuple[str, ...] = PRACTITIONER_ROLES) -> Select:
    """The active practitioners who may lead a case (EWOs, early help key workers, social
    workers), or those of some of these roles: the pick-list of a case's lead professional."""
    return (select(User).join(Organisation, Organisation.id == User.organisation_id)
            .where(User.role.in_(roles), User.active.is_(True)).order_by(User.role, User.name))


def may_lead_cases(user, roles: tuple[str, ...] = PRACTITIONER_ROLES) -> bool:
    """A case's lead professional is an active practitioner of the partnership: an EWO, an
    early help key worker or a social worker (issue 14.11)."""
    return user is not None and user.role in roles and user.active
