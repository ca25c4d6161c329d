"""The attendance calculations, as pure functions (the SQL aggregates in queries.py mirror
them). Integer arithmetic throughout, so the 90% and 50% edges are exact.

The one definition of the attendance percentage: attended / possible sessions, shown through
`percent_text` (one decimal half-up, two near a band edge: see there); bands through `band`,
whose ambition edge is the LA's setting (`portal.attendance.settings`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Iterable

from portal.attendance.codes import APPROVED, AUTHORISED, CLOSURE_CODES, LATE_CODES, NOT_POSSIBLE, PRESENT, UNAUTHORISED

AMBITION_PERCENT = 95          # the national ambition: the default of the local setting (settings.py)
PERSISTENT_PERCENT = 90        # DfE definition (missing 10% or more): fixed, not a local setting
SEVERE_PERCENT = 50            # DfE definition (missing 50% or more): fixed, not a local setting
PENALTY_THRESHOLD_SESSIONS = 10  # unauthorised sessions ...
PENALTY_WINDOW_WEEKS = 10        # ... within a rolling 10 school weeks

EXPECTED = "expected"        # at or above the ambition (95% unless the LA sets another)
AT_RISK = "at_risk"          # above 90%, below the ambition
PERSISTENT = "persistent"    # missing 10% or more (attendance at or below 90%)
SEVERE = "severe"            # missing 50% or more (attendance at or below 50%)
NO_DATA = "no_data"

BAND_LABELS = {
    EXPECTED: "At or above the ambition",
    AT_RISK: "At risk",
    PERSISTENT: "Persistent absence",
    SEVERE: "Severe absence",
    NO_DATA: "No marks yet",
}
BANDS = (EXPECTED, AT_RISK, PERSISTENT, SEVERE)


def ambition() -> int:
    """The local attendance ambition in whole percent (LA setting, memoised per request)."""
    from portal.attendance.settings import ambition_percent

    return ambition_percent()


def band_labels(ambition_percent: int | None = None) -> dict[str, str]:
    """The band labels with the ambition in force ("95% or more", "At risk (90–95%)")."""
    amb = ambition() if ambition_percent is None else ambition_percent
    return {**BAND_LABELS, EXPECTED: f"{amb}% or more", AT_RISK: f"At risk (90–{amb}%)"}


def _band_of(numerator: int, denominator: int, amb: int) -> str:
    """The band of the percentage numerator/denominator (exact, integers only)."""
    if denominator <= 0:
        return NO_DATA
    if numerator * 100 <= SEVERE_PERCENT * denominator:
        return SEVERE
    if numerator * 100 <= PERSISTENT_PERCENT * denominator:
        return PERSISTENT
    if numerator * 100 < amb * denominator:
        return AT_RISK
    return EXPECTED


def band(attended: int, possible: int, ambition_percent: int | None = None) -> str:
    """Attendance band. PA and SA follow the DfE definitions: missing 10% (50%) or more of
    possible sessions, so exactly 90% is persistent absence and exactly 50% severe. The
    ambition edge is the LA's setting (95% unless set otherwise)."""
    if possible <= 0:
        return NO_DATA
    return _band_of(attended, possible, ambition() if ambition_percent is None else ambition_percent)


def percent(attended: int, possible: int) -> float | None:
    """The attendance percentage as a float: for drawing (chart bars) and sorting only. Every
    figure a person reads comes from `percent_text`."""
    return None if possible <= 0 else 100.0 * attended / possible


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up to an integer (both >= 0, denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent_text(attended: int, possible: int, ambition_percent: int | None = None) -> str | None:
    """THE shown attendance percentage (pages, CSV exports, printed packs, stored snapshots),
    without the "%" sign; None when there are no possible sessions.

    The rule: one decimal, rounded half-up (86.25 -> "86.3", never Python's half-even "86.2"),
    computed in integers. But a figure never contradicts its band: where one decimal would put
    the shown figure in another band than the exact value (94.99% "at risk" would read "95.0";
    90.04% "at risk" would read "90.0", which is persistent absence), two decimals are shown,
    rounded half-up, and if even those land on the edge, the last hundredth inside the exact
    value's band (94.996 -> "94.99", 90.001 -> "90.01", 50.004 -> "50.01"). Exact edges stay
    as they are: exactly 90% is "90.0" (persistent), exactly 95% "95.0"."""
    if possible <= 0:
        return None
    amb = ambition() if ambition_percent is None else ambition_percent
    exact = _band_of(attended, possible, amb)
    tenths = _half_up(attended * 1000, possible)
    if _band_of(tenths, 1000, amb) == exact:
        return f"{tenths // 10}.{tenths % 10}"
    hundredths = _half_up(attended * 10000, possible)
    if _band_of(hundredths, 10000, amb) != exact:
        # on the edge itself: step one hundredth back into the exact value's band
        hundredths += 1 if attended * 10000 > hundredths * possible else -1
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def percent_label(attended: int, possible: int, ambition_percent: int | None = None) -> str:
    """`percent_text` with its "%" sign, or "–" when there are no possible sessions."""
    text = percent_text(attended, possible, ambition_percent)
    return "–" if text is None else f"{text}%"


def trend(now_text: str | None, then_text: str | None) -> str | None:
    """Which way a shown attendance figure moved since an earlier shown figure (both as
    `percent_text` gives them, so the words never contradict the figures): "up", "down" or
    "same"; None when either figure is missing."""
    if now_text is None or then_text is None:
        return None
    try:
        now, then = Decimal(str(now_text)), Decimal(str(then_text))
    except ArithmeticError:
        return None
    return "up" if now > then else "down" if now < then else "same"


def rate_text(numerator: int, denominator: int) -> str | None:
    """A share as a percentage with one decimal, half-up, without the "%" sign (absence rates,
    the share of pupils in persistent absence); None when the denominator is 0. Attendance
    itself is shown through `percent_text`, which keeps a figure inside its band."""
    if denominator <= 0:
        return None
    tenths = _half_up(numerator * 1000, denominator)
    return f"{tenths // 10}.{tenths % 10}"


def rate_label(numerator: int, denominator: int) -> str:
    """`rate_text` with its "%" sign, or "–"."""
    text = rate_text(numerator, denominator)
    return "–" if text is None else f"{text}%"


def change_points(before: tuple[int, int], after: tuple[int, int]) -> Fraction | None:
    """The exact change in attendance between two (attended, possible) periods, in percentage
    points (from the exact values, not the rounded figures); show it with `points`."""
    (a1, p1), (a2, p2) = before, after
    if p1 <= 0 or p2 <= 0:
        return None
    return Fraction(100 * a2, p2) - Fraction(100 * a1, p1)


def change_in_points(before: tuple[int, int], after: tuple[int, int]) -> Decimal | None:
    """`points(change_points(before, after))` in integers (no Fraction: a picture shows ~100)."""
    (a1, p1), (a2, p2) = before, after
    if p1 <= 0 or p2 <= 0:
        return None
    num = 100 * (a2 * p1 - a1 * p2)
    tenths = _half_up(abs(num) * 10, p1 * p2)
    return Decimal(tenths if num >= 0 else -tenths).scaleb(-1)


def points(value: Fraction | None) -> Decimal | None:
    """Percentage points shown to one decimal, half-up (away from zero)."""
    if value is None:
        return None
    tenths = _half_up(abs(value.numerator) * 10, value.denominator)
    return Decimal(tenths if value >= 0 else -tenths).scaleb(-1)


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

    @property
    def percent_text(self) -> str | None:
        return percent_text(self.attended, self.possible)

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


def previous_academic_year(academic_year: str) -> str:
    """The academic year before one: "2026/27" -> "2025/26"."""
    first = int(academic_year[:4]) - 1
    return f"{first}/{(first + 1) % 100:02d}"


def as_date(value) -> date:
    """A date read back by raw SQL (SQLite hands back text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def week_start(day: date) -> date:
    """The Monday of the week a date falls in."""
    return day - timedelta(days=day.weekday())


def penalty_threshold_reached(unauthorised_in_window: int) -> bool:
    """Reaching it means a penalty notice must be *considered*, not issued."""
    return unauthorised_in_window >= PENALTY_THRESHOLD_SESSIONS
