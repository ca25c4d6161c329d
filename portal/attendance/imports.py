"""Importing register marks from CSV (`UPN,date,session,code`).

All or nothing. The file is streamed twice over its rows' worth of work, never held whole:
  1. validate every row and stage the good ones in a TEMP table (duplicates inside the file
     are caught by the staging table's key); progress is written as it goes;
  2. if any row is bad, nothing is written and every error is listed (first 100 on the job,
     all in a CSV beside it); otherwise one transaction merges the staged marks (counting
     added / changed / unchanged, keeping old -> new for changed marks), recomputes the
     affected pupils' weekly summaries and records the audit entry.
"""
from __future__ import annotations

import contextlib
import csv
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import select, text, update

from portal import access, timeutil, transaction
from portal.attendance import aggregates, calc, calendar, flags
from portal.attendance.codes import CLOSURE_CODES, NOT_COUNTED_WHEN_CLOSED
from portal.attendance.models import ImportJob, ImportStatus, RegisterCode
from portal.attendance.queries import week_start_sql
from portal.csvutil import safe_cell
from portal.extensions import db
from portal.orgs.models import User
from portal.pupils.models import Pupil
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

MARKS_HEADER = ["upn", "date", "session", "code"]
BATCH = 20_000
SHOWN_ERRORS = 100
SESSIONS = {"AM": "AM", "PM": "PM"}


class ImportFailed(Exception):
    pass


@dataclass
class ErrorSink:
    """Collects row errors: all of them to a CSV file, the first ones in memory."""
    path: str
    count: int = 0
    first: list[list] = field(default_factory=list)

    def __post_init__(self):
        from portal.attendance.uploads import create_private

        self._file = create_private(self.path, "w", newline="", encoding="utf-8")  # 0600
        self._writer = csv.writer(self._file)
        self._writer.writerow(["row", "field", "message"])

    def add(self, row: int, field_name: str, message: str) -> None:
        self.count += 1
        self._writer.writerow([row, field_name, safe_cell(message)])
        if len(self.first) < SHOWN_ERRORS * 10:
            self.first.append([row, field_name, message])

    def close(self) -> list[list]:
        self._file.close()
        return sorted(self.first, key=lambda e: e[0])[:SHOWN_ERRORS]


def errors_path(job: ImportJob) -> str:
    return f"{job.path}.{job.id}.errors.csv"


def set_progress(job_id: int, **values) -> None:
    """Progress is written in its own short transaction, outside the import's; it is also the
    job's heartbeat (`heartbeat_at`: `recovery` fails a job whose worker stopped beating)."""
    values.setdefault("heartbeat_at", utcnow())
    with db.engine.begin() as conn:
        conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


def check_header(first_line: str, expected: list[str]) -> str | None:
    """Why a file is not the CSV we expect, or None."""
    names = [c.strip().lower() for c in next(csv.reader([first_line]), [])]
    if names != expected:
        return ("The first line of the file must be the column names " + ",".join(expected)
                + (f" – it is {','.join(names)[:80]}" if names else ""))
    return None


def _staging_sql(dialect: str) -> tuple[str, str]:
    date_type = "TEXT" if dialect == "sqlite" else "DATE"
    create = (
        "CREATE TEMP TABLE import_staging (pupil_id INTEGER NOT NULL, date {dt} NOT NULL, "
        "session VARCHAR(2) NOT NULL, code VARCHAR(2) NOT NULL, week_start {dt} NOT NULL, "
        "row_no INTEGER NOT NULL, dup_rows TEXT, PRIMARY KEY (pupil_id, week_start, date, session)){rowid}"
    ).format(dt=date_type, rowid=" WITHOUT ROWID" if dialect == "sqlite" else "")
    p = "?" if dialect == "sqlite" else "%s"
    insert = (
        f"INSERT INTO import_staging (pupil_id, date, session, code, week_start, row_no) "
        f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}) "
        "ON CONFLICT (pupil_id, week_start, date, session) DO UPDATE SET "
        "dup_rows = COALESCE(import_staging.dup_rows || ',', '') || CAST(excluded.row_no AS TEXT)"
    )
    return create, insert


@dataclass
class _Run:
    """One marks import: its job, who uploaded it and from where (for the audit entries: a
    worker has no request to ask), and where its progress goes."""
    job_id: int
    school_id: int | None
    path: str
    size: int
    actor: User | None
    who: dict
    errors_file: str
    progress: Callable[[int, str], None] | None
    reason: str | None = None  # why the file amends marks (required when it changes any)

    @classmethod
    def of(cls, job: ImportJob, progress: Callable[[int, str], None] | None) -> _Run:
        actor = db.session.get(User, job.uploaded_by_id) if job.uploaded_by_id else None
        who = {"actor_id": getattr(actor, "id", None), "actor_label": audit_label(actor), "ip": job.uploaded_from,
               "name": actor.name if actor is not None else (job.uploaded_from or "system"),
               "position": position_of(actor)}
        return cls(job.id, job.school_id, job.path, max(job.size_bytes, 1), actor, who, errors_path(job), progress,
                   (job.reason or "").strip() or None)

    def report(self, percent: int, phase: str) -> None:
        set_progress(self.job_id, progress=percent, phase=phase)
        if self.progress:
            self.progress(percent, phase)


@dataclass
class _Scope:
    """Which pupils the uploader may import for. Only someone who may import for any school (the
    LA: `precise`) is told that a UPN belongs to another school: to a school, a UPN that is not on
    its roll is just that, whether or not it exists elsewhere (no oracle for other schools' UPNs)."""
    pupil_ids: dict[str, int]
    elsewhere: set[str]
    precise: bool
    school_of: dict[int, int] = field(default_factory=dict)  # pupil id -> school id
    # school id -> {date: why the school was closed that day, or None}: one calendar look-up per
    # school and date, so the check stays O(1) a row
    closed: dict[int, dict[date, str | None]] = field(default_factory=dict)
    calendars: dict[int, calendar.Calendar] = field(default_factory=dict)

    def closed_reason(self, pid: int, day: date) -> str | None:
        school_id = self.school_of[pid]
        days = self.closed.get(school_id)
        if days is None:
            days = self.closed[school_id] = {}
        try:
            return days[day]
        except KeyError:
            reason = days[day] = self.calendars[school_id].closed_reason(day)
            return reason


@dataclass
class _Staged:
    """What the check of the rows left in the staging table."""
    rows: int = 0  # marks staged
    last_row: int = 1  # the file's last row read (the header is row 1)
    min_date: date | None = None
    max_date: date | None = None
    # (school id, week's Monday as text, code) -> marks staged: the dashboards' weekly code
    # counts grow by these when every staged mark turns out to be new
    code_counts: Counter = field(default_factory=Counter)


def import_marks(job: ImportJob, *, today: date | None = None,
                 progress: Callable[[int, str], None] | None = None) -> ImportJob:
    """Run a marks import job to the end (status done or failed)."""
    today = today or timeutil.today()
    run = _Run.of(job, progress)
    scope = _scope(run)
    codes = {c: c for c in db.session.scalars(select(RegisterCode.code))}
    calendar.forget()  # a long-lived worker: the calendar as it is now
    scope.calendars = {school_id: calendar.for_school(school_id) for school_id in set(scope.school_of.values())}
    transaction.end_before_progress()
    run.report(1, "Checking rows")

    dialect = db.engine.dialect.name
    sink = ErrorSink(run.errors_file)
    conn = db.engine.connect().execution_options(sqlite_deferred=True)
    try:
        staged = _check_and_stage(conn, dialect, run, scope, codes, today, sink)
        if staged.rows == 0 and sink.count == 0:
            sink.add(2, "file", "The file has no marks in it")
        shown = sink.close()
        if sink.count:
            _record_failure(run, staged, sink.count, shown)
            return db.session.get_one(ImportJob, run.job_id)
        run.report(85, "Saving marks")
        try:
            _save(conn, dialect, run, staged, today)
        except NeedsReason:  # rolled back before anything was written
            sink = ErrorSink(run.errors_file)
            amended = _list_amendments(conn, sink)
            _record_failure(run, staged, sink.count, sink.close(), amended)
            return db.session.get_one(ImportJob, run.job_id)
        with contextlib.suppress(FileNotFoundError):
            os.remove(run.errors_file)
    finally:
        _drop_staging(conn, dialect)
    db.session.expire_all()
    return db.session.get_one(ImportJob, run.job_id)


def _scope(run: _Run) -> _Scope:
    school_id = run.school_id
    scope = _Scope({}, set(), school_id is None or run.actor is None
                   or access.can(run.actor, "import_for_any_school"))
    stmt = select(Pupil.id, Pupil.upn, Pupil.school_id)
    if not scope.precise:
        stmt = stmt.where(Pupil.school_id == school_id)
    for pid, upn, pupil_school in db.session.execute(stmt):
        if school_id is None or pupil_school == school_id:
            scope.pupil_ids[upn] = pid
            scope.school_of[pid] = pupil_school
        else:
            scope.elsewhere.add(upn)
    return scope


def _check_and_stage(conn, dialect: str, run: _Run, scope: _Scope, codes: dict[str, str], today: date,
                     sink: ErrorSink) -> _Staged:
    """Check every row; stage the good ones in a TEMP table (on SQLite a deferred transaction:
    it writes no table of the main database), writing progress as it goes."""
    create_sql, insert_sql = _staging_sql(dialect)
    with conn.begin():
        conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
        conn.exec_driver_sql(create_sql)
    staged = _Staged()
    dates: dict[str, tuple[str, date, str] | str] = {}
    with open(run.path, newline="", encoding="utf-8-sig") as f:
        raw = f.buffer  # bytes read so far (a chunk ahead of the rows): enough for progress
        reader = csv.reader(f)
        _check_header(reader, sink)
        batch: list[tuple] = []
        with conn.begin():
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                for row in reader:
                    staged.last_row += 1
                    mark = _check_row(staged, row, scope, codes, dates, today, sink)
                    if mark is None:
                        continue
                    batch.append(mark)
                    if len(batch) >= BATCH:
                        _stage(cursor, insert_sql, batch, staged, scope.school_of)
                        # a BufferedReader (it has tell) at runtime
                        run.report(min(80, 1 + 79 * raw.tell() // run.size), "Checking rows")  # type: ignore[attr-defined]
                if batch:
                    _stage(cursor, insert_sql, batch, staged, scope.school_of)
            except (UnicodeDecodeError, csv.Error) as exc:
                sink.add(staged.last_row, "file", f"The file is not readable CSV text ({type(exc).__name__})")
            finally:
                cursor.close()
            _check_duplicates(conn, sink)
    return staged


def _check_header(reader, sink: ErrorSink) -> None:
    try:
        header = next(reader)
    except (StopIteration, UnicodeDecodeError, csv.Error):
        header = []
    if [h.strip().lower() for h in header] != MARKS_HEADER:
        sink.add(1, "header", "The first line must be the column names upn,date,session,code")


def _check_row(staged: _Staged, row: list[str], scope: _Scope, codes: dict[str, str],
               dates: dict[str, tuple[str, date, str] | str], today: date,
               sink: ErrorSink) -> tuple | None:
    """The staging row for one line of the file, or None (a blank line, or a problem told to
    `sink`). `dates` caches each distinct date's parse; `staged` keeps the first and last."""
    row_no = staged.last_row
    try:
        upn, raw_date, raw_session, raw_code = row
    except ValueError:
        if row and not (len(row) == 1 and not row[0].strip()):  # not a blank line
            sink.add(row_no, "row", f"Expected 4 values (upn, date, session, code), found {len(row)}")
        return None
    pid = scope.pupil_ids.get(upn)
    if pid is None:
        upn = upn.strip().upper()
        pid = scope.pupil_ids.get(upn)
        if pid is None:
            sink.add(row_no, "upn", _unknown_upn(upn, scope))
            return None
    parsed = dates.get(raw_date)
    if parsed is None:
        parsed = dates[raw_date] = _parse_date(raw_date, today)
        if not isinstance(parsed, str):
            day = parsed[1]
            staged.min_date = day if staged.min_date is None or day < staged.min_date else staged.min_date
            staged.max_date = day if staged.max_date is None or day > staged.max_date else staged.max_date
    if isinstance(parsed, str):
        sink.add(row_no, "date", parsed)
        return None
    iso, day, week = parsed
    session = SESSIONS.get(raw_session) or SESSIONS.get(raw_session.strip().upper())
    if session is None:
        sink.add(row_no, "session", f"Session must be AM or PM, not {raw_session[:10]!r}")
        return None
    code = codes.get(raw_code) or codes.get(raw_code.strip().upper())
    if code is None:
        sink.add(row_no, "code", f"Unknown register code {raw_code[:10]!r}")
        return None
    if code not in NOT_COUNTED_WHEN_CLOSED:
        closed = scope.closed_reason(pid, day)
        if closed is not None:
            sink.add(row_no, "date", f"Not a school day: {closed} – remove the row, or mark it # if the school "
                                     "was closed (or X, Y1–Y7 where one applies)")
            return None
    return (pid, iso, session, code, week, row_no)


def _unknown_upn(upn: str, scope: _Scope) -> str:
    if upn in scope.elsewhere:
        return f"{upn} is a pupil of another school"
    if not upn:
        return "Enter the pupil's UPN"
    if not scope.precise:
        return f"{upn[:20]} is not a pupil of your school – import the pupil first if they have joined it"
    return f"Unknown UPN {upn[:20]} – import the pupil first"


def _stage(cursor, insert_sql: str, batch: list[tuple], staged: _Staged, school_of: dict[int, int]) -> None:
    cursor.executemany(insert_sql, batch)
    staged.rows += len(batch)
    staged.code_counts.update((school_of[m[0]], m[4], m[3]) for m in batch)  # counted in C (Counter)
    batch.clear()


def _check_duplicates(conn, sink: ErrorSink) -> None:
    """The staging table's key caught the same pupil, date and session twice in the file."""
    for first_row, dup_rows in conn.exec_driver_sql(
            "SELECT row_no, dup_rows FROM import_staging WHERE dup_rows IS NOT NULL"):
        for dup in dup_rows.split(","):
            sink.add(int(dup), "row", f"Duplicate of row {first_row}: the same pupil, date and session")


class NeedsReason(Exception):
    """The file changes marks already held and no reason was given: nothing is written."""


def _list_amendments(conn, sink: ErrorSink) -> int:
    """A file without a reason may only add marks: every row that would change a mark already
    held is a problem (the regulations keep a reason for each amendment). How many there are."""
    amended = 0
    with conn.begin():
        for row_no, day, session, old, new in conn.exec_driver_sql(
                "SELECT s.row_no, s.date, s.session, m.code, s.code FROM import_staging s JOIN attendance_marks m "
                "ON m.pupil_id = s.pupil_id AND m.date = s.date AND m.session = s.session "
                "WHERE m.code <> s.code ORDER BY s.row_no"):
            amended += 1
            sink.add(row_no, "code", f"Changes the {session} mark of {day} from {old} to {new}: an amendment "
                                     "needs a reason – choose one when you upload the file (--reason on the "
                                     "command line)")
    return amended


def _record_failure(run: _Run, staged: _Staged, problems: int, shown: list[list], amended: int = 0) -> None:
    """Nothing is imported: the job lists the problems, and the audit entry says so."""
    if amended:
        message = (f"The file changes {amended} mark{'s' if amended != 1 else ''} already imported, and no reason "
                   "was given. Nothing was imported: upload it again with the reason for the amendment.")
    else:
        message = f"{problems} problem{'s' if problems != 1 else ''} found. Nothing was imported."
    with db.engine.begin() as done:
        done.execute(update(ImportJob).where(ImportJob.id == run.job_id).values(
            status=ImportStatus.failed, phase="Finished", progress=100, finished_at=utcnow(), rows=staged.last_row - 1,
            error_count=problems, errors=shown, message=message))
        _audit(done, run.who, "attendance_import_failed", run.job_id,
               f"{staged.last_row - 1} rows, {problems} problem{'s' if problems != 1 else ''}: nothing imported",
               {"school_id": {"from": None, "to": run.school_id}})


def _save(conn, dialect: str, run: _Run, staged: _Staged, today: date) -> None:
    """One transaction merges the staged marks, recomputes the imported pupils' statutory flags
    and threshold crossings (`flags.refresh`) and the dashboards' aggregates (`aggregates`),
    finishes the job and writes the audit entry."""
    conn.execution_options(sqlite_deferred=False)
    # a file with no marks was refused before this, and every mark staged set both dates
    assert staged.min_date is not None and staged.max_date is not None
    with conn.begin():  # on SQLite: BEGIN IMMEDIATE (the write)
        counts = _merge(conn, dialect, run, staged.min_date, staged.max_date)
        flags.refresh(conn, today, "SELECT DISTINCT pupil_id FROM import_staging")
        # every staged mark new (none replaced, none the same): the weekly code counts just grow
        added_only = counts["changed"] == 0 and counts["unchanged"] == 0
        aggregates.refresh(conn, today, "SELECT pupil_id FROM import_staging", staged.min_date, staged.max_date,
                           codes_added=[(school, date.fromisoformat(week), code, n)
                                        for (school, week, code), n in staged.code_counts.items()]
                           if added_only else None)
        conn.execute(update(ImportJob).where(ImportJob.id == run.job_id).values(
            status=ImportStatus.done, phase="Finished", progress=100, rows=staged.rows, error_count=0, errors=None,
            finished_at=utcnow(), message="", **counts))
        _audit(conn, run.who, "attendance_imported", run.job_id,
               f"{staged.rows} marks ({counts['added']} added, {counts['changed']} changed, "
               f"{counts['unchanged']} unchanged)" + (f"; reason: {run.reason}" if counts["changed"] else ""),
               {"school_id": {"from": None, "to": run.school_id},
                **{k: {"from": None, "to": v} for k, v in counts.items()},
                **({"reason": {"from": None, "to": run.reason}} if counts["changed"] else {})})


def _drop_staging(conn, dialect: str) -> None:
    if dialect == "sqlite":
        # Discarding the connection discards its TEMP database whole, instead of freeing
        # the staging table page by page (seconds for a year of marks).
        conn.invalidate()
        conn.close()
        return
    try:
        if conn.in_transaction():
            conn.rollback()
        with conn.begin():
            conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
    finally:
        conn.close()


def _parse_date(raw: str, today: date) -> tuple[str, date, str] | str:
    value = raw.strip()
    try:
        day = date.fromisoformat(value)
        if len(value) != 10:
            raise ValueError
    except ValueError:
        return f"Date must be a real date written YYYY-MM-DD, not {value[:20]!r}"
    if day > today:
        return f"Date {value} is in the future"
    return day.isoformat(), day, calc.week_start(day).isoformat()


def _merge(conn, dialect: str, run: _Run, min_date: date, max_date: date) -> dict[str, int]:
    first_week = calc.week_start(min_date)
    last_day = calc.week_start(max_date) + timedelta(days=6)
    params = {"first": first_week, "last": last_day}
    # Weekly summaries exist exactly where marks exist, so none in the staged pupils' weeks
    # means no mark there yet: the common first load of a term, taken by a shorter path.
    overlap = conn.execute(text(
        "SELECT COUNT(*) FROM pupil_weeks WHERE pupil_id IN (SELECT DISTINCT pupil_id FROM import_staging) "
        "AND week_start >= :first AND week_start <= :last"), params).scalar()
    if not overlap:
        total = conn.exec_driver_sql("SELECT COUNT(*) FROM import_staging").scalar()
        conn.exec_driver_sql(
            "INSERT INTO attendance_marks (pupil_id, date, session, code) "
            "SELECT pupil_id, date, session, code FROM import_staging")
        insert_weeks(conn, "import_staging", "s.week_start")
        return {"added": int(total), "changed": 0, "unchanged": 0}

    join = ("FROM import_staging s LEFT JOIN attendance_marks m "
            "ON m.pupil_id = s.pupil_id AND m.date = s.date AND m.session = s.session")
    total, added, changed = conn.execute(text(
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.code IS NULL THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN m.code <> s.code THEN 1 ELSE 0 END), 0) {join}")).one()
    if changed:
        if run.reason is None:  # counted before anything is written: the caller lists the rows
            raise NeedsReason()
        conn.execute(text(
            "INSERT INTO mark_changes (pupil_id, date, session, old_code, new_code, import_job_id, "
            "changed_by_id, changed_at, reason, changed_by_name, changed_by_position) "
            "SELECT s.pupil_id, s.date, s.session, m.code, s.code, :job, :by, :at, :reason, :name, :position "
            f"{join} WHERE m.code <> s.code"),
            {"job": run.job_id, "by": run.who["actor_id"], "at": utcnow(), "reason": run.reason[:300],
             "name": run.who["name"][:120], "position": run.who["position"][:200]})
    conn.exec_driver_sql(
        "INSERT INTO attendance_marks (pupil_id, date, session, code) "
        "SELECT pupil_id, date, session, code FROM import_staging WHERE true "
        "ON CONFLICT (pupil_id, date, session) DO UPDATE SET code = excluded.code "
        "WHERE attendance_marks.code <> excluded.code")
    recompute_weeks(conn, dialect, "SELECT DISTINCT pupil_id FROM import_staging", first_week, last_day)
    return {"added": int(added), "changed": int(changed), "unchanged": int(total - added - changed)}


def _week_columns(code_col: str, date_col: str) -> str:
    closures = ", ".join(f"'{c}'" for c in sorted(CLOSURE_CODES))
    return (
        "SUM(CASE WHEN c.category <> 'not_possible' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.category IN ('present', 'approved') THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.category = 'approved' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.category = 'authorised' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.category = 'unauthorised' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {code_col} IN ('L', 'U') THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {code_col} NOT IN ({closures}) THEN 1 ELSE 0 END), "
        f"MAX({date_col})"
    )


WEEK_INSERT = ("INSERT INTO pupil_weeks (pupil_id, week_start, possible, attended, approved, authorised, "
               "unauthorised, late, open_sessions, last_date) ")


def insert_weeks(conn, table: str, week_sql: str, where: str = "", params: dict | None = None) -> None:
    """Weekly summaries from a table of marks (alias s) that has everything for its weeks."""
    conn.execute(text(
        WEEK_INSERT + f"SELECT s.pupil_id, {week_sql}, {_week_columns('s.code', 's.date')} "
        f"FROM {table} s JOIN register_codes c ON c.code = s.code {where} "
        f"GROUP BY s.pupil_id, {week_sql}"), params or {})


def recompute_weeks(conn, dialect: str, pupil_ids_sql: str, first_day: date, last_day: date) -> None:
    """Rebuild the weekly summaries of these pupils for the weeks from first_day to last_day."""
    params = {"first": first_day, "last": last_day}
    conn.execute(text(
        f"DELETE FROM pupil_weeks WHERE pupil_id IN ({pupil_ids_sql}) "
        "AND week_start >= :first AND week_start <= :last"), params)
    insert_weeks(conn, "attendance_marks", week_start_sql(dialect, "s.date"),
                 f"WHERE s.pupil_id IN ({pupil_ids_sql}) AND s.date >= :first AND s.date <= :last", params)


def position_of(actor) -> str:
    """A person's position as the register keeps it: their role and organisation, as they are now."""
    from portal.access.roles import role_label

    if actor is None:
        return "system (no user)"
    return f"{role_label(actor.role)}, {actor.organisation.name}"


def audit_label(actor) -> str:
    from portal.audit import label_for

    return label_for(actor)


def _audit(conn, who: dict, verb: str, job_id: int, summary: str, changes: dict) -> None:
    """The import's audit entry, on the import's own connection (in its transaction), naming
    the uploader and where the file came from."""
    from portal.audit import AuditEvent

    # a declarative model's __table__ is a Table at runtime (typed as FromClause)
    conn.execute(AuditEvent.__table__.insert().values(  # type: ignore[attr-defined]
        at=utcnow(), actor_id=who["actor_id"], actor_label=who["actor_label"][:300], ip=who["ip"],
        verb=verb, object_type="ImportJob", object_id=job_id, summary=summary[:500], changes=changes))
