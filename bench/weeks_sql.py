"""Experiment: the import's weekly-summary recompute (portal.attendance.imports.recompute_weeks)
against an alternative SQL that avoids SQLite's sort, on a database that import_and_pages.py
has filled (default bench/out/bench.db). Everything runs in one transaction that is rolled
back: the database is left as it was.

    .venv/bin/python bench/weeks_sql.py [--db bench/out/bench.db]

recompute_weeks (the merge path, when marks for those weeks may already exist) groups every
mark by (pupil, a per-row date expression for the Monday), so SQLite computes the expression
for each of the ~11.6 M marks and sorts them all in a temp B-tree. The alternative joins a
small TEMP table of weeks (Monday, Sunday) and walks pupils in id order, then weeks in order,
then one primary-key range of marks per (pupil, week): the rows arrive already grouped, so
there is no sort and no per-row date arithmetic.

The first-load path (insert_weeks from the staging table) is timed as the import has it now
and against a staging table keyed (pupil_id, week_start, date, session), which stores the
rows in group order (no sort), and against that without the join to register_codes.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_and_pages import make_app, to_url  # noqa: E402

COLUMNS = ("SUM(CASE WHEN c.category <> 'not_possible' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN c.category IN ('present', 'approved') THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN c.category = 'approved' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN c.category = 'authorised' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN c.category = 'unauthorised' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN m.code IN ('L', 'U') THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN m.code NOT IN ({closures}) THEN 1 ELSE 0 END), "
           "MAX(m.date)")


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t0
    print(f"  {label:<72} {secs:7.2f} s", flush=True)
    return out, secs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "bench" / "out" / "bench.db"))
    args = ap.parse_args()

    from sqlalchemy import text

    from portal.attendance import calc
    from portal.attendance.codes import CLOSURE_CODES
    from portal.attendance.imports import _staging_sql, recompute_weeks
    from portal.attendance.queries import week_start_sql
    from portal.extensions import db

    app = make_app(to_url(args.db))
    closures = ", ".join(f"'{c}'" for c in sorted(CLOSURE_CODES))
    cols = COLUMNS.format(closures=closures)
    with app.app_context():
        conn = db.engine.connect()
        results = {}
        with conn.begin() as tx:
            n_marks = conn.exec_driver_sql("SELECT COUNT(*) FROM attendance_marks").scalar()
            lo, hi = conn.exec_driver_sql("SELECT MIN(date), MAX(date) FROM attendance_marks").one()
            first = calc.week_start(date.fromisoformat(lo))
            last = calc.week_start(date.fromisoformat(hi)) + timedelta(days=6)
            print(f"{args.db}: {n_marks:,} marks, {lo} .. {hi}")
            create, _ = _staging_sql("sqlite")
            conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
            conn.exec_driver_sql(create)
            # whatever columns the import's staging table has today, filled as an import would
            fill = {"pupil_id": "pupil_id", "date": "date", "session": "session", "code": "code",
                    "week_start": week_start_sql("sqlite", "date"), "row_no": "0", "dup_rows": "NULL"}
            names = [row[1] for row in conn.exec_driver_sql("PRAGMA temp.table_info(import_staging)")]
            timed("set-up: fill TEMP import_staging with every mark (as an import would)",
                  lambda: conn.exec_driver_sql(
                      f"INSERT INTO import_staging ({', '.join(names)}) "
                      f"SELECT {', '.join(fill[n] for n in names)} FROM attendance_marks"))
            timed("part: SELECT DISTINCT pupil_id FROM import_staging (count)",
                  lambda: conn.exec_driver_sql(
                      "SELECT COUNT(*) FROM (SELECT DISTINCT pupil_id FROM import_staging)").scalar())

            _, results["current"] = timed(
                "current: recompute_weeks() (DELETE + INSERT .. GROUP BY pupil, week expression)",
                lambda: recompute_weeks(conn, "sqlite", "SELECT DISTINCT pupil_id FROM import_staging", first, last))
            conn.exec_driver_sql("CREATE TEMP TABLE ref AS SELECT * FROM pupil_weeks")

            conn.exec_driver_sql("CREATE TEMP TABLE weeks (week_start DATE PRIMARY KEY, week_end DATE NOT NULL) "
                                 "WITHOUT ROWID")
            weeks = []
            w = first
            while w <= last:
                weeks.append((w.isoformat(), (w + timedelta(days=6)).isoformat()))
                w += timedelta(days=7)
            conn.connection.dbapi_connection.executemany("INSERT INTO weeks VALUES (?, ?)", weeks)
            params = {"first": first, "last": last}

            def alternative():
                conn.execute(text(
                    "DELETE FROM pupil_weeks WHERE pupil_id IN (SELECT pupil_id FROM import_staging) "
                    "AND week_start >= :first AND week_start <= :last"), params)
                conn.exec_driver_sql(
                    "INSERT INTO pupil_weeks (pupil_id, week_start, possible, attended, approved, authorised, "
                    "unauthorised, late, open_sessions, last_date) "
                    f"SELECT p.id, w.week_start, {cols} "
                    "FROM pupils p CROSS JOIN weeks w CROSS JOIN attendance_marks m "
                    "JOIN register_codes c ON c.code = m.code "
                    "WHERE p.id IN (SELECT pupil_id FROM import_staging) "
                    "AND m.pupil_id = p.id AND m.date >= w.week_start AND m.date <= w.week_end "
                    "GROUP BY p.id, w.week_start")

            plan = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN SELECT p.id, w.week_start, {cols} "
                "FROM pupils p CROSS JOIN weeks w CROSS JOIN attendance_marks m "
                "JOIN register_codes c ON c.code = m.code WHERE p.id IN (SELECT pupil_id FROM import_staging) "
                "AND m.pupil_id = p.id AND m.date >= w.week_start AND m.date <= w.week_end "
                "GROUP BY p.id, w.week_start").all()
            _, results["alternative"] = timed(
                "alternative: DELETE + INSERT .. pupils x weeks x marks PK range, no sort", alternative)
            diff = conn.exec_driver_sql(
                "SELECT (SELECT COUNT(*) FROM (SELECT * FROM ref EXCEPT SELECT * FROM pupil_weeks)) + "
                "(SELECT COUNT(*) FROM (SELECT * FROM pupil_weeks EXCEPT SELECT * FROM ref))").scalar()
            rows = conn.exec_driver_sql("SELECT COUNT(*) FROM pupil_weeks").scalar()
            print(f"  pupil_weeks rows: {rows:,}; rows differing between the two: {diff}")
            print("  alternative plan: " + "; ".join(r[3] for r in plan))
            print(f"  speed-up: {results['current'] / results['alternative']:.1f}x")

            # The first-load path (no weeks there yet): the summaries straight from the staging
            # table, GROUP BY (pupil, staged week_start) – versus the same no-sort walk over staging.
            try:
                from portal.attendance.imports import insert_weeks
            except ImportError:
                insert_weeks = None
            if insert_weeks and "week_start" in names:
                def clear():
                    conn.execute(text("DELETE FROM pupil_weeks WHERE week_start >= :first AND week_start <= :last"),
                                 params)

                def check(label):
                    bad = conn.exec_driver_sql(
                        "SELECT (SELECT COUNT(*) FROM (SELECT * FROM ref EXCEPT SELECT * FROM pupil_weeks)) + "
                        "(SELECT COUNT(*) FROM (SELECT * FROM pupil_weeks EXCEPT SELECT * FROM ref))").scalar()
                    print(f"  {label}: rows differing from the recompute: {bad}")

                clear()
                _, results["staging"] = timed(
                    "current first load: insert_weeks(import_staging, s.week_start)",
                    lambda: insert_weeks(conn, "import_staging", "s.week_start"))
                check("current first load")
                plan1 = conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN SELECT s.pupil_id, s.week_start, {cols.replace('m.', 's.')} "
                    "FROM import_staging s JOIN register_codes c ON c.code = s.code "
                    "GROUP BY s.pupil_id, s.week_start").all()
                ddl = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_temp_master WHERE name = 'import_staging'").scalar()
                key = ddl.split("PRIMARY KEY", 1)[1].split(")", 1)[0] + ")"
                print("  its plan: " + "; ".join(r[3] for r in plan1) + f" (staging key {key.strip()})")
                clear()

                # Same GROUP BY, but over a staging table whose key is (pupil_id, week_start, date,
                # session): the rows are then stored in group order and SQLite needs no sort.
                # (week_start is a function of date, so the key is exactly as unique as before.)
                conn.exec_driver_sql(
                    "CREATE TEMP TABLE staging_by_week (pupil_id INTEGER NOT NULL, date TEXT NOT NULL, "
                    "session VARCHAR(2) NOT NULL, code VARCHAR(2) NOT NULL, week_start TEXT NOT NULL, "
                    "row_no INTEGER NOT NULL, dup_rows TEXT, PRIMARY KEY (pupil_id, week_start, date, session)) "
                    "WITHOUT ROWID")
                timed("set-up: fill TEMP staging_by_week (key pupil, week, date, session)",
                      lambda: conn.exec_driver_sql(
                          "INSERT INTO staging_by_week SELECT pupil_id, date, session, code, week_start, row_no, "
                          "dup_rows FROM import_staging"))
                plan2 = conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN SELECT s.pupil_id, s.week_start, {cols.replace('m.', 's.')} "
                    "FROM staging_by_week s JOIN register_codes c ON c.code = s.code "
                    "GROUP BY s.pupil_id, s.week_start").all()
                clear()
                _, results["staging_by_week"] = timed(
                    "alternative first load: insert_weeks(staging keyed by week), no sort",
                    lambda: insert_weeks(conn, "staging_by_week", "s.week_start"))
                check("alternative first load")
                print("  its plan: " + "; ".join(r[3] for r in plan2))
                print(f"  speed-up: {results['staging'] / results['staging_by_week']:.1f}x")
                # ... and without the per-row join to register_codes: the categories' codes inlined
                # as IN lists (read from register_codes once per import).
                by_cat: dict[str, list[str]] = {}
                for code, category in conn.exec_driver_sql("SELECT code, category FROM register_codes"):
                    by_cat.setdefault(category, []).append(code)

                def in_list(*cats):
                    codes = [c for cat in cats for c in by_cat.get(cat, [])]
                    return "(" + ", ".join("'" + c.replace("'", "''") + "'" for c in codes) + ")"

                possible = [c for c, in conn.exec_driver_sql(
                    "SELECT code FROM register_codes WHERE category <> 'not_possible'")]
                possible_in = "(" + ", ".join("'" + c.replace("'", "''") + "'" for c in possible) + ")"
                no_join = (
                    f"SUM(CASE WHEN s.code IN {possible_in} THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN s.code IN {in_list('present', 'approved')} THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN s.code IN {in_list('approved')} THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN s.code IN {in_list('authorised')} THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN s.code IN {in_list('unauthorised')} THEN 1 ELSE 0 END), "
                    "SUM(CASE WHEN s.code IN ('L', 'U') THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN s.code NOT IN ({closures}) THEN 1 ELSE 0 END), MAX(s.date)")
                clear()
                _, results["by_week_no_join"] = timed(
                    "alternative first load: staging keyed by week, codes inlined (no join, no sort)",
                    lambda: conn.exec_driver_sql(
                        "INSERT INTO pupil_weeks (pupil_id, week_start, possible, attended, approved, authorised, "
                        "unauthorised, late, open_sessions, last_date) "
                        f"SELECT s.pupil_id, s.week_start, {no_join} FROM staging_by_week s "
                        "GROUP BY s.pupil_id, s.week_start"))
                check("alternative first load, no join")
                print(f"  speed-up: {results['staging'] / results['by_week_no_join']:.1f}x")
            tx.rollback()
        conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
        conn.close()
        db.engine.dispose()


if __name__ == "__main__":
    main()
