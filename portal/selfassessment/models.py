"""The self-assessment: the questionnaire's versions and areas (data, edited by LA admins), a
school's assessment of one academic year, its answer per area (rating, evidence, planned action
and the EWO's review of it) and the files attached as evidence."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import FileType
from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class QuestionnaireStatus(State):
    """draft -> published (one draft at a time)"""
    draft = "draft"
    published = "published"


class AssessmentStatus(State):
    """draft -> submitted -> reviewed"""
    draft = "draft"
    submitted = "submitted"
    reviewed = "reviewed"


class Rating(State):
    red = "red", "Red"
    amber = "amber", "Amber"
    green = "green", "Green"


class ReviewOutcome(State):
    agree = "agree", "Agreed"
    challenge = "challenge", "Challenged"


class PlannedActionStatus(State):
    open = "open"
    done = "done"


class Questionnaire(Model):
    """One version of the questionnaire: a draft the LA edits, or a published version (numbered)."""
    __tablename__ = "self_assessment_questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[QuestionnaireStatus] = mapped_column(state_type(QuestionnaireStatus),
                                                        default=QuestionnaireStatus.draft)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    areas: Mapped[list[SelfAssessmentArea]] = relationship(back_populates="questionnaire",
                                                          order_by="SelfAssessmentArea.position")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_draft(self) -> bool:
        return self.status == QuestionnaireStatus.draft


class SelfAssessmentArea(Model):
    """An area of a questionnaire version. `key` is the same area across versions (so the LA grid
    and the change since last year compare like with like)."""
    __tablename__ = "self_assessment_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("self_assessment_questionnaires.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    good_looks_like: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="areas")

    __table_args__ = (UniqueConstraint("questionnaire_id", "key", name="uq_self_assessment_areas_key"),)
    __mapper_args__ = {"version_id_col": version}


class SelfAssessment(Model):
    """A school's self-assessment of one academic year ("2026/27"): one per school per year."""
    __tablename__ = "self_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    academic_year: Mapped[str] = mapped_column(String(7), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("self_assessment_questionnaires.id"))
    status: Mapped[AssessmentStatus] = mapped_column(state_type(AssessmentStatus), default=AssessmentStatus.draft,
                                                     index=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the last draft saved
    version: Mapped[int] = mapped_column(default=1)

    school = relationship("Organisation")
    questionnaire: Mapped[Questionnaire] = relationship()
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    answers: Mapped[list[SelfAssessmentAnswer]] = relationship(back_populates="assessment",
                                                              order_by="SelfAssessmentAnswer.id")
    evidence: Mapped[list[SelfAssessmentEvidence]] = relationship(back_populates="assessment",
                                                                 order_by="SelfAssessmentEvidence.id")

    __table_args__ = (UniqueConstraint("school_id", "academic_year", name="uq_self_assessments_school_year"),)
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_draft(self) -> bool:
        return self.status == AssessmentStatus.draft


class SelfAssessmentAnswer(Model):
    """The school's answer for one area: rating, evidence, planned action (owner, due date and
    its status: an action in the owner's My actions), and the EWO's review of it."""
    __tablename__ = "self_assessment_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessments.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("self_assessment_areas.id"))
    rating: Mapped[Rating | None] = mapped_column(state_type(Rating, "rating"))
    evidence: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    action_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action_due: Mapped[date | None] = mapped_column(Date)
    action_status: Mapped[PlannedActionStatus] = mapped_column(
        state_type(PlannedActionStatus, "action_status"), default=PlannedActionStatus.open)
    action_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    action_done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review: Mapped[ReviewOutcome | None] = mapped_column(state_type(ReviewOutcome, "review"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    assessment: Mapped[SelfAssessment] = relationship(back_populates="answers")
    area: Mapped[SelfAssessmentArea] = relationship()
    action_owner = relationship("User", foreign_keys=[action_owner_id])

    __table_args__ = (UniqueConstraint("assessment_id", "area_id", name="uq_self_assessment_answers_area"),)
    __mapper_args__ = {"version_id_col": version}

    @property
    def has_action(self) -> bool:
        return bool(self.action.strip()) and self.action_owner_id is not None and self.action_due is not None

    @property
    def action_open(self) -> bool:
        return self.action_status == PlannedActionStatus.open


class SelfAssessmentEvidence(Model):
    """A file attached as evidence: checked and stored as a case's documents are
    (`portal.cases.documents.store_checked`), served only by the access-checked, audited download."""
    __tablename__ = "self_assessment_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    file_type: Mapped[FileType] = mapped_column(state_type(FileType, name="file_type"))
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assessment: Mapped[SelfAssessment] = relationship(back_populates="evidence")
    uploaded_by = relationship("User")
