"""The LA's lists and figures of penalty notices: overdue and due soon, and the yearly figures
as the DfE publishes them per LA (academic year September to August, by the issue date)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select

from portal.extensions import db
from portal.formal.models import NoticeReason, NoticeStatus, PenaltyNotice
from portal.formal.penalties import DUE_SOON_DAYS
from portal.timeutil import today


def overdue(scope: Select, on: date | None = None) -> Select:
    """Issued and not paid after the 28 days: the officer considers prosecution."""
    on = on or today()
    return scope.where(PenaltyNotice.status == NoticeStatus.issued, PenaltyNotice.pay_full_by < on) \
        .order_by(PenaltyNotice.pay_full_by, PenaltyNotice.id)


def due_soon(scope: Select, on: date | None = None) -> Select:
    """Issued, and its next deadline (the reduced amount's, then the full one's) within 7 days."""
    on = on or today()
    soon = on + timedelta(days=DUE_SOON_DAYS)
    first = and_(PenaltyNotice.pay_first_by.is_not(None), PenaltyNotice.pay_first_by.between(on, soon))
    full = PenaltyNotice.pay_full_by.between(on, soon)
    return scope.where(PenaltyNotice.status == NoticeStatus.issued, or_(first, full)) \
        .order_by(PenaltyNotice.pay_full_by, PenaltyNotice.id)


def next_deadline(notice: PenaltyNotice, on: date | None = None) -> date | None:
    on = on or today()
    if notice.pay_first_by is not None and notice.pay_first_by >= on:
        return notice.pay_first_by
    return notice.pay_full_by


def academic_year_of(day: date) -> int:
    """The year the academic year starts in (September to August)."""
    return day.year if day.month >= 9 else day.year - 1


def year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


COLUMNS = (
    ("issued_holiday", "Issued: term-time holiday"),
    ("issued_other", "Issued: other unauthorised absence"),
    ("issued", "Issued: total"),
    ("paid_21", "Paid within 21 days"),
    ("paid_28", "Paid within 28 days"),
    ("paid", "Paid: total"),
    ("withdrawn", "Withdrawn"),
    ("prosecution", "Unpaid: leading to prosecution"),
    ("outstanding", "Issued, not yet paid or closed"),
)


def figures(start_year: int) -> dict[str, int]:
    """The year's notices issued (issue date from 1 September to 31 August), by what became of them."""
    first, last = date(start_year, 9, 1), date(start_year + 1, 8, 31)
    rows = db.session.scalars(select(PenaltyNotice).where(PenaltyNotice.issued_on.between(first, last))).all()
    out = dict.fromkeys((key for key, _ in COLUMNS), 0)
    for n in rows:
        out["issued"] += 1
        out["issued_holiday" if n.reason == NoticeReason.term_time_holiday else "issued_other"] += 1
        if n.status == NoticeStatus.paid:
            out["paid"] += 1
            early = n.pay_first_by is not None and n.paid_on is not None and n.paid_on <= n.pay_first_by
            out["paid_21" if early else "paid_28"] += 1
        elif n.status == NoticeStatus.withdrawn:
            out["withdrawn"] += 1
        elif n.status == NoticeStatus.prosecution:
            out["prosecution"] += 1
        else:
            out["outstanding"] += 1
    return out


def years_with_notices() -> list[int]:
    days = db.session.scalars(select(PenaltyNotice.issued_on).where(PenaltyNotice.issued_on.is_not(None))).all()
    years = {academic_year_of(d) for d in days if d is not None} | {academic_year_of(today())}
    return sorted(years, reverse=True)


HEADLINES = (  # (label, endpoint of the list behind it), in the order of `headline_counts`' columns
    ("Schools' requests for a notice to improve, waiting", "formal.nti_requests"),
    ("Notices to improve in their improvement period", ""),
    ("Penalty notices issued, awaiting payment", "formal.penalty_notices"),
    ("Penalty notices unpaid after 28 days", "formal.penalty_notices"),
)


def headline_counts(notice_scope: Select, nti_scope: Select, request_scope: Select, on: date) -> Select:
    """The LA picture's counts over the user's scopes on a day, in one SELECT (a scalar subquery
    each, in the order of `HEADLINES`)."""
    from sqlalchemy import func

    from portal.formal.models import NoticeToImprove, NtiRequest, NtiStatus, RequestStatus

    def count(scope: Select):
        return select(func.count()).select_from(scope.order_by(None).subquery()).scalar_subquery()

    return select(
        count(request_scope.where(NtiRequest.status == RequestStatus.open)),
        count(nti_scope.where(NoticeToImprove.status == NtiStatus.in_period)),
        count(notice_scope.where(PenaltyNotice.status == NoticeStatus.issued, PenaltyNotice.pay_full_by >= on)),
        count(overdue(notice_scope, on)),
    )


def headlines(counts) -> list[tuple[str, int, str]]:
    """The LA picture's rows (label, number, endpoint of the list behind it) from the row of
    `headline_counts`."""
    return [(label, int(n or 0), endpoint) for (label, endpoint), n in zip(HEADLINES, counts, strict=True)]
