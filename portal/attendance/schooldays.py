"""School days from the LA's term dates: weekdays inside a term and outside its half-term
break. Pure functions over term-like objects (start_date, end_date, half_term_start,
half_term_end), and `load_terms()` to read them from the database.

Beyond the last term the LA has entered, weekdays count as school days, so a deadline always
exists (add the next year's terms to make it exact)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol, Sequence


class TermLike(Protocol):
    start_date: date
    end_date: date
    half_term_start: date | None
    half_term_end: date | None


def is_school_day(day: date, terms: Sequence[TermLike]) -> bool:
    if day.weekday() >= 5:
        return False
    if terms and day > max(t.end_date for t in terms):
        return True  # no term dates yet: weekdays
    for term in terms:
        if term.start_date <= day <= term.end_date:
            in_half_term = (term.half_term_start is not None and term.half_term_end is not None
                            and term.half_term_start <= day <= term.half_term_end)
            return not in_half_term
    return not terms  # no term dates at all: weekdays


def add_school_days(day: date, n: int, terms: Sequence[TermLike]) -> date:
    """The n-th school day after `day` (n >= 1); `day` itself need not be a school day."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current = day
    for _ in range(n):
        current += timedelta(days=1)
        for _guard in range(400):  # a long summer holiday is under 60 days
            if is_school_day(current, terms):
                break
            current += timedelta(days=1)
    return current


def next_school_day(day: date, terms: Sequence[TermLike]) -> date:
    return add_school_days(day, 1, terms)


def load_terms():
    from sqlalchemy import select

    from portal.attendance.models import Term
    from portal.extensions import db

    return db.session.scalars(select(Term).order_by(Term.start_date)).all()
