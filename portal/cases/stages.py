"""The graduated response: which school stage the attendance data suggests."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.attendance.models import Term
from portal.attendance.summaries import pupil_summary
from portal.cases.models import Stage
from portal.extensions import db
from portal.timeutil import today


def term_number(term: Term) -> int:
    """1, 2 or 3: the term's place in its academic year."""
    starts = db.session.scalars(select(Term.start_date).where(Term.academic_year == term.academic_year)
                                .order_by(Term.start_date)).all()
    return starts.index(term.start_date) + 1 if term.start_date in starts else 1


def suggested_stage(pupil, as_of: date | None = None) -> tuple[Stage | None, float]:
    """(the highest school stage whose threshold this term's days absent reach, days absent).
    Days absent = sessions missed this term / 2; a threshold of 0 means any absence."""
    summary = pupil_summary(pupil, as_of or today())
    days = summary.term_totals.missed / 2
    if summary.term is None:
        return None, days
    term = db.session.scalar(select(Term).where(Term.start_date == summary.term.start))
    if term is None:
        return None, days
    column = {1: Stage.term1_days, 2: Stage.term2_days, 3: Stage.term3_days}[min(term_number(term), 3)]
    best = None
    for stage, threshold in db.session.execute(select(Stage, column).where(column.is_not(None))
                                               .order_by(Stage.position)):
        if threshold is None:
            continue
        if (threshold == 0 and days > 0) or (threshold > 0 and days >= threshold):
            best = stage
    return best, days
