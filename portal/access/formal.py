"""Formal enforcement: notices to improve, schools' requests for one, penalty notices (issue 15).

- The EWO serving the school (or the case's lead, when an EWO) and the LA manage them.
- The school sees its own pupils' requests (and makes them), and the notices' status on its
  pupils' cases; partner agencies see the status on the cases shared with them. Neither sees a
  penalty notice's details (number, amounts, dates to pay, payment) unless the LA or the lead
  has shared them (`PenaltyNotice.details_shared`).
- The police see none of it: every object is outside their scope (404), and the case page shows
  them nothing of it.
"""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.cases import can_lead, cases_for
from portal.access.policy import PERMISSIONS, load_or_404, object_rule
from portal.access.roles import EARLY_HELP, EWO, HEALTH, LA_ADMIN, POLICE, SCHOOL_STAFF, SOCIAL_CARE

# Registered here, beside their rules (the policy's table takes them in on import).
PERMISSIONS.update({
    "manage_formal": frozenset({EWO, LA_ADMIN}),
    "request_nti": frozenset({SCHOOL_STAFF}),
    "view_nti_requests": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN}),
    # the police hold it only so that every formal page answers them 404, like any case not theirs
    "view_formal": frozenset({SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, HEALTH, POLICE, LA_ADMIN}),
    "view_penalty_figures": frozenset({LA_ADMIN}),
})


def sees_formal(user) -> bool:
    return user.role != POLICE


def _case_ids(user) -> Select:
    from portal.cases.models import Case

    return cases_for(user).with_only_columns(Case.id)


def ntis_for(user) -> Select:
    from portal.formal.models import NoticeToImprove

    if not sees_formal(user):
        return select(NoticeToImprove).where(false())
    return select(NoticeToImprove).where(NoticeToImprove.case_id.in_(_case_ids(user)))


def penalty_notices_for(user) -> Select:
    from portal.formal.models import PenaltyNotice

    if not sees_formal(user):
        return select(PenaltyNotice).where(false())
    return select(PenaltyNotice).where(PenaltyNotice.case_id.in_(_case_ids(user)))


def nti_requests_for(user) -> Select:
    """Schools: their own requests; EWOs and the LA: the requests on the cases they see."""
    from portal.formal.models import NtiRequest

    if user.role == SCHOOL_STAFF:
        return select(NtiRequest).where(NtiRequest.school_id == user.organisation_id)
    if user.role in (EWO, LA_ADMIN):
        return select(NtiRequest).where(NtiRequest.case_id.in_(_case_ids(user)))
    return select(NtiRequest).where(false())


@object_rule("manage_formal")
def may_manage_formal(user, case) -> bool:
    """The EWO serving the pupil's school, an EWO leading the case, or the LA."""
    return user.role in (EWO, LA_ADMIN) and can_lead(user, case)


@object_rule("request_nti")
def may_request_nti(user, case) -> bool:
    return user.role == SCHOOL_STAFF and case.pupil.school_id == user.organisation_id and not case.is_closed


def sees_penalty_details(user, notice) -> bool:
    """Number, amounts, dates to pay and payment: the managing side, or anyone who sees the
    notice once the LA or the lead has shared its details."""
    return may_manage_formal(user, notice.case) or (sees_formal(user) and notice.details_shared)


def get_nti_or_404(user, nti_id: int, need: str = "view"):
    from portal.formal.models import NoticeToImprove

    return load_or_404(ntis_for(user), NoticeToImprove, nti_id, need,
                       {"manage": lambda nti: may_manage_formal(user, nti.case)})


def get_penalty_notice_or_404(user, notice_id: int, need: str = "view"):
    from portal.formal.models import PenaltyNotice

    return load_or_404(penalty_notices_for(user), PenaltyNotice, notice_id, need,
                       {"manage": lambda notice: may_manage_formal(user, notice.case)})


def get_nti_request_or_404(user, request_id: int, need: str = "view"):
    from portal.formal.models import NtiRequest

    return load_or_404(nti_requests_for(user), NtiRequest, request_id, need,
                       {"decide": lambda item: may_manage_formal(user, item.case)})
