"""Referrals, cases, sharing, chronology, agreed actions and stages (notifications: portal.notifications)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow

# Barriers to attendance: the referral checklist of DOMAIN.md.
BARRIERS: tuple[tuple[str, str], ...] = (
    ("illness", "Physical illness or medical condition"),
    ("ebsa", "Mental health, anxiety or emotionally-based school avoidance (EBSA)"),
    ("send", "Special educational need not yet met"),
    ("bullying", "Bullying or peer relationships"),
    ("staff", "Relationships with staff or the school"),
    ("family", "Family circumstances (bereavement, separation, parental illness, domestic abuse)"),
    ("young_carer", "Young carer"),
    ("housing", "Housing or temporary accommodation"),
    ("transport", "Transport or distance"),
    ("poverty", "Poverty (uniform, equipment)"),
    ("parental_attitude", "Parental attitude to school"),
    ("safeguarding", "Exploitation, missing episodes or other safeguarding concern"),
    ("substance", "Substance misuse"),
    ("siblings", "Caring for siblings"),
    ("holiday", "Term-time holiday"),
    ("other", "Other"),
)
BARRIER_LABELS = dict(BARRIERS)

CONSENT = (("given", "Given"), ("refused", "Refused"), ("not_sought", "Not sought"))
URGENCY = (("routine", "Routine"), ("urgent", "Urgent"))


class ReferralStatus(State):
    """draft -> submitted -> accepted | more_info | declined; more_info -> submitted"""
    draft = "draft"
    submitted = "submitted", "Awaiting triage"
    more_info = "more_info", "More information asked for"
    accepted = "accepted"
    declined = "declined"


class CaseStatus(State):
    """open <-> monitoring; either -> closed (with a reason), never reopened."""
    open = "open"
    monitoring = "monitoring"
    closed = "closed"


# A case the partnership is still working on.
ACTIVE_CASE_STATES = (CaseStatus.open, CaseStatus.monitoring)


class ActionStatus(State):
    """open -> done | cancelled"""
    open = "open"
    done = "done"
    cancelled = "cancelled"


CLOSURE_REASONS: tuple[tuple[str, str], ...] = (
    ("improved", "Attendance improved and sustained"),
    ("moved_school", "Moved to another school in the borough"),
    ("moved_area", "Moved out of the area"),
    ("ehe", "Elective home education"),
    ("cme", "Child missing education referral made"),
    ("social_care_lead", "Stepped up to children's social care as lead"),
    ("left_school_age", "Left statutory school age"),
    ("other", "Other"),
)

CHRONOLOGY_KINDS: tuple[tuple[str, str], ...] = (
    ("note", "Note"),
    ("phone_call", "Phone call"),
    ("home_visit", "Home visit"),
    ("meeting", "Meeting"),
    ("letter", "Letter"),
    ("support_offered", "Support offered"),
    ("support_plan", "Support plan"),
    ("support_not_appropriate", "Support not appropriate"),
    ("referral", "Referral"),
    ("triage", "Triage"),
    ("stage_change", "Stage change"),
    ("decision", "Decision"),
    ("action", "Agreed action"),
    ("sharing", "Sharing"),
    ("correction", "Correction"),
    ("sweep", "Truancy sweep"),
    ("document", "Document"),
)
# Kinds a person records by hand; the others are written by the portal.
MANUAL_KINDS = ("note", "phone_call", "home_visit", "meeting", "letter", "support_offered", "support_plan",
                "support_not_appropriate")

# Support first (DOMAIN.md, as corrected by issue 12): formal support or enforcement comes when
# support has not worked, was not engaged with, or was not appropriate. The evidence that
# unlocks it is a support plan entry (naming the support, with its review date) or a "support
# not appropriate" entry (which reason, and a rationale of real length); a bare "support
# offered" line is a record of an offer, not that evidence.
SUPPORT_EVIDENCE_KINDS = ("support_plan", "support_not_appropriate")
NOT_APPROPRIATE_REASONS: tuple[tuple[str, str], ...] = (
    ("term_time_holiday", "Unauthorised term-time holiday"),
    ("no_barrier", "No barrier to attendance that support could remove"),
    ("other", "Another reason (explained in the rationale)"),
)
SUPPORT_NAME_MIN = 10   # characters naming the support ("a mentor" is not a plan)
RATIONALE_MIN = 40      # characters of rationale for "support not appropriate"


class Stage(Model):
    """A stage of the graduated response, with its per-term thresholds (days absent)."""
    __tablename__ = "stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))  # support / formal / enforcement
    term1_days: Mapped[int | None] = mapped_column(SmallInteger)
    term2_days: Mapped[int | None] = mapped_column(SmallInteger)
    term3_days: Mapped[int | None] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def needs_support_evidence(self) -> bool:
        return self.level in ("formal", "enforcement")


class Referral(Model):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ReferralStatus] = mapped_column(state_type(ReferralStatus), default=ReferralStatus.draft,
                                                   index=True)
    barriers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # key -> short description
    stage_reached: Mapped[int | None] = mapped_column(SmallInteger)
    school_actions: Mapped[str] = mapped_column(Text, default="")
    # consent, urgency and the safeguarding question are the school's choice: None until answered
    # (a draft may leave them open; a submission needs each, `referrals.missing_in`)
    consent: Mapped[str | None] = mapped_column(String(16))
    lawful_basis: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str | None] = mapped_column(String(16))
    safeguarding_concern: Mapped[bool | None] = mapped_column()
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # attendance when submitted
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    triage_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    school = relationship("Organisation")
    created_by = relationship("User", foreign_keys=[created_by_id])
    triaged_by = relationship("User", foreign_keys=[triaged_by_id])
    additions: Mapped[list[ReferralAddition]] = relationship(order_by="ReferralAddition.id",
                                                             back_populates="referral")
    case: Mapped[Case | None] = relationship(back_populates="referral", uselist=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def editable(self) -> bool:
        """A draft, or returned for more information: the school may change it and submit it."""
        return self.status in (ReferralStatus.draft, ReferralStatus.more_info)


class ReferralAddition(Model):
    """Information added to a submitted referral (it is never edited in place)."""
    __tablename__ = "referral_additions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="additions")
    author = relationship("User")


class Case(Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), unique=True)
    status: Mapped[CaseStatus] = mapped_column(state_type(CaseStatus), default=CaseStatus.open, index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    next_review: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closure_reason: Mapped[str | None] = mapped_column(String(32))
    closure_text: Mapped[str] = mapped_column(Text, default="")
    attendance_at_open: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attendance_at_close: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    referral: Mapped[Referral | None] = relationship(back_populates="case")
    stage: Mapped[Stage | None] = relationship()
    lead = relationship("User")
    shares: Mapped[list[CaseShare]] = relationship(back_populates="case", order_by="CaseShare.id")
    actions: Mapped[list[Action]] = relationship(back_populates="case", order_by="Action.due_date")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.closed


class CaseChild(Model):
    """A sibling a whole-family case covers besides its own child (`Case.pupil`), under the
    case's one lead professional. Removing a child ends the row (`removed_at`); it is never deleted."""
    __tablename__ = "case_children"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    pupil = relationship("Pupil")


class CaseShare(Model):
    __tablename__ = "case_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    shared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship(back_populates="shares")
    organisation = relationship("Organisation")
    shared_by = relationship("User", foreign_keys=[shared_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_case_shares_active", "organisation_id", "withdrawn_at"),)

    @property
    def active(self) -> bool:
        """Shared and not withdrawn: the organisation sees the case."""
        return self.withdrawn_at is None

    @property
    def status_label(self) -> str:
        return "Shared" if self.active else "Withdrawn"


class ChronologyEntry(Model):
    """One line of a case's timeline. Never edited in place: a correction is a new entry
    linked to the one it corrects; a wrong entry is struck through with a reason."""
    __tablename__ = "chronology_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # False: a person gave only the day (occurred_at is then noon, London, for ordering) and no
    # time is shown; the portal's own entries carry the real time of the event
    time_given: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    text: Mapped[str] = mapped_column(Text)  # what the case's professionals read
    # What the police read when the case is shared with them; NULL: the entry is not in the police
    # view. An entry a person writes and marks "can be seen by the police" carries their own words;
    # an entry the portal writes carries its own police wording, which never holds attendance
    # figures, a UPN, a date of birth, health or panel detail, nor words typed by someone who did
    # not choose to share them with the police (guarded by tests/test_police_view.py).
    police_text: Mapped[str | None] = mapped_column(Text)
    health: Mapped[bool] = mapped_column(default=False)  # health notes never reach the police view
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("chronology_entries.id"))
    struck_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    struck_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    strike_reason: Mapped[str] = mapped_column(Text, default="")
    # support first: a "support_plan" names the support and its review date; a
    # "support_not_appropriate" entry says which reason (its text is the rationale)
    support_name: Mapped[str | None] = mapped_column(String(300))
    review_on: Mapped[date | None] = mapped_column(Date)
    not_appropriate_reason: Mapped[str | None] = mapped_column(String(32))

    author = relationship("User", foreign_keys=[author_id])
    organisation = relationship("Organisation")
    corrects = relationship("ChronologyEntry", remote_side=[id])
    document: Mapped[CaseDocument | None] = relationship(back_populates="entry", uselist=False)

    @property
    def police_shareable(self) -> bool:
        """In the police view of the case (when it is shared with them)."""
        return self.police_text is not None

    def text_for(self, view: str) -> str:
        """The wording for a view of the case (`access.case_view`): the police read theirs."""
        if view == "police":
            return self.police_text or ""
        return self.text


class Action(Model):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(state_type(ActionStatus), default=ActionStatus.open)
    outcome: Mapped[str] = mapped_column(Text, default="")
    police_shareable: Mapped[bool] = mapped_column(default=False)  # chosen, never assumed
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when the action was agreed at a multi-agency panel (portal.panels).
    panel_decision_id: Mapped[int | None] = mapped_column(ForeignKey("panel_decisions.id"), index=True)
    # Set when the action is one a contract agreed (portal.formal_steps).
    formal_step_id: Mapped[int | None] = mapped_column(ForeignKey("formal_steps.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship(back_populates="actions")
    owner_user = relationship("User", foreign_keys=[owner_user_id])
    owner_org = relationship("Organisation", foreign_keys=[owner_org_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.open

    @property
    def owner_label(self) -> str:
        if self.owner_user is not None:
            return f"{self.owner_user.name} ({self.owner_user.organisation.name})"
        return self.owner_org.name if self.owner_org is not None else "–"



# ----- documents on a case (portal.cases.documents) ------------------------------------------

DOCUMENT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("letter", "Letter"),
    ("contract", "Attendance contract or agreement"),
    ("signed_form", "Signed form (or a photo of one)"),
    ("medical", "Medical evidence"),
    ("other", "Other"),
)
# Medical evidence is a health record: never in the police view (like a health note).
HEALTH_CATEGORIES = ("medical",)


class DocumentStatus(State):
    """kept -> removed (with a reason; the file is deleted from disk)"""
    kept = "kept"
    removed = "removed"


class FileType(State):
    """What a document's content is (checked by its bytes, never by its name)."""
    pdf = "pdf", "PDF"
    png = "png", "PNG image"
    jpeg = "jpeg", "JPEG image"
    docx = "docx", "Word document"
    xlsx = "xlsx", "Excel spreadsheet"
    doc = "doc", "Word 97-2003 document"
    odt = "odt", "OpenDocument text"


class CaseDocument(Model):
    """A file attached to a case (a letter, a contract, medical evidence, a photo of a signed
    form). The file lives outside the web root under a random name; its chronology entry shows
    it on the case. Never in the police view unless chosen for this document."""
    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("chronology_entries.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))  # the name it was sent with, made safe
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random; never from the user
    file_type: Mapped[FileType] = mapped_column(state_type(FileType, name="file_type"))
    size: Mapped[int] = mapped_column()
    police_shareable: Mapped[bool] = mapped_column(default=False)  # chosen per document, never assumed
    health: Mapped[bool] = mapped_column(default=False)
    status: Mapped[DocumentStatus] = mapped_column(state_type(DocumentStatus), default=DocumentStatus.kept)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    remove_reason: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[ChronologyEntry] = relationship(back_populates="document")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])

    @property
    def kept(self) -> bool:
        return self.status == DocumentStatus.kept

    @property
    def size_text(self) -> str:
        if self.size < 1024 * 1024:
            return f"{max(1, round(self.size / 1024))} KB"
        return f"{self.size / (1024 * 1024):.1f} MB"
