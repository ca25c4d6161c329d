"""The graduated response: which school stage the attendance data suggests."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from portal.attendance import calendar
from portal.attendance.summaries import PupilSummary, pupil_summary
from portal.cases.models import Stage
from portal.extensions import db
from portal.timeutil import today


def threshold_column(term_start: date) -> str | None:
    """The stages' threshold column for the term starting on `term_start`: `term1_days` for the
    first term of its academic year, `term2_days`, then `term3_days` (for the third and any
    later term); None when the day starts no named term."""
    terms = calendar.named_terms()
    term = next((t for t in terms if t.start_date == term_start), None)
    if term is None:
        return None
    starts = sorted(t.start_date for t in terms if t.academic_year == term.academic_year)
    return f"term{min(starts.index(term.start_date) + 1, 3)}_days"


def stage_for_days(days: float, stages: Sequence[Stage], column: str) -> Stage | None:
    """THE rule: the highest stage whose threshold (in `column`) `days` absent reach; a threshold
    of 0 means any absence, a missing one is never reached."""
    best = None
    for stage in sorted(stages, key=lambda s: s.position):
        threshold = getattr(stage, column)
        if threshold is None:
            continue
        if (threshold == 0 and days > 0) or (threshold > 0 and days >= threshold):
            best = stage
    return best


def all_stages() -> list[Stage]:
    return list(db.session.scalars(select(Stage).order_by(Stage.position)))


def suggested_stage(pupil, as_of: date | None = None, summary: PupilSummary | None = None,
                    stages: Sequence[Stage] | None = None) -> tuple[Stage | None, float]:
    """(the highest school stage whose threshold this term's days absent reach, days absent).
    Days absent = sessions missed this term / 2; a threshold of 0 means any absence. Pass the
    pupil's `summary` and the `stages` when the page has them already."""
    summary = summary or pupil_summary(pupil, as_of or today())
    days = summary.term_totals.missed / 2
    if summary.term is None:
        return None, days
    column = threshold_column(summary.term.start)
    if column is None:
        return None, days
    if stages is None:
        stages = all_stages()
    return stage_for_days(days, stages, column), days
