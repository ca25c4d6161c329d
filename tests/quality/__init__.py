"""Helpers for the dip-sampling tests (and the access matrix): a sample with one completed
audit, a draft of the audit form, and putting the form back to its seeded version 1."""
from __future__ import annotations


def audited_sample(auditor, case, overall: str = "good"):
    """A sample (drawn by `auditor`) holding `case`, its audit completed on the current form."""
    from portal.extensions import db
    from portal.quality import service
    from portal.quality.models import CaseAudit, DipSample

    sample = DipSample(size=1, seed=1, population="open", population_size=1, strata=[], drawn_by_id=auditor.id)
    db.session.add(sample)
    db.session.flush()
    case_audit = CaseAudit(sample_id=sample.id, case_id=case.id, lead_id=case.lead_id, stage_id=case.stage_id)
    db.session.add(case_audit)
    db.session.flush()
    form = service.current_form()
    grades = {c.id: ("good", "Clearly recorded") for c in form.criteria}
    service.save_audit(auditor, case_audit, grades, overall, "Keep the child's voice at the centre", None,
                       complete=True)
    db.session.commit()
    return sample, case_audit


def form_draft(admin):
    """The draft version of the audit form (started from the current one if there is none)."""
    from portal.extensions import db
    from portal.quality import service

    draft = service.draft_form() or service.start_form_draft(admin)
    db.session.commit()
    return draft


def forget_form_versions() -> None:
    """Back to the seeded version 1 alone (the form's tables are reference data, kept between
    tests): the audits (emptied after each test anyway) and every later version go."""
    from sqlalchemy import delete, select

    from portal.extensions import db
    from portal.quality.models import AuditCriterion, AuditFormVersion, AuditGrade, CaseAudit

    db.session.rollback()
    later = select(AuditFormVersion.id).where(AuditFormVersion.number > 1)
    if db.session.scalar(later.limit(1)) is None:
        return
    db.session.execute(delete(AuditGrade))
    db.session.execute(delete(CaseAudit))
    db.session.execute(delete(AuditCriterion).where(AuditCriterion.form_id.in_(later)))
    db.session.execute(delete(AuditFormVersion).where(AuditFormVersion.number > 1))
    db.session.commit()
