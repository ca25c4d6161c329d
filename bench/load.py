"""Load bench (issue 16): every main page of every role under wrk, against a bare Flask app.

    /work/main/.venv/bin/python bench/load.py [--db PATH_OR_URL] [--out bench/out/load]
        [--connections 8] [--seconds 15] [--pages REGEX] [--workers 2] [--threads 1]

One run: a fresh database (SQLite under --out by default, or the PostgreSQL URL of --db /
DATABASE_URL, dropped and created afresh), `flask db upgrade` + `flask seed-demo`, the portal
under gunicorn (2 workers), a sign-in as each demo role through the real forms (password,
then the two-factor code), and for each page wrk with `--connections` connections for
`--seconds` seconds sending that person's session cookie (bench/wrk/report.lua counts the
non-2xx answers). A bare Flask app ("ok") under the same gunicorn settings is measured first
and last: each page's ratio is its req/s over the bare app's (mean of both). The SQL
statements one request of each page runs are counted in this process (the Flask test client
with the same session cookie, a `before_cursor_execute` listener, after one warm-up request).

Prints a Markdown table and writes OUT/results.md and OUT/results.json. Targets are reported
(PASS/FAIL), never asserted. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webbench import (  # noqa: E402  (after the path)
    ROLES,
    ROOT,
    Server,
    fresh_database,
    git_commit,
    log,
    log_problems,
    migrate_and_seed,
    server_env,
    sign_in,
)

BENCH = Path(__file__).resolve().parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"

# Targets (reported, never asserted)
TARGET_RATIO = 0.04
TARGET_P99_MS = 100.0
TARGET_QUERIES = 25

# Ids a role may see, found on a page of that role: key -> (page, regex with one group)
DISCOVER = {
    "school": ("/schools", r"/schools/(\d+)/attendance"),
    "pupil": ("/schools/{school}/attendance", r'href="/pupils/(\d+)"'),
    "case": ("/cases", r'href="/cases/(\d+)"'),
    "panel": ("/panels", r'href="/panels/(\d+)"'),
    "sweep": ("/sweeps", r'href="/sweeps/(\d+)"'),
    "tsm": ("/support-meetings", r'href="/support-meetings/(\d+)"'),
}

# (role, page name, path): the main pages of each role, as the navigation offers them
PAGES: list[tuple[str, str, str]] = [
    ("school_staff", "home", "/"),
    ("school_staff", "school attendance", "/schools/{school}/attendance"),
    ("school_staff", "pupil page", "/pupils/{pupil}"),
    ("school_staff", "caseload", "/cases"),
    ("school_staff", "case page", "/cases/{case}"),
    ("school_staff", "referrals", "/referrals"),
    ("school_staff", "my actions", "/actions"),
    ("school_staff", "school picture", "/schools/{school}/attendance-picture"),
    ("school_staff", "TSM list", "/support-meetings"),
    ("ewo", "home", "/"),
    ("ewo", "caseload", "/cases"),
    ("ewo", "case page", "/cases/{case}"),
    ("ewo", "pupil page", "/pupils/{pupil}"),
    ("ewo", "school attendance", "/schools/{school}/attendance"),
    ("ewo", "my actions", "/actions"),
    ("ewo", "referrals queue", "/referrals"),
    ("ewo", "sweeps", "/sweeps"),
    ("ewo", "LA picture", "/attendance-picture"),
    ("ewo", "TSM meeting", "/support-meetings/{tsm}"),
    ("ewo", "penalty notices", "/penalty-notices"),
    ("la_admin", "home", "/"),
    ("la_admin", "caseload", "/cases"),
    ("la_admin", "case page", "/cases/{case}"),
    ("la_admin", "audit log", "/audit"),
    ("la_admin", "LA picture", "/attendance-picture"),
    ("la_admin", "school picture", "/schools/{school}/attendance-picture"),
    ("la_admin", "penalty figures", "/penalty-notices/figures"),
    ("la_admin", "TSM coverage", "/support-meetings/coverage"),
    ("la_admin", "users", "/users"),
    ("panel_chair", "home", "/"),
    ("panel_chair", "panels", "/panels"),
    ("panel_chair", "panel run screen", "/panels/{panel}/run"),
    ("panel_chair", "panel overview", "/panels/overview"),
    ("social_care", "home", "/"),
    ("social_care", "caseload", "/cases"),
    ("social_care", "case page", "/cases/{case}"),
    ("early_help", "home", "/"),
    ("early_help", "case page", "/cases/{case}"),
    ("early_help", "my actions", "/actions"),
    ("health", "home", "/"),
    ("health", "case page", "/cases/{case}"),
    ("police", "home", "/"),
    ("police", "caseload", "/cases"),
    ("police", "case page", "/cases/{case}"),
    ("police", "sweep", "/sweeps/{sweep}"),
]


def resolve(client, path: str, found: dict) -> str:
    """Fill the {placeholders} of `path` with ids this person may see (found on their pages)."""
    for key in re.findall(r"\{(\w+)\}", path):
        if key not in found:
            listing, pattern = DISCOVER[key]
            listing = resolve(client, listing, found)
            resp = client.get(listing)
            text = resp.text + (resp.location or "")
            m = re.search(pattern, text)
            if not m:
                raise LookupError(f"no {key} on {listing} ({resp.status})")
            found[key] = m.group(1)
        path = path.replace("{" + key + "}", found[key])
    return path


def run_wrk(url: str, cookie: str, connections: int, seconds: int) -> dict:
    env = dict(os.environ, BENCH_COOKIE=cookie)
    cmd = [WRK, "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
           "-s", str(BENCH / "wrk" / "report.lua"), url]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON "):])
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6) if data["duration_us"] else 0.0
            data["errors"] = data["non2xx"] + data["connect"] + data["read"] + data["write"] + data["timeout"]
            return data
    raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")


def count_queries(env: dict, cookies: dict[str, str], targets: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """SQL statements of one request per (role, path), in this process: the same database and
    secret key as the server, each role's session cookie on the Flask test client."""
    saved = dict(os.environ)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DEMO_PASSWORD", "PORTAL_ENV",
                                            "SESSION_IDLE_MINUTES")})
    try:
        from sqlalchemy import event

        from portal import create_app
        from portal.extensions import db

        app = create_app()
        app.config["PAGE_CACHE_SECONDS"] = 0  # what is counted is the page's own work, never a kept page
        counts: dict[tuple[str, str], dict] = {}
        with app.app_context():
            engine = db.engine
        # No app context held around the requests: each request gets its own (own `g`, own session)
        statements: list[str] = []

        def on_execute(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            for role, path in targets:
                client = app.test_client()
                client.set_cookie("portal_session", cookies[role])
                client.get(path)  # warm-up: per-process caches
                statements.clear()
                status = client.get(path).status_code
                counts[(role, path)] = {"queries": len(statements), "status": status}
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
            engine.dispose()
        return counts
    finally:
        os.environ.clear()
        os.environ.update(saved)


def fmt_ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL"),
                    help="SQLite path or postgresql+psycopg URL (recreated!); default OUT/portal.db")
    ap.add_argument("--out", default=str(BENCH / "out" / "load"))
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--pages", default=None, help="regex on 'role page-name path': only the pages it matches")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (1: sync workers)")
    ap.add_argument("--page-cache-seconds", type=int, default=None,
                    help="the server's PAGE_CACHE_SECONDS (default: the app's, 30; 0: every page rendered afresh)")
    args = ap.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = [p for p in PAGES if not args.pages or re.search(args.pages, " ".join(p))]
    database_url = fresh_database(args.db, out)
    kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    log(f"{kind} database: {database_url}")
    env = server_env(database_url)
    if args.page_cache_seconds is not None:
        env["PAGE_CACHE_SECONDS"] = str(args.page_cache_seconds)
    migrate_and_seed(env)

    bare_env = {k: v for k, v in env.items() if k != "DATABASE_URL"}
    bare = Server("bare_app:app", bare_env, out / "bare.log", args.workers, args.threads, cwd=BENCH)
    server = Server("portal:create_app()", env, out / "server.log", args.workers, args.threads)
    results: list[dict] = []
    try:
        bare.wait_ready("/")
        server.wait_ready()
        log(f"portal at {server.base} (workers {server.worker_pids()}), bare app at {bare.base}")

        roles = sorted({role for role, _, _ in pages}, key=list(ROLES).index)
        clients, cookies, found = {}, {}, {}
        for role in roles:
            clients[role] = sign_in(server.base, ROLES[role])
            cookies[role] = clients[role].cookie()
            found[role] = {}
        targets = []
        for role, name, path in pages:
            try:
                url = resolve(clients[role], path, found[role])
            except LookupError as exc:
                log(f"SKIP {role} {name}: {exc}")
                results.append({"role": role, "page": name, "path": path, "skipped": str(exc)})
                continue
            status = clients[role].get(url).status
            targets.append((role, name, url, status))

        log(f"bare app: wrk -c {args.connections} -d {args.seconds}s")
        bare_before = run_wrk(bare.base + "/", "", args.connections, args.seconds)
        log(f"  {bare_before['rps']:.0f} req/s")
        for role, name, url, status in targets:
            cookie = f"portal_session={cookies[role]}"
            data = run_wrk(server.base + url, cookie, args.connections, args.seconds)
            data.update({"role": role, "page": name, "path": url, "first_status": status})
            results.append(data)
            log(f"{role:12} {name:20} {url:34} {data['rps']:7.1f} req/s  p99 {fmt_ms(data['p99_us'])} ms"
                f"  non-2xx {data['non2xx']}")
        bare_after = run_wrk(bare.base + "/", "", args.connections, args.seconds)
        log(f"bare app again: {bare_after['rps']:.0f} req/s")
        log_text = (out / "server.log").read_text(errors="replace")
    finally:
        server.stop()
        bare.stop()

    log("counting SQL statements per request (in-process test client)")
    counts = count_queries(env, cookies, [(r["role"], r["path"]) for r in results if "skipped" not in r])
    bare_rps = (bare_before["rps"] + bare_after["rps"]) / 2
    for r in results:
        if "skipped" in r:
            continue
        r.update(counts[(r["role"], r["path"])])
        r["ratio"] = r["rps"] / bare_rps if bare_rps else 0.0
        r["checks"] = {
            "ratio": r["ratio"] >= TARGET_RATIO,
            "p99": r["p99_us"] / 1000 <= TARGET_P99_MS,
            "errors": r["errors"] == 0 and r["first_status"] == 200,
            "queries": r["queries"] <= TARGET_QUERIES and r["status"] == 200,
        }
        r["pass"] = all(r["checks"].values())

    problems = log_problems(log_text)
    meta = {
        "database": kind, "commit": git_commit(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "connections": args.connections, "seconds": args.seconds, "workers": args.workers, "threads": args.threads,
        "page_cache_seconds": env.get("PAGE_CACHE_SECONDS", "30 (default)"),
        "bare_rps_before": bare_before["rps"], "bare_rps_after": bare_after["rps"], "bare_rps": bare_rps,
        "bare_p99_ms": bare_before["p99_us"] / 1000, "cpus": os.cpu_count(), "loadavg": os.getloadavg(),
        "python": platform.python_version(), **problems,
    }
    md = markdown(meta, results)
    print(md)
    (out / "results.md").write_text(md)
    (out / "results.json").write_text(json.dumps({"meta": meta, "pages": results}, indent=2, default=str))
    log(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    return 0


def markdown(meta: dict, results: list[dict]) -> str:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    lines = [
        f"## Load: {meta['database']}, commit {meta['commit']}, {meta['when']}",
        "",
        f"gunicorn {meta['workers']} workers"
        + (f" × {meta['threads']} threads" if meta["threads"] > 1 else " (sync)")
        + f"; wrk {meta['connections']} connections × {meta['seconds']} s per page; "
        f"{meta['cpus']} CPUs, load average at the end {meta['loadavg'][0]:.2f}; "
        f"PAGE_CACHE_SECONDS {meta.get('page_cache_seconds', '30 (default)')} (queries: counted with none kept). "
        f"Bare Flask app: {meta['bare_rps_before']:.0f} req/s before, {meta['bare_rps_after']:.0f} after "
        f"(ratio against the mean, {meta['bare_rps']:.0f}); p99 {meta['bare_p99_ms']:.1f} ms. "
        f"Server log: {meta['exceptions']} requests ended in an exception (500)"
        + (f" ({', '.join(meta['exception_paths'])})" if meta["exception_paths"] else "")
        + f", {meta['database_is_locked']} of them 'database is locked'; {meta['worker_timeouts']} worker timeouts. "
        "A request still waiting when wrk stops, or past wrk's 10 s timeout, is not in wrk's counts: "
        "the log is.",
        "",
        f"Targets: ratio ≥ {TARGET_RATIO}, p99 ≤ {TARGET_P99_MS:.0f} ms, 0 errors (non-2xx or socket), "
        f"≤ {TARGET_QUERIES} SQL statements per request.",
        "",
        "| page | role | path | req/s | p50 ms | p90 ms | p99 ms | non-2xx | ratio | queries | result |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        if "skipped" in r:
            lines.append(f"| {r['page']} | {r['role']} | `{r['path']}` | – | – | – | – | – | – | – | "
                         f"SKIPPED: {r['skipped']} |")
            continue
        failed = [k for k, ok in r["checks"].items() if not ok]
        errors = str(r["non2xx"]) + (f" (+{r['errors'] - r['non2xx']} socket)" if r["errors"] > r["non2xx"] else "")
        if r["first_status"] != 200:
            errors += f" (first GET {r['first_status']})"
        queries = str(r["queries"]) + (f" (answered {r['status']})" if r["status"] != 200 else "")
        lines.append(
            f"| {r['page']} | {r['role']} | `{r['path']}` | {r['rps']:.1f} | {fmt_ms(r['p50_us'])} | "
            f"{fmt_ms(r['p90_us'])} | {fmt_ms(r['p99_us'])} | {errors} | {r['ratio']:.3f} | {queries} | "
            f"{mark(r['pass'])}{'' if r['pass'] else ' (' + ', '.join(failed) + ')'} |")
    passed = sum(1 for r in results if r.get("pass"))
    lines += ["", f"{passed} of {len(results)} pages meet every target.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
