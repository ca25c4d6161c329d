"""The attendance calculations, as pure functions (the SQL aggregates in queries.py mirror
them). Integer arithmetic throughout, so the 90% and 50% edges are exact."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from portal.attendance.codes import APPROVED, AUTHORISED, CLOSURE_CODES, LATE_CODES, NOT_POSSIBLE, PRESENT, UNAUTHORISED

AMBITION_PERCENT = 95          # local ambition: at least 95% for every pupil
PENALTY_THRESHOLD_SESSIONS = 10  # unauthorised sessions ...
PENALTY_WINDOW_WEEKS = 10        # ... within a rolling 10 school weeks

EXPECTED = "expected"        # at or above the 95% ambition
AT_RISK = "at_risk"          # above 90%, below 95%
PERSISTENT = "persistent"    # missing 10% or more (attendance at or below 90%)
SEVERE = "severe"            # missing 50% or more (attendance at or below 50%)
NO_DATA = "no_data"

BAND_LABELS = {
    EXPECTED: "95% or more",
    AT_RISK: "At risk (90–95%)",
    PERSISTENT: "Persistent absence",
    SEVERE: "Severe absence",
    NO_DATA: "No marks yet",
}
BANDS = (EXPECTED, AT_RISK, PERSISTENT, SEVERE)


def band(attended: int, possible: int) -> str:
    """Attendance band. PA and SA follow the DfE definitions: missing 10% (50%) or more of
    possible sessions, so exactly 90% is persistent absence and exactly 50% severe."""
    if possible <= 0:
        return NO_DATA
    missed = possible - attended
    if missed * 2 >= possible:
        return SEVERE
    if missed * 10 >= possible:
        return PERSISTENT
    if attended * 100 < AMBITION_PERCENT * possible:
        return AT_RISK
    return EXPECTED


def percent(attended: int, possible: int) -> float | None:
    return None if possible <= 0 else 100.0 * attended / possible


@dataclass(frozen=True)
class Totals:
    possible: int = 0
    attended: int = 0
    approved: int = 0
    authorised: int = 0
    unauthorised: int = 0
    late: int = 0
    open_sessions: int = 0

    @property
    def missed(self) -> int:
        return self.possible - self.attended

    @property
    def percent(self) -> float | None:
        return percent(self.attended, self.possible)

    @property
    def band(self) -> str:
        return band(self.attended, self.possible)

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(*(a + b for a, b in zip(self._tuple(), other._tuple(), strict=True)))

    def _tuple(self):
        return (self.possible, self.attended, self.approved, self.authorised, self.unauthorised,
                self.late, self.open_sessions)


def totals_for_codes(codes: Iterable[str], categories: dict[str, str]) -> Totals:
    """Count marks by statistical category. `categories` maps code -> category."""
    possible = attended = approved = authorised = unauthorised = late = open_sessions = 0
    for code in codes:
        category = categories[code]
        if code not in CLOSURE_CODES:
            open_sessions += 1
        if code in LATE_CODES:
            late += 1
        if category == NOT_POSSIBLE:
            continue
        possible += 1
        if category in (PRESENT, APPROVED):
            attended += 1
            approved += category == APPROVED
        elif category == AUTHORISED:
            authorised += 1
        elif category == UNAUTHORISED:
            unauthorised += 1
    return Totals(possible, attended, approved, authorised, unauthorised, late, open_sessions)


def week_start(day: date) -> date:
    """The Monday of the week a date falls in."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekCount:
    week_start: date
    open_sessions: int
    unauthorised: int


def school_weeks(weeks: Iterable[WeekCount]) -> list[WeekCount]:
    """Weeks with at least one session the school was open, newest first (holidays and
    closures are not school weeks)."""
    return sorted((w for w in weeks if w.open_sessions > 0), key=lambda w: w.week_start, reverse=True)


def rolling_unauthorised(weeks: Iterable[WeekCount], window: int = PENALTY_WINDOW_WEEKS) -> int:
    """Unauthorised sessions in the last `window` school weeks (the weeks need not be in one
    term: a half-term or holiday in between is skipped, not counted)."""
    return sum(w.unauthorised for w in school_weeks(weeks)[:window])


def penalty_threshold_reached(unauthorised_in_window: int) -> bool:
    """Reaching it means a penalty notice must be *considered*, not issued."""
    return unauthorised_in_window >= PENALTY_THRESHOLD_SESSIONS
