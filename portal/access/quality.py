"""Dip-sampling (issue 17). LA admins see every sample and audit; a team manager (an EWO with
the flag) the samples they drew, drawn from the cases they may see (`cases_for`: the need-to-know
rules of cases hold for them as for any EWO); a case's lead professional reads the completed
audits of the cases they lead, and only those (else 404)."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.cases import cases_for
from portal.access.policy import can, load_or_404
from portal.access.roles import LA_ADMIN


def samples_for(user) -> Select:
    """The samples a user may open: the LA all; a team manager those they drew; no one else."""
    from portal.quality.models import DipSample

    if user.role == LA_ADMIN:
        return select(DipSample)
    if can(user, "dip_sample"):
        return select(DipSample).where(DipSample.drawn_by_id == user.id)
    return select(DipSample).where(false())


def sample_population_for(user) -> Select:
    """The cases a user may draw a sample from: those they may see (`cases_for`)."""
    return cases_for(user)


def get_sample_or_404(user, sample_id: int):
    from portal.quality.models import DipSample

    return load_or_404(samples_for(user), DipSample, sample_id)


def get_sample_audit_or_404(user, sample, audit_id: int):
    """An audit of a sample the user audits (they drew it, or the LA), for the auditor's form."""
    from portal.quality.models import CaseAudit

    return load_or_404(select(CaseAudit).where(CaseAudit.sample_id == sample.id), CaseAudit, audit_id)


def audits_of_my_cases(user) -> Select:
    """The completed audits of the cases the user leads now."""
    from portal.cases.models import Case
    from portal.quality.models import AuditStatus, CaseAudit

    led = select(Case.id).where(Case.lead_id == user.id)
    return select(CaseAudit).where(CaseAudit.case_id.in_(led), CaseAudit.status == AuditStatus.complete)


def audits_readable_by(user) -> Select:
    """The completed audits a user may read: those of the cases they lead, and, for an auditor,
    those of the samples they may open."""
    from sqlalchemy import or_

    from portal.cases.models import Case
    from portal.quality.models import AuditStatus, CaseAudit, DipSample

    led = select(Case.id).where(Case.lead_id == user.id)
    samples = samples_for(user).with_only_columns(DipSample.id)
    return select(CaseAudit).where(CaseAudit.status == AuditStatus.complete,
                                   or_(CaseAudit.case_id.in_(led), CaseAudit.sample_id.in_(samples)))


def may_acknowledge(user, audit) -> bool:
    """Only the case's lead professional acknowledges its audit (once)."""
    return audit.case.lead_id == user.id and audit.acknowledged_at is None


def get_completed_audit_or_404(user, audit_id: int, need: str = "view"):
    """need="acknowledge": the case's lead professional, not yet acknowledged (else 403)."""
    from sqlalchemy.orm import joinedload

    from portal.quality.models import CaseAudit

    scope = audits_readable_by(user).options(joinedload(CaseAudit.case), joinedload(CaseAudit.sample))
    return load_or_404(scope, CaseAudit, audit_id, need, {"acknowledge": lambda audit: may_acknowledge(user, audit)})


def sees_pupil_names_in_audits(user) -> bool:
    """Pupil names never appear in dip-sampling outside the LA: everyone else reads case references."""
    return user.role == LA_ADMIN


def can_open_case(user, case_id: int) -> bool:
    """Whether the case record opens for the user through the usual rules of cases (`cases_for`)."""
    from portal.cases.models import Case
    from portal.extensions import db

    return db.session.scalar(cases_for(user).with_only_columns(Case.id).where(Case.id == case_id)) is not None


def get_draft_criterion_or_404(user, criterion_id: int):
    """A criterion of the draft version of the audit form (published ones are never changed)."""
    from portal.quality.models import AuditCriterion, AuditFormVersion, FormStatus

    drafts = select(AuditFormVersion.id).where(AuditFormVersion.status == FormStatus.draft)
    return load_or_404(select(AuditCriterion).where(AuditCriterion.form_id.in_(drafts)), AuditCriterion, criterion_id)


def completed_audits_of_case(user, case) -> list:
    """The completed audits of a case, for its lead professional only (no one else: none)."""
    from sqlalchemy.orm import joinedload

    from portal.extensions import db
    from portal.quality.models import AuditStatus, CaseAudit

    if case.lead_id != user.id:
        return []
    return list(db.session.scalars(select(CaseAudit).where(
        CaseAudit.case_id == case.id, CaseAudit.status == AuditStatus.complete).options(
        joinedload(CaseAudit.sample)).order_by(CaseAudit.id)))
