"""Importing register marks from CSV (`UPN,date,session,code`).

All or nothing for the file, without holding SQLite's one write lock for the whole merge
(issue 16: a full-LA import held it for 22-33 s, and other writers waiting 10 s failed with
"database is locked"):

1. Check and stage. Every row is validated and the good ones are staged in a job-private
   table, `import_staging` (duplicates inside the file are caught by its key). On SQLite it
   lives in a database file of its own beside the upload (`staging_file`, ATTACHed as
   `staging`): staging takes no lock on the portal's database, and the file outlives the
   process. On PostgreSQL it is a TEMP table. Progress is written as it goes.
2. Refuse. If any row is bad, nothing is written and every error is listed (the first 100 on
   the job, all in a CSV beside it). A file that changes marks already held without a reason
   is refused the same way, before anything is written.
3. Merge in chunks. The staged pupils are cut into chunks of IMPORT_CHUNK_PUPILS pupils (school
   by school, kept in the staging as `import_chunks`), and each chunk is merged in one write
   transaction of its own: its marks (added / changed / unchanged counted, old -> new kept for
   changed marks), its pupils' weekly summaries, statutory flags and dashboard aggregates, and
   the job's `chunks_merged` and counts. The last chunk's transaction also marks the job done
   and writes the audit entry. Between chunks the import pauses IMPORT_CHUNK_PAUSE_MS (SQLite's
   busy handler polls at most every 100 ms), so a waiting writer gets the lock. While the merge
   runs, a reader sees each chunk of pupils with either its old marks or its new ones, and a
   pupil's marks, weeks, flags and period totals always agree.

All or nothing across a crash: once `chunks_merged` is set (0, committed when the merge
starts; then with each chunk), the file is committed to being imported whole. If the process
dies, or a chunk fails, mid-merge, the job stays `running` with its staging file, and
`finish_interrupted(job_id)` rolls it forward from the staging (the chunks not yet merged, then
the job's end). The job runner calls it when an import raises; stuck-job detection must call
it for a running marks job before failing that job (it returns False when the job had not
started merging: such a job wrote nothing and may simply be failed). On PostgreSQL, which has
no database-wide write lock, the whole merge is one chunk in one transaction, so an
interrupted job there wrote nothing. The staging file is written without fsync: it survives
the death of the process, not a power cut.
"""
from __future__ import annotations

import contextlib
import csv
import gc
import itertools
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from flask import current_app
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
CHECK_ROWS = 1_000  # rows checked together (small enough to stay in the CPU's cache)
ROWS_PER_INSERT = 50  # rows per INSERT when staging: fewer statements to step
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


def staging_file(job_id: int, path: str) -> str:
    """Where a job's staging database lives on SQLite (beside the upload, private like it)."""
    return f"{path}.{job_id}.staging.db"


def _staging_sql(dialect: str, schema: str = "temp") -> tuple[str, str]:
    """(CREATE, INSERT .. ON CONFLICT) of the staging table. The key orders the rows by pupil
    and week, so the weekly summaries are grouped from it without a sort; the upsert notes a
    duplicate's row number on the row it repeats."""
    date_type = "TEXT" if dialect == "sqlite" else "DATE"
    table = f"CREATE TABLE {schema}.import_staging" if dialect == "sqlite" else "CREATE TEMP TABLE import_staging"
    create = (
        "{table} (pupil_id INTEGER NOT NULL, date {dt} NOT NULL, "
        "session VARCHAR(2) NOT NULL, code VARCHAR(2) NOT NULL, week_start {dt} NOT NULL, "
        "row_no INTEGER NOT NULL, dup_rows TEXT, PRIMARY KEY (pupil_id, week_start, date, session)){rowid}"
    ).format(table=table, dt=date_type, rowid=" WITHOUT ROWID" if dialect == "sqlite" else "")
    p = "?" if dialect == "sqlite" else "%s"
    insert = (
        f"INSERT INTO import_staging (pupil_id, date, session, code, week_start, row_no) "
        f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}) "
        "ON CONFLICT (pupil_id, week_start, date, session) DO UPDATE SET "
        "dup_rows = COALESCE(import_staging.dup_rows || ',', '') || CAST(excluded.row_no AS TEXT)"
    )
    return create, insert


def _connect(dialect: str, run: _Run, create: bool):
    """The import's own connection; on SQLite with the job's staging database attached (a new,
    private, empty file when `create`)."""
    conn = db.engine.connect().execution_options(sqlite_deferred=True)
    if dialect == "sqlite":
        from portal.attendance.uploads import create_private

        if create:
            create_private(run.staging_file, "wb").close()
        raw = conn.connection.dbapi_connection
        assert raw is not None  # a live connection
        raw.execute("ATTACH DATABASE ? AS staging", (run.staging_file,))
        # job-private and rebuilt from the file if lost: no sync; a journal in memory (for
        # the rollback to a batch's savepoint)
        for pragma in ("journal_mode = MEMORY", "synchronous = OFF", "cache_size = -16384"):
            raw.execute(f"PRAGMA staging.{pragma}")
    return conn


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

    @property
    def staging_file(self) -> str:
        return staging_file(self.job_id, self.path)

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
    chunk_of: dict[int, tuple[int, int]] = field(default_factory=dict)  # pupil id -> (chunk, school id)

    def closed_reason(self, pid: int, day: date) -> str | None:
        return self.closed_on(self.school_of[pid], day)

    def closed_on(self, school_id: int, day: date) -> str | None:
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
    pupils: set[int] = field(default_factory=set)  # the pupils staged
    # (school id, week's Monday as text, code) -> marks staged: the dashboards' weekly code
    # counts grow by these at the end when every staged mark is new (the common first load)
    code_counts: Counter = field(default_factory=Counter)
    maybe_duplicates: bool = False  # a batch met the staging key (the upsert noted the rows)


def import_marks(job: ImportJob, *, today: date | None = None,
                 progress: Callable[[int, str], None] | None = None) -> ImportJob:
    """Run a marks import job to the end (status done or failed). An exception during the merge
    leaves the job running and its staging kept, for `finish_interrupted`."""
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
    conn = _connect(dialect, run, create=True)
    # the chunks, fixed before the rows are read: every `size` pupils of the scope, in id order
    size = _chunk_size(dialect)
    scope.chunk_of = {pid: (i // size if size else 0, scope.school_of[pid])
                      for i, pid in enumerate(sorted(scope.school_of))}
    keep = False
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
            chunks, counted = _prepare_merge(conn, dialect, run, staged, scope.chunk_of)
        except NeedsReason:  # nothing was written
            sink = ErrorSink(run.errors_file)
            amended = _list_amendments(conn, sink)
            _record_failure(run, staged, sink.count, sink.close(), amended)
            return db.session.get_one(ImportJob, run.job_id)
        keep = dialect == "sqlite"  # from here on the file is imported whole: roll forward if need be
        assert staged.min_date is not None and staged.max_date is not None  # rows were staged
        _merge_chunks(conn, dialect, run, today, chunks, staged.min_date, staged.max_date, counted,
                      codes={code for _school, _week, code in staged.code_counts})
        keep = False
        with contextlib.suppress(FileNotFoundError):
            os.remove(run.errors_file)
    finally:
        _drop_staging(conn, dialect, run, keep)
    if dialect == "postgresql" and not keep:
        refresh_statistics()
    db.session.expire_all()
    return db.session.get_one(ImportJob, run.job_id)


# what an import or the demo seed fills: the planner must know their sizes at once
ANALYZED_TABLES = ("attendance_marks", "pupil_weeks", "pupils", "pupil_flags", "threshold_crossings",
                   "pupil_periods", "school_week_codes", "period_cells")


def refresh_statistics() -> None:
    """PostgreSQL: ANALYZE the tables a big write has just filled. Until autovacuum gets to them
    the planner believes a school has one pupil and one week, and picks plans that re-aggregate
    per pupil (the Targeting Support Meeting page: 250 ms for one query right after the demo
    seed, 100 ms after ANALYZE). Never fails what has been committed."""
    try:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE " + ", ".join(ANALYZED_TABLES))
            conn.commit()
    except Exception:  # noqa: BLE001 - statistics are an optimisation; the import stands
        log.warning("could not refresh the planner's statistics after an import", exc_info=True)


def finish_interrupted(job_id: int, *, today: date | None = None,
                       progress: Callable[[int, str], None] | None = None) -> bool:
    """Roll forward a marks import whose chunked merge began and did not end (the process died,
    or a chunk failed): merge the chunks not yet merged from the job's staging, then finish the
    job, as the uninterrupted import would have. True when the job had begun merging (it is now
    done; should this attempt fail too, it raises and the job stays resumable); False when it
    had not (it wrote nothing: fail it as any other stopped job)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.kind != "marks" or job.status != ImportStatus.running or job.chunks_merged is None:
        return False
    run = _Run.of(job, progress)
    if db.engine.dialect.name != "sqlite" or not os.path.exists(run.staging_file):
        return False
    today = today or timeutil.today()
    log.warning("import job %s: rolling its merge forward from chunk %s", job_id, job.chunks_merged + 1)
    transaction.end_before_progress()  # nothing of the session is read after this
    conn = _connect("sqlite", run, create=False)
    keep = True
    try:
        with conn.begin():
            chunks = [int(n) for n in conn.exec_driver_sql("SELECT DISTINCT n FROM import_chunks ORDER BY n").scalars()]
            lo, hi = conn.exec_driver_sql("SELECT MIN(date), MAX(date) FROM import_staging").one()
        _merge_chunks(conn, "sqlite", run, today, chunks, _d(lo), _d(hi), resumed=True)
        keep = False
    finally:
        _drop_staging(conn, "sqlite", run, keep)
    db.session.expire_all()
    return True


def _d(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


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
    """Check every row; stage the good ones (on SQLite a deferred transaction that writes only
    the staging database), writing progress as it goes.

    The file is read BATCH rows at a time. A batch whose rows are all well-formed (four values,
    known UPNs, dates and codes written as the file's other rows, AM/PM, no mark on a day the
    school was closed but a closure code) is checked column by column (sets and dict look-ups
    run by C, no Python statement per row: `_BatchCheck`); any other batch goes row by row
    through the checks that say what is wrong (`_RowCheck`), so the errors are the same."""
    create_sql, upsert_sql = _staging_sql(dialect, "staging")
    insert_sql = upsert_sql.split(" ON CONFLICT", 1)[0]
    with conn.begin():
        if dialect != "sqlite":
            conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
        conn.exec_driver_sql(create_sql)
    staged = _Staged()
    by_batch = _BatchCheck(scope, codes, today, staged)
    by_row = _RowCheck(scope, codes, today, staged, sink)
    with open(run.path, newline="", encoding="utf-8-sig") as f:
        raw = f.buffer  # bytes read so far (a chunk ahead of the rows): enough for progress
        reader = csv.reader(f)
        _check_header(reader, sink)
        shown = 1
        with conn.begin():
            cursor = conn.connection.dbapi_connection.cursor()
            stage = _Stager(cursor, insert_sql, upsert_sql, conn.dialect.dbapi.IntegrityError, staged,
                            scope.school_of, dialect)
            row_no = 1  # the last row read (the header is row 1)
            # Batches hold tens of thousands of small lists and tuples, none in a cycle: without
            # this, the cyclic collector walks the whole heap over and over (3x the time)
            collecting = gc.isenabled()
            gc.disable()
            try:
                while True:
                    rows: list[list[str]] = []
                    unreadable = None
                    try:
                        rows.extend(itertools.islice(reader, CHECK_ROWS))  # keeps the rows read before an error
                    except (UnicodeDecodeError, csv.Error) as exc:
                        unreadable = exc
                    if rows:
                        columns = by_batch(rows)
                        if columns is not None:
                            stage.add_columns(columns, row_no + 1)
                        else:
                            stage.add_marks(by_row(rows, row_no + 1))
                        row_no += len(rows)
                        staged.last_row = row_no
                        if stage.full():
                            stage.flush()
                            # a BufferedReader (it has tell) at runtime
                            percent = min(80, 1 + 79 * raw.tell() // run.size)  # type: ignore[attr-defined]
                            if percent != shown:
                                shown = percent
                                run.report(percent, "Checking rows")
                    if unreadable is not None or len(rows) < CHECK_ROWS:
                        stage.flush()
                        if unreadable is not None:
                            sink.add(row_no, "file",
                                     f"The file is not readable CSV text ({type(unreadable).__name__})")
                        break
            finally:
                if collecting:
                    gc.enable()
                staged.last_row = row_no
                cursor.close()
            if staged.maybe_duplicates:
                _check_duplicates(conn, sink)
    return staged


class _BatchCheck:
    """Checks a batch of rows column by column; the staging rows, or None when any row of the
    batch needs the row-by-row checks (something in it is wrong, or written unusually)."""

    def __init__(self, scope: _Scope, codes: dict[str, str], today: date, staged: _Staged):
        self.scope, self.today, self.staged = scope, today, staged
        self.codes = frozenset(codes)
        # each date as written in the file -> its ISO date and its week's Monday (dates checked)
        self.iso: dict[str, str] = {}
        self.week: dict[str, str] = {}
        self.day: dict[str, date] = {}
        self.open: set[tuple[int, str]] = set()  # (school, date as written): the school was open
        self.closed: set[tuple[int, str]] = set()  # (school, date as written): it was closed

    def learn_date(self, raw: str) -> bool:
        """Check a date not seen before (as `_check_row` does); whether it is a good one."""
        parsed = _parse_date(raw, self.today)
        if isinstance(parsed, str):
            return False
        iso, day, week = parsed
        staged = self.staged
        staged.min_date = day if staged.min_date is None or day < staged.min_date else staged.min_date
        staged.max_date = day if staged.max_date is None or day > staged.max_date else staged.max_date
        self.iso[raw], self.day[raw], self.week[raw] = iso, day, week
        return True

    def __call__(self, rows: list[list[str]]) -> tuple | None:
        """The staging columns (pupil ids, their schools, dates, sessions, codes, Mondays)."""
        if len(rows[0]) != 4 or len(set(map(len, rows))) != 1:
            return None
        upns, raw_dates, sessions, raw_codes = zip(*rows, strict=True)
        pupil_ids: list = list(map(self.scope.pupil_ids.get, upns))
        if None in pupil_ids or not SESSION_SET.issuperset(sessions) or not self.codes.issuperset(raw_codes):
            return None
        iso = self.iso
        days = set(raw_dates)
        for raw in days.difference(iso):
            if not self.learn_date(raw):
                return None
        schools = list(map(self.scope.school_of.__getitem__, pupil_ids))
        if len(set(schools)) == 1:  # the usual batch: one school's pupils
            new = {(schools[0], raw) for raw in days}.difference(self.open)
        else:
            new = set(zip(schools, raw_dates, strict=True)).difference(self.open)
        if new:
            for school, raw in new.difference(self.closed):
                if self.scope.closed_on(school, self.day[raw]) is None:
                    self.open.add((school, raw))
                else:
                    self.closed.add((school, raw))
            closed = new.intersection(self.closed)
            if closed and any((school, raw) in closed and code not in NOT_COUNTED_WHEN_CLOSED
                              for school, raw, code in zip(schools, raw_dates, raw_codes, strict=True)):
                return None  # a mark on a closed day: said by the row checks
        return (pupil_ids, schools, list(map(iso.__getitem__, raw_dates)), sessions, raw_codes,
                list(map(self.week.__getitem__, raw_dates)))


class _RowCheck:
    """Checks rows one by one, telling `sink` what is wrong with each bad one; the staging
    rows of the good ones."""

    def __init__(self, scope: _Scope, codes: dict[str, str], today: date, staged: _Staged, sink: ErrorSink):
        self.scope, self.codes, self.today, self.staged, self.sink = scope, codes, today, staged, sink
        self.dates: dict[str, tuple[str, date, str] | str] = {}  # each date's parse (or what is wrong)

    def __call__(self, rows: list[list[str]], first_row: int) -> list[tuple]:
        marks: list[tuple] = []
        staged, scope, dates = self.staged, self.scope, self.dates
        for row_no, row in enumerate(rows, first_row):
            staged.last_row = row_no
            mark = _check_row(staged, row, scope, self.codes, dates, self.today, self.sink)
            if mark is not None:
                marks.append(mark)
        return marks


SESSION_SET = frozenset(SESSIONS)


class _Stager:
    """Stages the checked rows, BATCH at a time, with plain INSERTs of ROWS_PER_INSERT rows each
    (one executemany of flat parameter lists); when a row repeats one already staged, the batch
    is undone (to its savepoint) and staged again row by row with the upsert, which notes the
    duplicates' row numbers for the error list. Counts the staged pupils and the weekly code
    counts as the rows come (in C: set and Counter updates over zip and map)."""

    def __init__(self, cursor, insert_sql: str, upsert_sql: str, integrity_error, staged: _Staged,
                 school_of: dict[int, int], dialect: str):
        self.cursor, self.insert_sql, self.upsert_sql = cursor, insert_sql, upsert_sql
        self.integrity_error, self.staged, self.school_of = integrity_error, staged, school_of
        head, values = insert_sql.split(" VALUES ", 1)
        self.multi_sql = head + " VALUES " + ", ".join([values] * ROWS_PER_INSERT)
        self.width = values.count("?" if dialect == "sqlite" else "%s")
        self.pending: list = []  # the rows to stage, flat: width values a row

    def add_columns(self, columns: tuple, first_row: int) -> None:
        pupil_ids, schools, dates, sessions, codes, weeks = columns
        n = len(pupil_ids)
        flat: list = [None] * (n * 6)
        flat[0::6], flat[1::6], flat[2::6], flat[3::6] = pupil_ids, dates, sessions, codes
        flat[4::6], flat[5::6] = weeks, range(first_row, first_row + n)
        self.pending += flat
        self._count(pupil_ids, schools, codes, weeks)

    def add_marks(self, marks: list[tuple]) -> None:
        if marks:
            self.pending += itertools.chain.from_iterable(marks)
            pupil_ids, _, _, codes, weeks, _ = zip(*marks, strict=True)
            self._count(pupil_ids, list(map(self.school_of.__getitem__, pupil_ids)), codes, weeks)

    def _count(self, pupil_ids, schools, codes, weeks) -> None:
        staged = self.staged
        staged.rows += len(pupil_ids)
        staged.pupils.update(pupil_ids)
        staged.code_counts.update(zip(schools, weeks, codes, strict=True))

    def full(self) -> bool:
        return len(self.pending) >= BATCH * self.width

    def flush(self) -> None:
        flat, width = self.pending, self.width
        if not flat:
            return
        self.pending = []
        cursor = self.cursor
        cursor.execute("SAVEPOINT stage_batch")
        try:
            step = width * ROWS_PER_INSERT
            whole = len(flat) - len(flat) % step
            if whole:
                cursor.executemany(self.multi_sql, [flat[i:i + step] for i in range(0, whole, step)])
            if whole < len(flat):
                cursor.executemany(self.insert_sql, [flat[i:i + width] for i in range(whole, len(flat), width)])
        except self.integrity_error:
            cursor.execute("ROLLBACK TO SAVEPOINT stage_batch")
            cursor.executemany(self.upsert_sql, [flat[i:i + width] for i in range(0, len(flat), width)])
            self.staged.maybe_duplicates = True
        cursor.execute("RELEASE SAVEPOINT stage_batch")


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


def _chunk_size(dialect: str) -> int:
    if dialect != "sqlite":
        return 0  # one chunk: PostgreSQL has no database-wide write lock to share
    return max(1, int(current_app.config.get("IMPORT_CHUNK_PUPILS") or 2000))


def _prepare_merge(conn, dialect: str, run: _Run, staged: _Staged,
                   chunk_of: dict[int, tuple[int, int]]) -> tuple[list[int], list | None]:
    """Refuse an amendment without a reason (NeedsReason: nothing written), number the chunks
    that hold staged pupils (pupil id ranges), keep them beside the staging, and (SQLite) mark
    the job as merging: from this commit on, the file is imported whole. The chunks' numbers,
    and, when none of the staged pupils has marks in the file's weeks yet (every mark is new),
    the file's weekly code counts [(school, Monday, code, marks)]."""
    assert staged.min_date is not None and staged.max_date is not None  # a file with no marks was refused
    numbers = {c: n for n, c in enumerate(sorted({chunk_of[p][0] for p in staged.pupils}))}
    chunks = list(range(len(numbers)))
    first, last = _weeks_span(staged.min_date, staged.max_date)
    with conn.begin():  # on SQLite deferred: a reader of the portal's database
        schema = "staging." if dialect == "sqlite" else ""
        temp = "TEMP " if dialect != "sqlite" else ""
        conn.exec_driver_sql(f"CREATE {temp}TABLE {schema}import_chunks (n INTEGER NOT NULL, "
                             "pupil_id INTEGER NOT NULL, PRIMARY KEY (n, pupil_id))")
        conn.execute(text("INSERT INTO import_chunks (n, pupil_id) VALUES (:n, :p)"),
                     [{"n": numbers[chunk_of[p][0]], "p": p} for p in sorted(staged.pupils)])
        if run.reason is None and _held(conn, "SELECT pupil_id FROM import_chunks", first, last) and \
                conn.exec_driver_sql(f"SELECT 1 {_JOIN} WHERE m.code <> s.code LIMIT 1").first():
            raise NeedsReason()
        counted = None if _held(conn, "SELECT pupil_id FROM import_chunks", first, last) else [
            (school, date.fromisoformat(week), code, marks)
            for (school, week, code), marks in staged.code_counts.items()]
    if dialect == "sqlite":
        set_progress(run.job_id, chunks_total=len(chunks), chunks_merged=0, added=0, changed=0, unchanged=0)
    return chunks, counted


_JOIN = ("FROM import_staging s JOIN attendance_marks m "
         "ON m.pupil_id = s.pupil_id AND m.date = s.date AND m.session = s.session")


def _weeks_span(min_date: date, max_date: date) -> tuple[date, date]:
    """The Monday of the first week and the Sunday of the last week of the staged marks."""
    return calc.week_start(min_date), calc.week_start(max_date) + timedelta(days=6)


def _held(conn, pupils_sql: str, first: date, last: date) -> bool:
    """Whether any of these pupils has marks in these weeks (weekly summaries exist exactly
    where marks exist)."""
    return conn.execute(text(
        f"SELECT 1 FROM pupil_weeks WHERE pupil_id IN ({pupils_sql}) "
        "AND week_start >= :first AND week_start <= :last LIMIT 1"), {"first": first, "last": last}).first() is not None


def after_chunk(job_id: int, merged: int) -> None:
    """Called after each chunk's commit (a seam for the tests that stop an import mid-merge)."""


def _merge_chunks(conn, dialect: str, run: _Run, today: date, chunks: list[int], min_date: date, max_date: date,
                  counted: list | None = None, *, resumed: bool = False, codes: set[str] | None = None) -> None:
    """Merge the chunks from the first not yet merged (the job's chunks_merged), each in its own
    write transaction; the last one also rebuilds the dashboard cells of the file's schools
    (once, not per chunk: each chunk of pupils spans most schools) and finishes the job.
    The weekly code counts: `counted` (every mark new) are added by the last chunk; otherwise
    each chunk adds its own (counted from the staging, or moved by what it changed). Rolling
    forward (`resumed`), the last chunk recounts them for the file's schools and weeks, since
    what the chunks before the interruption did is not known."""
    first, last = _weeks_span(min_date, max_date)
    pause = max(0, int(current_app.config.get("IMPORT_CHUNK_PAUSE_MS") or 0)) / 1000
    with conn.begin():
        done = conn.execute(select(ImportJob.chunks_merged).where(ImportJob.id == run.job_id)).scalar() or 0
        by_category: dict[str, list[str]] = {}
        for code, category in conn.exec_driver_sql("SELECT code, category FROM register_codes"):
            by_category.setdefault(category, []).append(code)
        if dialect == "sqlite":
            conn.exec_driver_sql("DROP TABLE IF EXISTS temp.import_weeks")
            conn.exec_driver_sql("CREATE TEMP TABLE import_weeks (week_start DATE PRIMARY KEY, "
                                 "week_end DATE NOT NULL) WITHOUT ROWID")
            weeks, monday = [], first
            while monday <= last:
                weeks.append({"w": monday.isoformat(), "e": (monday + timedelta(days=6)).isoformat()})
                monday += timedelta(weeks=1)
            conn.execute(text("INSERT INTO import_weeks (week_start, week_end) VALUES (:w, :e)"), weeks)
    columns = _packed_week("s.code", by_category)
    # SQLite checks each inserted mark's pupil and code (two look-ups a mark: half the time of
    # the marks' INSERT .. SELECT). When the file's codes are known (not rolled forward), the
    # import's own connection turns that off and checks the chunk's pupils and the file's codes
    # once, in each chunk's write transaction; the connection is discarded at the end.
    unchecked = dialect == "sqlite" and codes is not None
    if unchecked:
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, where it applies
        unchecked = raw.execute("PRAGMA foreign_keys").fetchone()[0] == 0
    redefined, recount = False, resumed
    for n in chunks[done:]:
        pupils = f"SELECT pupil_id FROM import_chunks WHERE n = {int(n)}"
        in_chunk = f"s.pupil_id IN ({pupils})"
        # read before taking the lock: a first load of these pupils' weeks (the common case)
        # grows the weekly code counts by what the file holds
        with conn.begin():
            held = _held(conn, pupils, first, last)
            # the weekly code counts of a first load: added by the last chunk (every mark of the
            # file new), or recounted by it (rolled forward), or added now
            codes_added = [] if recount or counted is not None or held else _code_counts(conn, in_chunk)
        conn.execution_options(sqlite_deferred=False)
        try:
            with conn.begin():  # on SQLite: BEGIN IMMEDIATE (the write)
                if not held and _held(conn, pupils, first, last):
                    held, recount = True, True  # another import came first: the merge path, and a recount
                if unchecked:
                    _check_references(conn, pupils, codes or set())
                counts, deltas = _merge_chunk(conn, dialect, run, pupils, in_chunk, first, last, columns,
                                              first_load=not held)
                flags.refresh(conn, today, pupils)
                # a merge moves the weekly code counts by what the chunk added and changed (a
                # recount from the marks would read every school's year, for each chunk)
                refreshed = aggregates.refresh(conn, today, pupils, min_date, max_date, cells=False,
                                               codes_added=deltas if deltas is not None and not recount
                                               else codes_added)
                if deltas and not recount and any(d[3] < 0 for d in deltas):
                    conn.exec_driver_sql("DELETE FROM school_week_codes WHERE sessions = 0")
                redefined = redefined or refreshed.periods_redefined > 0
                merged = n + 1
                conn.execute(update(ImportJob).where(ImportJob.id == run.job_id).values(
                    chunks_total=len(chunks), chunks_merged=merged, phase="Saving marks",
                    progress=85 + 14 * merged // len(chunks),
                    added=ImportJob.added + counts["added"], changed=ImportJob.changed + counts["changed"],
                    unchanged=ImportJob.unchanged + counts["unchanged"]))
                if merged == len(chunks):
                    if recount:
                        aggregates.refresh(conn, today, "SELECT pupil_id FROM import_chunks", min_date, max_date,
                                           cells=False)
                    elif counted is not None:
                        aggregates.add_codes(conn, counted)
                    # periods redefined on the way (or not known: rolled forward) change every school
                    aggregates.rebuild_cells(conn, None if redefined or recount else
                                             "SELECT DISTINCT p.school_id FROM pupils p "
                                             "JOIN import_chunks c ON c.pupil_id = p.id")
                    _finish(conn, run)
        finally:
            conn.execution_options(sqlite_deferred=True)
        after_chunk(run.job_id, merged)
        if run.progress:
            run.progress(85 + 14 * merged // len(chunks), "Saving marks")
        if pause and merged < len(chunks):
            time.sleep(pause)  # a writer waiting in its busy handler takes the lock now


def _check_references(conn, pupils: str, codes: set[str]) -> None:
    """What the foreign keys of the chunk's marks would check: its pupils and the file's codes exist."""
    missing_pupil = conn.exec_driver_sql(
        f"SELECT 1 FROM ({pupils}) c WHERE NOT EXISTS (SELECT 1 FROM pupils p WHERE p.id = c.pupil_id) LIMIT 1").first()
    known = conn.execute(select(RegisterCode.code).where(RegisterCode.code.in_(sorted(codes)))).scalars().all()
    if missing_pupil is not None or len(set(known)) != len(codes):
        raise conn.dialect.dbapi.IntegrityError("FOREIGN KEY constraint failed")


def _code_counts(conn, in_chunk: str) -> list[tuple[int, date, str, int]]:
    """(school, week's Monday, code, marks) of the chunk's staged marks."""
    return [(school, _d(week), code, n) for school, week, code, n in conn.exec_driver_sql(
        "SELECT p.school_id, s.week_start, s.code, COUNT(*) FROM import_staging s "
        f"JOIN pupils p ON p.id = s.pupil_id WHERE {in_chunk} GROUP BY p.school_id, s.week_start, s.code")]


def _merge_chunk(conn, dialect: str, run: _Run, pupils: str, in_chunk: str, first: date, last: date,
                 columns: str, *, first_load: bool) -> tuple[dict[str, int], list | None]:
    """Merge one chunk's staged marks and rebuild its pupils' weekly summaries; the counts, and
    (but for a first load) how the weekly code counts move [(school, Monday, code, +/- marks)]."""
    if first_load:  # none of these pupils has marks in these weeks: insert, and sum the staging
        added = conn.exec_driver_sql(
            "INSERT INTO attendance_marks (pupil_id, date, session, code) "
            f"SELECT s.pupil_id, s.date, s.session, s.code FROM import_staging s WHERE {in_chunk}").rowcount
        conn.exec_driver_sql(WEEK_INSERT + _unpacked_weeks(
            f"SELECT s.pupil_id AS pupil_id, s.week_start AS week_start, {columns} FROM import_staging s "
            f"WHERE {in_chunk} GROUP BY s.pupil_id, s.week_start"))
        return {"added": int(added), "changed": 0, "unchanged": 0}, None

    total, added, changed = conn.execute(text(
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.code IS NULL THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN m.code <> s.code THEN 1 ELSE 0 END), 0) "
        f"{_JOIN.replace(' JOIN ', ' LEFT JOIN ', 1)} WHERE {in_chunk}")).one()
    deltas: list[tuple[int, date, str, int]] = []
    if added or changed:
        for school, week, new, old, n in conn.exec_driver_sql(
                "SELECT p.school_id, s.week_start, s.code, m.code, COUNT(*) "
                f"{_JOIN.replace(' JOIN ', ' LEFT JOIN ', 1)} JOIN pupils p ON p.id = s.pupil_id "
                f"WHERE {in_chunk} AND (m.code IS NULL OR m.code <> s.code) "
                "GROUP BY p.school_id, s.week_start, s.code, m.code"):
            deltas.append((school, _d(week), new, int(n)))
            if old is not None:
                deltas.append((school, _d(week), old, -int(n)))
    if changed:
        conn.execute(text(
            "INSERT INTO mark_changes (pupil_id, date, session, old_code, new_code, import_job_id, "
            "changed_by_id, changed_at, reason, changed_by_name, changed_by_position) "
            "SELECT s.pupil_id, s.date, s.session, m.code, s.code, :job, :by, :at, :reason, :name, :position "
            f"{_JOIN} WHERE {in_chunk} AND m.code <> s.code"),
            {"job": run.job_id, "by": run.who["actor_id"], "at": utcnow(), "reason": (run.reason or "")[:300] or None,
             "name": run.who["name"][:120], "position": run.who["position"][:200]})
    conn.exec_driver_sql(
        "INSERT INTO attendance_marks (pupil_id, date, session, code) "
        f"SELECT s.pupil_id, s.date, s.session, s.code FROM import_staging s WHERE {in_chunk} "
        "ON CONFLICT (pupil_id, date, session) DO UPDATE SET code = excluded.code "
        "WHERE attendance_marks.code <> excluded.code")
    if dialect == "sqlite":
        _recompute_weeks_sqlite(conn, pupils, first, last, columns)
    else:
        recompute_weeks(conn, dialect, pupils, first, last)
    return {"added": int(added), "changed": int(changed), "unchanged": int(total - added - changed)}, deltas


def _recompute_weeks_sqlite(conn, pupils: str, first: date, last: date, columns: str) -> None:
    """recompute_weeks, planned for SQLite (bench/weeks_sql.py): pupils in id order x the TEMP
    table of weeks x one primary-key range of marks per pupil and week. The rows arrive grouped:
    no sort, no per-row date arithmetic."""
    params = {"first": first, "last": last}
    conn.execute(text(f"DELETE FROM pupil_weeks WHERE pupil_id IN ({pupils}) "
                      "AND week_start >= :first AND week_start <= :last"), params)
    conn.exec_driver_sql(WEEK_INSERT + _unpacked_weeks(
        f"SELECT p.pupil_id AS pupil_id, w.week_start AS week_start, {columns} "
        f"FROM ({pupils}) p CROSS JOIN import_weeks w CROSS JOIN attendance_marks s "
        "WHERE s.pupil_id = p.pupil_id AND s.date >= w.week_start AND s.date <= w.week_end "
        "GROUP BY p.pupil_id, w.week_start"))


def _finish(conn, run: _Run) -> None:
    """The job is done (in the last chunk's transaction): its totals, and the audit entry."""
    rows, added, changed, unchanged = conn.execute(
        select(ImportJob.added + ImportJob.changed + ImportJob.unchanged, ImportJob.added, ImportJob.changed,
               ImportJob.unchanged).where(ImportJob.id == run.job_id)).one()
    counts = {"added": int(added), "changed": int(changed), "unchanged": int(unchanged)}
    conn.execute(update(ImportJob).where(ImportJob.id == run.job_id).values(
        status=ImportStatus.done, phase="Finished", progress=100, rows=rows, error_count=0, errors=None,
        finished_at=utcnow(), message=""))
    _audit(conn, run.who, "attendance_imported", run.job_id,
           f"{rows} marks ({counts['added']} added, {counts['changed']} changed, "
           f"{counts['unchanged']} unchanged)" + (f"; reason: {run.reason}" if counts["changed"] else ""),
           {"school_id": {"from": None, "to": run.school_id},
            **{k: {"from": None, "to": v} for k, v in counts.items()},
            **({"reason": {"from": None, "to": run.reason}} if counts["changed"] else {})})


def _drop_staging(conn, dialect: str, run: _Run, keep: bool) -> None:
    """Close the import's connection; delete the staging unless the job must be rolled forward."""
    try:
        if dialect == "sqlite":
            # Discarding the connection discards its TEMP tables and the attachment whole.
            conn.invalidate()
            return
        if conn.in_transaction():
            conn.rollback()
        with conn.begin():
            for table in ("import_staging", "import_chunks"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    finally:
        conn.close()
        if dialect == "sqlite" and not keep:
            with contextlib.suppress(FileNotFoundError):
                os.remove(run.staging_file)


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


def _week_columns(code_col: str, date_col: str, by_category: dict[str, list[str]] | None = None) -> str:
    """The weekly summary's sums. With the register codes by category (read once), the codes are
    written into the SQL and no row joins register_codes (the FROM must then not alias it c)."""
    closures = ", ".join(f"'{c}'" for c in sorted(CLOSURE_CODES))
    if by_category is None:
        def category(op: str, *cats: str) -> str:
            return f"c.category {op} ({', '.join(repr(c) for c in cats)})"
    else:
        def category(op: str, *cats: str) -> str:
            chosen = {code for cat in cats for code in by_category.get(cat, [])}
            if op == "NOT IN":
                chosen = {code for codes in by_category.values() for code in codes} - chosen
            quoted = ", ".join("'" + code.replace("'", "''") + "'" for code in sorted(chosen)) or "NULL"
            return f"{code_col} IN ({quoted})"
    return (
        f"SUM(CASE WHEN {category('NOT IN', 'not_possible')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {category('IN', 'present', 'approved')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {category('IN', 'approved')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {category('IN', 'authorised')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {category('IN', 'unauthorised')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {code_col} IN ('L', 'U') THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {code_col} NOT IN ({closures}) THEN 1 ELSE 0 END), "
        f"MAX({date_col})"
    )


# the weekly summary's counts, in the order of WEEK_INSERT's columns
_WEEK_COUNTS = ("possible", "attended", "approved", "authorised", "unauthorised", "late", "open_sessions")
_COMMON_FIRST = ("/", "\\", "I", "N", "L", "O", "M", "U")  # the CASE tests the usual codes first


def _packed_week(code_col: str, by_category: dict[str, list[str]]) -> str:
    """The weekly summary's seven counts summed as one number (what `_week_columns` sums as
    seven CASEs): each mark adds a constant with one byte per count, chosen by one CASE on its
    code. A pupil has at most 14 marks a week (7 days x 2 sessions, the marks' key), so no byte
    overflows; `_unpacked_weeks` splits the sum. Half the work per mark of seven CASEs with IN
    lists (bench/weeks_sql.py). Columns: v (the packed sum) and last_date."""
    category_of = {code: category for category, codes in by_category.items() for code in codes}

    def packed(code: str | None) -> int:
        category = category_of.get(code) if code is not None else None
        counts = (category is not None and category != "not_possible", category in ("present", "approved"),
                  category == "approved", category == "authorised", category == "unauthorised",
                  code in ("L", "U"), code not in CLOSURE_CODES)
        return sum(int(flag) << (8 * i) for i, flag in enumerate(counts))

    order = [c for c in _COMMON_FIRST if c in category_of] + sorted(c for c in category_of if c not in _COMMON_FIRST)
    whens = " ".join("WHEN '" + code.replace("'", "''") + f"' THEN {packed(code)}" for code in order)
    return f"CAST(SUM(CASE {code_col} {whens} ELSE {packed(None)} END) AS BIGINT) AS v, MAX(s.date) AS last_date"


def _unpacked_weeks(grouped_sql: str) -> str:
    """SELECT pupil_id, week_start, the seven counts, last_date from a grouped query with
    `_packed_week`'s columns."""
    counts = ", ".join(f"(g.v >> {8 * i}) & 255" for i in range(len(_WEEK_COUNTS)))
    return f"SELECT g.pupil_id, g.week_start, {counts}, g.last_date FROM ({grouped_sql}) g"


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
