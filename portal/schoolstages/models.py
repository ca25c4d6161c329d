"""The school's own stages: first-day calls (stage 1), stage meetings (stages 2 to 4: tutor,
year leader, senior leader), and the weekly key-actions list with its leadership review."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow

MEETING_STAGES = (2, 3, 4)
STAGE_ACTIONS = {1: "First-day call home", 2: "Tutor meeting", 3: "Year leader meeting",
                 4: "Senior leader meeting"}


class CallOutcome(State):
    """What a first-day call home gave."""
    reason_given = "reason_given", "Reason given"
    no_answer = "no_answer", "No answer"
    message_left = "message_left", "Message left"
    concern = "concern", "Concern"


class KeyActionStatus(State):
    """open -> done"""
    open = "open"
    done = "done"


class FirstDayCall(Model):
    """A call home on a day of absence (the school's stage 1)."""
    __tablename__ = "first_day_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    call_date: Mapped[date] = mapped_column(Date, index=True)
    outcome: Mapped[CallOutcome] = mapped_column(state_type(CallOutcome, "outcome"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    recorded_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}


class StageMeeting(Model):
    """A stage meeting with the pupil (and parent): stage 2 tutor, 3 year leader, 4 senior leader."""
    __tablename__ = "stage_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    stage: Mapped[int] = mapped_column(SmallInteger)
    meeting_date: Mapped[date] = mapped_column(Date, index=True)
    attendees: Mapped[str] = mapped_column(String(500))
    targets: Mapped[str] = mapped_column(Text, default="")
    support: Mapped[str] = mapped_column(Text, default="")
    next_review: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    recorded_by = relationship("User")

    __table_args__ = (CheckConstraint("stage IN (2, 3, 4)", name="stage"),)
    __mapper_args__ = {"version_id_col": version}


class KeyAction(Model):
    """A pupil on a school's key-actions list for a week (its Monday): the stage reached without
    its meeting or call, the action, the colleague it is allocated to and the date it is due.
    `carried_from_id`: last week's incomplete item this one carries over."""
    __tablename__ = "key_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    stage: Mapped[int] = mapped_column(SmallInteger)
    action: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[KeyActionStatus] = mapped_column(state_type(KeyActionStatus), default=KeyActionStatus.open)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("key_actions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    owner = relationship("User", foreign_keys=[owner_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    carried_from = relationship("KeyAction", remote_side=[id])

    __table_args__ = (UniqueConstraint("school_id", "week_start", "pupil_id", name="uq_key_actions_week_pupil"),
                      CheckConstraint("stage BETWEEN 1 AND 4", name="stage"))
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == KeyActionStatus.open


class KeyActionReview(Model):
    """The leadership link's review of a school's list for a week: who, when."""
    __tablename__ = "key_action_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    reviewed_by = relationship("User")

    __table_args__ = (UniqueConstraint("school_id", "week_start", name="uq_key_action_reviews_week"),)
