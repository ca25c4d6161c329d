"""Dip-sampling: the audit form's versions and criteria, the samples drawn, the audit of each
sampled case and its grade per criterion."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class FormStatus(State):
    """draft -> published (a published version is never changed: the next one is a new draft)"""
    draft = "draft"
    published = "published"


class Population(State):
    """Where a sample is drawn from."""
    open = "open", "Open cases"
    closed = "closed", "Cases closed in a period"


class AuditStatus(State):
    """not_started -> draft -> complete (then the lead professional acknowledges it)"""
    not_started = "not_started", "Not started"
    draft = "draft", "In progress"
    complete = "complete", "Complete"


class Grade(State):
    good = "good", "Good"
    requires_improvement = "requires_improvement", "Requires improvement"
    inadequate = "inadequate", "Inadequate"


class AuditFormVersion(Model):
    """One version of the audit form: its criteria; version 1 is seeded by the migration. Reference
    data (no link to a user: who drafted and published it is in the audit log)."""
    __tablename__ = "audit_form_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(SmallInteger, unique=True)
    status: Mapped[FormStatus] = mapped_column(state_type(FormStatus), default=FormStatus.draft)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    criteria: Mapped[list[AuditCriterion]] = relationship(
        back_populates="form", order_by="AuditCriterion.position")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_draft(self) -> bool:
        return self.status == FormStatus.draft


class AuditCriterion(Model):
    __tablename__ = "audit_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("audit_form_versions.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    form: Mapped[AuditFormVersion] = relationship(back_populates="criteria")

    __mapper_args__ = {"version_id_col": version}


class DipSample(Model):
    """A draw: its parameters (size, seed, population, period), who drew it and when, and the
    population and allocation per stratum (lead professional, stage) it came from."""
    __tablename__ = "dip_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column()
    seed: Mapped[int] = mapped_column(BigInteger)
    seed_given: Mapped[bool] = mapped_column(default=False)
    population: Mapped[Population] = mapped_column(state_type(Population, "population"))
    closed_from: Mapped[date | None] = mapped_column(Date)
    closed_to: Mapped[date | None] = mapped_column(Date)
    population_size: Mapped[int] = mapped_column()
    strata: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{lead_id, stage_id, cases, drawn}]
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    drawn_by = relationship("User")
    audits: Mapped[list[CaseAudit]] = relationship(back_populates="sample", order_by="CaseAudit.case_id")

    @property
    def reference(self) -> str:
        return f"Sample {self.id}"


class CaseAudit(Model):
    """The audit of one sampled case: its grades (on the form version it started with), the
    overall grade and learning points; completed by the auditor, acknowledged by the case's lead
    professional (with an optional response)."""
    __tablename__ = "case_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("dip_samples.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the stratum's lead, at the draw
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))  # the stratum's stage, at the draw
    form_id: Mapped[int | None] = mapped_column(ForeignKey("audit_form_versions.id"))  # fixed when started
    status: Mapped[AuditStatus] = mapped_column(state_type(AuditStatus), default=AuditStatus.not_started)
    overall_grade: Mapped[Grade | None] = mapped_column(state_type(Grade, "overall_grade", 24))
    learning_points: Mapped[str] = mapped_column(Text, default="")
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    response: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    sample: Mapped[DipSample] = relationship(back_populates="audits")
    case = relationship("Case")
    lead = relationship("User", foreign_keys=[lead_id])
    stage = relationship("Stage")
    form = relationship("AuditFormVersion")
    auditor = relationship("User", foreign_keys=[auditor_id])
    grades: Mapped[list[AuditGrade]] = relationship(back_populates="audit", order_by="AuditGrade.id")

    __table_args__ = (UniqueConstraint("sample_id", "case_id", name="uq_case_audits_sample_case"),)
    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        return f"Case {self.case_id}"

    @property
    def complete(self) -> bool:
        return self.status == AuditStatus.complete


class AuditGrade(Model):
    """One criterion's grade and comment in an audit (changed only through its audit, whose
    version guards it)."""
    __tablename__ = "case_audit_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("case_audits.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("audit_criteria.id"))
    grade: Mapped[Grade | None] = mapped_column(state_type(Grade, "grade", 24))
    comment: Mapped[str] = mapped_column(Text, default="")

    audit: Mapped[CaseAudit] = relationship(back_populates="grades")
    criterion: Mapped[AuditCriterion] = relationship()

    __table_args__ = (UniqueConstraint("audit_id", "criterion_id", name="uq_case_audit_grades_audit_criterion"),)
