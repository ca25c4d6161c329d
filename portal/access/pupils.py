"""Pupils, their schools and attendance imports: schools see their own pupils, EWOs the
pupils of the schools they serve, the LA all; partner agencies none (they see a pupil only
through a case shared with them)."""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select

from portal.access.policy import can
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


def import_school_for(user, requested_school_id: int | None) -> int | None:
    """The school an upload is limited to: a school's own staff always import for their
    school; the LA for the school it chose, or for any school (None) when it chose none."""
    if can(user, "import_for_any_school"):
        return requested_school_id
    return user.organisation_id
