"""Benchmark: a full school year of register marks through the real import, against a plain
DBAPI executemany floor, the import's peak memory at two file sizes, and the school
attendance / pupil pages at two database sizes.

    .venv/bin/python bench/import_and_pages.py [--pupils 30000 --schools 60 --weeks 39
                                                --db PATH_OR_URL --out bench/out]

One run does everything (see bench/README.md). The imports and the plain-insert floor each
run in a child process (this script with --phase ...) so that each child's peak RSS
(ru_maxrss) is the import's own. Nothing outside bench/ is changed; the databases, CSV
files and results go under --out (git-ignored).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

IMPORT_TODAY = date(2026, 7, 31)   # passed to import_marks: every mark of 2025/26 is in the past
PAGES_TODAY = date(2026, 7, 20)    # what the pages see as "today" (the one clock is moved there)
ACADEMIC_YEAR = "2025/26"
PASSWORD = "bench-password-2026"
ADMIN_EMAIL = "admin@bench.test"
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH22"  # base32
PLAIN_BATCH = 20_000
SMALL_PUPILS, SMALL_SCHOOLS = 1_000, 2

# Targets (reported, never asserted)
TARGET_IMPORT_RATE = 100_000   # marks/s on SQLite
TARGET_RATIO = 0.5             # import rate / plain executemany rate
TARGET_PAGE_MS = 100.0         # median server time per page at full size
TARGET_DASHBOARD_MS = 150.0    # the LA and school dashboards (issue 13)
# (name, path, target median ms or None): timed at both database sizes
PAGES = (
    ("school attendance", "/schools/{school_id}/attendance", TARGET_PAGE_MS),
    ("pupil page", "/pupils/{pupil_id}", TARGET_PAGE_MS),
    ("LA dashboard", "/attendance-picture?period=ytd", TARGET_DASHBOARD_MS),
    ("school dashboard", "/schools/{school_id}/attendance-picture?period=ytd", TARGET_DASHBOARD_MS),
    ("drill-down, persistent absence (page 1)", "/attendance-picture/pupils?period=ytd&measure=pa", None),
)
FLAT_TOLERANCE = 0.10          # full-file peak RSS within 10 % (or 16 MiB) of the half file's


# ----- small helpers -------------------------------------------------------------------------

def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def proc_status_kb(field: str) -> int | None:
    """VmRSS / VmHWM of this process, in KiB (Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM, which ru_maxrss reports) to its current RSS, so
    that the peak measured afterwards is the import's own and not the app's start-up (importing
    portal.auth.service hashes a dummy password with argon2, 64 MiB, at import time)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def to_url(path_or_url: str) -> str:
    if "://" in path_or_url:
        return path_or_url
    return f"sqlite:///{Path(path_or_url).resolve()}"


def sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[1])


def derived_url(base: str, suffix: str) -> str:
    """A sibling database for the half-size import, the plain floor and the 1k pupils. On
    PostgreSQL the same database is reused (each phase starts by rebuilding the schema)."""
    if not is_sqlite(base):
        return base
    p = sqlite_path(base)
    return f"sqlite:///{p.with_name(p.stem + suffix + p.suffix)}"


def remove_sqlite(url: str) -> None:
    if is_sqlite(url):
        p = sqlite_path(url)
        for extra in ("", "-wal", "-shm", "-journal"):
            Path(str(p) + extra).unlink(missing_ok=True)


def db_size_mb(url: str) -> float | None:
    if not is_sqlite(url):
        return None
    p = sqlite_path(url)
    return sum(Path(str(p) + e).stat().st_size for e in ("", "-wal") if Path(str(p) + e).exists()) / 2**20


def make_app(url: str):
    from portal import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench",
        "IMPORTS_INLINE": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # the pages are timed asked again and again by one person: rendered afresh each time, the
        # page's own work, never the HTML portal.pagecache keeps for a moment
        "PAGE_CACHE_SECONDS": 0,
    })


# ----- building a database ---------------------------------------------------------------------

def pupil_upns(n_pupils: int, n_schools: int) -> list[tuple[int, str]]:
    """(school index, UPN) for every pupil, deterministic and unique."""
    from portal.pupils.upn import make_upn

    out = []
    for i in range(n_pupils):
        s = i % n_schools
        k = i // n_schools  # the pupil's number within its school
        out.append((s, make_upn(f"{3000 + s:04d}", 10 + k // 1000, k % 1000)))
    assert len({u for _, u in out}) == len(out), "UPNs must be unique"
    return out


def build_db(url: str, n_pupils: int, n_schools: int) -> dict:
    """A fresh database through the migrations, with schools, users and pupils."""
    import flask_migrate
    from sqlalchemy import select, text

    from portal import access
    from portal.auth.service import hash_password
    from portal.demo.pupils import FORENAMES, STREETS, SURNAMES
    from portal.extensions import db
    from portal.orgs.models import Organisation, OrgKind, SchoolPhase, User
    from portal.pupils.models import Contact, Enrolment, Pupil

    t0 = time.perf_counter()
    remove_sqlite(url)
    app = make_app(url)
    with app.app_context():
        if not is_sqlite(url):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        service = Organisation(name="Bench Attendance Service", kind=OrgKind.attendance_service)
        phases = [SchoolPhase.primary, SchoolPhase.secondary]
        schools = [Organisation(name=f"Bench School {i + 1:03d}", kind=OrgKind.school,
                                urn=f"{300001 + i:06d}", phase=phases[i % 2]) for i in range(n_schools)]
        db.session.add_all([service, *schools])
        db.session.flush()
        hashed = hash_password(PASSWORD)
        # enrolled for two-factor sign-in, so the pages' client signs in through the code step
        db.session.add(User(email=ADMIN_EMAIL, name="Bench Admin", role=access.LA_ADMIN,
                            organisation=service, password_hash=hashed, totp_secret=BENCH_TOTP_SECRET,
                            totp_enrolled_at=datetime.now(timezone.utc)))
        for i, school in enumerate(schools):
            db.session.add(User(email=f"school{i + 1}@bench.test", name=f"School Staff {i + 1}",
                                role=access.SCHOOL_STAFF, organisation=school, password_hash=hashed))
        school_ids = [s.id for s in schools]
        db.session.commit()
        db.session.remove()  # no transaction left open: on SQLite it would hold the write lock

        rng = random.Random(1234)
        now = datetime.now(timezone.utc)
        rows = []
        for s, upn in pupil_upns(n_pupils, n_schools):
            fore, sur = rng.choice(FORENAMES), rng.choice(SURNAMES)
            nc_year = rng.randrange(0, 7) if s % 2 == 0 else rng.randrange(7, 12)
            rows.append(dict(
                upn=upn, legal_forename=fore, legal_surname=sur, preferred_forename=None, preferred_surname=None,
                date_of_birth=date(2019 - nc_year, 9, 1) + timedelta(days=rng.randrange(365)), nc_year=nc_year,
                school_id=school_ids[s], on_roll_from=date(2025, 9, 1),
                address=f"{rng.randrange(1, 180)} {rng.choice(STREETS)}, Bench Borough", postcode="BB1 1AA",
                sen_support=rng.random() < 0.13, ehc_plan=rng.random() < 0.03, fsm=rng.random() < 0.24,
                looked_after=rng.random() < 0.015, social_worker=rng.random() < 0.04, eal=rng.random() < 0.2,
                alternative_provision=False, search_text=f"{fore} {sur} {upn}".lower(), created_at=now, version=1))
        with db.engine.begin() as conn:
            conn.execute(Pupil.__table__.insert(), rows)
            ids = conn.execute(select(Pupil.id, Pupil.school_id)).all()
            conn.execute(Enrolment.__table__.insert(),
                         [dict(pupil_id=pid, school_id=sid, start_date=date(2025, 9, 1), end_date=None)
                          for pid, sid in ids])
            conn.execute(Contact.__table__.insert(),
                         [dict(pupil_id=pid, name="Parent Carer", relationship_to_pupil="Mother",
                               phone="07700 900000", email="", parental_responsibility=True) for pid, _ in ids])
        days = school_days()
        db.session.remove()
        db.engine.dispose()
    return {"seconds": time.perf_counter() - t0, "pupils": n_pupils, "schools": n_schools, "all_days": days}


def school_days() -> list[date]:
    """The school days of 2025/26 by the LA's calendar: weekdays inside a term, outside its
    half-term and not a bank holiday (the import refuses marks on other days)."""
    from sqlalchemy import select

    from portal.attendance import calendar
    from portal.attendance.models import Term
    from portal.extensions import db

    cal = calendar.for_la()
    days = []
    for term in db.session.scalars(select(Term).where(Term.academic_year == ACADEMIC_YEAR)
                                   .order_by(Term.start_date)):
        days += cal.school_days(term.start_date, term.end_date)
    return days


def limit_weeks(days: list[date], weeks: int) -> list[date]:
    mondays = sorted({d - timedelta(days=d.weekday()) for d in days})[:weeks]
    keep = set(mondays)
    return [d for d in days if d - timedelta(days=d.weekday()) in keep]


# ----- the marks file ----------------------------------------------------------------------------

def _miss_chance(rng: random.Random) -> float:
    from portal.demo.pupils import _pattern  # most attend well, some at risk, some persistently absent

    return _pattern(rng)


def write_marks_csv(path: Path, half_path: Path | None, upns: list[str], days: list[date]) -> dict:
    """A year of marks, pupil by pupil, streamed to `path`; the first half of the rows also
    to `half_path`. Nothing is held in memory beyond one pupil's rows."""
    t0 = time.perf_counter()
    rng = random.Random(2026)
    day_strs = [d.isoformat() for d in days]
    total = len(upns) * len(days) * 2
    half = total // 2
    written = 0
    codes = defaultdict(int)
    h = open(half_path, "w", newline="", encoding="utf-8") if half_path else None
    try:
        with open(path, "w", newline="", encoding="utf-8") as f:
            f.write("upn,date,session,code\n")
            if h:
                h.write("upn,date,session,code\n")
            for upn in upns:
                miss = _miss_chance(rng)
                spell = 0
                lines = []
                for ds in day_strs:
                    for session, present in (("AM", "/"), ("PM", "\\")):
                        if spell:
                            code, spell = "I", spell - 1
                        elif rng.random() < miss:
                            roll = rng.random()
                            if roll < 0.40:
                                code = "I"
                                if rng.random() < 0.1:
                                    spell = rng.randrange(2, 8)  # a run of illness
                            elif roll < 0.50:
                                code = "M"
                            elif roll < 0.75:
                                code = "N"
                            elif roll < 0.92:
                                code = "O"
                            else:
                                code = "U"
                        else:
                            code = "L" if rng.random() < 0.015 else present
                        codes[code] += 1
                        lines.append(f"{upn},{ds},{session},{code}\n")
                f.writelines(lines)
                if h and written < half:
                    h.writelines(lines[:half - written])
                written += len(lines)
    finally:
        if h:
            h.close()
    return {"rows": written, "half_rows": half if half_path else None, "bytes": path.stat().st_size,
            "half_bytes": half_path.stat().st_size if half_path else None,
            "seconds": time.perf_counter() - t0, "codes": dict(codes)}


# ----- child phases ------------------------------------------------------------------------------

def _statement_label(sql: str) -> str:
    """A short name for a statement the import runs (by what it says, as the SQL may change)."""
    s = " ".join(sql.split())
    rules = (
        (("INSERT INTO pupil_weeks", "FROM attendance_marks"),
         "weeks: recompute pupil_weeks from attendance_marks (GROUP BY)"),
        (("INSERT INTO pupil_weeks", "import_weeks"),
         "weeks: recompute pupil_weeks (pupils x weeks x marks key range)"),
        (("INSERT INTO pupil_weeks", "FROM import_staging"),
         "weeks: aggregate pupil_weeks from the staging table (GROUP BY)"),
        (("DELETE FROM pupil_weeks",), "weeks: delete the affected pupil_weeks"),
        (("SELECT COUNT(*) FROM pupil_weeks",), "merge: any weeks already there? (overlap check)"),
        (("SELECT 1 FROM pupil_weeks",), "merge: any weeks already there? (overlap check)"),
        (("SELECT p.school_id, s.week_start, s.code, COUNT(*)",), "merge: a chunk's weekly code counts (staging)"),
        (("INSERT INTO import_pupils",), "merge: list the staged pupils and the chunks"),
        (("INSERT INTO import_chunks",), "merge: list the staged pupils and the chunks"),
        (("INSERT INTO flag_pupils",), "flags: refresh (pupils of a chunk)"),
        (("INSERT INTO agg_pupils",), "aggregates: refresh (pupils of a chunk)"),
        (("SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.code IS NULL",),
         "merge: count added/changed (staging LEFT JOIN marks)"),
        (("SELECT COUNT(*) FROM import_staging",), "merge: count staged rows"),
        (("INSERT INTO mark_changes",), "merge: insert mark_changes"),
        (("INSERT INTO attendance_marks", "ON CONFLICT"),
         "merge: INSERT .. SELECT staging ON CONFLICT into attendance_marks"),
        (("INSERT INTO attendance_marks",), "merge: INSERT .. SELECT staging into attendance_marks"),
        (("SELECT row_no, dup_rows",), "check: duplicate rows query"),
        (("UPDATE import_jobs",), "progress / job updates"),
        (("SELECT pupils.id, pupils.upn",), "load pupils (UPN -> id dict)"),
        (("CREATE TEMP TABLE",), "staging: create temp table"),
        (("CREATE TABLE staging.",), "staging: create table (staging database)"),
        (("DROP TABLE IF EXISTS import_staging",), "staging: drop temp table"),
        (("INSERT INTO audit_events",), "audit entry"),
    )
    for needles, label in rules:
        if all(n in s for n in needles):
            return label
    if s.startswith("BEGIN"):
        return "BEGIN"
    return "other: " + s[:50]


def code_fingerprint() -> dict:
    """Which import code a process is running: the file's hash as loaded, and git's view."""
    import hashlib

    import portal.attendance.imports as imports

    return {"imports_sha1": hashlib.sha1(Path(imports.__file__).read_bytes()).hexdigest()[:10]}


def git_state() -> str:
    if os.environ.get("BENCH_SNAPSHOT"):
        return "export of " + os.environ["BENCH_SNAPSHOT"] + " (committed files only)"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "portal", "templates", "migrations"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        return head + (" + uncommitted changes under portal/templates/migrations" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def phase_import(url: str, csv_path: str, result_path: str, profile_path: str | None) -> None:
    """Child: run import_marks on one file and report its time, phases, SQL time and peak RSS."""
    from sqlalchemy import event, select

    from portal import access
    from portal.attendance.imports import import_marks
    from portal.attendance.models import ImportJob
    from portal.extensions import db
    from portal.orgs.models import User

    fingerprint = code_fingerprint()
    app = make_app(url)
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.role == access.LA_ADMIN))
        job = ImportJob(kind="marks", school_id=None, uploaded_by_id=admin_id, status="running",
                        filename=os.path.basename(csv_path), path=csv_path, size_bytes=os.path.getsize(csv_path))
        db.session.add(job)
        db.session.commit()

        sql_time: dict[str, float] = defaultdict(float)
        sql_calls: dict[str, int] = defaultdict(int)
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            conn.info.setdefault("bench_t", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            label = _statement_label(statement)
            sql_time[label] += time.perf_counter() - conn.info["bench_t"].pop()
            sql_calls[label] += 1

        marks: dict[str, float] = {}
        current = {"phase": "load pupils + codes"}
        phase_names = {"Checking rows": "check rows + stage (executemany into TEMP)",
                       "Saving marks": "merge + weeks + commit"}
        peak_by_phase: dict[str, int] = defaultdict(int)
        stop = threading.Event()

        def sample_rss() -> None:  # peak RSS per phase, sampled every 20 ms
            while not stop.is_set():
                kb = proc_status_kb("VmRSS") or 0
                name = current["phase"]
                peak_by_phase[name] = max(peak_by_phase[name], kb)
                stop.wait(0.02)

        def progress(percent: int, phase: str) -> None:
            marks.setdefault(phase, time.perf_counter())
            current["phase"] = phase_names.get(phase, phase)

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()

        rss_before = proc_status_kb("VmRSS")
        hwm_before = proc_status_kb("VmHWM")  # the start-up peak (argon2), before the reset
        peak_reset = reset_peak_rss()
        profiler = None
        if profile_path:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        t0 = time.perf_counter()
        done = import_marks(job, today=IMPORT_TODAY, progress=progress)
        t1 = time.perf_counter()
        stop.set()
        sampler.join()
        if profiler:
            profiler.disable()
            import pstats
            with open(profile_path, "w") as out:
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("tottime").print_stats(30)
                stats.sort_stats("cumulative").print_stats(30)
        checking = marks.get("Checking rows", t0)
        saving = marks.get("Saving marks", t1)
        result = {
            **fingerprint,
            "status": done.status, "message": done.message, "rows": done.rows, "added": done.added,
            "changed": done.changed, "unchanged": done.unchanged, "error_count": done.error_count,
            "errors": (done.errors or [])[:5],
            "seconds": t1 - t0,
            "phases": {"load pupils + codes": checking - t0,
                       "check rows + stage (executemany into TEMP)": saving - checking,
                       "merge + weeks + commit": t1 - saving},
            "sql_seconds": dict(sql_time), "sql_calls": dict(sql_calls),
            "rss_before_kb": rss_before, "startup_peak_kb": hwm_before, "peak_reset": peak_reset,
            "maxrss_kb": proc_status_kb("VmHWM"), "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "peak_rss_kb_by_phase": dict(peak_by_phase),
            "db_mb": db_size_mb(url),
        }
        db.session.remove()
        engine.dispose()
    Path(result_path).write_text(json.dumps(result, indent=1, default=str))


def phase_plain(url: str, csv_path: str, result_path: str) -> None:
    """Child: the floor, a plain DBAPI executemany of the same rows in one transaction."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.pupils.models import Pupil

    app = make_app(url)
    with app.app_context():
        ids = {upn: pid for pid, upn in db.session.execute(select(Pupil.id, Pupil.upn))}
        db.session.remove()
        raw = db.engine.raw_connection()  # the app's connection settings (WAL, foreign keys on)
        dbapi = raw.driver_connection
        p = "?" if is_sqlite(url) else "%s"
        sql = f"INSERT INTO attendance_marks (pupil_id, date, session, code) VALUES ({p},{p},{p},{p})"
        rss_before = proc_status_kb("VmRSS")
        reset_peak_rss()
        t0 = time.perf_counter()
        cur = dbapi.cursor()
        if is_sqlite(url):
            cur.execute("BEGIN")
        n = 0
        with open(csv_path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            batch = []
            for upn, day, session, code in reader:
                batch.append((ids[upn], day, session, code))
                if len(batch) >= PLAIN_BATCH:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
            if batch:
                cur.executemany(sql, batch)
                n += len(batch)
        dbapi.commit() if not is_sqlite(url) else cur.execute("COMMIT")
        t1 = time.perf_counter()
        cur.close()
        raw.close()
        db.engine.dispose()
    Path(result_path).write_text(json.dumps({
        "rows": n, "seconds": t1 - t0, "rss_before_kb": rss_before,
        "maxrss_kb": proc_status_kb("VmHWM"), "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "db_mb": db_size_mb(url)}, indent=1))


def run_child(phase: str, url: str, csv_path: Path, out: Path, name: str, profile: bool = False) -> dict:
    result = out / f"{name}.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, os.path.abspath(__file__), "--phase", phase, "--db", url, "--csv", str(csv_path),
           "--result", str(result)]
    if profile:
        cmd += ["--profile-out", str(out / f"{name}.profile.txt")]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=str(ROOT))
    data = json.loads(result.read_text())
    data["wall_seconds"] = time.perf_counter() - t0
    return data


# ----- pages ------------------------------------------------------------------------------------

def measure_pages(url: str, runs: int, warmups: int) -> dict:
    """Median server time and SQL statements per request for the school attendance view and
    a pupil page, signed in as the LA admin, with the clock moved to PAGES_TODAY."""
    import time_machine
    from sqlalchemy import event, func, select

    from portal.extensions import db
    from portal.orgs.models import Organisation, OrgKind
    from portal.pupils.models import Pupil
    from tests.pages import PortalClient

    # the data is 2025/26; the real today is later: move the one clock (portal.timeutil)
    time_machine.travel(datetime.combine(PAGES_TODAY, dtime(12), tzinfo=ZoneInfo("Europe/London")), tick=True).start()

    app = make_app(url)
    app.test_client_class = PortalClient
    with app.app_context():
        engine = db.engine
        school_ids = db.session.scalars(select(Organisation.id).where(Organisation.kind == OrgKind.school)
                                        .order_by(Organisation.id)).all()
        school_id = school_ids[len(school_ids) // 2]
        pupil_ids = db.session.scalars(select(Pupil.id).where(Pupil.school_id == school_id)
                                       .order_by(Pupil.id)).all()
        pupil_id = pupil_ids[len(pupil_ids) // 2]
        school_pupils = len(pupil_ids)
        total_pupils = db.session.scalar(select(func.count()).select_from(Pupil))
        db.session.remove()

    counter = {"n": 0}
    statements: list[str] = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        counter["n"] += 1
        statements.append(" ".join(statement.split())[:70])

    client = app.test_client()
    with app.app_context():  # the code step reads the user's secret
        resp = client.login(ADMIN_EMAIL, PASSWORD)
    if resp.status_code not in (302, 303):
        raise RuntimeError(f"sign-in failed: {resp.status_code}")
    event.listen(engine, "before_cursor_execute", _count)
    out = {"school_id": school_id, "pupil_id": pupil_id, "school_pupils": school_pupils,
           "total_pupils": total_pupils, "pages": {}}
    try:
        for name, template, _ in PAGES:
            path = template.format(school_id=school_id, pupil_id=pupil_id)
            client.checks_pages = True  # the warm-ups also check the page (one h1, title, ids)
            if client.get(path).status_code == 404:  # a page this commit does not have
                log(f"  {path}: 404, not timed")
                continue
            for _ in range(warmups):
                r = client.get(path)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code}")
            html = r.get_data(as_text=True)
            client.checks_pages = False  # time the server, not the test client's HTML checks
            times, queries = [], []
            for _ in range(runs):
                counter["n"] = 0
                statements.clear()
                t0 = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                queries.append(counter["n"])
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code}")
            out["pages"][name] = {
                "path": path, "median_ms": statistics.median(times), "min_ms": min(times),
                "max_ms": max(times), "queries": sorted(set(queries)), "bytes": len(html),
                "most_repeated": max(((statements.count(st), st) for st in set(statements)), default=(0, "")),
            }
    finally:
        event.remove(engine, "before_cursor_execute", _count)
        with app.app_context():
            db.engine.dispose()
    return out


# ----- report -----------------------------------------------------------------------------------

def ok(flag: bool) -> str:
    return "PASS" if flag else "FAIL"


def mib(kb: int | None) -> str:
    return "–" if kb is None else f"{kb / 1024:.0f} MiB"


def breakdown(title: str, res: dict) -> list[str]:
    lines = ["", f"## {title}", "", f"{res['rows']:,} marks in {res['seconds']:.1f} s: {res['added']:,} added, "
             f"{res['changed']:,} changed, {res['unchanged']:,} unchanged."
             + (f" Database afterwards (file + WAL): {res['db_mb']:.0f} MB." if res.get("db_mb") else ""),
             "", "| Phase (from the import's progress callback) | Seconds | Share |", "|---|---|---|"]
    for phase, secs in res["phases"].items():
        lines.append(f"| {phase} | {secs:.1f} | {100 * secs / res['seconds']:.0f} % |")
    lines += ["", "Statements the import runs through SQLAlchemy, timed with cursor events (the staging "
                  "executemany goes straight to the DBAPI cursor and is inside \"check rows + stage\"; "
                  "COMMIT and the WAL checkpoint are not statements):", "",
              "| Statement | Calls | Seconds |", "|---|---|---|"]
    for label, secs in sorted(res["sql_seconds"].items(), key=lambda kv: -kv[1]):
        if secs >= 0.05:
            lines.append(f"| {label} | {res['sql_calls'][label]} | {secs:.1f} |")
    return lines


def pages_table(r: dict) -> list[str]:
    """Rows for every timed page: median at both sizes against its target, queries at both."""
    big, small = r["pages_big"], r["pages_small"]
    lines = []
    for name, _, target in PAGES:
        b, s = big["pages"].get(name), small["pages"].get(name)
        if b is None or s is None:
            continue
        goal = f"≤ {target:.0f} ms" if target else "–"
        lines.append(f"| {name.capitalize()} median ({big['total_pupils']:,} pupils) | **{b['median_ms']:.1f} ms** "
                     f"(min {b['min_ms']:.1f}, max {b['max_ms']:.1f}) | {goal} | "
                     f"{ok(b['median_ms'] <= target) if target else '–'} |")
        lines.append(f"| {name.capitalize()} median ({small['total_pupils']:,} pupils) | {s['median_ms']:.1f} ms "
                     f"(min {s['min_ms']:.1f}, max {s['max_ms']:.1f}) | – | – |")
        lines.append(f"| {name.capitalize()} SQL queries / request, {small['total_pupils']:,} vs "
                     f"{big['total_pupils']:,} pupils | {s['queries']} vs {b['queries']} | same | "
                     f"{ok(s['queries'] == b['queries'])} |")
    for name, _, _ in PAGES:
        page = big["pages"].get(name)
        if page and page["most_repeated"][0] > 1:
            n, st = page["most_repeated"]
            lines.append(f"\n{name.capitalize()}: {n} of its {page['queries'][0]} statements are "
                         f"the same one: `{st}…`.")
    return lines


def report(r: dict, args) -> str:
    full, half, plain = r["import_full"], r["import_half"], r["plain"]
    rate = full["rows"] / full["seconds"]
    plain_rate = plain["rows"] / plain["seconds"]
    ratio = rate / plain_rate
    peak_full, peak_half = full["maxrss_kb"], half["maxrss_kb"]
    growth = peak_full - peak_half
    flat = growth <= max(16 * 1024, FLAT_TOLERANCE * peak_half)
    big, small = r["pages_big"], r["pages_small"]
    reimport = r.get("reimport_full")
    children = {k: r[k].get("imports_sha1") for k in ("import_full", "import_half", "reimport_full")
                if k in r}
    children["1k import"] = r.get("import_small", {}).get("imports_sha1")
    same_code = len(set(children.values())) == 1 and r["git_start"] == r["git_end"]
    lines = [
        f"# Import and pages benchmark ({datetime.now():%Y-%m-%d %H:%M}, {r['db_kind']}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]})",
        "",
        f"Data: {r['pupils']:,} pupils in {r['schools']} schools; {r['days']} school days "
        f"({r['first_day']} .. {r['last_day']}, {r['weeks']} weeks) x 2 sessions = "
        f"{full['rows']:,} marks ({r['csv_mb']:.0f} MB CSV). Half file: {half['rows']:,} marks. "
        f"Code mix: {r['code_mix']}.",
        "",
        f"Code: git {r['git_end']}; portal/attendance/imports.py sha1 {next(iter(children.values()))}"
        + ("" if same_code else f" — **the code changed during the run** (git {r['git_start']} at the "
           f"start; imports.py per child: {children}): rerun for a consistent set of figures"),
        "",
        "| Measure | Value | Target | Result |",
        "|---|---|---|---|",
        f"| Import, full year (import_marks, fresh DB) | {full['seconds']:.1f} s = **{rate:,.0f} marks/s** | "
        f"≥ {TARGET_IMPORT_RATE:,} marks/s | {ok(rate >= TARGET_IMPORT_RATE)} |",
        f"| Plain DBAPI executemany, same rows (floor) | {plain['seconds']:.1f} s = {plain_rate:,.0f} marks/s "
        f"| – | – |",
        f"| Import rate / plain rate | **{ratio:.2f}×** | ≥ {TARGET_RATIO}× | {ok(ratio >= TARGET_RATIO)} |",
        f"| Import peak RSS, full file ({full['rows']:,} marks) | {mib(peak_full)} "
        f"(RSS before the import {mib(full['rss_before_kb'])}) | flat | |",
        f"| Import peak RSS, half file ({half['rows']:,} marks) | {mib(peak_half)} "
        f"(RSS before the import {mib(half['rss_before_kb'])}) | flat | |",
        f"| Plain executemany peak RSS (floor process) | {mib(plain['maxrss_kb'])} "
        f"(RSS before {mib(plain['rss_before_kb'])}) | – | – |",
        f"| Peak RSS growth, half → full file | {growth / 1024:+.1f} MiB | ≤ max(16 MiB, 10 %) | {ok(flat)} |",
    ]
    if reimport:
        rrate = reimport["rows"] / reimport["seconds"]
        lines.append(f"| Re-import of the same file into the filled DB (all unchanged: merge path; no target) | "
                     f"{reimport['seconds']:.1f} s = {rrate:,.0f} marks/s | – | – |")
    lines += pages_table(r)
    lines += [
        "",
        f"Pages: signed in as an LA admin through the Flask test client (tests.pages.PortalClient), "
        f"{args.runs} timed requests after {args.warmups} warm-ups each, time.perf_counter() around client.get "
        f"(page checks off while timing). School {big['school_id']} ({big['school_pupils']} pupils on roll) and "
        f"pupil {big['pupil_id']}; at 1k pupils school {small['school_id']} ({small['school_pupils']} pupils). "
        f"**the clock (portal.timeutil) is moved to {PAGES_TODAY}** so the pages see "
        f"academic year {ACADEMIC_YEAR} (the data's year) as this year.",
        "",
        "Peak RSS is the child process's high-water mark (VmHWM, what ru_maxrss reports for the "
        "process's own memory), reset through /proc/self/clear_refs just before import_marks is called. "
        f"Two things would otherwise hide the import's own peak: the app's start-up peaks at "
        f"{mib(full['startup_peak_kb'])} by itself (portal.auth.service hashes a dummy password with argon2, "
        "64 MiB, when it is imported), and getrusage's ru_maxrss also counts the RSS the child inherited "
        f"from the parent at fork (ru_maxrss reads {mib(full['ru_maxrss_kb'])} / {mib(half['ru_maxrss_kb'])} "
        "for the full / half import)."
        + ("" if full.get("peak_reset") else " **The reset failed on this system: the figures include start-up.**"),
        "",
        "Peak RSS by import phase (sampled every 20 ms): full file "
        + ", ".join(f"{k} {mib(v)}" for k, v in full["peak_rss_kb_by_phase"].items())
        + "; half file " + ", ".join(f"{k} {mib(v)}" for k, v in half["peak_rss_kb_by_phase"].items()) + ".",
    ]
    lines += breakdown("Where the import's time goes: full file into a fresh database", full)
    if reimport:
        lines += breakdown("Where the time goes: the same file again into the filled database "
                           "(every mark unchanged)", reimport)
    if plain.get("db_mb") is not None:
        lines += ["", f"Plain-insert database afterwards (file + WAL): {plain['db_mb']:.0f} MB."]
    lines += ["", "Other timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in r["timings"].items()) + "."]
    return "\n".join(lines) + "\n"


def run_from_snapshot(rev: str, out: Path) -> None:
    """Export `rev` (committed files only) next to the results, put this script in it, and run
    it from there: ROOT, the portal package, templates and migrations all come from the export."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    src = out / f"src-{sha}"
    if not (src / "portal").is_dir():
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    (src / "bench").mkdir(exist_ok=True)
    shutil.copy2(__file__, src / "bench" / Path(__file__).name)
    argv, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
            continue
        if a == "--src":
            skip = True
            continue
        if a.startswith("--src="):
            continue
        argv.append(a)
    if "--out" not in argv and not any(a.startswith("--out=") for a in argv):
        argv += ["--out", str(out)]
    log(f"running from an export of {rev} ({sha}) in {src}")
    env = dict(os.environ, BENCH_SNAPSHOT=f"{rev} ({sha})")
    subprocess.run([sys.executable, str(src / "bench" / Path(__file__).name), *argv], check=True, env=env)


# ----- main -------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pupils", type=int, default=30_000)
    ap.add_argument("--schools", type=int, default=60)
    ap.add_argument("--weeks", type=int, default=39, help="at most this many school weeks of 2025/26")
    ap.add_argument("--db", default=None, help="SQLite path or database URL (default OUT/bench.db)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmups", type=int, default=3)
    ap.add_argument("--profile", action="store_true",
                    help="profile the full import with cProfile (slower) into OUT/import-full.profile.txt")
    ap.add_argument("--profile-out", help=argparse.SUPPRESS)
    ap.add_argument("--no-reimport", action="store_true",
                    help="skip the extra re-import of the full file into the filled database")
    ap.add_argument("--pages-only", action="store_true",
                    help="only time the pages, on the databases a previous full run left (bench.db, bench-1k.db)")
    ap.add_argument("--keep", action="store_true", help="keep the extra databases and CSV files")
    ap.add_argument("--src", metavar="GIT_REV",
                    help="run against a clean export of this git revision (git archive into OUT/src-REV) "
                         "instead of the working tree, so edits made meanwhile do not mix into the figures")
    ap.add_argument("--phase", choices=["all", "import", "plain"], default="all", help=argparse.SUPPRESS)
    ap.add_argument("--csv", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.phase == "import":
        return phase_import(args.db, args.csv, args.result, args.profile_out)
    if args.phase == "plain":
        return phase_plain(args.db, args.csv, args.result)

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.src:
        return run_from_snapshot(args.src, out)
    import portal
    log(f"portal package: {Path(portal.__file__).parent}")
    big_url = to_url(args.db or str(out / "bench.db"))
    urls = {"big": big_url, "half": derived_url(big_url, "-half"), "plain": derived_url(big_url, "-plain"),
            "small": derived_url(big_url, "-1k")}
    timings: dict[str, float] = {}
    r: dict = {"pupils": args.pupils, "schools": args.schools, "git_start": git_state(),
               "db_kind": "SQLite (WAL)" if is_sqlite(big_url) else big_url.split(":", 1)[0], "timings": timings}

    if args.pages_only:
        for key in ("big", "small"):
            if is_sqlite(urls[key]) and not sqlite_path(urls[key]).exists():
                raise SystemExit(f"{urls[key]} is missing: run the full benchmark once (with --keep for the 1k DB)")
        log("timing pages at full size and at 1k pupils (existing databases)")
        r["pages_big"] = measure_pages(urls["big"], args.runs, args.warmups)
        r["pages_small"] = measure_pages(urls["small"], args.runs, args.warmups)
        text = "\n".join(["| Measure | Value | Target | Result |", "|---|---|---|---|", *pages_table(r)]) + "\n"
        (out / "results-pages.md").write_text(text)
        print(text)
        return

    # 1. the big database
    log(f"building {big_url}: {args.pupils} pupils in {args.schools} schools")
    built = build_db(urls["big"], args.pupils, args.schools)
    timings["build DB (migrations + pupils)"] = built["seconds"]
    days = limit_weeks(built["all_days"], args.weeks)
    r.update(days=len(days), first_day=days[0], last_day=days[-1],
             weeks=len({d - timedelta(days=d.weekday()) for d in days}))

    # 2. the marks file (and its first half)
    full_csv, half_csv = out / "marks-full.csv", out / "marks-half.csv"
    log(f"writing {full_csv} ({args.pupils} pupils x {len(days)} days x 2 sessions)")
    written = write_marks_csv(full_csv, half_csv, [u for _, u in pupil_upns(args.pupils, args.schools)], days)
    timings["write CSV"] = written["seconds"]
    r["csv_mb"] = written["bytes"] / 1e6
    total = sum(written["codes"].values())
    r["code_mix"] = ", ".join(f"{c} {100 * n / total:.2f} %" for c, n in
                              sorted(written["codes"].items(), key=lambda kv: -kv[1]))
    log(f"  {written['rows']:,} rows, {written['bytes'] / 1e6:.0f} MB in {written['seconds']:.1f} s")

    # 3. the import, in a child process (its own peak RSS)
    log("importing the full file (child process)")
    r["import_full"] = run_child("import", urls["big"], full_csv, out, "import-full",
                                 profile=args.profile)
    f = r["import_full"]
    if f["status"] != "done":
        raise SystemExit(f"the import failed: {f['message']} {f['errors']}")
    log(f"  {f['rows']:,} marks in {f['seconds']:.1f} s = {f['rows'] / f['seconds']:,.0f} marks/s, "
        f"peak RSS {mib(f['maxrss_kb'])}")

    # 5a. pages at full size (before the big database can be replaced on PostgreSQL)
    log("timing pages at full size")
    r["pages_big"] = measure_pages(urls["big"], args.runs, args.warmups)
    log("  " + json.dumps({k: (v["median_ms"], v["queries"]) for k, v in r["pages_big"]["pages"].items()}))

    # 3c. (extra, no target) the same file again into the filled database: every mark is
    # already there, so the import takes its merge path (count changes, upsert, recompute weeks)
    if not args.no_reimport:
        log("re-importing the full file into the filled database (child process)")
        r["reimport_full"] = run_child("import", urls["big"], full_csv, out, "reimport-full")
        ri = r["reimport_full"]
        log(f"  {ri['rows']:,} marks in {ri['seconds']:.1f} s = {ri['rows'] / ri['seconds']:,.0f} marks/s "
            f"({ri['status']}, {ri['unchanged']:,} unchanged)")

    # 3b. half the file into a second fresh database: peak RSS should not move
    log("importing the half file into a fresh database (child process)")
    timings["build half DB"] = build_db(urls["half"], args.pupils, args.schools)["seconds"]
    r["import_half"] = run_child("import", urls["half"], half_csv, out, "import-half")
    h = r["import_half"]
    if h["status"] != "done":
        raise SystemExit(f"the half import failed: {h['message']} {h['errors']}")
    log(f"  {h['rows']:,} marks in {h['seconds']:.1f} s, peak RSS {mib(h['maxrss_kb'])}")

    # 4. the floor: plain executemany into a fresh database with the same pupils
    log("plain executemany of the same rows into a fresh database (child process)")
    timings["build plain DB"] = build_db(urls["plain"], args.pupils, args.schools)["seconds"]
    r["plain"] = run_child("plain", urls["plain"], full_csv, out, "plain")
    p = r["plain"]
    log(f"  {p['rows']:,} marks in {p['seconds']:.1f} s = {p['rows'] / p['seconds']:,.0f} marks/s")

    # 5b. 1k pupils in 2 schools, a year of marks imported the same way
    log(f"building the {SMALL_PUPILS} pupil database and importing its year")
    small = build_db(urls["small"], SMALL_PUPILS, SMALL_SCHOOLS)
    small_csv = out / "marks-1k.csv"
    write_marks_csv(small_csv, None, [u for _, u in pupil_upns(SMALL_PUPILS, SMALL_SCHOOLS)], days)
    s = r["import_small"] = run_child("import", urls["small"], small_csv, out, "import-1k")
    if s["status"] != "done":
        raise SystemExit(f"the 1k import failed: {s['message']} {s['errors']}")
    timings["1k build + import"] = small["seconds"] + s["wall_seconds"]
    log("timing pages at 1k pupils")
    r["pages_small"] = measure_pages(urls["small"], args.runs, args.warmups)
    log("  " + json.dumps({k: (v["median_ms"], v["queries"]) for k, v in r["pages_small"]["pages"].items()}))

    # 6. results
    r["git_end"] = git_state()
    text = report(r, args)
    (out / "results.md").write_text(text)
    (out / "results.json").write_text(json.dumps(r, indent=1, default=str))
    print()
    print(text)
    if not args.keep:
        for key in ("half", "plain"):
            if urls[key] != big_url:
                remove_sqlite(urls[key])
        for path in (half_csv, small_csv):
            path.unlink(missing_ok=True)
    # the 1k database stays, so --pages-only can time the pages again


if __name__ == "__main__":
    main()
