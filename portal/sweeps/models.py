"""Truancy sweeps: the sweep, the children met (encounters) and the follow-up of each."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, DateTime, ForeignKey, Index, SmallInteger, String, Text, Time, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow

SCHOOL_STATUSES: tuple[tuple[str, str], ...] = (
    ("school", "At a school"),
    ("other_school", "At a school not listed"),
    ("home_educated", "Home-educated"),
    ("not_at_school", "Not at any school"),
    ("unknown", "Not known"),
)
EXCLUSION: tuple[tuple[str, str], ...] = (
    ("unknown", "Not known"),
    ("none", "Not excluded"),
    ("suspended", "Suspended"),
    ("permanent", "Permanently excluded"),
)
ACCOMPANIED: tuple[tuple[str, str], ...] = (
    ("alone", "Alone"),
    ("parent", "With a parent or carer"),
    ("other_adult", "With another adult"),
    ("group", "In a group of children"),
)
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("returned_to_school", "Returned to school"),
    ("taken_home", "Taken home"),
    ("designated_place", "Taken to the designated place"),
    ("no_action", "No action"),
    ("other", "Other"),
)


class MatchStatus(State):
    """unmatched -> matched (to a pupil on a roll) | no_match (on no roll: for the LA to follow up)"""
    unmatched = "unmatched", "Awaiting a match"
    matched = "matched"
    no_match = "no_match", "Not on roll"


MATCH_STATES = tuple((s, s.label) for s in MatchStatus)


class FollowUpStatus(State):
    """open -> done; open | done -> cancelled (the match was wrong and undone)"""
    open = "open"
    done = "done"
    cancelled = "cancelled", "Cancelled: the match was undone"


CONTACT_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("spoke", "Spoke to the parent or carer"),
    ("met", "Met the parent or carer"),
    ("message", "Left a message, no reply yet"),
    ("no_contact", "Could not contact"),
)

LABELS = {name: dict(choices) for name, choices in (
    ("school_status", SCHOOL_STATUSES), ("exclusion", EXCLUSION), ("accompanied", ACCOMPANIED),
    ("outcome", OUTCOMES), ("match_status", MATCH_STATES), ("contact_outcome", CONTACT_OUTCOMES))}


class Sweep(Model):
    __tablename__ = "sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    area: Mapped[str] = mapped_column(String(300))
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    lead = relationship("User", foreign_keys=[lead_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    officers: Mapped[list[SweepOfficer]] = relationship(back_populates="sweep", order_by="SweepOfficer.id",
                                                        cascade="all, delete-orphan")
    agencies: Mapped[list[SweepAgency]] = relationship(back_populates="sweep", order_by="SweepAgency.id",
                                                       cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def window(self) -> str:
        return f"{self.starts_at.strftime('%H:%M')}–{self.ends_at.strftime('%H:%M')}"

    @property
    def officer_users(self) -> list:
        return [o.user for o in self.officers]


class SweepOfficer(Model):
    __tablename__ = "sweep_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    sweep: Mapped[Sweep] = relationship(back_populates="officers")
    user = relationship("User")

    __table_args__ = (UniqueConstraint("sweep_id", "user_id", name="uq_sweep_officers_sweep_user"),)


class SweepAgency(Model):
    __tablename__ = "sweep_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    sweep: Mapped[Sweep] = relationship(back_populates="agencies")
    organisation = relationship("Organisation")

    __table_args__ = (UniqueConstraint("sweep_id", "organisation_id", name="uq_sweep_agencies_sweep_org"),)


class Encounter(Model):
    """A child found out of school during a sweep, as the child (or whoever was with them)
    told it, and what the officers did."""
    __tablename__ = "encounters"

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    location: Mapped[str] = mapped_column(String(200))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    forename: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age: Mapped[int | None] = mapped_column(SmallInteger)
    school_status: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    school_given: Mapped[str] = mapped_column(String(200), default="")
    exclusion: Mapped[str] = mapped_column(String(16), default="unknown")
    accompanied: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_accepted: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(24))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    concern: Mapped[bool] = mapped_column(default=False)
    concern_note: Mapped[str] = mapped_column(Text, default="")
    match_status: Mapped[MatchStatus] = mapped_column(state_type(MatchStatus, "match_status"),
                                                      default=MatchStatus.unmatched, index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"), index=True)
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    match_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    sweep: Mapped[Sweep] = relationship()
    officer = relationship("User", foreign_keys=[officer_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    matched_by = relationship("User", foreign_keys=[matched_by_id])
    school = relationship("Organisation")
    pupil = relationship("Pupil")
    # The live follow-up (a cancelled one, left by an undone match, is not it).
    follow_up: Mapped[FollowUp | None] = relationship(
        primaryjoin=lambda: and_(FollowUp.encounter_id == Encounter.id, FollowUp.status != FollowUpStatus.cancelled),
        uselist=False, viewonly=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_encounters_sweep_recorder", "sweep_id", "recorded_by_id"),)

    @property
    def child_name(self) -> str:
        return f"{self.forename} {self.surname}".strip()

    @property
    def school_label(self) -> str:
        if self.school_status == "school" and self.school is not None:
            return self.school.name
        if self.school_status == "other_school":
            return self.school_given or "A school not listed"
        return LABELS["school_status"][self.school_status]

    def label(self, field: str) -> str:
        return LABELS[field].get(getattr(self, field), getattr(self, field))

    @property
    def age_when_seen(self) -> int | None:
        """The age given, or worked out from the date of birth given on the day the child was
        met: what the police view shows instead of a date of birth."""
        if self.date_of_birth is None:
            return self.age
        from portal.timeutil import LONDON, as_utc

        day, born = as_utc(self.seen_at).astimezone(LONDON).date(), self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class FollowUp(Model):
    """The school and its named EWO contact the parent or carer within one school day of
    the encounter and record the outcome."""
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One live (not cancelled) follow-up per encounter; an undone match leaves a cancelled one.
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    ewo_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[FollowUpStatus] = mapped_column(state_type(FollowUpStatus), default=FollowUpStatus.open,
                                                   index=True)
    contact_outcome: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(Text, default="")
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    encounter: Mapped[Encounter] = relationship()
    pupil = relationship("Pupil")
    school = relationship("Organisation")
    ewo = relationship("User", foreign_keys=[ewo_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])

    __mapper_args__ = {"version_id_col": version}

    def overdue(self, today: date) -> bool:
        return self.status == FollowUpStatus.open and self.due_on < today
