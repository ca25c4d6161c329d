"""What a portal worker's RSS is made of as it serves (issue 16, the soak's RSS target): the
app in this process under werkzeug's single-threaded server (one process, like a gunicorn sync
worker), every page of every role (bench/load.py's list) fetched pass after pass, and after
each pass the RSS beside the caches that fill as a worker warms up: SQLAlchemy's compiled
statement cache, Jinja's template cache, the modules imported, Python objects alive, and the
bytes Python has allocated (tracemalloc). Then, optionally, marks imports through the upload
form (the import runs in a thread of this process, as under gunicorn), with the RSS after each
and after glibc's `malloc_trim(0)` (memory the allocator holds but could give back).

    /work/main/.venv/bin/python bench/rss_probe.py --db bench/out/soak/portal.db [--passes 12]
        [--writes] [--import FILE --imports 2]

Run it on a database a soak run left (it writes: sign-ins, audit entries, the imports).
Prints one line per pass and the biggest tracemalloc growths between the third pass and the
last; nothing is asserted.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import os
import re
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import PAGES, resolve  # noqa: E402
from webbench import ROLES, ROOT, fill, find_form, log, rss_kib, server_env, sign_in  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="SQLite path or database URL of a seeded database")
    ap.add_argument("--passes", type=int, default=12)
    ap.add_argument("--import", dest="import_file", help="a marks CSV to upload as the LA admin after the passes")
    ap.add_argument("--imports", type=int, default=2)
    ap.add_argument("--writes", action="store_true",
                    help="each pass also: 5 chronology notes by the EWO and the school's marks file (FILE of "
                         "--school-file) uploaded by the school")
    ap.add_argument("--school-file", default=str(ROOT / "bench" / "out" / "soak" / "school-marks.csv"))
    ap.add_argument("--no-tracemalloc", action="store_true")
    args = ap.parse_args()

    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    env = server_env(url)
    env["MAX_UPLOAD_MB"] = "400"
    os.environ.update(env)
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.extensions import db

    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    libc = ctypes.CDLL("libc.so.6")
    pid = os.getpid()

    clients, urls = {}, {}
    for role in ROLES:
        clients[role] = sign_in(base, ROLES[role])
        found: dict = {}
        urls[role] = []
        for r, _name, path in PAGES:
            if r == role:
                try:
                    urls[role].append(resolve(clients[role], path, found))
                except LookupError as exc:
                    log(f"skip {role} {path}: {exc}")

    ewo = sign_in(base, ROLES["ewo"]) if args.writes else None
    school = sign_in(base, ROLES["school_staff"]) if args.writes else None
    case_id = re.findall(r'href="/cases/(\d+)"', ewo.get("/cases").text)[0] if ewo else None

    def upload(client, path: str, **values) -> None:
        page = client.get("/imports")
        form = find_form(page.text, r"/imports$", "/imports")
        resp = client.post("/imports", fill(form, kind="marks", **values),
                           files={"file": ("probe.csv", Path(path).read_bytes(), "text/csv")})
        job = re.search(r"/imports/(\d+)", resp.location or "")
        assert job, f"upload answered {resp.status}"
        while "hx-get" in client.get(f"/imports/{job.group(1)}/progress").text:
            time.sleep(0.5)

    def writes(n: int) -> None:
        for i in range(5):
            form = find_form(ewo.get(f"/cases/{case_id}").text, rf"/cases/{case_id}/chronology$")
            resp = ewo.post(form["action"], fill(form, kind="note", text=f"probe {n}.{i}: telephoned the parent."))
            assert resp.status in (302, 303), resp.status
        upload(school, args.school_file)

    def facts() -> dict:
        gc.collect()
        with app.app_context():
            compiled = len(db.engine._compiled_cache or {})
        return {"rss_mib": (rss_kib(pid) or 0) / 1024, "compiled": compiled, "jinja": len(app.jinja_env.cache or {}),
                "modules": len(sys.modules), "objects": len(gc.get_objects()),
                "traced_mib": tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else 0.0}

    def show(label: str, f: dict) -> None:
        print(f"{label:>14}: RSS {f['rss_mib']:6.1f} MiB, SQL cache {f['compiled']:4d}, Jinja cache {f['jinja']:3d}, "
              f"modules {f['modules']:5d}, objects {f['objects']:7d}, Python-allocated {f['traced_mib']:6.1f} MiB",
              flush=True)

    if not args.no_tracemalloc:
        tracemalloc.start(8)
    show("signed in", facts())
    snapshot = None
    for n in range(1, args.passes + 1):
        t0 = time.perf_counter()
        bad = 0
        for role, client in clients.items():
            for u in urls[role]:
                bad += client.get(u).status != 200
        if args.writes:
            writes(n)
        f = facts()
        show(f"pass {n}", f)
        if bad:
            print(f"    {bad} pages did not answer 200")
        if n == 3 and tracemalloc.is_tracing():
            snapshot = tracemalloc.take_snapshot()
        log(f"pass {n}: {time.perf_counter() - t0:.1f} s")
    if snapshot is not None:
        top = tracemalloc.take_snapshot().compare_to(snapshot, "traceback")[:8]
        print(f"Biggest growths from pass 3 to pass {args.passes} (tracemalloc):")
        for stat in top:
            print(f"  {stat.size_diff / 1024:+8.1f} KiB in {stat.count_diff:+6d} blocks at "
                  + " <- ".join(f"{Path(fr.filename).name}:{fr.lineno}" for fr in stat.traceback[:4]))
    if args.import_file:
        tracemalloc.stop()
        admin = sign_in(base, ROLES["la_admin"])
        for i in range(args.imports):
            upload(admin, args.import_file, school_id="")
            show(f"import {i + 1}", facts())
            libc.malloc_trim(0)
            show("malloc_trim", facts())
            for role, client in clients.items():
                for u in urls[role]:
                    client.get(u)
            show("pages again", facts())
    server.shutdown()
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
