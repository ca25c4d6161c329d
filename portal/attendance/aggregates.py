"""The attendance picture's aggregates, kept as tables so no dashboard reads raw marks (or
sums a year of weekly summaries) at request time.

- `report_periods`: the periods the dashboards offer. From the LA's terms: each academic year,
  each term and each half-term (a term without a half-term break has no halves). Rolling, as of
  the day of the refresh: `last4` (the LA calendar's last 4 school weeks), `last4-prev` (the 4
  school weeks up to the same day a year before: 52 weeks back, so weekdays stay weekdays),
  `ytd-prev` (last academic year from its start to that same day), and `term-prev` / `half-prev`
  (while a term or half-term is in progress: the same one last year up to that same day). A period counts the weekly
  summaries from its `first_week` (a Monday) to its `last_day`, as the pupil page counts a term.
- `pupil_periods`: each pupil's possible, attended, authorised and unauthorised sessions in
  each period (sums of `pupil_weeks`).
- `period_cells`: `pupil_periods` added up by (period, school, year group, combination of
  cohort flags), with the persistent and severe absence counts and the pupils at or above the
  ambition: what the dashboards read (a few hundred rows, however many pupils). Rebuilt with
  the totals; for a school when a pupil of it changes year group, school or cohort flags (the
  pupil services call `schools_changed`: the cells are rebuilt just before the commit); for
  everyone when the ambition changes (`everything_changed`).
- `school_week_codes`: each school's sessions per week per register code, by the pupils'
  current school: the weekly trend and the reasons for absence.

A marks import refreshes its pupils (and their schools' weeks) in its own transaction; when the
day has moved on since the rolling periods were last defined, it redefines them for everyone.
`flask --app portal attendance refresh-flags` (daily) rebuilds everything."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text

from portal.attendance import calc, calendar
from portal.attendance.queries import week_start_sql

YEAR_BACK = timedelta(weeks=52)  # "the same day last year", on the same weekday
ROLLING_WEEKS = 4


@dataclass(frozen=True)
class PeriodDef:
    key: str
    kind: str
    academic_year: str
    term: str | None
    label: str
    first_week: date
    last_day: date
    as_of: date | None = None
    first_day: date | None = None  # the day it starts (a term's first day); its first Monday if not given

    def __post_init__(self):
        if self.first_day is None:
            object.__setattr__(self, "first_day", self.first_week)

    def row(self) -> dict:
        return {"key": self.key, "kind": self.kind, "academic_year": self.academic_year, "term": self.term,
                "label": self.label, "first_week": self.first_week, "first_day": self.first_day,
                "last_day": self.last_day, "as_of": self.as_of}


_d = calc.as_date


def _first_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _short(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def definitions(terms, bank_holidays, as_of: date) -> list[PeriodDef]:
    """Every report period, from the terms (rows with academic_year, name, start_date, end_date,
    half_term_start, half_term_end; oldest first) and the LA calendar, as of a day."""
    out: list[PeriodDef] = []
    years: dict[str, list] = {}
    for t in terms:
        years.setdefault(t.academic_year, []).append(t)
    for year, year_terms in years.items():
        start = min(_d(t.start_date) for t in year_terms)
        end = max(_d(t.end_date) for t in year_terms)
        out.append(PeriodDef(year, "year", year, None, f"Academic year {year}", calc.week_start(start), end,
                             first_day=start))
        for t in year_terms:
            name = t.name.lower()
            t_start, t_end = _d(t.start_date), _d(t.end_date)
            out.append(PeriodDef(f"{year} {name}", "term", year, name, f"{t.name} term {year}",
                                 calc.week_start(t_start), t_end, first_day=t_start))
            if t.half_term_start and t.half_term_end:
                out.append(PeriodDef(f"{year} {name} 1", "half_term", year, name,
                                     f"{t.name} first half-term {year}", calc.week_start(t_start),
                                     _d(t.half_term_start) - timedelta(days=1), first_day=t_start))
                second = _first_weekday(_d(t.half_term_end) + timedelta(days=1))
                out.append(PeriodDef(f"{year} {name} 2", "half_term", year, name,
                                     f"{t.name} second half-term {year}", calc.week_start(second), t_end,
                                     first_day=second))
    out += _rolling(terms, bank_holidays, as_of, years, out)
    return out


def _so_far_last_year(fixed: list[PeriodDef], kind: str, key: str, as_of: date, before: date) -> list[PeriodDef]:
    """For the term (half-term) in progress on as_of: the same one last year up to the same day
    a year before (`term-prev`, `half-prev`), so "this term" compares like with like."""
    started = [p for p in fixed if p.kind == kind and p.first_week <= as_of]
    if not started:
        return []
    current = max(started, key=lambda p: p.first_week)
    if as_of >= current.last_day:
        return []
    suffix = current.key[len(current.academic_year):]  # " autumn", " autumn 2"
    same = {p.key: p for p in fixed}.get(calc.previous_academic_year(current.academic_year) + suffix)
    if same is None or before < same.first_week:
        return []
    end = min(same.last_day, before)
    return [PeriodDef(key, "rolling", same.academic_year, same.term, f"{same.label} to {_short(end)}",
                      same.first_week, end, as_of, first_day=same.first_day)]


def _rolling(terms, bank_holidays, as_of: date, years: dict[str, list], fixed: list[PeriodDef]) -> list[PeriodDef]:
    started = [t for t in terms if _d(t.start_date) <= as_of]
    if not started:
        return []
    year = started[-1].academic_year
    cal = calendar.Calendar.of(terms, bank_holidays)
    out = []
    recent = cal.last_school_weeks(as_of, ROLLING_WEEKS)
    if recent:
        out.append(PeriodDef("last4", "rolling", year, None, f"Last 4 school weeks to {_short(as_of)}",
                             min(recent), as_of, as_of))
    before = as_of - YEAR_BACK
    earlier = cal.last_school_weeks(before, ROLLING_WEEKS)
    if earlier:
        out.append(PeriodDef("last4-prev", "rolling", year, None,
                             f"The 4 school weeks to {_short(before)}", min(earlier), before, as_of))
    names = list(years)
    if names.index(year) > 0:
        last_year = names[names.index(year) - 1]
        start = min(_d(t.start_date) for t in years[last_year])
        end = max(_d(t.end_date) for t in years[last_year])
        if before >= start:
            out.append(PeriodDef("ytd-prev", "rolling", last_year, None,
                                 f"{last_year} to {_short(min(before, end))}", calc.week_start(start),
                                 min(before, end), as_of, first_day=start))
    out += _so_far_last_year(fixed, "term", "term-prev", as_of, before)
    out += _so_far_last_year(fixed, "half_term", "half-prev", as_of, before)
    return out


PERIODS_INSERT = (
    "INSERT INTO pupil_periods (period_key, pupil_id, possible, attended, authorised, unauthorised) "
    "SELECT pw.period_key, w.pupil_id, SUM(w.possible), SUM(w.attended), SUM(w.authorised), SUM(w.unauthorised) "
    "FROM pupil_weeks w JOIN agg_period_weeks pw ON pw.week_start = w.week_start "
    "WHERE {where} GROUP BY pw.period_key, w.pupil_id")


@dataclass(frozen=True)
class Refreshed:
    periods_redefined: int
    pupils: str  # "all" or "imported"


def refresh(conn, as_of: date, pupil_ids_sql: str | None = None, first_day: date | None = None,
            last_day: date | None = None, codes_added: list[tuple[int, date, str, int]] | None = None,
            cells: bool = True) -> Refreshed:
    """Bring the aggregates up to date on `conn`, in its transaction: every pupil when
    `pupil_ids_sql` is None, else the pupils it selects (and their schools' weekly code counts
    from first_day to last_day). `codes_added` counts marks that were all *added* (none
    replaced) by (school id, week's Monday, code, marks): the weekly code counts then grow by them
    instead of being recounted from the marks (an import's first load of a term counts them as it
    reads the file). `cells=False` leaves `period_cells` to the caller (an import merging in
    chunks rebuilds them once, at its end: `rebuild_cells`)."""
    from sqlalchemy import select

    from portal.attendance.models import BankHoliday, Term

    terms = conn.execute(select(Term.academic_year, Term.name, Term.start_date, Term.end_date,
                                Term.half_term_start, Term.half_term_end).order_by(Term.start_date)).all()
    bank = frozenset(_d(d) for d in conn.execute(select(BankHoliday.date)).scalars())
    wanted = {p.key: p for p in definitions(terms, bank, as_of)}
    held = {r.key: PeriodDef(r.key, r.kind, r.academic_year, r.term, r.label, _d(r.first_week), _d(r.last_day),
                             _d(r.as_of) if r.as_of else None, _d(r.first_day))
            for r in conn.execute(text("SELECT key, kind, academic_year, term, label, first_week, last_day, as_of, "
                                       "first_day FROM report_periods"))}
    changed = sorted(k for k in wanted.keys() | held.keys() if wanted.get(k) != held.get(k))
    keys, key_params = _in_list("k", changed)
    if changed:
        conn.execute(text(f"DELETE FROM pupil_periods WHERE period_key IN ({keys})"), key_params)
        conn.execute(text(f"DELETE FROM report_periods WHERE key IN ({keys})"), key_params)
        new = [wanted[k].row() for k in changed if k in wanted]
        if new:
            conn.execute(text("INSERT INTO report_periods (key, kind, academic_year, term, label, first_week, "
                              "first_day, last_day, as_of) VALUES (:key, :kind, :academic_year, :term, :label, "
                              ":first_week, :first_day, :last_day, :as_of)"), new)
    _temp_tables(conn, wanted.values())
    try:
        if pupil_ids_sql is None:
            conn.exec_driver_sql("DELETE FROM pupil_periods")
            conn.exec_driver_sql(PERIODS_INSERT.format(where="1 = 1"))
            conn.exec_driver_sql("DELETE FROM school_week_codes")
            _insert_codes(conn, "1 = 1", {})
            rebuild_cells(conn)
            return Refreshed(len(changed), "all")
        # the pupils, read once (an import's staging table holds millions of rows)
        conn.execute(text(f"INSERT INTO agg_pupils (pupil_id) SELECT DISTINCT id FROM pupils "
                          f"WHERE id IN ({pupil_ids_sql})"))
        pupils = "SELECT pupil_id FROM agg_pupils"
        # the periods whose definition moved: everyone; then every period of the refreshed pupils
        if changed:
            conn.execute(text(PERIODS_INSERT.format(
                where=f"pw.period_key IN ({keys}) AND w.pupil_id NOT IN ({pupils})")), key_params)
        conn.exec_driver_sql(f"DELETE FROM pupil_periods WHERE pupil_id IN ({pupils})")
        conn.exec_driver_sql(PERIODS_INSERT.format(where=f"w.pupil_id IN ({pupils})"))
        schools = "SELECT DISTINCT p.school_id FROM pupils p JOIN agg_pupils a ON a.pupil_id = p.id"
        # a moved period changes every school's cells
        if cells:
            rebuild_cells(conn, None if changed else schools)
        if codes_added is not None:
            add_codes(conn, codes_added)
            return Refreshed(len(changed), "imported")
        first = calc.week_start(first_day) if first_day else date(1990, 1, 1)
        last = calc.week_start(last_day) + timedelta(days=6) if last_day else date(2200, 1, 1)
        days = {"first": first, "last": last}
        conn.execute(text(f"DELETE FROM school_week_codes WHERE school_id IN ({schools}) "
                          "AND week_start >= :first AND week_start <= :last"), days)
        _insert_codes(conn, f"p.school_id IN ({schools}) AND m.date >= :first AND m.date <= :last", days)
        return Refreshed(len(changed), "imported")
    finally:
        _drop_temp_tables(conn)


def _in_list(prefix: str, values: list[str]) -> tuple[str, dict]:
    return ", ".join(f":{prefix}{i}" for i in range(len(values))), {f"{prefix}{i}": v for i, v in enumerate(values)}


def _temp_tables(conn, periods) -> None:
    """agg_period_weeks: every Monday of every period (so the totals are an equi-join, not a
    range join); agg_pupils: the pupils refreshed. Dropped at the end (PostgreSQL: at commit)."""
    _drop_temp_tables(conn)
    on_commit = " ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""
    # DATE, the weekly summaries' own type: on SQLite a TEXT column would not use their key
    conn.exec_driver_sql("CREATE TEMP TABLE agg_period_weeks (week_start DATE NOT NULL, "
                         f"period_key VARCHAR(32) NOT NULL, PRIMARY KEY (week_start, period_key)){on_commit}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE agg_pupils (pupil_id INTEGER PRIMARY KEY){on_commit}")
    rows = []
    for period in periods:
        monday = period.first_week
        while monday <= period.last_day:
            rows.append({"w": monday, "k": period.key})
            monday += timedelta(weeks=1)
    if rows:
        conn.execute(text("INSERT INTO agg_period_weeks (week_start, period_key) VALUES (:w, :k)"), rows)


def _drop_temp_tables(conn) -> None:
    for name in ("agg_period_weeks", "agg_pupils"):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def _insert_codes(conn, where: str, params: dict) -> None:
    # counted per day first, so the week's expression runs on a few thousand rows, not millions
    week = week_start_sql(conn.dialect.name, "d.day")
    conn.execute(text(
        "INSERT INTO school_week_codes (school_id, week_start, code, sessions) "
        f"SELECT d.school_id, {week}, d.code, SUM(d.n) FROM ("
        "  SELECT p.school_id AS school_id, m.date AS day, m.code AS code, COUNT(*) AS n "
        "  FROM attendance_marks m JOIN pupils p ON p.id = m.pupil_id "
        f"  WHERE {where} GROUP BY p.school_id, m.date, m.code) d "
        f"GROUP BY d.school_id, {week}, d.code"), params)


def add_codes(conn, counts: list[tuple[int, date, str, int]]) -> None:
    """Grow the weekly code counts by marks that were all added (none replaced)."""
    if counts:
        conn.execute(text(
            "INSERT INTO school_week_codes (school_id, week_start, code, sessions) VALUES (:s, :w, :c, :n) "
            "ON CONFLICT (school_id, week_start, code) DO UPDATE SET sessions = school_week_codes.sessions + "
            "excluded.sessions"), [{"s": s, "w": w, "c": c, "n": n} for s, w, c, n in counts])


def _cohort_mask(alias: str) -> str:
    from portal.pupils.models import FLAG_NAMES

    return " + ".join(f"(CASE WHEN {alias}.{flag} THEN {1 << i} ELSE 0 END)" for i, flag in enumerate(FLAG_NAMES))


def rebuild_cells(conn, school_ids_sql: str | None = None) -> None:
    """Rebuild `period_cells` from `pupil_periods` and the pupils as they are now: every school
    (None) or the schools `school_ids_sql` selects. The ambition is read on `conn`."""
    ambition = conn.exec_driver_sql("SELECT ambition_percent FROM local_settings WHERE id = 1").scalar()
    ambition = int(ambition or calc.AMBITION_PERCENT)
    where = "1 = 1" if school_ids_sql is None else f"p.school_id IN ({school_ids_sql})"
    if school_ids_sql is None:
        conn.exec_driver_sql("DELETE FROM period_cells")
    else:
        conn.exec_driver_sql(f"DELETE FROM period_cells WHERE school_id IN ({school_ids_sql})")
    mask = _cohort_mask("p")
    conn.execute(text(
        "INSERT INTO period_cells (period_key, school_id, nc_year, cohorts, pupils, possible, attended, authorised, "
        "unauthorised, pa, sa, at_ambition) "
        f"SELECT pp.period_key, p.school_id, p.nc_year, {mask}, COUNT(*), SUM(pp.possible), SUM(pp.attended), "
        "SUM(pp.authorised), SUM(pp.unauthorised), "
        f"SUM(CASE WHEN pp.attended * 100 <= {calc.PERSISTENT_PERCENT} * pp.possible THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN pp.attended * 100 <= {calc.SEVERE_PERCENT} * pp.possible THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN pp.attended * 100 >= :ambition * pp.possible THEN 1 ELSE 0 END) "
        f"FROM pupil_periods pp JOIN pupils p ON p.id = pp.pupil_id WHERE pp.possible > 0 AND {where} "
        f"GROUP BY pp.period_key, p.school_id, p.nc_year, {mask}"), {"ambition": ambition})


# ----- pupils and settings that change the cells -------------------------------------------------

def schools_changed(session, school_ids) -> None:
    """A pupil of these schools changed year group, school or cohort flags: their cells are
    rebuilt just before the session commits (once, however many pupils changed)."""
    session.info.setdefault("aggregate_schools", set()).update(int(i) for i in school_ids if i is not None)


def everything_changed(session) -> None:
    """Every cell is rebuilt before the session commits (the ambition changed)."""
    session.info["aggregate_everything"] = True


def _rebuild_before_commit(session) -> None:
    schools = session.info.pop("aggregate_schools", None)
    everything = session.info.pop("aggregate_everything", False)
    if not schools and not everything:
        return
    session.flush()
    conn = session.connection()
    if everything:
        rebuild_cells(conn)
    else:
        rebuild_cells(conn, ", ".join(str(int(i)) for i in sorted(schools)))


def _forget_on_rollback(session) -> None:
    session.info.pop("aggregate_schools", None)
    session.info.pop("aggregate_everything", None)


def listen(session_class) -> None:
    """Hook the rebuild into every session's commit (called once by create_app)."""
    from sqlalchemy import event

    if not event.contains(session_class, "before_commit", _rebuild_before_commit):
        event.listen(session_class, "before_commit", _rebuild_before_commit)
        event.listen(session_class, "after_rollback", _forget_on_rollback)


def refresh_all(as_of: date | None = None) -> Refreshed:
    """Everything, in the session's transaction (the daily command, the demo, tests)."""
    from portal.extensions import db
    from portal.timeutil import today

    return refresh(db.session.connection(), as_of or today())
