"""The school calendar: which days a school is open, kept as data.

A day is a **school day** for a school when it is a weekday inside one of the LA's terms,
outside that term's half-term break, not one of England's bank holidays and not one of the
school's own closure days (INSET, polling day, an emergency closure). A **school week** is a
week (Monday to Sunday) with at least one school day — never inferred from which marks exist,
so a stray mark on a holiday cannot create one.

Beyond the last term the LA has entered, the calendar is *projected*: the last academic year
entered, moved on by whole 52-week years (so weekdays stay weekdays), still skipping bank
holidays. A date is `provisional` there; entering the next year's terms makes it exact.

Every calculation in school days (rolling windows, follow-up deadlines, flags) goes through a
`Calendar`; `for_school()` / `for_la()` load one (memoised per request or job in `g`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, NamedTuple, Protocol, Sequence

from portal.statements import built_once

YEAR_SHIFT = timedelta(weeks=52)  # a projected year keeps every date on its weekday


class TermLike(Protocol):
    start_date: date
    end_date: date
    half_term_start: date | None
    half_term_end: date | None


class TermDates(NamedTuple):
    start: date
    end: date
    half_term_start: date | None
    half_term_end: date | None

    @classmethod
    def of(cls, term: TermLike) -> TermDates:
        return cls(term.start_date, term.end_date, term.half_term_start, term.half_term_end)

    def open_on(self, day: date) -> bool:
        if not self.start <= day <= self.end:
            return False
        return not (self.half_term_start is not None and self.half_term_end is not None
                    and self.half_term_start <= day <= self.half_term_end)


def week_start(day: date) -> date:
    """The Monday of the week a date falls in."""
    return day - timedelta(days=day.weekday())


@dataclass
class Calendar:
    """One school's calendar (or the LA's, with no closure days)."""
    terms: Sequence[TermDates]
    bank_holidays: frozenset[date] = frozenset()
    closures: frozenset[date] = frozenset()
    _open: dict[date, bool] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self.terms = tuple(sorted(self.terms))

    @classmethod
    def of(cls, terms: Iterable[TermLike], bank_holidays: Iterable[date] = (),
           closures: Iterable[date] = ()) -> Calendar:
        return cls(tuple(TermDates.of(t) for t in terms), frozenset(bank_holidays), frozenset(closures))

    # ----- single days ---------------------------------------------------------------------

    @property
    def last_entered(self) -> date | None:
        """The last day of the last term the LA has entered."""
        return self.terms[-1].end if self.terms else None

    def provisional(self, day: date) -> bool:
        """True where the calendar is projected (after the last term entered)."""
        return self.last_entered is not None and day > self.last_entered

    def in_term(self, day: date) -> bool:
        """Inside a term and outside its half-term (projected past the last term entered;
        before the first term entered, projected back the same way)."""
        if not self.terms:
            return True  # no term dates at all: every weekday
        first, last = self.terms[0].start, self.terms[-1].end
        while day > last:
            day -= YEAR_SHIFT
        while day < first:
            day += YEAR_SHIFT
        return any(t.open_on(day) for t in self.terms)

    def is_open(self, day: date) -> bool:
        """A school day: a term-time weekday, not a bank holiday or one of the school's closures."""
        known = self._open.get(day)
        if known is None:
            known = self._open[day] = (day.weekday() < 5 and day not in self.bank_holidays
                                       and day not in self.closures and self.in_term(day))
        return known

    def closed_reason(self, day: date) -> str | None:
        """Why the school is closed on a day, in words (None when open)."""
        if day.weekday() >= 5:
            return f"{day:%A} {day:%-d %B %Y} is a weekend"
        if day in self.bank_holidays:
            return f"{day:%-d %B %Y} is a bank holiday"
        if day in self.closures:
            return f"the school was closed on {day:%-d %B %Y} (INSET or closure day)"
        if not self.in_term(day):
            return f"{day:%-d %B %Y} is in the school holidays"
        return None

    # ----- ranges -----------------------------------------------------------------------------

    def school_days(self, start: date, end: date) -> list[date]:
        """Every school day from start to end, both included, oldest first."""
        return [start + timedelta(days=i) for i in range((end - start).days + 1)
                if self.is_open(start + timedelta(days=i))]

    def add_school_days(self, day: date, n: int) -> date:
        """The n-th school day after `day` (n >= 1); `day` itself need not be a school day."""
        if n < 1:
            raise ValueError("n must be at least 1")
        current = day
        for _ in range(n):
            current += timedelta(days=1)
            for _guard in range(400):  # the longest holiday is well under 400 days
                if self.is_open(current):
                    break
                current += timedelta(days=1)
        return current

    def next_school_day(self, day: date) -> date:
        return self.add_school_days(day, 1)

    def is_school_week(self, monday: date, up_to: date | None = None) -> bool:
        """Whether the week starting `monday` has a school day (on or before `up_to`)."""
        last = monday + timedelta(days=4)
        if up_to is not None:
            last = min(last, up_to)
        return any(self.is_open(monday + timedelta(days=i)) for i in range((last - monday).days + 1))

    def school_weeks(self, start: date, end: date) -> list[date]:
        """The Mondays of the school weeks with a school day from start to end, oldest first."""
        out = []
        monday = week_start(start)
        while monday <= end:
            first, last = max(monday, start), min(monday + timedelta(days=4), end)
            if any(self.is_open(first + timedelta(days=i)) for i in range((last - first).days + 1)):
                out.append(monday)
            monday += timedelta(weeks=1)
        return out

    def last_school_weeks(self, as_of: date, n: int) -> list[date]:
        """The Mondays of the last n school weeks up to as_of, newest first. The week of as_of
        counts when it has a school day on or before as_of. Fewer than n when the calendar
        runs out (nothing before the first term entered is projected for windows)."""
        out: list[date] = []
        monday = week_start(as_of)
        floor = self.terms[0].start - timedelta(days=7) if self.terms else as_of - timedelta(weeks=n * 2)
        while len(out) < n and monday >= floor:
            if self.is_school_week(monday, up_to=as_of):
                out.append(monday)
            monday -= timedelta(weeks=1)
        return out

    def window(self, as_of: date, weeks: int) -> tuple[date, date] | None:
        """The rolling window of `weeks` school weeks ending on as_of: (first Monday, as_of)."""
        mondays = self.last_school_weeks(as_of, weeks)
        return (mondays[-1], as_of) if mondays else None


# ----- loading ------------------------------------------------------------------------------

def _base_parts() -> list:
    from sqlalchemy import literal_column, null, select

    from portal.attendance.models import BankHoliday, Term

    return [select(literal_column("'term'"), Term.start_date, Term.end_date, Term.half_term_start,
                   Term.half_term_end, Term.name, Term.academic_year),
            select(literal_column("'bank'"), BankHoliday.date, null(), null(), null(), null(), null())]


@built_once
def _base_statement():
    """The LA's terms and bank holidays in one statement."""
    from sqlalchemy import union_all

    return union_all(*_base_parts())


@built_once
def _base_statement_with_closures():
    """The LA's terms and bank holidays with one school's closures (`school_id`), in one statement."""
    from sqlalchemy import bindparam, literal_column, null, select, union_all

    from portal.attendance.models import SchoolClosure

    return union_all(*_base_parts(), select(literal_column("'closure'"), SchoolClosure.date, null(), null(), null(),
                                            null(), null()).where(SchoolClosure.school_id == bindparam("school_id")))


def _base(school_id: int | None = None) -> tuple[list, frozenset[date]]:
    """The LA's terms and bank holidays (memoised for the request or job), read with one
    school's closures when `school_id` is given and they are not memoised yet: one query."""
    from flask import g

    from portal.extensions import db

    cached = g.get("_calendar_base")
    if cached is None:
        if school_id is None:
            rows = db.session.execute(_base_statement()).all()
        else:
            rows = db.session.execute(_base_statement_with_closures(), {"school_id": school_id}).all()
        terms = sorted((tuple(row[1:]) for row in rows if row[0] == "term"), key=lambda t: t[0])
        g._calendar_terms = tuple(NamedTerm(*row) for row in terms)
        bank = frozenset(row[1] for row in rows if row[0] == "bank")
        cached = g._calendar_base = ([TermDates(*row[:4]) for row in terms], bank)
        if school_id is not None:
            closures = frozenset(row[1] for row in rows if row[0] == "closure")
            g.setdefault("_calendars", {})[school_id] = Calendar(cached[0], bank, closures)
    return cached


class NamedTerm(NamedTuple):
    """A term's dates with its name and year, as the pages name periods."""
    start_date: date
    end_date: date
    half_term_start: date | None
    half_term_end: date | None
    name: str
    academic_year: str


def named_terms() -> tuple[NamedTerm, ...]:
    """The LA's terms, oldest first (memoised with the calendar: `forget()` drops them)."""
    from flask import g

    _base()
    return g._calendar_terms


def for_la() -> Calendar:
    """The LA's calendar: terms and bank holidays, no school's own closures."""
    terms, bank = _base()
    return Calendar(terms, bank)


def for_school(school_id: int | None) -> Calendar:
    """One school's calendar (memoised for the request or job)."""
    from flask import g
    from sqlalchemy import select

    from portal.attendance.models import SchoolClosure
    from portal.extensions import db

    if school_id is None:
        return for_la()
    _base(school_id)
    cache = g.setdefault("_calendars", {})
    if school_id not in cache:
        terms, bank = _base()
        closures = frozenset(db.session.scalars(
            select(SchoolClosure.date).where(SchoolClosure.school_id == school_id)))
        cache[school_id] = Calendar(terms, bank, closures)
    return cache[school_id]


def forget() -> None:
    """Drop the memoised calendars (after the terms, bank holidays or closures change)."""
    from flask import g

    g.pop("_calendar_base", None)
    g.pop("_calendar_terms", None)
    g.pop("_calendars", None)
