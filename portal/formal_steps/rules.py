"""The rules of the formal steps, as pure functions: which statuses belong to which kind, the
moves between them, and the dates of an education supervision order (one year; each extension
up to three years, more than once)."""
from __future__ import annotations

import calendar
from datetime import date

from portal.formal_steps.models import STATUSES_BY_KIND, StepKind, StepStatus

S = StepStatus
_CONTRACT = {
    S.proposed: (S.signed, S.ended),
    S.signed: (S.reviewed, S.ended, S.breached),
    S.reviewed: (S.reviewed, S.ended, S.breached),
    S.breached: (S.ended,),
    S.ended: (),
}
TRANSITIONS: dict[StepKind, dict[StepStatus, tuple[StepStatus, ...]]] = {
    StepKind.attendance_contract: _CONTRACT,
    StepKind.parenting_contract: _CONTRACT,
    StepKind.education_supervision_order: {
        S.applied: (S.hearing_listed, S.granted, S.refused),
        S.hearing_listed: (S.granted, S.refused),
        S.granted: (S.in_force,),
        S.in_force: (S.ended,),  # extended: by recording an extension
        S.extended: (S.ended,),
        S.refused: (),
        S.ended: (),
    },
    StepKind.prosecution: {
        S.file_in_preparation: (S.file_prepared, S.withdrawn),
        S.file_prepared: (S.listed, S.withdrawn),
        S.listed: (S.convicted, S.not_convicted, S.withdrawn),
        S.convicted: (),
        S.not_convicted: (),
        S.withdrawn: (),
    },
}
FIRST_STATUS = {StepKind.attendance_contract: S.proposed, StepKind.parenting_contract: S.proposed,
                StepKind.education_supervision_order: S.applied, StepKind.prosecution: S.file_in_preparation}
# Open steps: not ended, refused, withdrawn or decided.
FINISHED = (S.ended, S.refused, S.withdrawn, S.convicted, S.not_convicted)


def statuses_of(kind: StepKind) -> tuple[StepStatus, ...]:
    return STATUSES_BY_KIND[kind]


def next_statuses(kind: StepKind, status: StepStatus) -> tuple[StepStatus, ...]:
    return TRANSITIONS[kind].get(status, ())


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def order_end(start: date) -> date:
    """An ESO lasts one year: the day before the anniversary of its start (start 4 January 2027
    -> end 3 January 2028)."""
    from datetime import timedelta

    return add_years(start, 1) - timedelta(days=1)


def extension_problem(current_end: date | None, new_end: date | None) -> str | None:
    """An extension runs on from the order's current end, for up to three years."""
    if current_end is None:
        return "The order has no end date yet: record its start first"
    if new_end is None:
        return "Enter the new end date of the order"
    if new_end <= current_end:
        return f"The new end date must be after the current end date, {current_end.strftime('%-d %B %Y')}"
    if new_end > add_years(current_end, 3):
        return ("An extension can be for up to 3 years: the new end date must be on or before "
                f"{add_years(current_end, 3).strftime('%-d %B %Y')}")
    return None
