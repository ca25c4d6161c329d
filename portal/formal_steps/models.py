"""Formal support and court steps on a case (issue 15): attendance and parenting contracts, an
education supervision order (ESO) and a prosecution under s444. Each is a step on the case with
its own status and dates; each rests on support-first evidence from the case's chronology."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class StepKind(State):
    attendance_contract = "attendance_contract", "Attendance contract"
    parenting_contract = "parenting_contract", "Parenting contract"
    education_supervision_order = "education_supervision_order", "Education supervision order"
    prosecution = "prosecution", "Prosecution (s444)"


class StepStatus(State):
    """The statuses of every kind (which belong to which kind, and the moves between them:
    `rules.TRANSITIONS`)."""
    # contracts
    proposed = "proposed"
    signed = "signed"
    reviewed = "reviewed"
    ended = "ended"
    breached = "breached"
    # education supervision order
    applied = "applied", "Applied for"
    hearing_listed = "hearing_listed", "Hearing listed"
    granted = "granted"
    refused = "refused"
    in_force = "in_force", "In force"
    extended = "extended"
    # prosecution
    file_in_preparation = "file_in_preparation", "File in preparation"
    file_prepared = "file_prepared", "File prepared"
    listed = "listed", "Listed at court"
    convicted = "convicted"
    not_convicted = "not_convicted", "Not convicted"
    withdrawn = "withdrawn"


# Which statuses belong to which kind (the moves between them: `rules.TRANSITIONS`); the
# database holds only these pairs (CHECK ck_formal_steps_kind_status).
_CONTRACT_STATUSES = (StepStatus.proposed, StepStatus.signed, StepStatus.reviewed, StepStatus.ended,
                      StepStatus.breached)
STATUSES_BY_KIND: dict[StepKind, tuple[StepStatus, ...]] = {
    StepKind.attendance_contract: _CONTRACT_STATUSES,
    StepKind.parenting_contract: _CONTRACT_STATUSES,
    StepKind.education_supervision_order: (StepStatus.applied, StepStatus.hearing_listed, StepStatus.granted,
                                           StepStatus.refused, StepStatus.in_force, StepStatus.extended,
                                           StepStatus.ended),
    StepKind.prosecution: (StepStatus.file_in_preparation, StepStatus.file_prepared, StepStatus.listed,
                           StepStatus.convicted, StepStatus.not_convicted, StepStatus.withdrawn),
}


def kind_status_sql() -> str:
    """The CHECK that a step's status is one of its kind's."""
    def quoted(values):
        return ", ".join(f"'{v.value}'" for v in values)
    return " OR ".join(f"(kind = '{kind.value}' AND status IN ({quoted(statuses)}))"
                       for kind, statuses in STATUSES_BY_KIND.items())


SECTIONS: tuple[tuple[str, str], ...] = (
    ("444(1)", "s444(1): failure to secure regular attendance (fine up to £1,000)"),
    ("444(1A)", "s444(1A): the parent knew and failed to act (up to £2,500 and/or 3 months)"),
)


class FormalStep(Model):
    __tablename__ = "formal_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(state_type(StepKind, name="kind", length=32))
    status: Mapped[StepStatus] = mapped_column(state_type(StepStatus, length=24), index=True)
    # support first: the chronology entry (support plan or "support not appropriate") it rests on
    evidence_entry_id: Mapped[int] = mapped_column(ForeignKey("chronology_entries.id"))
    evidence_summary: Mapped[str] = mapped_column(Text, default="")
    # contracts: what each side agrees to do
    parent_commitments: Mapped[str] = mapped_column(Text, default="")
    service_commitments: Mapped[str] = mapped_column(Text, default="")
    # contract start and end; an ESO's order start and end
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    next_review: Mapped[date | None] = mapped_column(Date)
    reviews: Mapped[list[str]] = mapped_column(JSON, default=list)  # past review dates, ISO
    # ESO: application and hearing; the supervisor; extensions [{"from", "to", "granted_on"}]
    applied_on: Mapped[date | None] = mapped_column(Date)
    hearing_on: Mapped[date | None] = mapped_column(Date)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extensions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # prosecution: the section, the file, the court dates and the outcome
    section: Mapped[str | None] = mapped_column(String(8))
    file_prepared_on: Mapped[date | None] = mapped_column(Date)
    further_hearings: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    fine_pounds: Mapped[int | None] = mapped_column(Integer)
    parenting_order: Mapped[bool] = mapped_column(Boolean, default=False)
    parenting_order_on: Mapped[date | None] = mapped_column(Date)
    # ESO and prosecution: the outcome in words (conditional discharge, order refused ...)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    case = relationship("Case")
    evidence_entry = relationship("ChronologyEntry")
    supervisor = relationship("User", foreign_keys=[supervisor_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint(kind_status_sql(), name="kind_status"),)

    @property
    def is_contract(self) -> bool:
        return self.kind in (StepKind.attendance_contract, StepKind.parenting_contract)

    @property
    def is_order(self) -> bool:
        return self.kind == StepKind.education_supervision_order

    @property
    def is_prosecution(self) -> bool:
        return self.kind == StepKind.prosecution

    @property
    def extendable(self) -> bool:
        """An order in force (or already extended) with an end date: the court may extend it."""
        return self.is_order and self.ends_on is not None and self.status in (StepStatus.in_force,
                                                                               StepStatus.extended)

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def next_date(self) -> tuple[str, date] | None:
        """What comes next and when: a review, or a hearing (the first still to come)."""
        if self.is_prosecution:
            hearings = sorted([self.hearing_on, *(date.fromisoformat(d) for d in self.further_hearings or [])],
                              key=lambda d: d or date.max)
            from portal.timeutil import today

            coming = [d for d in hearings if d and d >= today()]
            return ("Hearing", coming[0]) if coming else None
        if self.is_order and self.status in (StepStatus.applied, StepStatus.hearing_listed) and self.hearing_on:
            return "Hearing", self.hearing_on
        return ("Review", self.next_review) if self.next_review else None

    @property
    def tag_class(self) -> str:
        return {"proposed": "govuk-tag--grey", "signed": "govuk-tag--blue", "reviewed": "govuk-tag--blue",
                "breached": "govuk-tag--red", "applied": "govuk-tag--grey", "hearing_listed": "govuk-tag--yellow",
                "granted": "govuk-tag--blue", "refused": "govuk-tag--grey", "in_force": "govuk-tag--green",
                "extended": "govuk-tag--green", "file_in_preparation": "govuk-tag--grey",
                "file_prepared": "govuk-tag--yellow", "listed": "govuk-tag--orange", "convicted": "govuk-tag--red",
                "not_convicted": "govuk-tag--grey", "withdrawn": "govuk-tag--grey",
                "ended": "govuk-tag--grey"}.get(self.status.value, "govuk-tag--grey")
