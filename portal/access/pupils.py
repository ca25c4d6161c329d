"""Pupils, their schools and attendance imports: schools see their own pupils, EWOs the
pupils of the schools they serve, the LA all; partner agencies none (they see a pupil only
through a case shared with them)."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.policy import can, load_or_404
from portal.access.roles import EWO, LA_ADMIN, SCHOOL_STAFF
from portal.orgs.models import Organisation, OrgKind


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


def picture_school_ids(user) -> Select | None:
    """The schools whose figures the attendance picture counts for a user: None for the whole
    LA (LA admins; the panel chair, who sees figures but no pupils), else the schools in their
    scope (`school_ids_for`)."""
    from portal.access.roles import PANEL_CHAIR

    if user.role in (LA_ADMIN, PANEL_CHAIR):
        return None
    return school_ids_for(user)


def schools_for(user) -> Select:
    return select(Organisation).where(Organisation.id.in_(school_ids_for(user))).order_by(Organisation.name)


def pupils_for(user) -> Select:
    from portal.pupils.models import Pupil

    return select(Pupil).where(Pupil.school_id.in_(school_ids_for(user)))


def get_pupil_or_404(user, pupil_id: int, need: str = "view", options: tuple = ()):
    """The pupil, in the user's scope (else 404); `options`: loader options for what the page shows."""
    from portal.pupils.models import Pupil

    return load_or_404(pupils_for(user).options(*options), Pupil, pupil_id, need,
                       {"edit": lambda pupil: can(user, "edit_pupils")})


def get_school_or_404(user, school_id: int) -> Organisation:
    return load_or_404(schools_for(user), Organisation, school_id)


def get_closure_or_404(user, school_id: int, closure_id: int):
    """One of a school's closure days, the school in the user's scope (else 404)."""
    from portal.attendance.models import SchoolClosure

    scope = select(SchoolClosure).where(SchoolClosure.school_id == school_id,
                                        SchoolClosure.school_id.in_(school_ids_for(user)))
    return load_or_404(scope, SchoolClosure, closure_id)


def imports_for(user) -> Select:
    from portal.attendance.models import ImportJob

    if user.role == LA_ADMIN:
        return select(ImportJob)
    return select(ImportJob).where(ImportJob.uploaded_by_id == user.id)


def get_import_or_404(user, job_id: int):
    from portal.attendance.models import ImportJob

    return load_or_404(imports_for(user), ImportJob, job_id)


def import_school_for(user, requested_school_id: int | None) -> int | None:
    """The school an upload is limited to: a school's own staff always import for their
    school; the LA for the school it chose, or for any school (None) when it chose none."""
    if can(user, "import_for_any_school"):
        return requested_school_id
    return user.organisation_id


def sees_pupil(user, pupil_id: int) -> bool:
    """Whether the pupil's page is in the user's scope (a link to it would not 404)."""
    from portal.extensions import db
    from portal.pupils.models import Pupil

    if not can(user, "view_pupils"):
        return False
    return db.session.scalar(pupils_for(user).where(Pupil.id == pupil_id).with_only_columns(Pupil.id)) is not None


def serves_every_school(user) -> bool:
    """Whether the user's scope is every school of the LA (`school_ids_for`), not a few."""
    return user.role == LA_ADMIN


def ewo_without_schools(user) -> bool:
    """An EWO who is the named EWO of no school yet: they see no pupils, referrals or cases until
    an administrator assigns schools to them."""
    # the schools named for them (`school_ids_for`): the list the home page shows them, loaded once
    return user.role == EWO and not user.schools_served
