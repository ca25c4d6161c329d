"""Statutory and practice flags, and every crossing of the penalty-notice threshold.

Computed from the marks (through the weekly summaries where weeks are enough) and the school
calendar (`portal.attendance.calendar`: only the school's own school days and school weeks
count), set-based in SQL, for some pupils (`refresh(conn, as_of, pupil_ids_sql)`: the pupils of
a marks import, at its end) or for everyone (`flask --app portal attendance refresh-flags`,
daily). What is stored:

- `threshold_crossings`, kept as history. For each school week k of the pupil's school, the
  window ending at k is the 10 school weeks up to and including k. **An episode (a crossing)
  starts at week k when the window ending at k holds 10 or more unauthorised sessions (G, N,
  O, U) and the window ending at the school week before k held fewer than 10.** It is stored
  once, keyed by the window's first Monday, with the window's end (the last school day of week
  k, or as_of while k is the current week) and its count; a later window that falls below 10
  does not remove it, and a window that rises again after falling below is a new episode.
  A crossing disappears only if a later import amends the marks it stood on.
- `pupil_flags`, rebuilt for the refreshed pupils. The flags that apply **this academic year**
  (the year of the term as_of falls in; runs and windows may start in the year before):

  `unauthorised_10_weeks`  each crossing above whose window ends this academic year (figure:
                           unauthorised sessions in that window).
  `unauthorised_10_days`   a run of 10 or more consecutive school days of unauthorised
                           absence ending this year (figure: school days in the run).
  `absent_20_days`         a run of 20 or more consecutive school days of continuous absence,
                           authorised or not (figure: school days).
  `illness_15_days`        30 or more sessions of illness (code I) on school days this year,
                           consecutive or not: 15 school days (figure: sessions).
  `falling_attendance`     the last 4 school weeks' attendance is at least 5 percentage points
                           below the year so far (the year's figure as the pupil page shows it,
                           those 4 weeks included), exactly: 20 × (attY·pos4 − att4·posY) ≥
                           posY·pos4. Needs possible sessions in the 4 weeks and before them
                           (figure: the drop in tenths of a point, rounded down).

The edges of a run of days (checked at 9/10 and 19/20 days by the tests):
- only the school's school days count: weekends, holidays, bank holidays and its closure days
  are skipped, so a run carries on across a half-term or a summer holiday;
- a **day of absence** is a school day with both sessions marked, at least one of them a
  possible session, and every possible session absent (unauthorised only, for the 10-day flag);
- a school day whose marks are all "not a possible session" (X, #, Y1–Y7, D, Q, Z) neither
  breaks nor extends a run;
- a school day with a session not marked (yet) breaks a run, as does any attended session.

The windows look back 20 school weeks before the academic year's first school week, so a
crossing in the first 10 weeks of a year sees the weeks before it and is not taken for a new one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text

from portal.attendance import calc, calendar
from portal.timeutil import utcnow

UNAUTHORISED_WINDOW = "unauthorised_10_weeks"
UNAUTHORISED_RUN = "unauthorised_10_days"
ABSENCE_RUN = "absent_20_days"
ILLNESS = "illness_15_days"
FALLING = "falling_attendance"

UNAUTHORISED_RUN_DAYS = 10
ABSENCE_RUN_DAYS = 20
ILLNESS_SESSIONS = 30          # 15 school days
FALLING_WEEKS = 4
FALLING_POINTS = 5
LOOKBACK_WEEKS = 2 * calc.PENALTY_WINDOW_WEEKS


@dataclass(frozen=True)
class FlagKind:
    key: str
    label: str      # the key group's name
    hint: str       # one line under it
    meaning: str    # what it means and what to do, on the pupil page

    def figure_text(self, figure: int) -> str:
        if self.key == UNAUTHORISED_WINDOW:
            return f"{figure} unauthorised sessions in 10 school weeks"
        if self.key in (UNAUTHORISED_RUN, ABSENCE_RUN):
            return f"{figure} consecutive school days"
        if self.key == ILLNESS:
            days = f"{figure // 2}" + (" and a half" if figure % 2 else "")
            return f"{figure} sessions of illness ({days} school days)"
        return f"{figure // 10}.{figure % 10} percentage points lower"


KINDS: dict[str, FlagKind] = {k.key: k for k in (
    FlagKind(UNAUTHORISED_WINDOW, "10+ unauthorised in 10 school weeks",
             "in any rolling 10 school weeks this year, not only the latest",
             "10 or more sessions of unauthorised absence in a rolling period of 10 school weeks: "
             "the national threshold for considering a penalty notice. Consider it – but support "
             "first, unless support is not appropriate (for example a term-time holiday)."),
    FlagKind(UNAUTHORISED_RUN, "10 school days unauthorised in a row",
             "the school must tell the local authority",
             "10 or more consecutive school days of unauthorised absence. The school must tell the "
             "local authority (the education welfare officer) about this pupil."),
    FlagKind(ABSENCE_RUN, "20 school days absent in a row",
             "joint enquiries; possible child missing education",
             "20 or more consecutive school days of continuous absence, authorised or not. The school "
             "and the local authority must make joint reasonable enquiries about where the child is; "
             "the pupil may be a child missing education. Only after those enquiries may the pupil "
             "be taken off roll."),
    FlagKind(ILLNESS, "15 school days of illness this year",
             "consecutive or cumulative: the LA's duty to arrange education",
             "15 or more school days (30 sessions) of absence through illness this academic year, "
             "consecutive or added up. The local authority's duty to arrange suitable education "
             "(section 19) may apply: talk to the local authority's medical education service."),
    FlagKind(FALLING, "Falling attendance",
             "5 points or more lower in the last 4 school weeks",
             "Attendance in the last 4 school weeks is 5 percentage points or more below this "
             "year's attendance so far. Talk to the pupil and family early, before it becomes "
             "persistent absence."),
)}


_d = calc.as_date  # a date read back by raw SQL (SQLite hands back text)


# ----- the calendar as temporary tables --------------------------------------------------

def _calendar_tables(conn, loaded: _Loaded, school_ids: list[int], first: date, as_of: date) -> dict[int, list[date]]:
    """TEMP tables of each school's school days and school weeks from `first` to `as_of`, each
    numbered in order (ordinal), so runs and windows are arithmetic on ordinals. Returns each
    school's school-week Mondays, oldest first."""
    date_type = "DATE"  # the marks' own type: on SQLite a TEXT day would not use the key against them
    # PostgreSQL drops them at the commit (and an aborted transaction cannot run a DROP)
    on_commit = " ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""
    conn.exec_driver_sql(f"CREATE TEMP TABLE flag_days (school_id INTEGER NOT NULL, day {date_type} NOT NULL, "
                         f"ordinal INTEGER NOT NULL, PRIMARY KEY (school_id, day)){on_commit}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE flag_weeks (school_id INTEGER NOT NULL, monday {date_type} NOT NULL, "
                         f"ordinal INTEGER NOT NULL, recent INTEGER NOT NULL, PRIMARY KEY (school_id, monday))"
                         f"{on_commit}")
    weeks: dict[int, list[date]] = {}
    day_rows, week_rows = [], []
    for school_id in school_ids:
        cal = loaded.for_school(school_id)
        days = cal.school_days(first, as_of)
        mondays = cal.school_weeks(first, as_of)
        weeks[school_id] = mondays
        recent = set(mondays[-FALLING_WEEKS:])
        day_rows += [{"s": school_id, "d": d, "o": i} for i, d in enumerate(days)]
        week_rows += [{"s": school_id, "d": m, "o": i, "r": int(m in recent)} for i, m in enumerate(mondays)]
    if day_rows:
        conn.execute(text("INSERT INTO flag_days (school_id, day, ordinal) VALUES (:s, :d, :o)"), day_rows)
    if week_rows:
        conn.execute(text("INSERT INTO flag_weeks (school_id, monday, ordinal, recent) VALUES (:s, :d, :o, :r)"),
                     week_rows)
    return weeks


def _drop_calendar_tables(conn) -> None:
    for name in ("flag_pupils", "flag_days", "flag_weeks"):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


# ----- the computations ----------------------------------------------------------------------

CROSSINGS_SQL = """
WITH u AS (
  SELECT w.pupil_id, fw.school_id, fw.ordinal, w.unauthorised AS n
  FROM pupil_weeks w
  JOIN flag_pupils p ON p.pupil_id = w.pupil_id
  JOIN flag_weeks fw ON fw.school_id = p.school_id AND fw.monday = w.week_start
  WHERE w.pupil_id IN ({pupils}) AND w.unauthorised > 0 AND w.week_start >= :first AND w.week_start <= :as_of
), c AS (
  SELECT pupil_id, school_id, ordinal, n,
    SUM(n) OVER (PARTITION BY pupil_id ORDER BY ordinal RANGE BETWEEN {before} PRECEDING AND CURRENT ROW) AS total,
    SUM(n) OVER (PARTITION BY pupil_id ORDER BY ordinal RANGE BETWEEN {window} PRECEDING AND {window} PRECEDING)
      AS leaving
  FROM u
)
SELECT pupil_id, school_id, ordinal, total, total - n + COALESCE(leaving, 0) < :threshold AS crossed FROM c
WHERE total >= :threshold AND (total - n + COALESCE(leaving, 0) < :threshold OR ordinal = {before})
"""

# The first window ending this school year over the threshold, per pupil: the flag of a pupil
# who has been over it since before the weeks looked at (no crossing to see this year).
OVER_SQL = """
WITH u AS (
  SELECT w.pupil_id, fw.school_id, fw.ordinal, fw.monday, w.unauthorised AS n
  FROM pupil_weeks w
  JOIN flag_pupils p ON p.pupil_id = w.pupil_id
  JOIN flag_weeks fw ON fw.school_id = p.school_id AND fw.monday = w.week_start
  WHERE w.pupil_id IN ({pupils}) AND w.unauthorised > 0 AND w.week_start >= :first AND w.week_start <= :as_of
), c AS (
  SELECT pupil_id, school_id, ordinal, monday,
    SUM(n) OVER (PARTITION BY pupil_id ORDER BY ordinal RANGE BETWEEN {before} PRECEDING AND CURRENT ROW) AS total
  FROM u
)
SELECT pupil_id, school_id, ordinal, total FROM c
WHERE total >= :threshold AND monday >= :year_week AND ordinal >= {before}
ORDER BY pupil_id, ordinal
"""

# Per pupil and school day with no session attended and both sessions marked (any other
# school day is simply not a row: a gap in the ordinals, which ends a run): whether it is a day
# of (unauthorised) absence, or has no possible session at all, in which case `pos`, a position
# that skips such days, lets a run step over it.
DAYS_SQL = """
WITH d AS (
  SELECT m.pupil_id, m.date AS day,
    SUM(CASE WHEN c.category <> 'not_possible' THEN 1 ELSE 0 END) AS possible,
    SUM(CASE WHEN c.category = 'unauthorised' THEN 1 ELSE 0 END) AS unauthorised
  FROM attendance_marks m
  JOIN register_codes c ON c.code = m.code
  WHERE m.pupil_id IN (
      -- only pupils with enough absence for a run at all: a day of (unauthorised) absence has
      -- at least one such session, so a run needs 10 unauthorised or 20 absent sessions
      SELECT w.pupil_id FROM pupil_weeks w
      WHERE w.pupil_id IN ({pupils}) AND w.week_start >= :first AND w.week_start <= :as_of
      GROUP BY w.pupil_id
      HAVING SUM(w.unauthorised) >= :u_days OR SUM(w.authorised + w.unauthorised) >= :a_days)
    AND m.date >= :first AND m.date <= :as_of
    AND c.category NOT IN ('present', 'approved')
  GROUP BY m.pupil_id, m.date
  HAVING COUNT(*) = 2
), k AS (
  SELECT d.pupil_id, d.day, fd.ordinal, d.possible, d.unauthorised,
    fd.ordinal - SUM(CASE WHEN d.possible = 0 THEN 1 ELSE 0 END)
      OVER (PARTITION BY d.pupil_id ORDER BY fd.ordinal ROWS UNBOUNDED PRECEDING) AS pos
  FROM d
  JOIN flag_pupils p ON p.pupil_id = d.pupil_id
  JOIN flag_days fd ON fd.school_id = p.school_id AND fd.day = d.day
), runs AS (
  SELECT pupil_id, day, 'u' AS kind, pos - ROW_NUMBER() OVER (PARTITION BY pupil_id ORDER BY pos) AS grp
  FROM k WHERE possible > 0 AND unauthorised = possible
  UNION ALL
  SELECT pupil_id, day, 'a' AS kind, pos - ROW_NUMBER() OVER (PARTITION BY pupil_id ORDER BY pos) AS grp
  FROM k WHERE possible > 0
)
SELECT pupil_id, kind, MIN(day), MAX(day), COUNT(*) FROM runs
GROUP BY pupil_id, kind, grp
HAVING (kind = 'u' AND COUNT(*) >= :u_days) OR (kind = 'a' AND COUNT(*) >= :a_days)
"""

ILLNESS_SQL = """
SELECT m.pupil_id, MIN(m.date), MAX(m.date), COUNT(*)
FROM attendance_marks m
JOIN flag_pupils p ON p.pupil_id = m.pupil_id
JOIN flag_days fd ON fd.school_id = p.school_id AND fd.day = m.date
WHERE m.pupil_id IN (
    SELECT w.pupil_id FROM pupil_weeks w  -- illness is authorised: only pupils with enough of that
    WHERE w.pupil_id IN ({pupils}) AND w.week_start >= :first AND w.week_start <= :as_of
    GROUP BY w.pupil_id HAVING SUM(w.authorised) >= :sessions)
  AND m.code = 'I' AND m.date >= :year_start AND m.date <= :as_of
GROUP BY m.pupil_id
HAVING COUNT(*) >= :sessions
"""

# The year so far as the pages add it up (every weekly summary of the year to as_of), and the
# last 4 school weeks of the pupil's school.
FALLING_SQL = """
SELECT w.pupil_id, SUM(w.possible), SUM(w.attended),
  SUM(CASE WHEN fw.recent = 1 THEN w.possible ELSE 0 END),
  SUM(CASE WHEN fw.recent = 1 THEN w.attended ELSE 0 END),
  MIN(CASE WHEN fw.recent = 1 THEN w.week_start END)
FROM pupil_weeks w
JOIN flag_pupils p ON p.pupil_id = w.pupil_id
LEFT JOIN flag_weeks fw ON fw.school_id = p.school_id AND fw.monday = w.week_start
WHERE w.pupil_id IN ({pupils}) AND w.week_start >= :year_week AND w.week_start <= :as_of
GROUP BY w.pupil_id
"""


def falling(att_year: int, pos_year: int, att_recent: int, pos_recent: int) -> int | None:
    """The drop in tenths of a percentage point (rounded down) when the recent weeks are at
    least 5 points below the year; None otherwise. Integer arithmetic: the edge is exact."""
    if pos_recent <= 0 or pos_year <= pos_recent:
        return None
    gap = att_year * pos_recent - att_recent * pos_year   # (year% - recent%) * pos_year * pos_recent / 100
    if 100 * gap < FALLING_POINTS * pos_year * pos_recent:
        return None
    return (1000 * gap) // (pos_year * pos_recent)


@dataclass
class Refreshed:
    pupils: int
    flags: int
    crossings_added: int
    crossings_removed: int


class _Loaded:
    """The calendars and the academic year, read on the refresh's own connection: a marks
    import refreshes inside its write transaction, where the session must not start another."""

    def __init__(self, conn, as_of: date):
        from sqlalchemy import select

        from portal.attendance.models import BankHoliday, SchoolClosure, Term

        self.conn = conn
        self.terms = conn.execute(select(Term.academic_year, Term.start_date, Term.end_date, Term.half_term_start,
                                         Term.half_term_end).order_by(Term.start_date)).all()
        self.bank = frozenset(_d(d) for d in conn.execute(select(BankHoliday.date)).scalars())
        self._closures = select(SchoolClosure.date)
        self._school = SchoolClosure.school_id
        self._calendars: dict[int, calendar.Calendar] = {}
        current = [t for t in self.terms if t.start_date <= as_of]
        self.year: tuple[date, date] | None = None
        if current:
            same = [t for t in self.terms if t.academic_year == current[-1].academic_year]
            self.year = (min(t.start_date for t in same), max(t.end_date for t in same))

    def for_school(self, school_id: int) -> calendar.Calendar:
        if school_id not in self._calendars:
            closures = self.conn.execute(self._closures.where(self._school == school_id)).scalars()
            self._calendars[school_id] = calendar.Calendar.of(self.terms, self.bank, (_d(d) for d in closures))
        return self._calendars[school_id]


def refresh(conn, as_of: date, pupil_ids_sql: str | None = None, params: dict | None = None) -> Refreshed:
    """Recompute the crossings and flags of the pupils `pupil_ids_sql` selects (every pupil
    when None), as of a date, on `conn` in its transaction."""
    params = dict(params or {})
    loaded = _Loaded(conn, as_of)
    _drop_calendar_tables(conn)
    # the pupils, read once (an import's staging table holds millions of rows)
    conn.exec_driver_sql("CREATE TEMP TABLE flag_pupils (pupil_id INTEGER PRIMARY KEY, school_id INTEGER)"
                         + (" ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""))
    try:
        count = conn.execute(text(
            "INSERT INTO flag_pupils (pupil_id, school_id) SELECT id, school_id FROM pupils "
            f"WHERE id IN ({pupil_ids_sql or 'SELECT id FROM pupils'})"), params).rowcount
        result = _refresh(conn, loaded, as_of, max(count, 0))
    except BaseException:
        if conn.dialect.name == "sqlite":  # PostgreSQL drops them with the aborted transaction
            _drop_calendar_tables(conn)
        raise
    _drop_calendar_tables(conn)
    return result


def _refresh(conn, loaded: _Loaded, as_of: date, count: int) -> Refreshed:
    pupils = "SELECT pupil_id FROM flag_pupils"
    year = loaded.year
    school_ids = [int(s) for s in conn.exec_driver_sql(
        "SELECT DISTINCT school_id FROM flag_pupils WHERE school_id IS NOT NULL").scalars()]
    if year is None or not school_ids:
        conn.exec_driver_sql(f"DELETE FROM pupil_flags WHERE pupil_id IN ({pupils})")
        return Refreshed(count, 0, 0, 0)
    year_start = year[0]
    first = min(min(loaded.for_school(s).last_school_weeks(year_start - timedelta(days=1), LOOKBACK_WEEKS),
                    default=calc.week_start(year_start)) for s in school_ids)
    weeks = _calendar_tables(conn, loaded, school_ids, first, as_of)
    found = {"first": first, "as_of": as_of, "year_start": year_start}
    flags: list[dict] = []
    added, removed = _crossings(conn, loaded, pupils, found, weeks, as_of, year_start, flags)
    _runs(conn, pupils, found, year_start, flags)
    _illness(conn, pupils, found, flags)
    _falling(conn, pupils, {**found, "year_week": calc.week_start(year_start)}, as_of, flags)
    conn.exec_driver_sql(f"DELETE FROM pupil_flags WHERE pupil_id IN ({pupils})")
    now = utcnow()
    if flags:
        conn.execute(text(
            "INSERT INTO pupil_flags (pupil_id, flag, from_date, to_date, figure, detail, computed_at) "
            "VALUES (:pupil_id, :flag, :from_date, :to_date, :figure, :detail, :at)"),
            [{**f, "at": now} for f in flags])
    return Refreshed(count, len(flags), added, removed)


def _window_end(cal: calendar.Calendar, monday: date, as_of: date) -> date:
    days = cal.school_days(monday, min(monday + timedelta(days=4), as_of))
    return days[-1] if days else monday


def _crossings(conn, loaded: _Loaded, pupils: str, params: dict, weeks: dict[int, list[date]], as_of: date,
               year_start: date, flags: list[dict]) -> tuple[int, int]:
    """Find every crossing in the windows ending from the 11th school week looked at (about 10
    school weeks before the year) to as_of; add the new ones, update the counts of the known ones, remove the ones the
    marks no longer show."""
    sql = CROSSINGS_SQL.format(pupils=pupils, before=calc.PENALTY_WINDOW_WEEKS - 1,
                               window=calc.PENALTY_WINDOW_WEEKS)
    found: dict[tuple[int, date], tuple[date, int]] = {}
    # the first full window looked at, over the threshold since before it: a crossing only when
    # no earlier refresh dated one in the year before (the first refresh over imported history)
    boundary: dict[tuple[int, date], tuple[date, int]] = {}
    for pupil_id, school_id, ordinal, total, crossed in conn.execute(
            text(sql), {**params, "threshold": calc.PENALTY_THRESHOLD_SESSIONS}):
        mondays = weeks[school_id]
        start_ordinal = int(ordinal) - (calc.PENALTY_WINDOW_WEEKS - 1)
        if start_ordinal < 0:
            continue  # a window reaching before the weeks looked at: an earlier refresh decided
        start = mondays[start_ordinal]
        end = _window_end(loaded.for_school(school_id), mondays[int(ordinal)], as_of)
        (found if start_ordinal > 0 and crossed else boundary)[(int(pupil_id), start)] = (end, int(total))
    # what is stored for the same windows (those ending in the weeks looked at)
    earliest = {s: m[calc.PENALTY_WINDOW_WEEKS - 1] if len(m) >= calc.PENALTY_WINDOW_WEEKS else None
                for s, m in weeks.items()}
    floor = min((e for e in earliest.values() if e is not None), default=as_of + timedelta(days=1))
    if boundary:
        dated = set(conn.execute(text(
            f"SELECT DISTINCT pupil_id FROM threshold_crossings WHERE pupil_id IN ({pupils}) "
            f"AND window_end < :floor AND window_end >= :year_before"),
            {**params, "floor": floor, "year_before": floor - timedelta(days=365)}).scalars())
        found.update({key: value for key, value in boundary.items() if key[0] not in dated})
    stored = {(int(pid), _d(start)): (cid, _d(end), int(n)) for cid, pid, start, end, n in conn.execute(text(
        f"SELECT id, pupil_id, window_start, window_end, unauthorised FROM threshold_crossings "
        f"WHERE pupil_id IN ({pupils}) AND window_end >= :floor"), {**params, "floor": floor})}
    gone = [cid for key, (cid, _, _) in stored.items() if key not in found]
    if gone:
        conn.execute(text("DELETE FROM threshold_crossings WHERE id = :id"), [{"id": i} for i in gone])
    new = [{"p": p, "s": s, "e": e, "n": n, "at": utcnow()} for (p, s), (e, n) in found.items() if (p, s) not in stored]
    if new:
        conn.execute(text("INSERT INTO threshold_crossings (pupil_id, window_start, window_end, unauthorised, "
                          "detected_at) VALUES (:p, :s, :e, :n, :at)"), new)
    changed = [{"id": stored[k][0], "e": e, "n": n} for k, (e, n) in found.items()
               if k in stored and stored[k][1:] != (e, n)]
    if changed:
        conn.execute(text("UPDATE threshold_crossings SET window_end = :e, unauthorised = :n WHERE id = :id"), changed)
    flagged = set()
    for (pupil_id, start), (end, total) in found.items():
        if end >= year_start:
            flagged.add(pupil_id)
            flags.append({"pupil_id": pupil_id, "flag": UNAUTHORISED_WINDOW, "from_date": start, "to_date": end,
                          "figure": total, "detail": f"{total} unauthorised sessions"})
    # over the threshold this year with no crossing this year (over since before): the first such window
    over_sql = OVER_SQL.format(pupils=pupils, before=calc.PENALTY_WINDOW_WEEKS - 1)
    for pupil_id, school_id, ordinal, total in conn.execute(text(over_sql), {
            **params, "threshold": calc.PENALTY_THRESHOLD_SESSIONS, "year_week": calc.week_start(year_start)}):
        if int(pupil_id) in flagged:
            continue
        flagged.add(int(pupil_id))
        mondays = weeks[school_id]
        start = mondays[int(ordinal) - (calc.PENALTY_WINDOW_WEEKS - 1)]
        end = _window_end(loaded.for_school(school_id), mondays[int(ordinal)], as_of)
        flags.append({"pupil_id": int(pupil_id), "flag": UNAUTHORISED_WINDOW, "from_date": start, "to_date": end,
                      "figure": int(total), "detail": f"{int(total)} unauthorised sessions"})
    return len(new), len(gone)


def _runs(conn, pupils: str, params: dict, year_start: date, flags: list[dict]) -> None:
    for pupil_id, kind, first, last, days in conn.execute(text(DAYS_SQL.format(pupils=pupils)), {
            **params, "u_days": UNAUTHORISED_RUN_DAYS, "a_days": ABSENCE_RUN_DAYS}):
        last = _d(last)
        if last < year_start:
            continue
        flags.append({"pupil_id": int(pupil_id), "flag": UNAUTHORISED_RUN if kind == "u" else ABSENCE_RUN,
                      "from_date": _d(first), "to_date": last, "figure": int(days),
                      "detail": f"{int(days)} consecutive school days"})


def _illness(conn, pupils: str, params: dict, flags: list[dict]) -> None:
    for pupil_id, first, last, sessions in conn.execute(text(ILLNESS_SQL.format(pupils=pupils)), {
            **params, "sessions": ILLNESS_SESSIONS}):
        flags.append({"pupil_id": int(pupil_id), "flag": ILLNESS, "from_date": _d(first), "to_date": _d(last),
                      "figure": int(sessions), "detail": f"{int(sessions)} sessions of illness"})


def _falling(conn, pupils: str, params: dict, as_of: date, flags: list[dict]) -> None:
    for pupil_id, pos_y, att_y, pos_r, att_r, first_recent in conn.execute(
            text(FALLING_SQL.format(pupils=pupils)), params):
        drop = falling(int(att_y or 0), int(pos_y or 0), int(att_r or 0), int(pos_r or 0))
        if drop is None:
            continue
        flags.append({"pupil_id": int(pupil_id), "flag": FALLING, "from_date": _d(first_recent), "to_date": as_of,
                      "figure": drop,
                      "detail": f"{int(att_r)} of {int(pos_r)} possible sessions attended in the last {FALLING_WEEKS} "
                                f"school weeks, against {int(att_y)} of {int(pos_y)} this year"})


# ----- reading ---------------------------------------------------------------------------------

def flags_for(pupil_id: int):
    from sqlalchemy import select

    from portal.attendance.models import PupilFlag
    from portal.extensions import db

    order = list(KINDS)
    rows = db.session.scalars(select(PupilFlag).where(PupilFlag.pupil_id == pupil_id)
                              .order_by(PupilFlag.from_date)).all()
    return sorted(rows, key=lambda f: (order.index(f.flag), f.from_date))


def crossings_for(pupil_id: int):
    from sqlalchemy import select

    from portal.attendance.models import ThresholdCrossing
    from portal.extensions import db

    return db.session.scalars(select(ThresholdCrossing).where(ThresholdCrossing.pupil_id == pupil_id)
                              .order_by(ThresholdCrossing.window_start.desc())).all()


def flagged_ids(flag: str):
    """A subquery of the pupils with a flag (for a list's filter)."""
    from sqlalchemy import select

    from portal.attendance.models import PupilFlag

    return select(PupilFlag.pupil_id).where(PupilFlag.flag == flag)


def refresh_all(as_of: date | None = None) -> Refreshed:
    """Every pupil's flags, in the session's transaction (the daily command)."""
    from portal.extensions import db
    from portal.timeutil import today

    return refresh(db.session.connection(), as_of or today())
