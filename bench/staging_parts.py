"""Experiment: what the import's "check rows + stage" phase costs, part by part, on the CSV
and database that import_and_pages.py left behind (bench/out/marks-full.csv, bench/out/bench.db).
Writes only to a TEMP table, rolled back.

    .venv/bin/python bench/staging_parts.py [--db bench/out/bench.db --csv bench/out/marks-full.csv]

  1. read the CSV with csv.reader and map UPN -> pupil id (what any import must do);
  2. 1 + the import's own staging executemany (portal.attendance.imports._staging_sql) into its
     TEMP table, the rows built as the import builds them, batches of 20,000;
  3. 1 + the same rows into a TEMP table with the same key but a plain INSERT (no ON CONFLICT
     clause), to see what the duplicate-detecting upsert costs.
Compare with the whole phase in import_and_pages.py's results and its plain executemany floor.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_and_pages import make_app, to_url  # noqa: E402

BATCH = 20_000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "bench" / "out" / "bench.db"))
    ap.add_argument("--csv", default=str(ROOT / "bench" / "out" / "marks-full.csv"))
    args = ap.parse_args()

    from sqlalchemy import select

    from portal.attendance import calc
    from portal.attendance.imports import _staging_sql
    from portal.extensions import db
    from portal.pupils.models import Pupil

    app = make_app(to_url(args.db))
    with app.app_context():
        ids = {upn: pid for pid, upn in db.session.execute(select(Pupil.id, Pupil.upn))}
        db.session.remove()
        create, insert = _staging_sql("sqlite")
        n_cols = insert.split("VALUES", 1)[1].split(")", 1)[0].count("?")
        raw = db.engine.raw_connection()
        con = raw.driver_connection
        weeks: dict[str, str] = {}

        def rows():
            with open(args.csv, newline="", encoding="utf-8-sig") as f:
                reader = csv.reader(f)
                next(reader)
                row_no = 1
                for upn, day, session, code in reader:
                    row_no += 1
                    week = weeks.get(day)
                    if week is None:
                        week = weeks[day] = calc.week_start(date.fromisoformat(day)).isoformat()
                    if n_cols == 6:
                        yield (ids[upn], day, session, code, week, row_no)
                    else:
                        yield (ids[upn], day, session, code, row_no)

        def run(label: str, sql: str | None) -> None:
            cur = con.cursor()
            cur.execute("BEGIN")
            if sql:
                cur.execute("DROP TABLE IF EXISTS import_staging")
                cur.execute(create)
            t0 = time.perf_counter()
            n = 0
            batch = []
            for row in rows():
                batch.append(row)
                if len(batch) >= BATCH:
                    if sql:
                        cur.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
            if batch and sql:
                cur.executemany(sql, batch)
            n += len(batch)
            secs = time.perf_counter() - t0
            cur.execute("ROLLBACK")
            cur.close()
            print(f"  {label:<70} {secs:6.1f} s  {n / secs:>10,.0f} rows/s", flush=True)

        print(f"{args.csv} into TEMP tables of {args.db}")
        run("1. csv.reader + UPN -> id + row tuples (no database)", None)
        run("2. 1 + the import's staging executemany (INSERT .. ON CONFLICT DO UPDATE)", insert)
        run("3. 1 + the same rows, plain INSERT into the same TEMP table",
            insert.split(" ON CONFLICT", 1)[0])
        raw.close()
        db.engine.dispose()


if __name__ == "__main__":
    main()
