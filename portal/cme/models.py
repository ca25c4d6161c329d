"""Children missing education: notifications from schools, joint reasonable enquiries, and the
LA's CME enquiries (one per child, a pupil link optional) with the outcome that closes them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class NotificationKind(State):
    deletion = "deletion", "Deletion from the admission register"
    joining = "joining", "Joining at a non-standard point"


class DeletionGround(State):
    """The grounds for deleting a pupil from the admission register."""
    other_school = "other_school", "Moved to another school"
    moving_away = "moving_away", "Moving away"
    home_education = "home_education", "Elective home education"
    continuous_absence = "absence_20_days", "20 consecutive school days of absence after joint reasonable enquiries"
    medical = "medical", "Medical"
    death = "death", "Death"
    other = "other", "Other"


class NotificationStatus(State):
    """new -> acknowledged | enquiry (turned into a CME enquiry)"""
    new = "new", "New"
    acknowledged = "acknowledged", "Acknowledged"
    enquiry = "enquiry", "The LA is making enquiries"


class EnquiryParty(State):
    school = "school", "The school"
    la = "la", "The local authority"


class EnquirySource(State):
    school_notification = "school", "School notification"
    sweep = "sweep", "Sweep encounter not on roll"
    professional = "professional", "A professional or member of the public"
    other_la = "other_la", "Another local authority"


class EnquiryStatus(State):
    open = "open", "Open"
    closed = "closed", "Closed"


class EnquiryOutcome(State):
    found_on_roll = "found_on_roll", "Found on a school roll"
    other_la = "other_la", "Moved to another local authority"
    abroad = "abroad", "Moved abroad"
    home_education = "home_education", "Elective home education"
    missing = "missing", "Missing after all enquiries (escalated)"
    other = "other", "Other"


class StepKind(State):
    """The checklist of an enquiry, in order."""
    home_visit = "home_visit", "Home visit"
    family_contact = "family_contact", "Contact with the family"
    other_schools = "other_schools", "Other schools"
    health = "health", "Health"
    housing = "housing", "Housing"
    police = "police", "Police"
    other_las = "other_las", "Other local authorities"


# when each step falls due: school days after the enquiry is opened (the child's school calendar,
# the LA's when the child has no school)
STEP_DUE_DAYS = {StepKind.home_visit: 2, StepKind.family_contact: 2, StepKind.other_schools: 5,
                 StepKind.health: 5, StepKind.housing: 5, StepKind.police: 10, StepKind.other_las: 10}


class CmeNotification(Model):
    """A school's notification to the LA: a deletion from its admission register (ground,
    destination where known, date) or a pupil joining at a non-standard transition point."""
    __tablename__ = "cme_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(state_type(NotificationKind, "kind"))
    ground: Mapped[DeletionGround | None] = mapped_column(state_type(DeletionGround, "ground"))
    event_date: Mapped[date] = mapped_column(Date, index=True)  # the date of deletion, or of joining
    destination: Mapped[str] = mapped_column(String(500), default="")  # "" with a deletion: not known
    previous_school: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NotificationStatus] = mapped_column(state_type(NotificationStatus), default=NotificationStatus.new)
    notified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    school = relationship("Organisation")
    notified_by = relationship("User", foreign_keys=[notified_by_id])
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def destination_known(self) -> bool:
        return bool(self.destination.strip())


class JointEnquiry(Model):
    """One side's part of the joint reasonable enquiries about a pupil (the school's, the LA's)."""
    __tablename__ = "cme_joint_enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    party: Mapped[EnquiryParty] = mapped_column(state_type(EnquiryParty, "party"))
    done_on: Mapped[date] = mapped_column(Date)
    what_done: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    recorded_by = relationship("User")


class CmeEnquiry(Model):
    """The LA's enquiry about a child who may be missing education."""
    __tablename__ = "cme_enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"), index=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("cme_notifications.id"), unique=True)
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounters.id"), unique=True)  # a sweep's
    source: Mapped[EnquirySource] = mapped_column(state_type(EnquirySource, "source"))
    child_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(500), default="")
    family_contact: Mapped[str] = mapped_column(String(500), default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[EnquiryStatus] = mapped_column(state_type(EnquiryStatus), default=EnquiryStatus.open, index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[EnquiryOutcome | None] = mapped_column(state_type(EnquiryOutcome, "outcome"))
    outcome_date: Mapped[date | None] = mapped_column(Date)  # the LA notified, told, escalated...
    outcome_detail: Mapped[str] = mapped_column(String(500), default="")  # which school, which LA, to whom
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    notification = relationship("CmeNotification")
    lead = relationship("User", foreign_keys=[lead_id])
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == EnquiryStatus.open


class CmeStep(Model):
    """A step of an enquiry's checklist: due, done (when), its outcome and notes."""
    __tablename__ = "cme_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("cme_enquiries.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(state_type(StepKind, "kind"))
    due_date: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def overdue(self, today: date) -> bool:
        """Not done and its due date is past."""
        return self.done_on is None and self.due_date < today


class CmeShare(Model):
    """An enquiry shared with a partner agency (children's social care or the police), with the
    reason; withdrawn with a reason, never deleted (the history stays on the enquiry)."""
    __tablename__ = "cme_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("cme_enquiries.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    shared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    enquiry = relationship("CmeEnquiry")
    organisation = relationship("Organisation")
    shared_by = relationship("User", foreign_keys=[shared_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_cme_shares_active", "organisation_id", "withdrawn_at"),)

    @property
    def active(self) -> bool:
        """Shared and not withdrawn: the organisation sees the enquiry."""
        return self.withdrawn_at is None

    @property
    def status_label(self) -> str:
        return "Shared" if self.active else "Withdrawn"
