"""The school attendance self-assessment (issue 17). A school's staff see and complete their own
school's; its named EWO sees it once submitted and reviews it; the LA sees every school's and
keeps the questionnaire. Partner agencies and the panel chair see none of it (404, and no
navigation)."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.policy import PERMISSIONS, load_or_404
from portal.access.pupils import school_ids_for
from portal.access.roles import EARLY_HELP, EWO, HEALTH, LA_ADMIN, PANEL_CHAIR, POLICE, SCHOOL_STAFF, SOCIAL_CARE

# Registered here, beside their rules (the policy's table takes them in on import).
PERMISSIONS.update({
    # partners and the panel chair hold it only so that an assessment's address answers them 404,
    # like anything not theirs: `self_assessments_for` gives them none
    "view_self_assessments": frozenset({SCHOOL_STAFF, EWO, LA_ADMIN, SOCIAL_CARE, EARLY_HELP, HEALTH, POLICE,
                                        PANEL_CHAIR}),
    "complete_self_assessment": frozenset({SCHOOL_STAFF}),
    "review_self_assessments": frozenset({EWO}),
    "view_self_assessment_overview": frozenset({EWO, LA_ADMIN}),
    "manage_self_assessment_questions": frozenset({LA_ADMIN}),
})


def self_assessments_for(user) -> Select:
    """The assessments a user may open: a school's staff their school's (drafts too); its EWO the
    submitted ones of the schools they serve; the LA every submitted one (and drafts: they may
    follow progress)."""
    from portal.selfassessment.models import AssessmentStatus, SelfAssessment

    if user.role == SCHOOL_STAFF:
        return select(SelfAssessment).where(SelfAssessment.school_id == user.organisation_id)
    if user.role == LA_ADMIN:
        return select(SelfAssessment)
    if user.role == EWO:
        return select(SelfAssessment).where(SelfAssessment.school_id.in_(school_ids_for(user)),
                                            SelfAssessment.status != AssessmentStatus.draft)
    return select(SelfAssessment).where(false())


def self_assessment_schools_for(user) -> Select:
    """The schools whose self-assessments the overview lists: the LA all, an EWO theirs."""
    from portal.orgs.models import Organisation

    return select(Organisation).where(Organisation.id.in_(school_ids_for(user)), Organisation.active.is_(True))


def may_edit_self_assessment(user, assessment) -> bool:
    return user.role == SCHOOL_STAFF and assessment.school_id == user.organisation_id and assessment.is_draft


def may_review_self_assessment(user, assessment) -> bool:
    """The school's named EWO, once the school has submitted (and until the review is done)."""
    from portal.selfassessment.models import AssessmentStatus

    return (user.role == EWO and assessment.school.named_ewo_id == user.id
            and assessment.status == AssessmentStatus.submitted)


def get_self_assessment_or_404(user, assessment_id: int, need: str = "view"):
    """need="view": anyone in `self_assessments_for`; "edit": the school's staff while it is a
    draft; "review": the school's named EWO while it is submitted (else 403)."""
    from portal.selfassessment.models import SelfAssessment

    return load_or_404(self_assessments_for(user), SelfAssessment, assessment_id, need, {
        "edit": lambda a: may_edit_self_assessment(user, a),
        "review": lambda a: may_review_self_assessment(user, a)})


def get_self_assessment_evidence_or_404(user, assessment, evidence_id: int, need: str = "view"):
    """A file attached to an assessment the user may open; need="remove": the school, while a draft."""
    from portal.selfassessment.models import SelfAssessmentEvidence

    scope = select(SelfAssessmentEvidence).where(SelfAssessmentEvidence.assessment_id == assessment.id)
    return load_or_404(scope, SelfAssessmentEvidence, evidence_id, need,
                       {"remove": lambda e: may_edit_self_assessment(user, assessment)})


def self_assessment_actions_for(user) -> Select:
    """The planned actions a user owns (of their school's submitted assessments)."""
    from portal.selfassessment.models import AssessmentStatus, SelfAssessment, SelfAssessmentAnswer

    if user.role != SCHOOL_STAFF:
        return select(SelfAssessmentAnswer).where(false())
    return (select(SelfAssessmentAnswer).join(SelfAssessment, SelfAssessment.id == SelfAssessmentAnswer.assessment_id)
            .where(SelfAssessmentAnswer.action_owner_id == user.id,
                   SelfAssessment.school_id == user.organisation_id,
                   SelfAssessment.status != AssessmentStatus.draft))


def get_self_assessment_action_or_404(user, answer_id: int):
    """A planned action the user owns (else 404)."""
    from portal.selfassessment.models import SelfAssessmentAnswer

    return load_or_404(self_assessment_actions_for(user), SelfAssessmentAnswer, answer_id)
