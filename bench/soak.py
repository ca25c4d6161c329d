"""Soak bench (issue 16): mixed traffic from several roles for --minutes, then a count of what
was sent and succeeded against what the database holds.

    /work/main/.venv/bin/python bench/soak.py [--minutes 30] [--db PATH_OR_URL] [--out bench/out/soak]
        [--think 1.0] [--import-every 5] [--workers 2] [--threads 1]

One run: a fresh database (as bench/load.py: SQLite under --out, or a PostgreSQL URL recreated),
migrations + the demo seed, the portal under gunicorn (2 workers), a sign-in per person through
the real forms, then for --minutes, in threads (standard-library HTTP, CSRF tokens read from
the forms):

- a reader per role walking that role's main pages (bench/load.py's list), `--think` s apart;
- the EWO adding a chronology note to one of their cases every 3 s;
- the EWO and early help completing an open action of theirs every 10 s (until none is left);
- the school submitting a referral for a pupil with no referral or case every 15 s;
- the school uploading a school-sized marks file (every mark of its pupils this term, unchanged)
  through the import screen 30 s in and then every --import-every minutes, following it to the end.

At the end: every write that was answered with a redirect (success) is looked for in the
database (chronology entries, completed actions, submitted referrals by their marker text;
import jobs done); 0 lost writes, 0 errors (an answer that is not 2xx/3xx, a refused write or
a connection error, and any 'database is locked' or traceback in the server log), and each
gunicorn worker's RSS growth from start (after one warm-up pass) to end below 10%. Prints a
summary and writes OUT/results.md (and results.json). Targets are reported, never asserted.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
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

    def record(self, kind: str, ok: bool, seconds: float, why: str = "") -> None:
        with self.lock:
            self.sent[kind] += 1
            self.latency[kind].append(seconds)
            if ok:
                self.ok[kind] += 1
            else:
                self.failed[kind].append(why)


def timed(stats: Stats, kind: str, fn, *args, ok_statuses=range(200, 400)):
    """Run one request; an answer outside `ok_statuses` or an exception counts as failed."""
    t0 = time.perf_counter()
    try:
        resp = fn(*args)
    except Exception as exc:  # noqa: BLE001 - a connection error is a failure to count, not to raise
        stats.record(kind, False, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
        return None
    ok = resp.status in ok_statuses
    stats.record(kind, ok, time.perf_counter() - t0, "" if ok else f"{resp.status} {args[0] if args else ''}")
    return resp


# ----- the workers -------------------------------------------------------------------------

def reader(stop: threading.Event, stats: Stats, client, role: str, urls: list[str], think: float) -> None:
    i = random.randrange(len(urls))
    while not stop.is_set():
        timed(stats, f"read ({role})", client.get, urls[i % len(urls)], ok_statuses=(200,))
        i += 1
        stop.wait(random.uniform(0.5, 1.5) * think)


def chronology_writer(stop, stats, client, case_ids: list[str], marker: str, every: float) -> None:
    n = 0
    while not stop.wait(every):
        case_id = case_ids[n % len(case_ids)]
        n += 1
        page = client.get(f"/cases/{case_id}")
        form = find_form(page.text, rf"/cases/{case_id}/chronology$") if page.status == 200 else None
        if form is None:
            stats.record("chronology entry", False, 0.0, f"no chronology form on /cases/{case_id} ({page.status})")
            continue
        fields = fill(form, kind="note", text=f"{marker} chronology {n}: telephoned the parent about attendance.")
        timed(stats, "chronology entry", client.post, form["action"], fields, ok_statuses=range(300, 400))


def action_completer(stop, stats, client, marker: str, every: float) -> None:
    done: set[str] = set()
    n = 0
    while not stop.wait(every):
        page = client.get("/actions")
        ids = [i for i in dict.fromkeys(re.findall(r"/actions/(\d+)/complete", page.text)) if i not in done]
        if not ids:
            continue  # nothing left to complete: not an error
        action_id = ids[0]
        done.add(action_id)
        n += 1
        form_page = client.get(f"/actions/{action_id}/complete")
        form = find_form(form_page.text, rf"/actions/{action_id}/complete$", f"/actions/{action_id}/complete")
        if form is None:
            stats.record("action completion", False, 0.0, f"no form on /actions/{action_id}/complete "
                                                         f"({form_page.status})")
            continue
        fields = fill(form, outcome=f"{marker} action {action_id}: done, the family engaged.", status="done")
        timed(stats, "action completion", client.post, form["action"], fields, ok_statuses=range(300, 400))


def referrer(stop, stats, client, pupil_ids: list[int], marker: str, every: float) -> None:
    queue = list(pupil_ids)
    while not stop.wait(every) and queue:
        pupil_id = queue.pop(0)
        path = f"/pupils/{pupil_id}/referrals/new"
        page = client.get(path)
        form = find_form(page.text, rf"{path}$", path) if page.status == 200 else None
        if form is None:
            stats.record("referral", False, 0.0, f"no referral form for pupil {pupil_id} ({page.status})")
            continue
        fields = fill(form, barrier="illness", barrier_illness="Frequent short illnesses, mostly Mondays.",
                      school_actions=f"{marker} referral: first-day calls, two letters and a meeting.",
                      consent="given", urgency="routine", safeguarding_concern="no", action="submit")
        timed(stats, "referral", client.post, path, fields, ok_statuses=range(300, 400))


def importer(stop, stats, client, csv_bytes: bytes, first: float, every: float, marker: str) -> None:
    wait = first
    while not stop.wait(wait):
        wait = every
        page = client.get("/imports")
        form = find_form(page.text, r"/imports$", "/imports")
        if form is None:
            stats.record("marks import", False, 0.0, f"no upload form on /imports ({page.status})")
            continue
        fields = fill(form, kind="marks")
        t0 = time.perf_counter()
        try:
            resp = client.post("/imports", fields, files={"file": (f"{marker}-marks.csv", csv_bytes, "text/csv")})
        except Exception as exc:  # noqa: BLE001
            stats.record("marks import", False, time.perf_counter() - t0, f"upload: {exc}")
            continue
        m = re.search(r"/imports/(\d+)", resp.location or "")
        if resp.status not in (302, 303) or not m:
            stats.record("marks import", False, time.perf_counter() - t0, f"upload answered {resp.status}")
            continue
        job_id = int(m.group(1))
        with stats.lock:
            stats.import_jobs.append(job_id)
        # follow it to the end, as the page's progress polling does (the run's end does not cut it short)
        deadline = time.monotonic() + 600
        status = "still running after 600 s"
        while time.monotonic() < deadline:
            progress = client.get(f"/imports/{job_id}/progress")
            if progress.status != 200:
                status = f"progress answered {progress.status}"
                break
            if "hx-get" not in progress.text:  # finished: done (a success banner) or failed
                status = "finished" if "imported</p>" in progress.text else "failed"
                break
            time.sleep(1)
        ok = status == "finished"
        stats.record("marks import", ok, time.perf_counter() - t0, "" if ok else f"job {job_id}: {status}")


# ----- setup and checks --------------------------------------------------------------------

def database_facts(database_url: str, school_email: str) -> tuple[int, bytes, list[int]]:
    """The school of `school_email`, its marks this term as an import file (unchanged marks),
    and its pupils with no referral and no case (who can be referred)."""
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
    engine.dispose()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["upn", "date", "session", "code"])
    for upn, day, session, code in rows:
        w.writerow([upn, str(day)[:10], session, code])
    return school_id, buf.getvalue().encode(), list(pupils)


def stored(database_url: str, marker: str, job_ids: list[int]) -> dict[str, int]:
    from sqlalchemy import bindparam, create_engine, text

    like = {"m": f"{marker}%"}
    engine = create_engine(database_url)
    with engine.connect() as conn:
        facts = {
            "chronology entry": conn.execute(text("SELECT count(*) FROM chronology_entries WHERE text LIKE :m"),
                                             like).scalar_one(),
            "action completion": conn.execute(text("SELECT count(*) FROM actions WHERE outcome LIKE :m "
                                                   "AND status = 'done'"), like).scalar_one(),
            "referral": conn.execute(text("SELECT count(*) FROM referrals WHERE school_actions LIKE :m "
                                          "AND status = 'submitted'"), like).scalar_one(),
            "marks import": conn.execute(text("SELECT count(*) FROM import_jobs WHERE status = 'done' "
                                              "AND id IN :ids").bindparams(bindparam("ids", expanding=True)),
                                         {"ids": job_ids or [-1]}).scalar_one(),
        }
    engine.dispose()
    return facts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL"),
                    help="SQLite path or postgresql+psycopg URL (recreated!); default OUT/portal.db")
    ap.add_argument("--out", default=str(BENCH / "out" / "soak"))
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between a reader's requests, seconds")
    ap.add_argument("--import-every", type=float, default=5, help="minutes between marks imports")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    database_url = fresh_database(args.db, out)
    kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    log(f"{kind} database: {database_url}")
    env = server_env(database_url)
    migrate_and_seed(env)
    school_id, marks_csv, referable = database_facts(database_url, ROLES["school_staff"])
    n_marks = marks_csv.count(b"\n") - 1
    log(f"school {school_id}: import file of {n_marks} marks; {len(referable)} pupils to refer")
    marker = f"soak-{int(time.time())}"

    server = Server("portal:create_app()", env, out / "server.log", args.workers, args.threads)
    stats = Stats()
    stop = threading.Event()
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
        for role, client in clients.items():  # warm-up pass, then the starting RSS
            for url in urls[role]:
                client.get(url)
        pids = server.worker_pids()
        rss_start = {pid: rss_kib(pid) for pid in pids}
        log(f"workers {pids}, RSS at start (KiB) {rss_start}; running {args.minutes} min")

        threads = [threading.Thread(target=reader, args=(stop, stats, clients[role], role, urls[role], args.think),
                                    name=f"read-{role}") for role in ROLES if urls[role]]
        threads += [
            threading.Thread(target=chronology_writer, args=(stop, stats, writers["ewo"], ewo_cases, marker, 3.0)),
            threading.Thread(target=action_completer, args=(stop, stats, writers["early_help"], marker, 10.0)),
            threading.Thread(target=referrer, args=(stop, stats, writers["school_staff"], referable, marker, 15.0)),
            threading.Thread(target=importer, args=(stop, stats, writers["school_staff"], marks_csv, 30.0,
                                                    args.import_every * 60, marker)),
        ]
        # an EWO completes actions too (their own), on their own session
        threads.append(threading.Thread(target=action_completer, args=(stop, stats, writers["ewo2"], marker, 10.0)))
        t_start = time.monotonic()
        for t in threads:
            t.start()
        end = t_start + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(min(30, max(0.1, end - time.monotonic())))
            with stats.lock:
                sent, failed = sum(stats.sent.values()), sum(len(v) for v in stats.failed.values())
            log(f"{(time.monotonic() - t_start) / 60:.1f} min: {sent} requests/operations, {failed} failed")
        rss_end = {pid: rss_kib(pid) for pid in server.worker_pids()}
        stop.set()
        for t in threads:
            t.join(timeout=660)
        elapsed = time.monotonic() - t_start
    finally:
        stop.set()
        server.stop()
    log_text = (out / "server.log").read_text(errors="replace")
    facts = stored(database_url, marker, stats.import_jobs)
    report = summarise(kind, args, stats, facts, rss_start, rss_end, log_text, elapsed)
    print(report["markdown"])
    (out / "results.md").write_text(report["markdown"])
    (out / "results.json").write_text(json.dumps(report["data"], indent=2, default=str))
    log(f"wrote {out / 'results.md'}")
    return 0


def summarise(kind, args, stats: Stats, facts, rss_start, rss_end, log_text, elapsed) -> dict:
    problems = log_problems(log_text)
    locked, tracebacks = problems["database_is_locked"], problems["tracebacks"]
    writes = ("chronology entry", "action completion", "referral", "marks import")
    rows, lost_total, errors_total = [], 0, 0
    lines = [
        f"## Soak: {kind}, commit {git_commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"{elapsed / 60:.1f} minutes; gunicorn {args.workers} workers"
        + (f" × {args.threads} threads" if args.threads > 1 else " (sync)")
        + f"; {len(ROLES)} readers (one per role, think time ~{args.think} s) and 5 writers (EWO chronology, "
        "early help and a second EWO completing actions, the school referring and importing); "
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.2f}.",
        "",
        "| operation | sent | succeeded | failed | stored | lost | median s | p95 s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for op in sorted(stats.sent, key=lambda k: (k in writes, k)):
        sent, ok, failed = stats.sent[op], stats.ok[op], len(stats.failed[op])
        lat = sorted(stats.latency[op])
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else 0.0
        if op in writes:
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
    lines += ["", "| worker pid | RSS start MiB | RSS end MiB | growth |", "|---|--:|--:|--:|"]
    growth_ok = True
    rss = []
    for pid, start in rss_start.items():
        end = rss_end.get(pid)
        if start is None or end is None:
            shown = "–" if start is None else f"{start / 1024:.1f}"
            lines.append(f"| {pid} | {shown} | gone (worker restarted?) | – |")
            growth_ok = False
            continue
        growth = (end - start) / start
        growth_ok &= growth < TARGET_RSS_GROWTH
        rss.append({"pid": pid, "start_kib": start, "end_kib": end, "growth": growth})
        lines.append(f"| {pid} | {start / 1024:.1f} | {end / 1024:.1f} | {growth * 100:+.1f}% |")
    failures = [f"{op}: {why}" for op, whys in stats.failed.items() for why in whys[:5]]
    checks = {
        "0 lost writes": lost_total == 0,
        "0 errors": errors_total == 0 and locked == 0 and tracebacks == 0 and problems["exceptions"] == 0,
        f"RSS growth < {TARGET_RSS_GROWTH:.0%} per worker": growth_ok,
    }
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
                     **problems, "checks": checks, "stored": facts}}


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
