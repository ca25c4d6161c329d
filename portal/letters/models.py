"""Letters: the templates LA admins keep (each save a new, immutable version) and the letters
made from them, one per liable parent. A letter's text is merged once, when it is drafted; once
it is marked sent its PDF is frozen (kept on the letter, and as a case document when there is a
case), so a later change of its template never changes it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, SmallInteger, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class Audience(State):
    """Who sends letters of a template: the LA (on a case) or a school (its stage letters)."""
    la = "la", "LA"
    school = "school", "School"


class LetterStatus(State):
    """draft -> sent (frozen) | discarded"""
    draft = "draft"
    sent = "sent"
    discarded = "discarded"


class LetterTemplate(Model):
    __tablename__ = "letter_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    audience: Mapped[Audience] = mapped_column(state_type(Audience, name="audience"))
    # A penalty notice letter: partners see it only where the case's penalty details are shared
    # (`access.may_see_penalty_detail`).
    penalty_detail: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    versions: Mapped[list[LetterTemplateVersion]] = relationship(
        back_populates="template", order_by="LetterTemplateVersion.number")

    __mapper_args__ = {"version_id_col": version}

    @property
    def current(self) -> LetterTemplateVersion:
        return self.versions[-1]

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class LetterTemplateVersion(Model):
    """One saved text of a template: never changed; a new save is a new version."""
    __tablename__ = "letter_template_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("letter_templates.id"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the portal's default text
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    template: Mapped[LetterTemplate] = relationship(back_populates="versions")
    author = relationship("User")

    __table_args__ = (UniqueConstraint("template_id", "number", name="uq_letter_template_versions_number"),)


@event.listens_for(LetterTemplateVersion, "before_update")
def _versions_are_immutable(mapper, connection, target):
    raise ValueError("a letter template's version is never changed: save a new version")


class Letter(Model):
    """One letter to one recipient, about a pupil (on a case, or a school's stage letter without
    one). `text` is the merged text, fixed when drafted; `pdf` the frozen PDF, once sent."""
    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("letter_template_versions.id"))
    audience: Mapped[Audience] = mapped_column(state_type(Audience, name="audience"))
    penalty_detail: Mapped[bool] = mapped_column(default=False)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("pupil_contacts.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(120))  # the name as it was when drafted
    status: Mapped[LetterStatus] = mapped_column(state_type(LetterStatus), default=LetterStatus.draft, index=True)
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # notice data a caller merged in
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)  # frozen when sent
    document_id: Mapped[int | None] = mapped_column(ForeignKey("case_documents.id"))
    discarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    pupil = relationship("Pupil")
    case = relationship("Case")
    template_version: Mapped[LetterTemplateVersion] = relationship()
    contact = relationship("Contact")
    created_by = relationship("User", foreign_keys=[created_by_id])
    sent_by = relationship("User", foreign_keys=[sent_by_id])
    document = relationship("CaseDocument")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_draft(self) -> bool:
        return self.status == LetterStatus.draft

    @property
    def is_sent(self) -> bool:
        return self.status == LetterStatus.sent

    @property
    def title(self) -> str:
        return f"{self.template_version.template.name} to {self.recipient}"

    @property
    def filename(self) -> str:
        return f"letter-{self.id}-{self.template_version.template.key.replace('_', '-')}.pdf"


FROZEN = ("text", "subject", "pdf", "recipient", "template_version_id", "extra", "sent_at")


@event.listens_for(Letter, "before_update")
def _sent_letters_are_frozen(mapper, connection, target):
    """Once a letter was sent, what it said is never changed (whatever code tries)."""
    from sqlalchemy import inspect

    state = inspect(target)
    before = state.attrs.status.history.deleted
    if (before and before[0] == LetterStatus.sent) or (not before and target.status == LetterStatus.sent):
        changed = [name for name in FROZEN if state.attrs[name].history.has_changes()]
        if changed:
            raise ValueError(f"a sent letter is frozen: {', '.join(changed)} cannot change")
