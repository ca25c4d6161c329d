"""Panel meetings, their members, the agenda and the decisions taken on each case."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Action, Case
from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow

# The decisions a panel takes on a case (DOMAIN.md, "Multi-agency panel").
DECISIONS: tuple[tuple[str, str], ...] = (
    ("continue_support", "Continue support"),
    ("escalate_stage", "Escalate stage"),
    ("early_help", "Refer to early help"),
    ("social_care", "Refer to children's social care / MASH"),
    ("formal_support", "Formal support: attendance contract or parenting contract"),
    ("eso_application", "Education supervision order application"),
    ("notice_consideration", "Notice to improve or penalty notice consideration"),
    ("prosecution_consideration", "Prosecution consideration"),
    ("close", "Close"),
)
DECISION_LABELS = dict(DECISIONS)
# Decisions towards formal support or enforcement: the chronology must show support offered first.
FORMAL_DECISIONS = ("formal_support", "eso_application", "notice_consideration", "prosecution_consideration")


class MeetingStatus(State):
    """scheduled -> published (the agenda is out to members) -> held (the meeting took place)"""
    scheduled = "scheduled"
    published = "published", "Agenda published"
    held = "held"

DEFAULT_SLOT_MINUTES = 15


class PanelMeeting(Model):
    __tablename__ = "panel_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[MeetingStatus] = mapped_column(state_type(MeetingStatus), default=MeetingStatus.scheduled,
                                                  index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Touched by every agenda change, so the meeting's version guards the whole agenda.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    chair = relationship("User")
    members: Mapped[list[PanelMember]] = relationship(back_populates="meeting", order_by="PanelMember.id")
    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting",
                                                   order_by=lambda: (AgendaItem.position, AgendaItem.id))

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def active_items(self) -> list[AgendaItem]:
        return [i for i in self.items if i.removed_at is None]


class PanelMember(Model):
    """An invitation: a person (user_id, with the agency they represent) or an agency as a
    whole (user_id empty: anyone of that organisation may attend). A person who comes through
    an agency invitation gets a row of their own when they confirm confidentiality."""
    __tablename__ = "panel_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meetings.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Someone who came (or sent apologies) for an agency without an account or a personal
    # invitation: recorded by the chair by name (user_id empty).
    person_name: Mapped[str] = mapped_column(String(200), default="")
    present: Mapped[bool | None] = mapped_column()  # None: not recorded yet
    apologies: Mapped[bool] = mapped_column(default=False)
    confidentiality_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    meeting: Mapped[PanelMeeting] = relationship(back_populates="members")
    user = relationship("User")
    organisation = relationship("Organisation")

    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_panel_members_meeting_user"),)

    @property
    def label(self) -> str:
        if self.user is not None:
            return f"{self.user.name} ({self.organisation.name})"
        if self.person_name:
            return f"{self.person_name} ({self.organisation.name})"
        return self.organisation.name

    @property
    def is_person(self) -> bool:
        return self.user_id is not None or bool(self.person_name)


class AgendaItem(Model):
    """A case on a meeting's agenda. Removing it keeps the row (with who, when and why);
    positions of the items still on the agenda run 1..n."""
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meetings.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    slot_minutes: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_SLOT_MINUTES)
    reason_added: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_reason: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[PanelMeeting] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()
    added_by = relationship("User", foreign_keys=[added_by_id])
    removed_by = relationship("User", foreign_keys=[removed_by_id])
    decision: Mapped[PanelDecision | None] = relationship(back_populates="item", uselist=False)

    @property
    def active(self) -> bool:
        return self.removed_at is None


class PanelDecision(Model):
    """What the panel decided on one agenda item. Its agreed actions are `Action` rows with
    `panel_decision_id` set; the next review is copied onto the case."""
    __tablename__ = "panel_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decision: Mapped[str] = mapped_column(String(32))
    rationale: Mapped[str] = mapped_column(Text)
    next_review: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    item: Mapped[AgendaItem] = relationship(back_populates="decision")
    case: Mapped[Case] = relationship()
    decided_by = relationship("User")
    actions: Mapped[list[Action]] = relationship(Action, viewonly=True, order_by=Action.id)

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return DECISION_LABELS[self.decision]
