"""Crawl every page each demo role can reach and print what one request of it costs.

    DATABASE_URL=sqlite:////tmp/demo/portal.db DEMO_PASSWORD=... .venv/bin/python bench/page_cost.py [--roles ewo,...]

Runs in-process (Flask test client, no server): for each demo login it signs in (password and
the demo authenticator's code), follows every internal GET link from the home page breadth-first
(one URL per route and argument shape, at most --max pages per role), and for each page records
the SQL statements run and the wall time of the request (median of --runs). Prints the pages by
query count, worst first, and writes bench/out/page_cost.json. Read-only: it never posts.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = re.compile(r"/(logout|static|download|export|csv|pdf)|\.csv|\.pdf|/letters/\d+/file|/documents/\d+$")


def shape(url: str) -> str:
    path, _, query = url.partition("?")
    path = re.sub(r"/\d+", "/N", path)
    keys = sorted({kv.split("=")[0] for kv in query.split("&") if kv})
    return path + ("?" + "&".join(keys) if keys else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roles", default="")
    parser.add_argument("--max", type=int, default=80)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "page_cost.json"))
    args = parser.parse_args()

    from portal import create_app
    from portal.demo import demo_logins
    from portal.extensions import db
    from tests.pages import PortalClient

    app = create_app({"RATELIMIT_ENABLED": False})
    app.test_client_class = PortalClient
    password = os.environ.get("DEMO_PASSWORD", "demo-password-1")
    wanted = {r for r in args.roles.split(",") if r}
    results = []
    with app.app_context():
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        seen_roles = set()
        for email, role in demo_logins():
            if (wanted and role not in wanted) or role in seen_roles:
                continue
            seen_roles.add(role)
            client = app.test_client()
            client.checks_pages = False
            client.login(email, password)
            queue, shapes = deque(["/"]), set()
            while queue and len(shapes) < args.max:
                url = queue.popleft()
                if shape(url) in shapes or SKIP.search(url):
                    continue
                shapes.add(shape(url))
                times, counts = [], []
                for _ in range(args.runs):
                    statements.clear()
                    t = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - t) * 1000)
                    counts.append(len(statements))
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                results.append({"role": role, "url": url, "shape": shape(url), "queries": max(counts),
                                "ms": round(statistics.median(times), 1)})
                for link in HREF.findall(response.get_data(as_text=True)):
                    link = link.replace("&amp;", "&")
                    if shape(link) not in shapes:
                        queue.append(link)
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
