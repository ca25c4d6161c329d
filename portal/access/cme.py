"""Children missing education (issue 18). CME records are the LA's: LA admins and CME officers
(EWOs with the flag) see every notification and enquiry; a school sees only the notifications
it made (and of an enquiry only that the LA is making enquiries); nobody else sees any of it.
Joint reasonable enquiries: the pupil's school records its part, the LA its part."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.policy import can, load_or_404, object_rule
from portal.access.roles import POLICE, SCHOOL_STAFF, SOCIAL_CARE

# the partner agencies an enquiry may be shared with (their organisation kinds), and whose users
# see it then: children's social care in full (details, steps, outcome), the police restricted
SHARE_ROLES = (SOCIAL_CARE, POLICE)


def notifications_for(user) -> Select:
    """The notifications a user may see: a school its own; the LA's CME workers all."""
    from portal.cme.models import CmeNotification

    if user.role == SCHOOL_STAFF:
        return select(CmeNotification).where(CmeNotification.school_id == user.organisation_id)
    if can(user, "work_cme"):
        return select(CmeNotification)
    return select(CmeNotification).where(false())


def enquiries_for(user) -> Select:
    """The CME enquiries a user may open: the LA's CME workers all; nobody else."""
    from portal.cme.models import CmeEnquiry

    if can(user, "work_cme"):
        return select(CmeEnquiry)
    return select(CmeEnquiry).where(false())


def shared_enquiries_for(user) -> Select:
    """The CME enquiries shared with the user's agency (children's social care, the police) and
    not withdrawn; nothing for anyone else (the LA reaches enquiries through `enquiries_for`)."""
    from portal.cme.models import CmeEnquiry, CmeShare

    if user.role not in SHARE_ROLES or not can(user, "view_shared_cme") or user.organisation_id is None:
        return select(CmeEnquiry).where(false())
    shared = select(CmeShare.enquiry_id).where(CmeShare.organisation_id == user.organisation_id,
                                               CmeShare.withdrawn_at.is_(None))
    return select(CmeEnquiry).where(CmeEnquiry.id.in_(shared))


def get_shared_cme_enquiry_or_404(user, enquiry_id: int):
    """An enquiry shared with the user's agency, else 404 (unshared, withdrawn, another agency's)."""
    from portal.cme.models import CmeEnquiry

    return load_or_404(shared_enquiries_for(user), CmeEnquiry, enquiry_id)


def cme_view(user) -> str:
    """How much of a shared enquiry a partner sees: "police" (restricted) or "full"."""
    return "police" if user.role == POLICE else "full"


def get_cme_share_or_404(user, enquiry, share_id: int):
    """A share of this enquiry (the enquiry already loaded through `get_cme_enquiry_or_404`)."""
    from portal.cme.models import CmeShare

    return load_or_404(select(CmeShare).where(CmeShare.enquiry_id == enquiry.id), CmeShare, share_id)


def get_cme_notification_or_404(user, notification_id: int, need: str = "view"):
    """A notification in the user's scope; need="work": the LA's CME workers (else 403)."""
    from portal.cme.models import CmeNotification

    return load_or_404(notifications_for(user), CmeNotification, notification_id, need,
                       {"work": lambda _n: can(user, "work_cme")})


def get_cme_enquiry_or_404(user, enquiry_id: int):
    from portal.cme.models import CmeEnquiry

    return load_or_404(enquiries_for(user), CmeEnquiry, enquiry_id)


def joint_enquiry_party(user) -> str | None:
    """Whose part of the joint reasonable enquiries a user records: "school" or "la"."""
    if user.role == SCHOOL_STAFF:
        return "school"
    return "la" if can(user, "work_cme") else None


@object_rule("notify_cme")
def _may_notify(user, pupil) -> bool:
    """The staff of the pupil's school notify the LA."""
    return user.role == SCHOOL_STAFF and pupil.school_id is not None and user.organisation_id == pupil.school_id


@object_rule("record_joint_enquiries")
def _may_record_joint(user, pupil) -> bool:
    """The pupil's school (its part) or the LA's CME workers (theirs)."""
    if user.role == SCHOOL_STAFF:
        return _may_notify(user, pupil)
    return can(user, "work_cme")


def get_cme_pupil_or_404(user, pupil_id: int, options: tuple = ()):
    """The pupil of a CME page: the LA's CME workers reach any pupil of the LA (their enquiries
    cross schools); anyone else only the pupils they see (`pupils_for`)."""
    from portal.access.pupils import pupils_for
    from portal.pupils.models import Pupil

    scope = select(Pupil) if can(user, "work_cme") else pupils_for(user)
    return load_or_404(scope.options(*options), Pupil, pupil_id)


def get_cme_step_or_404(user, enquiry, step_id: int):
    """A step of this enquiry (the enquiry already loaded through `get_cme_enquiry_or_404`)."""
    from portal.cme.models import CmeStep

    return load_or_404(select(CmeStep).where(CmeStep.enquiry_id == enquiry.id), CmeStep, step_id)


def get_cme_encounter_or_404(user, encounter_id: int):
    """A sweep encounter marked not on roll, for the LA's CME workers (else 404)."""
    from portal.sweeps.models import Encounter, MatchStatus

    scope = select(Encounter).where(Encounter.match_status == MatchStatus.no_match) if can(user, "work_cme") \
        else select(Encounter).where(false())
    return load_or_404(scope, Encounter, encounter_id)


def notifiable_pupils_for(user) -> Select:
    """The pupils a user may notify the LA about (the CSV upload): a school's staff its own
    pupils; nobody else any."""
    from portal.pupils.models import Pupil

    if user.role == SCHOOL_STAFF and user.organisation_id is not None:
        return select(Pupil).where(Pupil.school_id == user.organisation_id)
    return select(Pupil).where(false())
