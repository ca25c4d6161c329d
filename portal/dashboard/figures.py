"""The attendance picture: the measures of the LA and school dashboards, read from the
aggregates (`portal/attendance/aggregates.py`: report periods, per-pupil period totals,
per-school weekly code counts), never from raw marks. One definition of each measure:

- attendance % = attended / possible sessions (`calc.percent_text`); overall absence % =
  (possible - attended) / possible; authorised and unauthorised % over possible sessions;
- persistent absence rate = pupils missing 10% or more of their possible sessions in the period
  (attendance at or below 90%, `calc.PERSISTENT_PERCENT`) / pupils with possible sessions;
  severe absence the same at 50%; "at or above the ambition" at the LA's ambition;
- crossed = pupils with a threshold crossing (10+ unauthorised sessions in a rolling 10 school
  weeks, `threshold_crossings`) whose window ended in the period.

Every split (school, phase, year group, cohort with and without) adds up the same grouped rows
(one query per period, memoised per request), so a split always sums to its total."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from flask import g
from sqlalchemy import Select, and_, case, false, func, literal, select, true, union_all

from portal import dataversion
from portal.attendance import calc
from portal.attendance.aggregates import PeriodDef
from portal.attendance.codes import APPROVED, NOT_POSSIBLE, PRESENT
from portal.attendance.models import (
    PeriodCell,
    PupilFlag,
    PupilPeriod,
    RegisterCode,
    ReportPeriod,
    SchoolWeekCode,
    ThresholdCrossing,
)
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, SchoolPhase
from portal.pupils.models import COHORT_FLAGS, FLAG_NAMES, Pupil, year_label

# ----- periods --------------------------------------------------------------------------------

PERIOD_CHOICES = (("term", "This term"), ("half_term", "This half-term"), ("ytd", "Year to date"),
                  ("last4", "Last 4 school weeks"))


@dataclass(frozen=True)
class Period:
    key: str           # the report_periods key the totals are stored under
    choice: str        # what was asked for: "term", "half_term", "ytd", "last4", "year:2025/26"
    label: str
    kind: str          # year / term / half_term / rolling
    academic_year: str
    term: str | None   # autumn / spring / summer for terms and half-terms
    start: date        # the Monday of the first week counted
    end: date          # the last day counted
    comparison: Period | None = None  # the same period last year, where held
    first_day: date | None = None  # the day it starts, for people (a term's first day, not its Monday)

    @property
    def reference_period(self) -> str | None:
        """The period of published figures that matches: "year", or the term's name."""
        if self.kind == "term":
            return self.term
        if self.kind == "year" or self.choice == "ytd":
            return "year"
        return None


def forget() -> None:
    """Drop what this module memoised in `g` (run before every request: under the tests one
    application context, and so one `g`, serves several requests)."""
    for name in ("_report_periods", "_figure_groups", "_school_phases", "_scope_ids"):
        g.pop(name, None)
    dataversion.forget()


def _read_held() -> dict[str, PeriodDef]:
    """The report periods as read (`ReportPeriod`'s columns, as the refresh defines them), kept
    between requests."""
    return {p.key: PeriodDef(p.key, p.kind, p.academic_year, p.term, p.label, p.first_week, p.last_day, p.as_of,
                             p.first_day)
            for p in db.session.scalars(select(ReportPeriod))}


def _held() -> dict[str, PeriodDef]:
    cached = g.get("_report_periods")
    if cached is None:
        cached = g._report_periods = dataversion.cached(("report_periods",), _read_held)
    return cached


previous_year = calc.previous_academic_year


def _period(row: PeriodDef, choice: str, label: str | None = None, comparison: Period | None = None) -> Period:
    return Period(row.key, choice, label or row.label, row.kind, row.academic_year, row.term, row.first_week,
                  row.last_day, comparison, row.first_day)


def _latest(kind: str, as_of: date) -> PeriodDef | None:
    rows = [p for p in _held().values() if p.kind == kind and p.first_week <= as_of]
    return max(rows, key=lambda p: p.first_week, default=None)


def years_held() -> list[str]:
    """The academic years with report periods, newest first."""
    return sorted({p.academic_year for p in _held().values() if p.kind == "year"}, reverse=True)


def choices(as_of: date) -> list[tuple[str, str]]:
    """(value, label) of every period a dashboard offers, as of a day."""
    current = _latest("year", as_of)
    out = list(PERIOD_CHOICES)
    started = {p.academic_year for p in _held().values() if p.kind == "year" and p.first_week <= as_of}
    out += [(f"year:{y}", f"Academic year {y}") for y in years_held()
            if y in started and (current is None or y != current.key)]  # not a year still to come
    return out


def period_for(choice: str, as_of: date) -> Period | None:
    """The period a choice names, as of a day, with the same period last year as comparison
    (None when it is not held); None for an unknown choice or a period with no terms."""
    held = _held()
    if choice in ("term", "half_term"):
        row = _latest(choice, as_of)
        if row is None:
            return None
        suffix = row.key[len(row.academic_year):]
        last = held.get(previous_year(row.academic_year) + suffix)
        so_far = held.get("term-prev" if choice == "term" else "half-prev")
        if (as_of < row.last_day and so_far is not None and last is not None
                and (so_far.academic_year, so_far.first_week) == (last.academic_year, last.first_week)):
            last = so_far  # in progress: last year's same term up to the same day, like with like
        return _period(row, choice, comparison=_period(last, choice) if last else None)
    if choice == "ytd":
        row = _latest("year", as_of)
        if row is None:
            return None
        if as_of < row.last_day:
            last = held.get("ytd-prev")
            comparison = _period(last, "ytd") if last else None
            return _period(row, choice, f"Year to date {row.academic_year}", comparison)
        last = held.get(previous_year(row.academic_year))
        return _period(row, choice, comparison=_period(last, choice) if last else None)
    if choice == "last4":
        row = held.get("last4")
        if row is None:
            return None
        last = held.get("last4-prev")
        return _period(row, choice, comparison=_period(last, choice) if last else None)
    if choice.startswith("year:"):
        row = held.get(choice[5:])
        if row is None or row.kind != "year":
            return None
        if row.first_week <= as_of < row.last_day:  # the year in progress is the year to date
            return period_for("ytd", as_of)
        last = held.get(previous_year(row.academic_year))
        return _period(row, choice, comparison=_period(last, choice) if last else None)
    return None


# ----- scope ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """Whose pupils a figure counts: the whole LA (school_ids None), or the schools a select of
    ids (from `access`) or a tuple of ids names."""
    school_ids: Select | tuple[int, ...] | None = None
    name: str = "la"

    @classmethod
    def la(cls) -> Scope:
        return cls(None, "la")

    @classmethod
    def schools(cls, ids: Select | Iterable[int], name: str = "schools") -> Scope:
        return cls(ids if isinstance(ids, Select) else tuple(ids), name)

    @classmethod
    def school(cls, school_id: int) -> Scope:
        return cls((school_id,), f"school:{school_id}")

    def where(self, column):
        if self.school_ids is None:
            return true()
        if isinstance(self.school_ids, tuple) and not self.school_ids:
            return false()
        return column.in_(self.school_ids)

    def key(self) -> tuple[int, ...] | None:
        """What the figures of this scope depend on: the ids of its schools (read once per
        request when they come as a select), None for the whole LA."""
        ids = self.school_ids
        if ids is None:
            return None
        if isinstance(ids, tuple):
            return tuple(sorted(set(ids)))
        memo = g.setdefault("_scope_ids", {})
        found = memo.get(id(ids))
        if found is None or found[0] is not ids:
            found = memo[id(ids)] = (ids, tuple(sorted(set(db.session.scalars(ids)))))
        return found[1]


# ----- measures -------------------------------------------------------------------------------

@dataclass
class Measures:
    pupils: int = 0        # pupils with possible sessions in the period
    possible: int = 0
    attended: int = 0
    authorised: int = 0
    unauthorised: int = 0
    pa: int = 0            # persistent absence (includes severe)
    sa: int = 0            # severe absence
    at_ambition: int = 0
    crossed: int = 0

    def values(self) -> tuple[int, ...]:
        return (self.pupils, self.possible, self.attended, self.authorised, self.unauthorised, self.pa, self.sa,
                self.at_ambition, self.crossed)

    def __add__(self, other: Measures) -> Measures:
        return Measures(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def __sub__(self, other: Measures) -> Measures:
        return Measures(*(a - b for a, b in zip(self.values(), other.values(), strict=True)))

    @property
    def has_data(self) -> bool:
        return self.possible > 0

    @property
    def attendance_text(self) -> str:
        return calc.percent_label(self.attended, self.possible)

    @property
    def absence_text(self) -> str:
        return calc.rate_label(self.possible - self.attended, self.possible)

    @property
    def authorised_text(self) -> str:
        return calc.rate_label(self.authorised, self.possible)

    @property
    def unauthorised_text(self) -> str:
        return calc.rate_label(self.unauthorised, self.possible)

    @property
    def pa_text(self) -> str:
        return calc.rate_label(self.pa, self.pupils)

    @property
    def sa_text(self) -> str:
        return calc.rate_label(self.sa, self.pupils)

    @property
    def at_ambition_text(self) -> str:
        return calc.rate_label(self.at_ambition, self.pupils)

    @property
    def band(self) -> str:
        return calc.band(self.attended, self.possible)

    def attendance_change(self, before: Measures | None) -> Decimal | None:
        """Points of attendance gained since `before` (exact values, shown to one decimal)."""
        if before is None:
            return None
        return calc.change_in_points((before.attended, before.possible), (self.attended, self.possible))

    def rate_change(self, before: Measures | None, measure: str) -> Decimal | None:
        """Points of change of a rate ("absence", "pa", "sa", "unauthorised") since `before`."""
        if before is None:
            return None
        a, b = self.fraction(measure), before.fraction(measure)
        return None if a is None or b is None else calc.points(a - b)

    def fraction(self, measure: str):
        """A rate as an exact fraction of 100 (for gaps and changes), or None."""
        from fractions import Fraction

        num, den = {"absence": (self.possible - self.attended, self.possible),
                    "attendance": (self.attended, self.possible),
                    "authorised": (self.authorised, self.possible),
                    "unauthorised": (self.unauthorised, self.possible),
                    "pa": (self.pa, self.pupils), "sa": (self.sa, self.pupils),
                    "at_ambition": (self.at_ambition, self.pupils)}[measure]
        return None if den <= 0 else Fraction(100 * num, den)

    def gap_to(self, measure: str, value: Decimal | None) -> Decimal | None:
        """Points between this rate and a published figure (positive: ours is higher)."""
        from fractions import Fraction

        ours = self.fraction(measure)
        if ours is None or value is None:
            return None
        return calc.points(ours - Fraction(value))


def attendance_from_absence(absence: Decimal) -> Decimal:
    """Attendance % from an overall absence % (a published figure): 100 minus it."""
    return Decimal(100) - Decimal(absence)


GroupKey = tuple  # (school_id, nc_year)
TOTAL = ""  # a cell's key for all its pupils; the other keys are the cohort flags (FLAG_NAMES)
CROSSED = "#crossed"  # the rows of threshold crossings, in the same statement as the cells


def _groups(scope: Scope, period: Period) -> dict[GroupKey, dict[str, Measures]]:
    """The period's measures per (school, year group): for all its pupils (TOTAL) and for the
    pupils with each cohort flag, from the period's cells (`period_cells`) and its crossings.
    Two queries, memoised for the request; a few hundred rows however many pupils."""
    cache = g.setdefault("_figure_groups", {})
    key = ("groups", scope.key(), period.key, period.start, period.end)
    if key not in cache:
        cache[key] = dataversion.cached(key, lambda: _read_groups(scope, period))
    return cache[key]


def _read_groups(scope: Scope, period: Period) -> dict[GroupKey, dict[str, Measures]]:
    pc = PeriodCell
    width = 9  # the fields of Measures, in order
    sums: dict[GroupKey, dict[str, list[int]]] = {}

    def cell_of(school_id, nc_year) -> dict[str, list[int]]:
        cell = sums.get((school_id, nc_year))
        if cell is None:
            cell = sums[(school_id, nc_year)] = {k: [0] * width for k in (TOTAL, *FLAG_NAMES)}
        return cell

    # one row per (school, year group) for all pupils, and one per cohort flag: the database adds up;
    # and in the same statement one per (school, year group) with the pupils who crossed the
    # threshold in the period, all of them and with each flag (padded to the same columns)
    measures: list[Any] = [func.sum(pc.pupils), func.sum(pc.possible), func.sum(pc.attended), func.sum(pc.authorised),
                func.sum(pc.unauthorised), func.sum(pc.pa), func.sum(pc.sa), func.sum(pc.at_ambition)]
    tc = ThresholdCrossing
    crossed: list[Any] = [func.count(func.distinct(tc.pupil_id)),
               *(func.count(func.distinct(case((getattr(Pupil, f).is_(True), tc.pupil_id), else_=None)))
                 for f in FLAG_NAMES)]
    columns = max(len(measures), len(crossed))
    measures += [literal(0)] * (columns - len(measures))
    crossed += [literal(0)] * (columns - len(crossed))
    parts = [select(pc.school_id, pc.nc_year, literal(TOTAL).label("part"), *measures)
             .where(pc.period_key == period.key, scope.where(pc.school_id)).group_by(pc.school_id, pc.nc_year)]
    parts += [select(pc.school_id, pc.nc_year, literal(flag).label("part"), *measures)
              .where(pc.period_key == period.key, scope.where(pc.school_id), pc.cohorts.op("&")(1 << i) != 0)
              .group_by(pc.school_id, pc.nc_year)
              for i, flag in enumerate(FLAG_NAMES)]
    parts.append(select(Pupil.school_id, Pupil.nc_year, literal(CROSSED).label("part"), *crossed)
                 .join(Pupil, Pupil.id == tc.pupil_id)
                 .where(tc.window_end >= period.start, tc.window_end <= period.end, scope.where(Pupil.school_id))
                 .group_by(Pupil.school_id, Pupil.nc_year))
    rows: Any = db.session.execute(union_all(*parts))
    for school_id, nc_year, part, *values in rows:
        cell = cell_of(school_id, nc_year)
        if part == CROSSED:
            for k, n in zip((TOTAL, *FLAG_NAMES), values, strict=False):
                cell[k][8] += int(n or 0)
        else:
            cell[part][:8] = [int(v or 0) for v in values[:8]]
    out: dict[GroupKey, dict[str, Measures]] = {
        key_: {k: Measures(*v) for k, v in cell.items()} for key_, cell in sums.items()}
    return out


def _sum(groups: Iterable[Measures]) -> Measures:
    values = [m.values() for m in groups]
    return Measures(*map(sum, zip(*values, strict=True))) if values else Measures()


def headline(scope: Scope, period: Period | None) -> Measures:
    if period is None:
        return Measures()
    return _sum(cell[TOTAL] for cell in _groups(scope, period).values())


@dataclass
class Split:
    """One row of a split: its measures, last year's, and (for cohorts) the pupils without."""
    key: str
    label: str
    measures: Measures
    before: Measures | None = None
    without: Measures | None = None
    extra: dict = field(default_factory=dict)

    @property
    def change(self) -> Decimal | None:
        return self.measures.attendance_change(self.before) if self.before and self.before.has_data else None

    @property
    def gap(self) -> Decimal | None:
        """Attendance points between the cohort and the pupils without it (negative: lower)."""
        if self.without is None or not self.without.has_data or not self.measures.has_data:
            return None
        return self.measures.attendance_change(self.without)


def _split(scope: Scope, period: Period, key_of, part: str = TOTAL, name: str = "") -> tuple[dict, dict]:
    """Add up the cells by key_of((school_id, nc_year)), this period and last year's; cached
    under the data version when `name` names key_of (what it depends on besides the cells
    must be data the version covers). The Measures are shared: never change them."""
    if name:
        comparison = period.comparison
        key = ("split", name, part, scope.key(), period.key, period.start, period.end,
               (comparison.key, comparison.start, comparison.end) if comparison else None)
        return dataversion.cached(key, lambda: _split(scope, period, key_of, part))
    now: dict = {}
    before: dict = {}
    for k, cell in _groups(scope, period).items():
        split_key = key_of(k)
        now[split_key] = now.get(split_key, Measures()) + cell[part]
    if period.comparison:
        for k, cell in _groups(scope, period.comparison).items():
            split_key = key_of(k)
            before[split_key] = before.get(split_key, Measures()) + cell[part]
    return now, before


def comparison(scope: Scope, period: Period | None) -> Measures | None:
    """The same period last year, or None when it is not held or has no marks."""
    if period is None or period.comparison is None:
        return None
    before = headline(scope, period.comparison)
    return before if before.has_data else None


def by_year_group(scope: Scope, period: Period) -> list[Split]:
    now, before = _split(scope, period, lambda k: k[1], name="year_group")
    return [Split(str(y), year_label(y), now[y], before.get(y)) for y in sorted(now, key=lambda y: (y is None, y))]


def cohorts(scope: Scope, period: Period) -> list[Split]:
    """Each cohort flag: its pupils' measures beside the pupils without it (the gap)."""
    total = headline(scope, period)
    out = []
    for flag, label, _ in COHORT_FLAGS:
        now, before = _split(scope, period, lambda k: True, flag, name="cohort")
        with_ = now.get(True, Measures())
        out.append(Split(flag, label, with_, before.get(True), total - with_))
    return out


def schools_in(scope: Scope) -> list[Organisation]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        select(Organisation).options(selectinload(Organisation.named_ewo))
        .where(Organisation.kind == OrgKind.school, Organisation.active.is_(True), scope.where(Organisation.id))
        .order_by(Organisation.name)))


def by_school(scope: Scope, period: Period) -> list[Split]:
    """Every school in scope (those with no marks in the period too), with its named EWO."""
    now, before = _split(scope, period, lambda k: k[0], name="school")
    out = []
    for school in schools_in(scope):
        out.append(Split(str(school.id), school.name, now.get(school.id, Measures()), before.get(school.id),
                         extra={"school": school, "ewo": school.named_ewo.name if school.named_ewo else None,
                                "phase": school.phase}))
    return out


PHASES = (("primary", "Primary"), ("secondary", "Secondary"), ("all_through", "All-through"),
          ("special", "Special"), ("alternative_provision", "Alternative provision"))


def phase_of_schools() -> dict[int, str]:
    cached = g.get("_school_phases")
    if cached is None:
        cached = g._school_phases = dataversion.cached(("school_phases",), lambda: {
            i: (p.value if isinstance(p, SchoolPhase) else p) for i, p in db.session.execute(
                select(Organisation.id, Organisation.phase).where(Organisation.kind == OrgKind.school))})
    return cached


def by_phase(scope: Scope, period: Period) -> list[Split]:
    phases = phase_of_schools()
    now, before = _split(scope, period, lambda k: phases.get(k[0]), name="phase")
    return [Split(key, label, now[key], before.get(key)) for key, label in PHASES if key in now]


def crossings_recorded_by(day: date | None) -> bool:
    """Whether threshold crossings were being recorded by `day`: the daily refresh works them out
    for windows ending this academic year and keeps them, so a year of marks loaded later has
    none before it. (Any crossing held on or before `day` shows they were.)"""
    if day is None:
        return False
    return dataversion.cached(("crossings_by", day), lambda: db.session.scalar(
        select(ThresholdCrossing.id).where(ThresholdCrossing.window_end <= day).limit(1)) is not None)


def flag_counts(scope: Scope) -> dict[str, int]:
    """Pupils with each statutory flag this academic year (as of the last refresh)."""
    return dict(dataversion.cached(("flag_counts", scope.key()), lambda: {
        flag: int(n) for flag, n in db.session.execute(
            select(PupilFlag.flag, func.count(func.distinct(PupilFlag.pupil_id)))
            .join(Pupil, Pupil.id == PupilFlag.pupil_id).where(scope.where(Pupil.school_id))
            .group_by(PupilFlag.flag))}))


# ----- weekly trend and reasons -----------------------------------------------------------------

@dataclass(frozen=True)
class Week:
    week_start: date
    possible: int
    attended: int

    @property
    def percent(self) -> float | None:
        return calc.percent(self.attended, self.possible)

    @property
    def text(self) -> str:
        return calc.percent_label(self.attended, self.possible)


def weeks(scope: Scope, start: date, end: date) -> list[Week]:
    """Attendance week by week (weeks with possible sessions only), oldest first."""
    return list(dataversion.cached(("weeks", scope.key(), start, end), lambda: _read_weeks(scope, start, end)))


def _read_weeks(scope: Scope, start: date, end: date) -> tuple[Week, ...]:
    attended = func.sum(case((RegisterCode.category.in_((PRESENT, APPROVED)), SchoolWeekCode.sessions), else_=0))
    possible = func.sum(case((RegisterCode.category != NOT_POSSIBLE, SchoolWeekCode.sessions), else_=0))
    rows: Any = db.session.execute(
        select(SchoolWeekCode.week_start, possible, attended)
        .join(RegisterCode, RegisterCode.code == SchoolWeekCode.code)
        .where(SchoolWeekCode.week_start >= start, SchoolWeekCode.week_start <= end,
               scope.where(SchoolWeekCode.school_id))
        .group_by(SchoolWeekCode.week_start).order_by(SchoolWeekCode.week_start))
    return tuple(Week(w if isinstance(w, date) else date.fromisoformat(str(w)), int(p or 0), int(a or 0))
                 for w, p, a in rows if p)


@dataclass
class Trend:
    this_year: list[Week]
    last_year: list[Week]   # aligned by school week: the n-th school week of each year
    this_label: str
    last_label: str | None


def trend(scope: Scope, as_of: date) -> Trend | None:
    year = _latest("year", as_of)
    if year is None:
        return None
    this = weeks(scope, year.first_week, min(year.last_day, as_of))
    last = _held().get(previous_year(year.academic_year))
    before = weeks(scope, last.first_week, last.last_day) if last else []
    return Trend(this, before, year.academic_year, last.academic_year if last else None)


REASONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("illness", "Illness", ("I",)),
    ("medical", "Medical or dental appointments", ("M",)),
    ("leave_authorised", "Holidays and leave, authorised (exceptional circumstances)", ("C",)),
    ("holiday_unauthorised", "Holidays not agreed by the school", ("G",)),
    ("exclusion", "Suspensions and exclusions", ("E",)),
    ("other_authorised", "Other authorised absence", ("C1", "C2", "J1", "S", "T", "R")),
    ("no_reason", "Reason not yet provided, or other unauthorised", ("N", "O")),
    ("late", "Late after the register closed", ("U",)),
)


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    codes: tuple[str, ...]
    sessions: int
    absence: int    # every absence session in the period
    possible: int

    @property
    def share_text(self) -> str:
        """This reason's share of all absence."""
        return calc.rate_label(self.sessions, self.absence)

    @property
    def rate_text(self) -> str:
        """Sessions missed for this reason, as a share of possible sessions."""
        return calc.rate_label(self.sessions, self.possible)


def reasons(scope: Scope, period: Period) -> list[Reason]:
    rows = dataversion.cached(("reasons", scope.key(), period.start, period.end), lambda: dict(db.session.execute(
        select(SchoolWeekCode.code, func.sum(SchoolWeekCode.sessions))
        .where(SchoolWeekCode.week_start >= period.start, SchoolWeekCode.week_start <= period.end,
               scope.where(SchoolWeekCode.school_id))
        .group_by(SchoolWeekCode.code)).all()))
    totals = headline(scope, period)
    absence = totals.possible - totals.attended
    return [Reason(key, label, codes, sum(int(rows.get(c) or 0) for c in codes), absence, totals.possible)
            for key, label, codes in REASONS]


# ----- drill-down ---------------------------------------------------------------------------------

DRILL_MEASURES = {
    "all": "Pupils with marks in the period",
    "pa": "Persistent absence (missing 10% or more)",
    "sa": "Severe absence (missing 50% or more)",
    "below_ambition": "Below the ambition",
    "at_ambition": "At or above the ambition",
    "crossed": "Crossed the penalty-notice threshold",
}


def pupils_behind(scope: Scope, period: Period, measure: str, *, school_id: int | None = None,
                  phase: str | None = None, nc_year: int | None = None, cohort: str | None = None,
                  without: bool = False, flag: str | None = None):
    """The pupils a figure counts (Pupil, possible, attended, authorised, unauthorised), lowest
    attendance first: the drill-down behind every number. Counts equal the figures'."""
    pp = PupilPeriod
    stmt = (select(Pupil, func.coalesce(pp.possible, 0).label("possible"),
                   func.coalesce(pp.attended, 0).label("attended"),
                   func.coalesce(pp.authorised, 0).label("authorised"),
                   func.coalesce(pp.unauthorised, 0).label("unauthorised"))
            .outerjoin(pp, and_(pp.pupil_id == Pupil.id, pp.period_key == period.key))
            .where(scope.where(Pupil.school_id)))
    amb = calc.ambition()
    if measure == "crossed":
        stmt = stmt.where(Pupil.id.in_(select(ThresholdCrossing.pupil_id).where(
            ThresholdCrossing.window_end >= period.start, ThresholdCrossing.window_end <= period.end)))
    elif flag is not None:
        stmt = stmt.where(Pupil.id.in_(select(PupilFlag.pupil_id).where(PupilFlag.flag == flag)))
    else:
        stmt = stmt.where(pp.possible > 0)
        if measure == "pa":
            stmt = stmt.where(pp.attended * 100 <= calc.PERSISTENT_PERCENT * pp.possible)
        elif measure == "sa":
            stmt = stmt.where(pp.attended * 100 <= calc.SEVERE_PERCENT * pp.possible)
        elif measure == "at_ambition":
            stmt = stmt.where(pp.attended * 100 >= amb * pp.possible)
        elif measure == "below_ambition":
            stmt = stmt.where(pp.attended * 100 < amb * pp.possible)
        elif measure != "all":
            stmt = stmt.where(false())
    if school_id is not None:
        stmt = stmt.where(Pupil.school_id == school_id)
    if phase is not None:
        stmt = stmt.where(Pupil.school_id.in_(select(Organisation.id).where(Organisation.phase == phase)))
    if nc_year is not None:
        stmt = stmt.where(Pupil.nc_year == nc_year)
    if cohort in FLAG_NAMES:
        stmt = stmt.where(getattr(Pupil, cohort).is_(not without))
    ratio = case((pp.possible > 0, 1.0 * pp.attended / pp.possible), else_=None)
    return stmt.order_by(ratio.is_(None), ratio, Pupil.legal_surname, Pupil.legal_forename, Pupil.id)
