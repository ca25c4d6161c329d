"""Soak bench (issue 16): mixed traffic from several roles for --minutes, with LA-wide marks
imports among it, then a count of what was sent and succeeded against what the database holds.

    /work/main/.venv/bin/python bench/soak.py [--minutes 30] [--db PATH_OR_URL] [--out bench/out/soak]
        [--think 1.0] [--import-every 5] [--la-pupils 30000] [--la-import-at 2] [--la-import-every 12]
        [--warmup-la-import] [--redis URL]
        [--warmup-passes 3] [--rss-every 60] [--workers 2] [--threads 1]

One run: a fresh database (as bench/load.py: SQLite under --out, or a PostgreSQL URL recreated),
migrations + the demo seed; with --la-pupils N (30,000 by default, the size bench/import_and_pages.py
uses; 0 for none) the LA is grown to N pupils spread over the demo's schools (no marks yet) and an
LA-wide marks file is written: every session of every pupil since the start of the term the demo
has marks for (the demo pupils' marks as held, unchanged; the added pupils' drawn: a first load).
For a file that size the server's MAX_UPLOAD_MB is raised (the default 20 MB admits ~700,000 marks).
Then the portal under gunicorn (2 workers), a sign-in per person through the real forms, a
warm-up, and for --minutes, in threads (standard-library HTTP, CSRF tokens read from the forms):

- a reader per role walking that role's main pages (bench/load.py's list), `--think` s apart;
- the EWO adding a chronology note to one of their cases every 3 s and, every 7th turn, an
  action for themselves on the case page (and completing one of theirs 3 turns later);
- early help and a second EWO completing an open action of theirs every 10 s (until none is left);
- the school submitting a referral for a pupil with no referral or case every 15 s;
- the school uploading a school-sized marks file (every mark of its pupils for 12 weeks,
  unchanged) through the import screen 30 s in and then every --import-every minutes;
- the LA admin uploading the LA-wide file through the same screen ("Any school")
  --la-import-at minutes in and then every --la-import-every minutes (none starting in the last
  3 minutes), the first a first load for the added pupils, the next ones all unchanged (the
  re-import path). Each import is followed to its end through its progress fragment, and its
  row is read twice a second for when its merge ("Saving marks": SQLite's chunked merge) began.

At the end: every write that was answered with a redirect (success) is looked for in the
database (chronology entries, added and completed actions, submitted referrals by their marker
text; import jobs done); 0 lost writes, 0 errors (an answer that is not 2xx/3xx, a refused
write or a connection error, and any 'database is locked' or traceback in the server log). For
each import: the writes whose request overlapped its merge, how many failed and the slowest
(the proof that writers during a full-LA import see no lock errors).

With --redis URL the run is shaped as the README's production section: REDIS_URL set and the
imports run by an RQ worker (`flask --app portal worker`, which forks a process per job) beside
gunicorn; without it an import runs in a thread of the gunicorn worker that took the upload.

RSS: each gunicorn worker's RSS is read when every person has signed in, after the warm-up
(--warmup-passes passes over every page of every role, one school import, --warmup-passes rounds
of every kind of write, one more pass: the baseline), every --rss-every seconds (the series is
printed) and at the end; growth is from the baseline, and from sign-in is shown beside it. The
warm-up is there because a worker's first requests fill caches that are not leaks
(SQLAlchemy's compiled statements, Jinja's templates, lazily imported modules:
bench/rss_probe.py measures them); an LA-wide import is not in the warm-up unless
--warmup-la-import, so by default what it costs the worker that runs it, and the bigger pages
over the data it adds, show as growth. Prints a summary and writes
OUT/results.md (and results.json). Targets are reported, never asserted.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import PAGES, resolve  # noqa: E402
from webbench import (  # noqa: E402
    ROLES,
    ROOT,
    Server,
    fill,
    find_form,
    fresh_database,
    git_commit,
    log,
    log_problems,
    migrate_and_seed,
    rss_kib,
    server_env,
    sign_in,
)

BENCH = Path(__file__).resolve().parent
TARGET_RSS_GROWTH = 0.10


class Stats:
    """Thread-safe tallies: per operation kind, what was sent, what succeeded, what failed and why."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent: dict[str, int] = defaultdict(int)
        self.ok: dict[str, int] = defaultdict(int)
        self.failed: dict[str, list[str]] = defaultdict(list)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.import_jobs: list[int] = []
        # (kind, start, end, ok, why) of every write, on time.monotonic(): set against the imports' merges
        self.events: list[tuple[str, float, float, bool, str]] = []
        self.imports: list[dict] = []  # one per import: job, kind, upload/merge/end times, status

    def event(self, kind: str, t0: float, t1: float, ok: bool, why: str = "") -> None:
        with self.lock:
            self.events.append((kind, t0, t1, ok, why))

    def record(self, kind: str, ok: bool, seconds: float, why: str = "") -> None:
        with self.lock:
            self.sent[kind] += 1
            self.latency[kind].append(seconds)
            if ok:
                self.ok[kind] += 1
            else:
                self.failed[kind].append(why)


WRITES = ("chronology entry", "action added", "action completion", "referral")


def timed(stats: Stats, kind: str, fn, *args, ok_statuses=range(200, 400)):
    """Run one request; an answer outside `ok_statuses` or an exception counts as failed. A
    write's start and end are kept, to count the writes made while an import merged."""
    t0 = time.perf_counter()
    m0 = time.monotonic()
    try:
        resp = fn(*args)
    except Exception as exc:  # noqa: BLE001 - a connection error is a failure to count, not to raise
        why = f"{type(exc).__name__}: {exc}"
        stats.record(kind, False, time.perf_counter() - t0, why)
        if kind in WRITES:
            stats.event(kind, m0, time.monotonic(), False, why)
        return None
    ok = resp.status in ok_statuses
    why = "" if ok else f"{resp.status} {args[0] if args else ''}"
    stats.record(kind, ok, time.perf_counter() - t0, why)
    if kind in WRITES:
        stats.event(kind, m0, time.monotonic(), ok, why)
    return resp


# ----- the workers -------------------------------------------------------------------------

def reader(stop: threading.Event, stats: Stats, client, role: str, urls: list[str], think: float) -> None:
    i = random.randrange(len(urls))
    while not stop.is_set():
        timed(stats, f"read ({role})", client.get, urls[i % len(urls)], ok_statuses=(200,))
        i += 1
        stop.wait(random.uniform(0.5, 1.5) * think)


def chronology_writer(stop, stats, client, case_ids: list[str], marker: str, every: float,
                      action_owner: str | None = None, action_every: int = 7) -> None:
    """A chronology note on one of the cases every `every` s; with `action_owner` (the
    person's own owner option, `user:ID`), also an action for themselves on every
    `action_every`th turn (the case page's form) and, three turns later, the completion of one
    of their open actions: completions go on for the whole run."""
    n = 0
    done: set[str] = set()
    while not stop.wait(every):
        case_id = case_ids[n % len(case_ids)]
        n += 1
        if action_owner and n % action_every == 0:
            add_action(stats, client, case_id, action_owner, marker, n)
        if action_owner and n % action_every == 3:
            complete_one(stats, client, marker, done)
        page = client.get(f"/cases/{case_id}")
        form = find_form(page.text, rf"/cases/{case_id}/chronology$") if page.status == 200 else None
        if form is None:
            stats.record("chronology entry", False, 0.0, f"no chronology form on /cases/{case_id} ({page.status})")
            continue
        fields = fill(form, kind="note", text=f"{marker} chronology {n}: telephoned the parent about attendance.")
        timed(stats, "chronology entry", client.post, form["action"], fields, ok_statuses=range(300, 400))


def action_completer(stop, stats, client, marker: str, every: float) -> None:
    """Complete an open action of the person's own every `every` s (none left: nothing done)."""
    done: set[str] = set()
    while not stop.wait(every):
        complete_one(stats, client, marker, done)


def complete_one(stats, client, marker: str, done: set[str]) -> None:
    """Complete the first open action on the person's My actions (not one tried before)."""
    page = client.get("/actions")
    ids = [i for i in dict.fromkeys(re.findall(r"/actions/(\d+)/complete", page.text)) if i not in done]
    if not ids:
        return  # nothing left to complete: not an error
    action_id = ids[0]
    done.add(action_id)
    form_page = client.get(f"/actions/{action_id}/complete")
    form = find_form(form_page.text, rf"/actions/{action_id}/complete$", f"/actions/{action_id}/complete")
    if form is None:
        stats.record("action completion", False, 0.0, f"no form on /actions/{action_id}/complete "
                                                     f"({form_page.status})")
        return
    fields = fill(form, outcome=f"{marker} action {action_id}: done, the family engaged.", status="done")
    timed(stats, "action completion", client.post, form["action"], fields, ok_statuses=range(300, 400))


def add_action(stats, client, case_id: str, owner: str, marker: str, n: int) -> None:
    page = client.get(f"/cases/{case_id}")
    form = find_form(page.text, rf"/cases/{case_id}/actions$") if page.status == 200 else None
    if form is None or owner not in form["options"].get("action-owner", []):
        stats.record("action added", False, 0.0, f"no action form (or owner {owner}) on /cases/{case_id} "
                                                 f"({page.status})")
        return
    due = time.gmtime(time.time() + 14 * 86400)
    fields = fill(form, description=f"{marker} added action {n}: call the family about Monday absences.",
                  owner=owner, due_date=[due.tm_mday, due.tm_mon, due.tm_year])
    timed(stats, "action added", client.post, form["action"], fields, ok_statuses=range(300, 400))


def referrer(stop, stats, client, pupil_ids: list[int], marker: str, every: float) -> None:
    queue = list(pupil_ids)
    while not stop.wait(every) and queue:
        refer(stats, client, queue.pop(0), marker)


def refer(stats, client, pupil_id: int, marker: str) -> None:
    path = f"/pupils/{pupil_id}/referrals/new"
    page = client.get(path)
    form = find_form(page.text, rf"{path}$", path) if page.status == 200 else None
    if form is None:
        stats.record("referral", False, 0.0, f"no referral form for pupil {pupil_id} ({page.status})")
        return
    fields = fill(form, barrier="illness", barrier_illness="Frequent short illnesses, mostly Mondays.",
                  school_actions=f"{marker} referral: first-day calls, two letters and a meeting.",
                  consent="given", urgency="routine", safeguarding_concern="no", action="submit")
    timed(stats, "referral", client.post, path, fields, ok_statuses=range(300, 400))


def warm_writes(stats, writers: dict, ewo_cases: list[str], owner: str, pupils: list[int], marker: str) -> None:
    """One round of every kind of write, as the warm-up (with its own marker: not counted)."""
    for i, case_id in enumerate(ewo_cases[:3]):
        page = writers["ewo"].get(f"/cases/{case_id}")
        form = find_form(page.text, rf"/cases/{case_id}/chronology$")
        if form is not None:
            timed(stats, "chronology entry", writers["ewo"].post, form["action"],
                  fill(form, kind="note", text=f"{marker} chronology {i}: telephoned the parent."),
                  ok_statuses=range(300, 400))
    add_action(stats, writers["ewo"], ewo_cases[0], owner, marker, 0)
    complete_one(stats, writers["ewo"], marker, set())
    for pupil_id in pupils:
        refer(stats, writers["school_staff"], pupil_id, marker)


def importer(stop, stats, client, csv_path: Path, first: float, every: float, marker: str, database_url: str,
             kind: str = "marks import", school: str | None = None, latest_start: float | None = None) -> None:
    """Upload the marks file through the import screen `first` s in and then every `every` s
    (none starting after `latest_start`, on time.monotonic()), each followed to its end."""
    wait = first
    while not stop.wait(wait):
        wait = every
        if latest_start is not None and time.monotonic() > latest_start:
            break
        run_import(stats, client, csv_path, marker, database_url, kind, school)


def run_import(stats, client, csv_path: Path, marker: str, database_url: str, kind: str = "marks import",
               school: str | None = None) -> dict | None:
    """One upload through the real form (`school`: the school select's value, "" for any
    school), followed as the page's progress polling does, to the end (the run's end does not
    cut it short). Beside it the job's row is read twice a second (a reader of the database)
    for when its merge ("Saving marks") started and when it finished."""
    from sqlalchemy import create_engine, text

    page = client.get("/imports")
    form = find_form(page.text, r"/imports$", "/imports")
    if form is None:
        stats.record(kind, False, 0.0, f"no upload form on /imports ({page.status})")
        return None
    fields = fill(form, kind="marks", **({"school_id": school} if school is not None else {}))
    t0 = time.perf_counter()
    window: dict = {"kind": kind, "upload": time.monotonic()}
    try:
        resp = client.post("/imports", fields, files={"file": (f"{marker}-{csv_path.name}", csv_path.read_bytes(),
                                                               "text/csv")})
    except Exception as exc:  # noqa: BLE001
        stats.record(kind, False, time.perf_counter() - t0, f"upload: {exc}")
        return None
    m = re.search(r"/imports/(\d+)", resp.location or "")
    if resp.status not in (302, 303) or not m:
        stats.record(kind, False, time.perf_counter() - t0, f"upload answered {resp.status}")
        return None
    job_id = int(m.group(1))
    window["job"] = job_id
    with stats.lock:
        stats.import_jobs.append(job_id)
    engine = create_engine(database_url)
    deadline = time.monotonic() + 1800
    status = "still running after 1800 s"
    next_page = 0.0
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                phase, job_status = conn.execute(text("SELECT phase, status FROM import_jobs WHERE id = :j"),
                                                 {"j": job_id}).one()
            now = time.monotonic()
            if phase == "Saving marks" and "merge" not in window:
                window["merge"] = now
            if now >= next_page:  # the progress fragment, as the browser polls it
                next_page = now + 1.0
                progress = client.get(f"/imports/{job_id}/progress")
                if progress.status != 200:
                    status = f"progress answered {progress.status}"
                    break
                if "hx-get" not in progress.text:  # finished: done (a success banner) or failed
                    status = "finished" if "imported</p>" in progress.text else "failed"
                    break
            time.sleep(0.5)
        window["end"] = time.monotonic()
        with engine.connect() as conn:
            row = conn.execute(text("SELECT rows, added, changed, unchanged, chunks_total FROM import_jobs "
                                    "WHERE id = :j"), {"j": job_id}).one()
        window.update(rows=row[0], added=row[1], changed=row[2], unchanged=row[3], chunks=row[4])
    finally:
        engine.dispose()
    ok = status == "finished"
    window["status"] = status
    window.setdefault("merge", window["end"])
    with stats.lock:
        stats.imports.append(window)
    stats.record(kind, ok, time.perf_counter() - t0, "" if ok else f"job {job_id}: {status}")
    log(f"{kind} job {job_id}: {status}, {window.get('rows')} rows, "
        f"upload and staging {window['merge'] - window['upload']:.1f} s, merge {window['end'] - window['merge']:.1f} s")
    return window


# ----- setup and checks --------------------------------------------------------------------

def database_facts(database_url: str, school_email: str, csv_path: Path) -> tuple[int, int, list[int], dict]:
    """The school of `school_email` and its marks of the last 12 weeks as an import file at
    `csv_path` (unchanged marks; how many), its pupils with no referral and no case (who can be
    referred), and the user id of each demo person by email."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        school_id = conn.execute(text("SELECT organisation_id FROM users WHERE lower(email) = :e"),
                                 {"e": school_email}).scalar_one()
        rows = conn.execute(text(
            "SELECT p.upn, m.date, m.session, m.code FROM attendance_marks m JOIN pupils p ON p.id = m.pupil_id "
            "WHERE p.school_id = :s AND m.date >= (SELECT max(date) FROM attendance_marks) - 84 "
            "ORDER BY p.upn, m.date, m.session") if database_url.startswith("postgresql") else text(
            "SELECT p.upn, m.date, m.session, m.code FROM attendance_marks m JOIN pupils p ON p.id = m.pupil_id "
            "WHERE p.school_id = :s AND m.date >= date((SELECT max(date) FROM attendance_marks), '-84 days') "
            "ORDER BY p.upn, m.date, m.session"), {"s": school_id}).all()
        pupils = conn.execute(text(
            "SELECT id FROM pupils WHERE school_id = :s AND id NOT IN (SELECT pupil_id FROM referrals) "
            "AND id NOT IN (SELECT pupil_id FROM cases) ORDER BY id"), {"s": school_id}).scalars().all()
        users = dict(conn.execute(text("SELECT lower(email), id FROM users")).all())
    engine.dispose()
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["upn", "date", "session", "code"])
        for upn, day, session, code in rows:
            w.writerow([upn, str(day)[:10], session, code])
    return school_id, len(rows), list(pupils), users


def grow_la(database_url: str, pupils: int) -> dict:
    """Grow the demo LA to `pupils` pupils: new pupils spread over the demo's schools (valid,
    unique UPNs of establishments 5000+, one enrolment and one contact each, on roll from the
    start of the term the demo has marks for), with no marks: the LA-wide file gives them
    theirs (a first load), beside the demo pupils' marks sent unchanged."""
    from sqlalchemy import create_engine, select, text

    from portal.orgs.models import Organisation, OrgKind
    from portal.pupils.models import Contact, Enrolment, Pupil
    from portal.pupils.upn import make_upn

    engine = create_engine(database_url)
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM pupils")).scalar_one()
        schools = conn.execute(select(Organisation.id).where(Organisation.kind == OrgKind.school)
                               .order_by(Organisation.urn)).scalars().all()
        start = term_start(conn)
        rng = random.Random(16)
        now = datetime.now(timezone.utc)
        rows = []
        for i in range(max(0, pupils - have)):
            s, k = i % len(schools), i // len(schools)
            upn = make_upn(f"{5000 + s:04d}", 10 + k // 1000, k % 1000)
            fore, sur = f"Grown{i}", rng.choice(("Smith", "Jones", "Patel", "Khan", "Taylor", "Brown"))
            nc_year = rng.randrange(0, 12)
            rows.append(dict(
                upn=upn, legal_forename=fore, legal_surname=sur, preferred_forename=None, preferred_surname=None,
                date_of_birth=date(start.year - nc_year - 5, 9, 1) + timedelta(days=rng.randrange(365)),
                nc_year=nc_year, school_id=schools[s], on_roll_from=start, address="1 Soak Street, Demo Borough",
                postcode="DB1 1AA", sen_support=rng.random() < 0.13, ehc_plan=rng.random() < 0.03,
                fsm=rng.random() < 0.24, looked_after=False, social_worker=False, eal=rng.random() < 0.2,
                alternative_provision=False, search_text=f"{fore} {sur} {upn}".lower(), created_at=now, version=1))
        if rows:
            conn.execute(Pupil.__table__.insert(), rows)
            ids = conn.execute(select(Pupil.id, Pupil.school_id)
                               .where(Pupil.address == "1 Soak Street, Demo Borough")).all()
            conn.execute(Enrolment.__table__.insert(), [dict(pupil_id=pid, school_id=sid, start_date=start,
                                                             end_date=None) for pid, sid in ids])
            conn.execute(Contact.__table__.insert(), [dict(pupil_id=pid, name="Parent Carer", phone="07700 900000",
                                                           relationship_to_pupil="Mother", email="",
                                                           parental_responsibility=True) for pid, _ in ids])
    if not database_url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"had": have, "added": len(rows), "schools": len(schools)}


def term_start(conn) -> date:
    """The first day of the term the demo's latest marks are in."""
    from sqlalchemy import text

    latest = conn.execute(text("SELECT max(date) FROM attendance_marks")).scalar_one()
    latest = date.fromisoformat(str(latest)[:10])
    start = conn.execute(text("SELECT max(start_date) FROM terms WHERE start_date <= :d"), {"d": latest}).scalar_one()
    return date.fromisoformat(str(start)[:10])


def drawn(rng: random.Random, miss: float, session: str, closed: str) -> str:
    """A new pupil's mark for a session: the school's closure code where it was closed."""
    if closed == "#":
        return "#"
    if rng.random() < miss:
        return rng.choice("IIMNOU")
    return "/" if session == "AM" else "\\"


def la_marks_csv(database_url: str, path: Path) -> dict:
    """The LA-wide marks file: every pupil of every school, every session of the term so far.
    A demo pupil's marks as held (unchanged); a pupil with none yet (grown) gets marks drawn
    for the sessions its school's first demo pupil has, with that pupil's closure codes (#)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    t0 = time.perf_counter()
    rng = random.Random(2026)
    written = 0
    with engine.connect() as conn, open(path, "w", newline="") as f:
        start = term_start(conn)
        f.write("upn,date,session,code\n")
        held: dict[int, list[tuple[str, str, str]]] = {}
        template: dict[int, int] = {}  # school -> its first demo pupil
        cur = conn.execute(text("SELECT m.pupil_id, p.school_id, m.date, m.session, m.code FROM attendance_marks m "
                                "JOIN pupils p ON p.id = m.pupil_id WHERE m.date >= :d "
                                "ORDER BY m.pupil_id, m.date, m.session"), {"d": start})
        for pupil_id, school_id, day, session, code in cur:
            marks = held.setdefault(pupil_id, [])
            marks.append((str(day)[:10], session, code))
            template.setdefault(school_id, pupil_id)
        for pupil_id, upn, school_id in conn.execute(text("SELECT id, upn, school_id FROM pupils "
                                                          "ORDER BY school_id, id")):
            marks = held.get(pupil_id)
            if marks is not None:
                lines = [f"{upn},{d},{s},{c}\n" for d, s, c in marks]
            else:
                miss = rng.choice((0.02, 0.04, 0.06, 0.1, 0.2))
                lines = [f"{upn},{d},{s},{drawn(rng, miss, s, c)}\n"
                         for d, s, c in held.get(template.get(school_id, -1), [])]
            f.writelines(lines)
            written += len(lines)
    engine.dispose()
    return {"rows": written, "bytes": path.stat().st_size, "from": start, "seconds": time.perf_counter() - t0}


def stored(database_url: str, marker: str, job_ids: list[int]) -> dict[str, int]:
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        def count(sql: str, pattern: str) -> int:
            return conn.execute(text(sql), {"m": f"{marker} {pattern}%"}).scalar_one()

        facts = {
            "chronology entry": count("SELECT count(*) FROM chronology_entries WHERE text LIKE :m", "chronology"),
            "action added": count("SELECT count(*) FROM actions WHERE description LIKE :m", "added action"),
            "action completion": count("SELECT count(*) FROM actions WHERE outcome LIKE :m AND status = 'done'",
                                       "action"),
            "referral": count("SELECT count(*) FROM referrals WHERE school_actions LIKE :m "
                              "AND status = 'submitted'", "referral"),
        }
        done = conn.execute(text("SELECT id FROM import_jobs WHERE status = 'done' AND id IN :ids")
                            .bindparams(bindparam("ids", expanding=True)), {"ids": job_ids or [-1]}).scalars().all()
    engine.dispose()
    facts["done_jobs"] = list(done)
    return facts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL"),
                    help="SQLite path or postgresql+psycopg URL (recreated!); default OUT/portal.db")
    ap.add_argument("--out", default=str(BENCH / "out" / "soak"))
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between a reader's requests, seconds")
    ap.add_argument("--import-every", type=float, default=5, help="minutes between the school's marks imports")
    ap.add_argument("--la-pupils", type=int, default=30_000,
                    help="grow the LA to this many pupils and have the LA admin upload an LA-wide marks file "
                         "(0: no LA-wide import)")
    ap.add_argument("--la-import-at", type=float, default=2, help="minutes in of the first LA-wide import")
    ap.add_argument("--la-import-every", type=float, default=12, help="minutes between LA-wide imports")
    ap.add_argument("--warmup-passes", type=int, default=3, help="passes over every page before the RSS baseline")
    ap.add_argument("--warmup-la-import", action="store_true",
                    help="with --la-pupils: one LA-wide import in the warm-up, before the RSS baseline")
    ap.add_argument("--rss-every", type=float, default=60, help="seconds between RSS samples")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--redis", default=None, metavar="URL",
                    help="run as the README's production section does: REDIS_URL set (this Redis database is "
                         "emptied first) and the imports in an RQ worker (`flask --app portal worker`) beside gunicorn")
    args = ap.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    database_url = fresh_database(args.db, out)
    kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    log(f"{kind} database: {database_url}")
    env = server_env(database_url)
    migrate_and_seed(env)
    school_csv = out / "school-marks.csv"
    school_id, n_marks, referable, users = database_facts(database_url, ROLES["school_staff"], school_csv)
    log(f"school {school_id}: import file of {n_marks} marks; {len(referable)} pupils to refer")
    la: dict = {}
    if args.la_pupils:
        t0 = time.perf_counter()
        la["grown"] = grow_la(database_url, args.la_pupils)
        la["csv"] = la_marks_csv(database_url, out / "la-marks.csv")
        la["rows"], la["bytes"] = la["csv"]["rows"], la["csv"]["bytes"]
        # the default upload limit (MAX_UPLOAD_MB, 20) admits about 700,000 marks; an LA sending a
        # term of every school's registers through the web form raises it
        env["MAX_UPLOAD_MB"] = str(max(20, la["bytes"] // (1024 * 1024) + 8))
        log(f"LA grown {la['grown']}; LA-wide file: {la['rows']} marks, {la['bytes'] / 1e6:.0f} MB, "
            f"from {la['csv']['from']} ({time.perf_counter() - t0:.0f} s); MAX_UPLOAD_MB={env['MAX_UPLOAD_MB']}")
    marker = f"soak-{int(time.time())}"

    rq_worker = None
    if args.redis:
        from redis import Redis

        Redis.from_url(args.redis).flushdb()
        env["REDIS_URL"] = args.redis
        rq_log = open(out / "worker.log", "wb")
        rq_worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "worker"], cwd=ROOT, env=env,
                                     stdout=rq_log, stderr=subprocess.STDOUT)
        log(f"imports in an RQ worker (pid {rq_worker.pid}), REDIS_URL={args.redis}")
    server = Server("portal:create_app()", env, out / "server.log", args.workers, args.threads)
    stats = Stats()
    stop = threading.Event()
    rss_series: list[tuple[float, dict]] = []
    try:
        server.wait_ready()
        clients, urls = {}, {}
        for role in ROLES:
            clients[role] = sign_in(server.base, ROLES[role])
            found: dict = {}
            urls[role] = []
            for r, _name, path in PAGES:
                if r == role:
                    try:
                        urls[role].append(resolve(clients[role], path, found))
                    except LookupError as exc:
                        log(f"skip {role} {path}: {exc}")
            if role == "ewo":
                page = clients[role].get("/cases")
                ewo_cases = list(dict.fromkeys(re.findall(r'href="/cases/(\d+)"', page.text)))[:5]
        # writers sign in on their own, so their session is not shared with a reader thread
        writers = {name: sign_in(server.base, ROLES[name]) for name in ("ewo", "early_help", "school_staff")}
        writers["ewo2"] = sign_in(server.base, "ewo2@demo.test")
        if args.la_pupils:
            writers["la_admin"] = sign_in(server.base, ROLES["la_admin"])
        pids = server.worker_pids()
        rss_signed_in = {pid: rss_kib(pid) for pid in pids}
        # warm-up: every page of every role, several times, and one school import, then the baseline
        warm = Stats()
        for _ in range(args.warmup_passes):
            for role, client in clients.items():
                for url in urls[role]:
                    timed(warm, f"read ({role})", client.get, url, ok_statuses=(200,))
        run_import(warm, writers["school_staff"], school_csv, marker + "-warm", database_url, "warm-up import")
        if args.la_pupils and args.warmup_la_import:
            # the LA-wide file once before the baseline: the first load of the added pupils, after
            # which every page shows the LA's full data (the run's LA imports are then re-imports)
            run_import(warm, writers["la_admin"], out / "la-marks.csv", marker + "-warm", database_url,
                       "warm-up LA-wide import", "")
            for role, client in clients.items():
                for url in urls[role]:
                    timed(warm, f"read ({role})", client.get, url, ok_statuses=(200,))
        # a few of every write, so that a worker's first POSTs are not in the measured run either
        ewo_owner = f"user:{users['ewo@demo.test']}"
        for _ in range(args.warmup_passes):
            warm_writes(warm, writers, ewo_cases, ewo_owner, [referable.pop(0) for _ in range(2)], marker + "-warm")
        for role, client in clients.items():
            for url in urls[role]:
                timed(warm, f"read ({role})", client.get, url, ok_statuses=(200,))
        warm_failed = [f"{op}: {why}" for op, whys in warm.failed.items() for why in whys]
        log(f"warm-up: {sum(warm.sent.values())} requests, {len(warm_failed)} failed {warm_failed[:5]}")
        rss_start = {pid: rss_kib(pid) for pid in pids}
        log(f"workers {pids}, RSS signed in {rss_signed_in}, after warm-up (KiB) {rss_start}; "
            f"running {args.minutes} min")

        threads = [threading.Thread(target=reader, args=(stop, stats, clients[role], role, urls[role], args.think),
                                    name=f"read-{role}") for role in ROLES if urls[role]]
        t_start = time.monotonic()
        end = t_start + args.minutes * 60
        threads += [
            # the EWO's notes, and an action added for themselves and one completed every 21 s
            threading.Thread(target=chronology_writer, args=(stop, stats, writers["ewo"], ewo_cases, marker, 3.0,
                                                             ewo_owner)),
            threading.Thread(target=action_completer, args=(stop, stats, writers["early_help"], marker, 10.0)),
            threading.Thread(target=referrer, args=(stop, stats, writers["school_staff"], referable, marker, 15.0)),
            threading.Thread(target=importer, args=(stop, stats, writers["school_staff"], school_csv, 30.0,
                                                    args.import_every * 60, marker, database_url)),
            # the second EWO completes their own open actions
            threading.Thread(target=action_completer, args=(stop, stats, writers["ewo2"], marker, 10.0)),
        ]
        if args.la_pupils:  # none started in the last 3 minutes: the writers would not see its merge
            threads.append(threading.Thread(target=importer, args=(
                stop, stats, writers["la_admin"], out / "la-marks.csv", args.la_import_at * 60,
                args.la_import_every * 60, marker, database_url, "LA-wide marks import", "",
                end - min(180, args.minutes * 30))))
        for t in threads:
            t.start()
        next_rss = t_start
        while time.monotonic() < end:
            if time.monotonic() >= next_rss:
                rss_series.append(((time.monotonic() - t_start) / 60, {pid: rss_kib(pid) for pid in pids}))
                next_rss += args.rss_every
            time.sleep(min(30, max(0.1, min(end, next_rss) - time.monotonic())))
            with stats.lock:
                sent, failed = sum(stats.sent.values()), sum(len(v) for v in stats.failed.values())
            log(f"{(time.monotonic() - t_start) / 60:.1f} min: {sent} requests/operations, {failed} failed; "
                f"RSS MiB {[round((rss_kib(p) or 0) / 1024, 1) for p in pids]}"
                + (f"; RQ worker {round((rss_kib(rq_worker.pid) or 0) / 1024, 1)}" if rq_worker else ""))
        rss_end = {pid: rss_kib(pid) for pid in server.worker_pids()}
        rss_series.append(((time.monotonic() - t_start) / 60, rss_end))
        stop.set()
        for t in threads:
            t.join(timeout=1860)
        elapsed = time.monotonic() - t_start
    finally:
        stop.set()
        server.stop()
        if rq_worker is not None:  # RQ's warm shutdown waits for a job in hand: then stop it cold
            rq_worker.terminate()
            try:
                rq_worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                rq_worker.kill()
                rq_worker.wait(timeout=30)
    log_text = (out / "server.log").read_text(errors="replace")
    facts = stored(database_url, marker, stats.import_jobs)
    report = summarise(kind, args, stats, facts, rss_signed_in, rss_start, rss_end, rss_series, log_text, elapsed,
                       la, t_start)
    print(report["markdown"])
    (out / "results.md").write_text(report["markdown"])
    (out / "results.json").write_text(json.dumps(report["data"], indent=2, default=str))
    log(f"wrote {out / 'results.md'}")
    return 0


def during(stats: Stats, window: dict) -> dict:
    """The writes that overlapped an import's merge (from "Saving marks" to the end)."""
    inside = [e for e in stats.events if e[1] < window["end"] and e[2] > window["merge"]]
    return {"writes": len(inside), "ok": sum(1 for e in inside if e[3]),
            "failed": [f"{e[0]}: {e[4]}" for e in inside if not e[3]],
            "max_s": max((e[2] - e[1] for e in inside), default=0.0),
            "by_kind": {k: sum(1 for e in inside if e[0] == k) for k in WRITES}}


def summarise(kind, args, stats: Stats, facts, rss_signed_in, rss_start, rss_end, rss_series, log_text, elapsed,
              la: dict, t_start: float) -> dict:
    problems = log_problems(log_text)
    locked, tracebacks = problems["database_is_locked"], problems["tracebacks"]
    imports = ("marks import", "LA-wide marks import")
    done_jobs = set(facts["done_jobs"])
    for op in imports:
        facts[op] = sum(1 for w in stats.imports if w["kind"] == op and w.get("job") in done_jobs)
    rows, lost_total, errors_total = [], 0, 0
    lines = [
        f"## Soak: {kind}, commit {git_commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"{elapsed / 60:.1f} minutes; gunicorn {args.workers} workers"
        + (f" × {args.threads} threads" if args.threads > 1 else " (sync)")
        + f"; {len(ROLES)} readers (one per role, think time ~{args.think} s) and the writers (the EWO adding a "
        "chronology note every 3 s, and every 21 s an action for themselves and completing one; early help and "
        "a second EWO completing their open actions every 10 s; the school referring every 15 s and importing "
        "its marks every "
        f"{args.import_every:g} min"
        + (f"; the LA admin uploading an LA-wide file {args.la_import_at:g} min in and every "
           f"{args.la_import_every:g} min" if la else "")
        + ("; imports in an RQ worker beside gunicorn (REDIS_URL, as in production)" if args.redis else
           "; imports in a thread of the gunicorn worker that took the upload (no REDIS_URL)")
        + f"); {os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.2f}.",
        "",
    ]
    if la:
        g = la["grown"]
        lines += [f"LA grown from {g['had']} to {g['had'] + g['added']} pupils ({g['schools']} schools); the "
                  f"LA-wide file: {la['rows']:,} marks ({la['bytes'] / 1e6:.0f} MB), every session of every pupil "
                  f"since {la['csv']['from']} (the demo pupils' marks unchanged, the added pupils' new).", ""]
    lines += ["| operation | sent | succeeded | failed | stored | lost | median s | p95 s |",
              "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for op in sorted(stats.sent, key=lambda k: (k in WRITES or k in imports, k)):
        sent, ok, failed = stats.sent[op], stats.ok[op], len(stats.failed[op])
        lat = sorted(stats.latency[op])
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else 0.0
        if op in WRITES or op in imports:
            held = facts[op]
            lost = max(0, ok - held)
            lost_total += lost
        else:
            held, lost = "–", "–"
        errors_total += failed
        rows.append({"operation": op, "sent": sent, "ok": ok, "failed": failed, "stored": held, "lost": lost,
                     "failures": stats.failed[op][:20]})
        lines.append(f"| {op} | {sent} | {ok} | {failed} | {held} | {lost} | "
                     f"{statistics.median(lat) if lat else 0:.3f} | {p95:.3f} |")

    merges, merge_ok = [], True
    if stats.imports:
        lines += ["", "| import | job | status | marks | added / changed / unchanged | chunks | from upload s "
                  "| merge s | writes during merge (ok / failed) | slowest such write s |",
                  "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|"]
        for w in sorted(stats.imports, key=lambda w: w["upload"]):
            d = during(stats, w)
            kinds = ", ".join(f"{n} {k}" for k, n in d["by_kind"].items() if n)
            merges.append({**{k: v for k, v in w.items()}, "during": d,
                           "at_min": (w["upload"] - t_start) / 60})
            if w["kind"] == "LA-wide marks import":
                merge_ok &= w["status"] == "finished" and not d["failed"] and d["writes"] > 0
            lines.append(f"| {w['kind']} at {(w['upload'] - t_start) / 60:.1f} min | {w.get('job')} | {w['status']} "
                         f"| {w.get('rows') or 0:,} | {w.get('added')} / {w.get('changed')} / {w.get('unchanged')} "
                         f"| {w.get('chunks') or '–'} | {w['end'] - w['upload']:.1f} | {w['end'] - w['merge']:.1f} "
                         f"| {d['ok']} / {len(d['failed'])} ({kinds}) "
                         f"| {d['max_s']:.2f} |")

    lines += ["", "RSS of each gunicorn worker (MiB): signed in (before any page), after the warm-up "
              f"({args.warmup_passes} passes over every page of every role, one school import, {args.warmup_passes} "
              "rounds of every kind of write, one more pass: the baseline), and at the end; growth is from the "
              "baseline.", "",
              "| worker pid | signed in | baseline | end | growth | growth from signed in |",
              "|---|--:|--:|--:|--:|--:|"]
    growth_ok = True
    rss = []
    for pid, start in rss_start.items():
        end = rss_end.get(pid)
        first = rss_signed_in.get(pid)
        if start is None or end is None:
            shown = "–" if start is None else f"{start / 1024:.1f}"
            lines.append(f"| {pid} | – | {shown} | gone (worker restarted?) | – | – |")
            growth_ok = False
            continue
        growth = (end - start) / start
        growth_ok &= growth < TARGET_RSS_GROWTH
        rss.append({"pid": pid, "signed_in_kib": first, "start_kib": start, "end_kib": end, "growth": growth})
        lines.append(f"| {pid} | {(first or 0) / 1024:.1f} | {start / 1024:.1f} | {end / 1024:.1f} "
                     f"| {growth * 100:+.1f}% | {((end - first) / first * 100) if first else 0:+.1f}% |")
    pids = list(rss_start)
    lines += ["", "RSS series (MiB), minutes into the run: "
              + "; ".join(f"{m:.0f}: " + " / ".join(f"{(v.get(p) or 0) / 1024:.0f}" for p in pids)
                          for m, v in rss_series)]
    failures = [f"{op}: {why}" for op, whys in stats.failed.items() for why in whys[:5]]
    checks = {
        "0 lost writes": lost_total == 0,
        "0 errors": errors_total == 0 and locked == 0 and tracebacks == 0 and problems["exceptions"] == 0,
        f"RSS growth < {TARGET_RSS_GROWTH:.0%} per worker (from the baseline)": growth_ok,
    }
    if la:
        checks["LA-wide import done, writers during its merge: 0 failed, 0 'database is locked'"] = (
            merge_ok and locked == 0 and any(w["kind"] == "LA-wide marks import" for w in stats.imports))
    lines += ["", f"Server log: {problems['exceptions']} requests ended in an exception (500)"
              + (f" ({', '.join(problems['exception_paths'])})" if problems["exception_paths"] else "")
              + f", {locked} 'database is locked', {tracebacks} tracebacks, "
              f"{problems['worker_timeouts']} worker timeouts.", ""]
    lines += [f"- {name}: {'PASS' if ok else 'FAIL'}" for name, ok in checks.items()]
    if failures:
        lines += ["", "First failures:", ""] + [f"- {f}" for f in failures[:20]]
    lines.append("")
    return {"markdown": "\n".join(lines),
            "data": {"database": kind, "minutes": elapsed / 60, "operations": rows, "rss": rss,
                     "rss_series": rss_series, "imports": merges, "la": la,
                     **problems, "checks": checks, "stored": facts}}


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
