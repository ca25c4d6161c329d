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


def suggested_stage(pupil, as_of: date | None = None, summary: PupilSummary | None = None,
                    stages: Sequence[Stage] | None = None) -> tuple[Stage | None, float]:
    """(the highest school stage whose threshold this term's days absent reach, days absent).
    Days absent = sessions missed this term / 2; a threshold of 0 means any absence. Pass the
    pupil's `summary` and the `stages` when the page has them already."""
    summary = summary or pupil_summary(pupil, as_of or today())
    days = summary.term_totals.missed / 2
    if summary.term is None:
        return None, days
    terms = calendar.named_terms()
    term = next((t for t in terms if t.start_date == summary.term.start), None)
    if term is None:
        return None, days
    starts = sorted(t.start_date for t in terms if t.academic_year == term.academic_year)
    column = f"term{min(starts.index(term.start_date) + 1, 3)}_days"
    if stages is None:
        stages = list(db.session.scalars(select(Stage).order_by(Stage.position)))
    best = None
    for stage in sorted(stages, key=lambda s: s.position):
        threshold = getattr(stage, column)
        if threshold is None:
            continue
        if (threshold == 0 and days > 0) or (threshold > 0 and days >= threshold):
            best = stage
    return best, days
