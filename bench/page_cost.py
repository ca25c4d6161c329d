"""Crawl every page each demo role can reach and print what one request of it costs.

    DATABASE_URL=sqlite:////tmp/demo/portal.db DEMO_PASSWORD=... .venv/bin/python bench/page_cost.py [--roles ewo,...]

Runs in-process (Flask test client, no server) on a seeded demo database: for each demo login
it signs in (password and the demo authenticator's code), follows every internal GET link from
the home page (tests/crawl.py: one URL per route and argument shape, at most --max per role),
and for each page records the SQL statements run (transaction control left out) and the wall
time of the request (median of --runs). Prints the pages by query count, worst first, and
writes bench/out/page_cost.json. Read-only: it never posts. tests/test_page_queries.py holds
the same crawl to a fixed number of queries.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roles", default="")
    parser.add_argument("--max", type=int, default=80)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "page_cost.json"))
    args = parser.parse_args()

    from portal import create_app
    from portal.demo import demo_logins
    from tests.crawl import counting, crawl
    from tests.pages import PortalClient

    app = create_app({"RATELIMIT_ENABLED": False})
    app.test_client_class = PortalClient
    logging.getLogger("portal.request").disabled = True
    password = os.environ.get("DEMO_PASSWORD", "demo-password-1")
    wanted = {r for r in args.roles.split(",") if r}
    results = []
    with app.app_context():
        seen_roles = set()
        for email, role in demo_logins():
            if (wanted and role not in wanted) or role in seen_roles:
                continue
            seen_roles.add(role)
            client = app.test_client()
            client.checks_pages = False
            client.login(email, password)
            for url in crawl(client, "/", args.max):
                times, counts = [], []
                for _ in range(args.runs):
                    with counting() as statements:
                        started = time.perf_counter()
                        client.get(url)
                        times.append((time.perf_counter() - started) * 1000)
                    counts.append(len(statements))
                results.append({"role": role, "url": url, "queries": max(counts),
                                "ms": round(statistics.median(times), 1)})
    results.sort(key=lambda r: (-r["queries"], -r["ms"]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"{'queries':>7} {'ms':>7}  role          url")
    for r in results:
        print(f"{r['queries']:>7} {r['ms']:>7}  {r['role']:<13} {r['url']}")
    over = [r for r in results if r["queries"] > 25]
    print(f"\n{len(results)} pages; {len(over)} over 25 queries")


if __name__ == "__main__":
    main()
