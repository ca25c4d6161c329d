"""Reading attendance: terms, a pupil's summary, a school's list. Every read goes through the
weekly summaries (pupil_weeks), never the raw marks, except the one day or term of marks a
page shows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, Sequence

from sqlalchemy import bindparam, false, func, select

from portal import dataversion
from portal.attendance import calc, calendar, flags
from portal.attendance.calc import Totals
from portal.attendance.codes import AUTHORISED, UNAUTHORISED
from portal.attendance.models import AttendanceMark, PupilFlag, PupilWeek, RegisterCode, Term
from portal.attendance.queries import band_case, percent_sql
from portal.extensions import db
from portal.pupils.models import Pupil
from portal.statements import built_once
from portal.timeutil import today


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def current_term(as_of: date) -> Term | None:
    """The term as_of falls in, or the last one that started before it (in a holiday)."""
    return db.session.scalar(
        select(Term).where(Term.start_date <= as_of).order_by(Term.start_date.desc()).limit(1))


def periods(as_of: date) -> tuple[Period | None, Period | None]:
    """(this term, this academic year) for a date."""
    terms = calendar.named_terms()  # memoised for the request: the pages ask this many times
    started = [t for t in terms if t.start_date <= as_of]
    if not started:
        return None, None
    term = started[-1]
    same_year = [t for t in terms if t.academic_year == term.academic_year]
    year_start, year_end = min(t.start_date for t in same_year), max(t.end_date for t in same_year)
    return (Period(f"{term.name} term {term.academic_year}", term.start_date, term.end_date),
            Period(f"Academic year {term.academic_year}", year_start, year_end))


def _sum_cols():
    return (func.coalesce(func.sum(PupilWeek.possible), 0), func.coalesce(func.sum(PupilWeek.attended), 0),
            func.coalesce(func.sum(PupilWeek.approved), 0), func.coalesce(func.sum(PupilWeek.authorised), 0),
            func.coalesce(func.sum(PupilWeek.unauthorised), 0), func.coalesce(func.sum(PupilWeek.late), 0),
            func.coalesce(func.sum(PupilWeek.open_sessions), 0))


def window_weeks(school_id: int | None, as_of: date) -> tuple[date, ...]:
    """THE rolling window: the Mondays of the school's last 10 school weeks up to as_of, oldest
    first, from its calendar (`calendar.for_school`), across terms and school years. A week is
    a school week by the calendar, never because marks exist in it. The pupil page, the school
    view, its CSV, the key groups and the panel pack all count unauthorised sessions over these
    weeks (`unauthorised_in_window`)."""
    return tuple(reversed(calendar.for_school(school_id).last_school_weeks(as_of, calc.PENALTY_WINDOW_WEEKS)))


def school_window_start(school_id: int, as_of: date) -> date | None:
    """The first Monday of the school's rolling window up to as_of."""
    weeks = window_weeks(school_id, as_of)
    return weeks[0] if weeks else None


def unauthorised_in_window(weeks: tuple[date, ...]):
    """SQL: each pupil's unauthorised sessions in the window's weeks (pupil_id, unauthorised)."""
    return (select(PupilWeek.pupil_id.label("pupil_id"), func.sum(PupilWeek.unauthorised).label("unauthorised"))
            .where(PupilWeek.week_start.in_(weeks) if weeks else false())
            .group_by(PupilWeek.pupil_id))


class Week(NamedTuple):
    """A pupil's week as pupil_weeks holds it, read as plain values (the same names as
    `PupilWeek`'s columns; the seven counts in `Totals`' order)."""
    week_start: date
    possible: int
    attended: int
    approved: int
    authorised: int
    unauthorised: int
    late: int
    open_sessions: int
    pupil_id: int
    last_date: date


@built_once
def _pupil_weeks():
    """A pupil's weeks from a Monday up to a day, oldest first (`pupil_summary`'s one read)."""
    return (select(PupilWeek.week_start, PupilWeek.possible, PupilWeek.attended, PupilWeek.approved,
                   PupilWeek.authorised, PupilWeek.unauthorised, PupilWeek.late, PupilWeek.open_sessions,
                   PupilWeek.pupil_id, PupilWeek.last_date)
            .where(PupilWeek.pupil_id == bindparam("pupil_id"), PupilWeek.week_start >= bindparam("first"),
                   PupilWeek.week_start <= bindparam("as_of"))
            .order_by(PupilWeek.week_start))


def _rows_of(stmt, params: dict) -> Sequence[Any]:
    """All the rows of a statement of plain values, past the ORM's execution layer (pending
    changes flushed first, as the session's own `execute` would)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params).all()


@dataclass
class PupilSummary:
    term: Period | None
    year: Period | None
    term_totals: Totals
    year_totals: Totals
    weeks: list[Week]
    window_start: date | None
    unauthorised_in_window: int

    @property
    def threshold_reached(self) -> bool:
        return calc.penalty_threshold_reached(self.unauthorised_in_window)


def pupil_summary(pupil: Pupil, as_of: date | None = None) -> PupilSummary:
    as_of = as_of or today()
    window = window_weeks(pupil.school_id, as_of)  # first: it reads the calendar with the school's closures
    term, year = periods(as_of)
    # one read: this year's weeks and the rolling window's (which may reach into last year)
    starts = ([calc.week_start(year.start)] if year else []) + ([window[0]] if window else [])
    loaded: list[Week] = []
    if starts:
        loaded = [Week(*row) for row in _rows_of(_pupil_weeks(), {
            "pupil_id": pupil.id, "first": min(starts), "as_of": as_of})]
    weeks = [w for w in loaded if year and w.week_start >= calc.week_start(year.start)]

    def total(period: Period | None) -> Totals:
        if period is None:
            return Totals()
        first = calc.week_start(period.start)
        counts = [w[1:8] for w in weeks if first <= w.week_start <= period.end]
        return Totals(*map(sum, zip(*counts, strict=True))) if counts else Totals()

    counted = set(window)
    in_window = sum(w.unauthorised for w in loaded if w.week_start in counted)
    return PupilSummary(term, year, total(term), total(year), weeks, window[0] if window else None,
                        int(in_window))


def year_totals_for(pupil_ids: list[int], as_of: date | None = None) -> dict[int, Totals]:
    """Each pupil's totals for the academic year so far (as `pupil_summary`'s year_totals), for a
    list of pupils in a fixed number of queries whatever its length (the caseload)."""
    as_of = as_of or today()
    _, year = periods(as_of)
    if year is None or not pupil_ids:
        return {}
    rows = db.session.execute(
        select(PupilWeek.pupil_id, *_sum_cols())
        .where(PupilWeek.pupil_id.in_(pupil_ids), PupilWeek.week_start >= calc.week_start(year.start),
               PupilWeek.week_start <= as_of, PupilWeek.week_start <= year.end)
        .group_by(PupilWeek.pupil_id))
    return {int(row[0]): Totals(*(int(v) for v in row[1:])) for row in rows}


def register_for(pupil: Pupil, start: date, end: date) -> dict[date, dict[str, str]]:
    """{date: {"AM": code, "PM": code}} for a range (one term at most)."""
    out: dict[date, dict[str, str]] = {}
    for day, session, code in db.session.execute(
            select(AttendanceMark.date, AttendanceMark.session, AttendanceMark.code)
            .where(AttendanceMark.pupil_id == pupil.id, AttendanceMark.date >= start,
                   AttendanceMark.date <= end)):
        out.setdefault(day, {})[session] = code
    return out


def code_table() -> dict[str, RegisterCode]:
    return {c.code: c for c in db.session.scalars(select(RegisterCode))}


# ----- the school attendance view ---------------------------------------------------------

# sort name -> order given (percent expression, unauthorised-in-window expression)
SORTS = {
    "name": lambda pct, unauth10: (Pupil.legal_surname, Pupil.legal_forename, Pupil.id),
    "attendance": lambda pct, unauth10: (pct.is_(None), pct, Pupil.legal_surname, Pupil.id),
    "unauthorised": lambda pct, unauth10: (unauth10.desc(), Pupil.legal_surname, Pupil.id),
    "year": lambda pct, unauth10: (Pupil.nc_year, Pupil.legal_surname, Pupil.id),
}
GROUPS = ("at_risk", "persistent", "absent_last_day", "over_threshold", *flags.KINDS)


@dataclass
class SchoolContext:
    school_id: int
    year: Period | None
    window: tuple[date, ...]  # the rolling window's school weeks (window_weeks)
    last_day: date | None
    as_of: date

    @property
    def window_start(self) -> date | None:
        return self.window[0] if self.window else None


def school_context(school_id: int, as_of: date | None = None) -> SchoolContext:
    as_of = as_of or today()
    window = window_weeks(school_id, as_of)  # first: it reads the calendar with the school's closures
    _, year = periods(as_of)
    last_day = None
    if year:
        last_day = dataversion.cached(("school_last_day", school_id, year, as_of), lambda: db.session.scalar(
            select(func.max(PupilWeek.last_date)).join(Pupil, Pupil.id == PupilWeek.pupil_id)
            .where(Pupil.school_id == school_id, PupilWeek.week_start >= calc.week_start(year.start),
                   PupilWeek.week_start <= as_of)))
    return SchoolContext(school_id, year, window, last_day, as_of)


def school_rows_stmt(ctx: SchoolContext, ambition_percent: int | None = None):
    """One row per pupil on the school's roll: the pupil and their year-to-date figures (the
    bands by the ambition given, else the one in force)."""
    year_start = calc.week_start(ctx.year.start) if ctx.year else date.max
    year_end = min(ctx.year.end, ctx.as_of) if ctx.year else date.min  # the year so far, as the pupil page
    agg = (
        select(PupilWeek.pupil_id.label("pupil_id"),
               func.sum(PupilWeek.possible).label("possible"),
               func.sum(PupilWeek.attended).label("attended"),
               func.sum(PupilWeek.authorised).label("authorised"),
               func.sum(PupilWeek.unauthorised).label("unauthorised"))
        .join(Pupil, Pupil.id == PupilWeek.pupil_id)
        .where(Pupil.school_id == ctx.school_id, PupilWeek.week_start >= year_start,
               PupilWeek.week_start <= year_end)
        .group_by(PupilWeek.pupil_id)
    ).cte("pupil_year")
    # the rolling window is not the academic year: it may reach back into the last one
    win = (unauthorised_in_window(ctx.window).join(Pupil, Pupil.id == PupilWeek.pupil_id)
           .where(Pupil.school_id == ctx.school_id)).cte("pupil_window")
    # Common table expressions, not subqueries: a statement that lists several groups of the
    # school (a Targeting Support Meeting's key groups, in one UNION) sums the weeks once, not
    # once per group (PostgreSQL and SQLite keep a CTE named more than once; one named once is
    # planned as the subquery it replaces).
    possible = func.coalesce(agg.c.possible, 0)
    attended = func.coalesce(agg.c.attended, 0)
    band = band_case(attended, possible, ambition_percent)
    pct = percent_sql(attended, possible)  # for ordering; shown through calc.percent_text
    cols = select(
        Pupil,
        possible.label("possible"), attended.label("attended"),
        func.coalesce(agg.c.authorised, 0).label("authorised"),
        func.coalesce(agg.c.unauthorised, 0).label("unauthorised"),
        func.coalesce(win.c.unauthorised, 0).label("unauth10"),
        band.label("band"),
    ).outerjoin(agg, agg.c.pupil_id == Pupil.id).outerjoin(win, win.c.pupil_id == Pupil.id) \
        .where(Pupil.school_id == ctx.school_id)
    return cols, band, pct, func.coalesce(win.c.unauthorised, 0)


def absent_on_last_day_ids(ctx: SchoolContext):
    """Pupils absent (any absence code) or late (L/U) on the school's last recorded day."""
    if ctx.last_day is None:
        return select(Pupil.id).where(false())
    return (select(AttendanceMark.pupil_id).distinct()
            .join(Pupil, Pupil.id == AttendanceMark.pupil_id)
            .join(RegisterCode, RegisterCode.code == AttendanceMark.code)
            .where(Pupil.school_id == ctx.school_id, AttendanceMark.date == ctx.last_day,
                   (RegisterCode.category.in_((AUTHORISED, UNAUTHORISED)))
                   | AttendanceMark.code.in_(("L", "U"))))


def apply_filters(stmt, ctx: SchoolContext, band, unauth10, *, band_filter="", year_filter=None,
                  cohort="", group=""):
    from portal.pupils.models import FLAG_NAMES

    if band_filter in calc.BANDS or band_filter == calc.NO_DATA:
        stmt = stmt.where(band == band_filter)
    if year_filter is not None:
        stmt = stmt.where(Pupil.nc_year == year_filter)
    if cohort in FLAG_NAMES:
        stmt = stmt.where(getattr(Pupil, cohort).is_(True))
    if group == "at_risk":
        stmt = stmt.where(band == calc.AT_RISK)
    elif group == "persistent":
        stmt = stmt.where(band.in_((calc.PERSISTENT, calc.SEVERE)))
    elif group == "over_threshold":
        stmt = stmt.where(unauth10 >= calc.PENALTY_THRESHOLD_SESSIONS)
    elif group == "absent_last_day":
        stmt = stmt.where(Pupil.id.in_(absent_on_last_day_ids(ctx)))
    elif group in flags.KINDS:
        stmt = stmt.where(Pupil.id.in_(flags.flagged_ids(group)))
    return stmt


def key_group_counts(ctx: SchoolContext) -> dict[str, int]:
    """How many of the school's pupils are in each key group (and "all", "severe")."""
    key = ("key_group_counts", ctx.school_id, ctx.year, ctx.window, ctx.last_day, ctx.as_of)
    return dict(dataversion.cached(key, lambda: _read_key_group_counts(ctx)))


def _read_key_group_counts(ctx: SchoolContext) -> dict[str, int]:
    stmt, band, _, unauth10 = school_rows_stmt(ctx)
    sub = stmt.subquery()
    row = db.session.execute(select(
        func.count().filter(sub.c.band == calc.AT_RISK),
        func.count().filter(sub.c.band.in_((calc.PERSISTENT, calc.SEVERE))),
        func.count().filter(sub.c.unauth10 >= calc.PENALTY_THRESHOLD_SESSIONS),
        func.count(),
        func.count().filter(sub.c.band == calc.SEVERE),
    ).select_from(sub)).one()
    absent = db.session.scalar(select(func.count()).select_from(absent_on_last_day_ids(ctx).subquery())) or 0
    flagged = dict(db.session.execute(
        select(PupilFlag.flag, func.count(func.distinct(PupilFlag.pupil_id)))
        .join(Pupil, Pupil.id == PupilFlag.pupil_id).where(Pupil.school_id == ctx.school_id)
        .group_by(PupilFlag.flag)).all())
    return {"at_risk": row[0], "persistent": row[1], "over_threshold": row[2], "absent_last_day": absent,
            **{key: flagged.get(key, 0) for key in flags.KINDS}, "all": row[3], "severe": row[4]}
