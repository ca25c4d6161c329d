"""The caseload list's attendance column: each case's pupil's attendance now (this academic
year so far) and which way it moved since the referral, in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass

from portal.attendance import calc, summaries
from portal.cases.models import Case


@dataclass(frozen=True)
class Trend:
    now: str | None        # the shown figure now, without "%" (`calc.percent_text`)
    then: str | None       # the figure recorded when the school referred (or when the case opened)
    direction: str | None  # "up", "down", "same" (`calc.trend`)


def _at_referral(case: Case) -> str | None:
    """The attendance the referral recorded when it was submitted, else the case's at opening."""
    for snap in ((case.referral.snapshot if case.referral is not None else None), case.attendance_at_open):
        if snap and snap.get("percent") is not None:
            return str(snap["percent"])
    return None


def attendance_trends(cases: list[Case]) -> dict[int, Trend]:
    """{case id: Trend} for the cases of a page (their referrals loaded with them)."""
    totals = summaries.year_totals_for(sorted({c.pupil_id for c in cases}))
    trends = {}
    for case in cases:
        t = totals.get(case.pupil_id)
        now = calc.percent_text(t.attended, t.possible) if t is not None else None
        then = _at_referral(case)
        trends[case.id] = Trend(now, then, calc.trend(now, then))
    return trends
