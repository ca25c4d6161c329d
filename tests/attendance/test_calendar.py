"""The school calendar (pure): school days, school weeks, windows, projection past the last term."""
from __future__ import annotations

from datetime import date

from portal.attendance.calendar import Calendar, TermDates

d = date.fromisoformat
TERMS = [
    TermDates(d("2025-09-03"), d("2025-12-19"), d("2025-10-27"), d("2025-10-31")),
    TermDates(d("2026-01-05"), d("2026-03-27"), d("2026-02-16"), d("2026-02-20")),
    TermDates(d("2026-04-13"), d("2026-07-22"), d("2026-05-25"), d("2026-05-29")),
    TermDates(d("2026-09-03"), d("2026-12-18"), d("2026-10-26"), d("2026-10-30")),
    TermDates(d("2027-01-05"), d("2027-03-25"), d("2027-02-15"), d("2027-02-19")),
    TermDates(d("2027-04-12"), d("2027-07-21"), d("2027-05-31"), d("2027-06-04")),
]
BANK = frozenset({d("2026-05-04"), d("2026-05-25"), d("2026-08-31"), d("2027-05-03")})


def test_school_days_skip_weekends_half_terms_bank_holidays_and_closures():
    cal = Calendar(TERMS, BANK, frozenset({d("2026-11-20")}))
    assert cal.is_open(d("2026-11-19"))
    assert not cal.is_open(d("2026-11-20"))  # the school's INSET day
    assert not cal.is_open(d("2026-11-21"))  # Saturday
    assert not cal.is_open(d("2026-10-28"))  # half-term
    assert not cal.is_open(d("2026-05-04"))  # bank holiday in term
    assert not cal.is_open(d("2026-08-10"))  # summer holiday
    assert Calendar(TERMS, BANK).is_open(d("2026-11-20"))  # another school's calendar


def test_follow_up_over_a_bank_holiday_and_past_the_last_term():
    cal = Calendar(TERMS, BANK)
    assert cal.add_school_days(d("2026-05-01"), 1) == d("2026-05-05")  # Mon 4 May is a bank holiday
    # 21 Jul 2027 is the last day entered: the next school day is in September, projected
    nxt = cal.add_school_days(d("2027-07-21"), 1)
    assert nxt.month == 9 and nxt.year == 2027 and cal.provisional(nxt)
    assert cal.closed_reason(d("2027-07-22")) == "22 July 2027 is in the school holidays"


def test_school_weeks_come_from_the_calendar_and_span_years():
    cal = Calendar(TERMS, BANK)
    # 6 Nov 2026: ten school weeks back skip half-term (26-30 Oct) and the summer holiday
    weeks = cal.last_school_weeks(d("2026-11-06"), 10)
    assert weeks[0] == d("2026-11-02") and d("2026-10-26") not in weeks
    # 2 Nov, 19 Oct ... 7 Sep, 31 Aug (3-4 Sep), then 20 Jul: across the year boundary
    assert weeks[-2:] == [d("2026-08-31"), d("2026-07-20")]
    assert cal.window(d("2026-11-06"), 10) == (d("2026-07-20"), d("2026-11-06"))
    assert not cal.is_school_week(d("2026-10-26"))
    # the week of as_of counts only with a school day on or before it
    assert cal.last_school_weeks(d("2026-09-02"), 1) == [d("2026-07-20")]
    assert cal.last_school_weeks(d("2026-09-03"), 1) == [d("2026-08-31")]
