"""Elective home education: a record per child known to the LA, its suitability enquiries and
its reviews. Versioned (the record carries the version: every change to it, its enquiries or
reviews, goes through the record)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class LearntFrom(State):
    """How the LA learnt that the child is educated at home."""
    school_deletion = "school_deletion", "School deletion notice"
    parent = "parent", "Parent or carer"
    other_la = "other_la", "Another local authority"
    sweep = "sweep", "A truancy sweep"
    other = "other", "Other"


class EheStatus(State):
    """current -> ended"""
    current = "current"
    ended = "ended"


class Suitability(State):
    """The outcome of a suitability enquiry."""
    not_yet_known = "not_yet_known", "Not yet known"
    suitable = "suitable", "Suitable"
    not_suitable = "not_suitable", "Not suitable"


class EndReason(State):
    """Why home education ended."""
    returned_to_school = "returned_school", "Returned to school"
    moved_away = "moved_away", "Moved away"
    end_of_school_age = "end_school_age", "Reached the end of compulsory school age"
    other = "other", "Other"


class EheRecord(Model):
    """A child educated at home, known to the LA: the pupil record when the child was on a roll
    here (`pupil_id`), else the child's name, date of birth and address as given."""
    __tablename__ = "ehe_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"), index=True)
    forename: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(300), default="")
    started_on: Mapped[date] = mapped_column(Date, index=True)
    learnt_from: Mapped[LearntFrom] = mapped_column(state_type(LearntFrom, "learnt_from"))
    previous_school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    previous_school_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    suitability: Mapped[Suitability] = mapped_column(state_type(Suitability, "suitability"),
                                                     default=Suitability.not_yet_known)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[EheStatus] = mapped_column(state_type(EheStatus), default=EheStatus.current, index=True)
    ended_on: Mapped[date | None] = mapped_column(Date, index=True)
    end_reason: Mapped[EndReason | None] = mapped_column(state_type(EndReason, "end_reason"))
    end_school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    end_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the last change to the record, its enquiries or reviews (each moves the version)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    previous_school = relationship("Organisation", foreign_keys=[previous_school_id])
    end_school = relationship("Organisation", foreign_keys=[end_school_id])
    created_by = relationship("User")
    enquiries: Mapped[list[SuitabilityEnquiry]] = relationship(
        back_populates="record", order_by="(SuitabilityEnquiry.asked_on.desc(), SuitabilityEnquiry.id.desc())")
    reviews: Mapped[list[EheReview]] = relationship(
        back_populates="record", order_by="(EheReview.reviewed_on.desc(), EheReview.id.desc())")

    __table_args__ = (
        CheckConstraint("(status = 'ended') = (ended_on IS NOT NULL AND end_reason IS NOT NULL)", name="ended"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def child_name(self) -> str:
        return f"{self.forename} {self.surname}".strip()

    @property
    def is_current(self) -> bool:
        return self.status == EheStatus.current

    @property
    def previous_school_label(self) -> str:
        if self.previous_school is not None:
            return self.previous_school.name
        return self.previous_school_name or "Not known"

    def review_overdue(self, today: date) -> bool:
        return self.is_current and self.next_review_on is not None and self.next_review_on < today


class SuitabilityEnquiry(Model):
    """A dated enquiry into whether the education provided is suitable: what was asked, the
    response, the outcome; "not suitable" records the next step (a school attendance order
    consideration) as a note."""
    __tablename__ = "ehe_enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("ehe_records.id"), index=True)
    asked_on: Mapped[date] = mapped_column(Date)
    question: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[Suitability] = mapped_column(state_type(Suitability, "outcome"))
    next_step: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record: Mapped[EheRecord] = relationship(back_populates="enquiries")
    recorded_by = relationship("User")


class EheReview(Model):
    """A review held: its date and notes (the record keeps the next review date)."""
    __tablename__ = "ehe_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("ehe_records.id"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record: Mapped[EheRecord] = relationship(back_populates="reviews")
    recorded_by = relationship("User")
