"""Notices to improve, schools' requests for one, and penalty notices.

A notice names its parent twice: the pupil's contact (`contact_id`, set to NULL if the contact
is later removed from the pupil) and the name as it was when the notice was made (`parent_name`),
so a notice's history, and the three-year cap, outlive a contact's removal."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class NtiStatus(State):
    """in_period -> improved | not_improved"""
    in_period = "in_period", "In improvement period"
    improved = "improved", "Improved: no further action"
    not_improved = "not_improved", "Not improved: consider a penalty notice"


class RequestStatus(State):
    """open -> accepted | declined"""
    open = "open", "Awaiting the LA"
    accepted = "accepted", "Accepted: notice to improve raised"
    declined = "declined"


class NoticeStatus(State):
    """drafted -> issued -> paid | withdrawn | prosecution; drafted -> withdrawn"""
    drafted = "drafted"
    issued = "issued"
    paid = "paid"
    withdrawn = "withdrawn"
    prosecution = "prosecution", "Unpaid: prosecution considered"


class NoticeReason(State):
    term_time_holiday = "term_time_holiday", "Term-time holiday"
    other_unauthorised = "other_unauthorised", "Other unauthorised absence"


class ServedBy(State):
    hand = "hand", "By hand"
    post = "post", "By post"
    email = "email", "By email"


DEFAULT_IMPROVEMENT = "No unauthorised absence during the improvement period"


class NtiRequest(Model):
    """A school's request that the LA issue a notice to improve for its pupil, with its evidence."""
    __tablename__ = "nti_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    evidence: Mapped[str] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(state_type(RequestStatus), default=RequestStatus.open, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    case = relationship("Case")
    school = relationship("Organisation")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    nti: Mapped[NoticeToImprove | None] = relationship(back_populates="request", uselist=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.open


class NoticeToImprove(Model):
    __tablename__ = "notices_to_improve"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("nti_requests.id"), unique=True)
    status: Mapped[NtiStatus] = mapped_column(state_type(NtiStatus), default=NtiStatus.in_period, index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    # the record it states: unauthorised sessions (G, N, O, U) in the qualifying period
    qualifying_start: Mapped[date] = mapped_column(Date)
    qualifying_end: Mapped[date] = mapped_column(Date)
    unauthorised_sessions: Mapped[int] = mapped_column(SmallInteger)
    # support first: the chronology entries cited (ids, with their wording when cited) or why not
    support_cited: Mapped[list] = mapped_column(JSON, default=list)
    not_appropriate_rationale: Mapped[str] = mapped_column(Text, default="")
    improvement: Mapped[str] = mapped_column(Text, default=DEFAULT_IMPROVEMENT)
    period_weeks: Mapped[int] = mapped_column(SmallInteger)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    period_unauthorised: Mapped[int | None] = mapped_column(SmallInteger)  # at the outcome
    version: Mapped[int] = mapped_column(default=1)

    case = relationship("Case")
    pupil = relationship("Pupil")
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    outcome_by = relationship("User", foreign_keys=[outcome_by_id])
    request: Mapped[NtiRequest | None] = relationship(back_populates="nti")
    parents: Mapped[list[NtiParent]] = relationship(back_populates="nti", order_by="NtiParent.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def in_period(self) -> bool:
        return self.status == NtiStatus.in_period

    @property
    def not_improved(self) -> bool:
        return self.status == NtiStatus.not_improved

    @property
    def parent_names(self) -> str:
        return " and ".join(p.parent_name for p in self.parents)


class NtiParent(Model):
    """A liable parent a notice to improve covers."""
    __tablename__ = "nti_parents"

    id: Mapped[int] = mapped_column(primary_key=True)
    nti_id: Mapped[int] = mapped_column(ForeignKey("notices_to_improve.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("pupil_contacts.id", ondelete="SET NULL"), index=True)
    parent_name: Mapped[str] = mapped_column(String(120))

    nti: Mapped[NoticeToImprove] = relationship(back_populates="parents")


class PenaltyNotice(Model):
    """One notice to one liable parent for one child. Amounts in whole pounds."""
    __tablename__ = "penalty_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # PN-2026-0001
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("pupil_contacts.id", ondelete="SET NULL"), index=True)
    parent_name: Mapped[str] = mapped_column(String(120))
    nti_id: Mapped[int | None] = mapped_column(ForeignKey("notices_to_improve.id"))
    skip_reason: Mapped[str] = mapped_column(Text, default="")  # why no notice to improve came first
    reason: Mapped[NoticeReason] = mapped_column(state_type(NoticeReason, "reason", length=20))
    status: Mapped[NoticeStatus] = mapped_column(state_type(NoticeStatus), default=NoticeStatus.drafted, index=True)
    sequence: Mapped[int] = mapped_column(SmallInteger, default=1)  # first or second within 3 years
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_on: Mapped[date | None] = mapped_column(Date, index=True)
    served_by: Mapped[ServedBy | None] = mapped_column(state_type(ServedBy, "served_by"))
    deemed_served_on: Mapped[date | None] = mapped_column(Date)
    amount_first: Mapped[int | None] = mapped_column(Integer)  # None for a second notice (flat)
    pay_first_by: Mapped[date | None] = mapped_column(Date)
    amount_full: Mapped[int | None] = mapped_column(Integer)
    pay_full_by: Mapped[date | None] = mapped_column(Date, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    prosecution_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    prosecution_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # partners with the case shared see a notice's status; its amounts, number and payment only
    # when the LA or the lead shares them (audited)
    details_shared: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    case = relationship("Case")
    pupil = relationship("Pupil")
    nti: Mapped[NoticeToImprove | None] = relationship()
    drafted_by = relationship("User", foreign_keys=[drafted_by_id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def counts(self) -> bool:
        """Towards the cap of two within three years: every notice not withdrawn."""
        return self.status != NoticeStatus.withdrawn

    @property
    def is_issued(self) -> bool:
        return self.status == NoticeStatus.issued

    @property
    def is_overdue(self) -> bool:
        """Issued and still unpaid after its 28 days (the LA's overdue list)."""
        from portal.timeutil import today

        return self.is_issued and self.pay_full_by is not None and today() > self.pay_full_by

    @property
    def is_drafted(self) -> bool:
        return self.status == NoticeStatus.drafted
