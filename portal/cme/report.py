"""The CME report for LA admins and CME officers: open enquiries (overdue steps first) and how
many by source; the enquiries closed this term by outcome; the CSV of both. A fixed number of
queries whatever the number of enquiries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import selectinload

from portal.attendance.summaries import periods
from portal.cme.models import CmeEnquiry, EnquiryOutcome, EnquirySource, EnquiryStatus
from portal.cme.service import overdue_counts
from portal.extensions import db
from portal.timeutil import today


@dataclass
class Report:
    open: list[CmeEnquiry]
    overdue: dict[int, int]
    by_source: list[tuple[str, int]]
    term_label: str
    closed: list[CmeEnquiry]
    by_outcome: list[tuple[str, int]]


def term_start(as_of: date) -> tuple[str, date]:
    term = periods(as_of)[0]
    return (term.label, term.start) if term is not None else ("this year", date(as_of.year, 1, 1))


def build(scope) -> Report:
    """`scope`: the user's enquiries (`access.enquiries_for`)."""
    now = today()
    label, start = term_start(now)
    open_ = list(db.session.scalars(scope.where(CmeEnquiry.status == EnquiryStatus.open)
                                    .options(selectinload(CmeEnquiry.lead)).order_by(CmeEnquiry.opened_at)))
    overdue = overdue_counts([e.id for e in open_])
    open_.sort(key=lambda e: -overdue.get(e.id, 0))
    sources = {s: 0 for s in EnquirySource}
    for e in open_:
        sources[e.source] += 1
    since = datetime.combine(start, time(0), tzinfo=UTC)
    closed = list(db.session.scalars(scope.where(CmeEnquiry.status == EnquiryStatus.closed,
                                                 CmeEnquiry.closed_at >= since)
                                     .options(selectinload(CmeEnquiry.lead))
                                     .order_by(CmeEnquiry.closed_at.desc())))
    outcomes = {o: 0 for o in EnquiryOutcome}
    for e in closed:
        if e.outcome is not None:
            outcomes[e.outcome] += 1
    return Report(open_, overdue, [(s.label, n) for s, n in sources.items()], label, closed,
                  [(o.label, n) for o, n in outcomes.items()])


HEADER = ["Enquiry", "Child", "Source", "Status", "Opened", "Lead", "Overdue steps", "Outcome", "Outcome detail",
          "Outcome date"]


def rows(report: Report):
    for e in [*report.open, *report.closed]:
        yield [e.id, e.child_name, e.source.label, e.status.label, e.opened_at.date().isoformat(),
               e.lead.name if e.lead else "", report.overdue.get(e.id, 0) if e.is_open else "",
               e.outcome.label if e.outcome else "", e.outcome_detail,
               e.outcome_date.isoformat() if e.outcome_date else ""]
