"""School days from the LA's term dates (the 2026/27 dates the migrations load)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.attendance.schooldays import add_school_days, is_school_day, load_terms, next_school_day


@dataclass
class T:
    start_date: date
    end_date: date
    half_term_start: date | None = None
    half_term_end: date | None = None


TERMS = [T(date(2026, 9, 3), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)),
         T(date(2027, 1, 5), date(2027, 3, 25), date(2027, 2, 15), date(2027, 2, 19))]


@pytest.mark.parametrize("day, expected", [
    (date(2026, 11, 24), date(2026, 11, 25)),  # Tuesday -> Wednesday
    (date(2026, 11, 20), date(2026, 11, 23)),  # Friday -> Monday
    (date(2026, 11, 21), date(2026, 11, 23)),  # Saturday -> Monday
    (date(2026, 10, 23), date(2026, 11, 2)),   # the Friday before half-term -> after it
    (date(2026, 12, 18), date(2027, 1, 5)),    # the last day of term -> the first of the next
    (date(2026, 12, 25), date(2027, 1, 5)),    # in the holiday
])
def test_next_school_day(day, expected):
    assert next_school_day(day, TERMS) == expected


def test_add_school_days_counts_only_school_days():
    assert add_school_days(date(2026, 10, 22), 3, TERMS) == date(2026, 11, 3)
    with pytest.raises(ValueError):
        add_school_days(date(2026, 10, 22), 0, TERMS)


def test_what_a_school_day_is():
    assert is_school_day(date(2026, 11, 23), TERMS)
    assert not is_school_day(date(2026, 11, 22), TERMS)   # Sunday
    assert not is_school_day(date(2026, 10, 28), TERMS)   # half-term
    assert not is_school_day(date(2026, 9, 2), TERMS)     # before term
    assert is_school_day(date(2027, 9, 6), TERMS)         # beyond the known terms: weekdays
    assert is_school_day(date(2026, 9, 2), [])            # no terms at all: weekdays


def test_with_the_term_dates_in_the_database():
    terms = load_terms()
    assert next_school_day(date(2026, 10, 23), terms) == date(2026, 11, 2)
    assert next_school_day(date(2026, 7, 22), terms) == date(2026, 9, 3)
