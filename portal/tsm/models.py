"""Targeting Support Meetings: one per school per term, the partners invited, and what was
agreed per pupil or per cohort (each agreed step with an owner and a due date is an action
that lands in its owner's "My actions")."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class TsmStatus(State):
    """booked -> held"""
    booked = "booked"
    held = "held"


class NextStep(State):
    """The step agreed for a pupil or a cohort."""
    school_support = "school_support", "School support"
    early_help = "early_help", "Early help assessment"
    ewo_referral = "ewo_referral", "Referral to the EWO"
    whole_family = "whole_family", "Whole-family plan"
    no_further_action = "no_action", "No further action"


class TsmActionStatus(State):
    """open -> done (a step with no further action is done when recorded)"""
    open = "open"
    done = "done"


class SupportMeeting(Model):
    __tablename__ = "support_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    ewo_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[TsmStatus] = mapped_column(state_type(TsmStatus), default=TsmStatus.booked, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    school_actions: Mapped[str] = mapped_column(Text, default="")
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    marked_held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    school = relationship("Organisation", foreign_keys=[school_id])
    term = relationship("Term")
    ewo = relationship("User", foreign_keys=[ewo_id])
    school_lead = relationship("User", foreign_keys=[school_lead_id])
    partners: Mapped[list[TsmPartner]] = relationship(back_populates="meeting", order_by="TsmPartner.id")
    items: Mapped[list[TsmItem]] = relationship(back_populates="meeting", order_by="TsmItem.id")

    __table_args__ = (UniqueConstraint("school_id", "term_id", name="uq_support_meetings_school_term"),)
    __mapper_args__ = {"version_id_col": version}

    @property
    def held(self) -> bool:
        return self.status == TsmStatus.held


class TsmPartner(Model):
    """A partner organisation invited to a meeting."""
    __tablename__ = "support_meeting_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("support_meetings.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    meeting: Mapped[SupportMeeting] = relationship(back_populates="partners")
    organisation = relationship("Organisation")

    __table_args__ = (UniqueConstraint("meeting_id", "organisation_id", name="uq_support_meeting_partners"),)


class TsmItem(Model):
    """What was recorded for one pupil (pupil_id) or one cohort (cohort: a key group or a cohort
    flag): discussed, the agreed next step, its owner (a person or an organisation), due date
    and note. Its status is the action's."""
    __tablename__ = "support_meeting_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("support_meetings.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"), index=True)
    cohort: Mapped[str | None] = mapped_column(String(32))
    discussed: Mapped[bool] = mapped_column(default=True)
    next_step: Mapped[NextStep] = mapped_column(state_type(NextStep, "next_step"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TsmActionStatus] = mapped_column(state_type(TsmActionStatus), default=TsmActionStatus.open)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[SupportMeeting] = relationship(back_populates="items")
    pupil = relationship("Pupil")
    owner_user = relationship("User", foreign_keys=[owner_user_id])
    owner_org = relationship("Organisation", foreign_keys=[owner_org_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == TsmActionStatus.open

    @property
    def owner_label(self) -> str:
        if self.owner_user is not None:
            return f"{self.owner_user.name} ({self.owner_user.organisation.name})"
        return self.owner_org.name if self.owner_org is not None else "–"
