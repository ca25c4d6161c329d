"""`seed_demo` for tests: the real seed once per run for each set of inputs, then a copy of what
it wrote.

The demo seed imports a term and a half of marks for 1,200 pupils through the real import: about
10 s on SQLite and 25-30 s on PostgreSQL, and a dozen tests read the demo. The first call for
given inputs into an empty database runs `portal.demo.seed_demo` and copies every table it
filled (rows, ids, the sequences' positions) and the documents it stored aside, in the test
database itself (a schema on PostgreSQL, an attached file on SQLite). A later call with the
same inputs into an empty database copies them back, in one transaction, and then does what
the seed does after its import (ANALYZE on PostgreSQL; memoised calendars and settings are
dropped). A call into a database that is not empty (seeding twice, a partnership seeded
before pupils existed) always runs the real seed, as does every call on a PostgreSQL server
where the tests are not a superuser (the copy goes back with the foreign-key triggers off).

The inputs are the arguments, today's date (the tests move the clock), the app's settings
and the reference tables the migrations fill (terms, bank holidays, register codes...): a
test that changed any of them gets a real seed of its own.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from flask import current_app, g
from sqlalchemy import text

from portal import demo
from portal.extensions import db

# Tables the migrations fill with reference data (tests/conftest.py keeps them between tests).
REFERENCE_DATA = {"register_codes", "terms", "stages", "bank_holidays", "reference_figures", "audit_form_versions",
                  "audit_criteria"}
# What the portal memoises for a request or a test's app context from the data (flask.g).
_MEMOS = ("_ambition_percent", "_calendar_base", "_calendar_terms", "_calendars", "_page_flags",
          "_reference_national", "_report_periods", "_school_phases", "_figure_groups")


class _Snapshot:
    def __init__(self, name: str, tables: list[str], sequences: dict[str, int], files: dict[str, bytes]):
        self.name = name  # the schema (PostgreSQL) or attached file (SQLite) holding the rows
        self.tables = tables
        self.sequences = sequences
        self.files = files


_SNAPSHOTS: dict[tuple, _Snapshot] = {}
_SNAPSHOT_SCHEMA_PREFIX = "demo_snapshot_"


def seed_demo(password: str, today=None, totp_secret: str | None = None, last_year: str = "term") -> bool:
    """`portal.demo.seed_demo`, taking the copy of an earlier real seed with the same inputs
    when the database is empty."""
    db.session.commit()  # as the seed does first: what the test added is written
    if not _can_copy() or not _empty():
        return demo.seed_demo(password, today=today, totp_secret=totp_secret, last_year=last_year)
    key = _key(password, today, totp_secret, last_year)
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        created = demo.seed_demo(password, today=today, totp_secret=totp_secret, last_year=last_year)
        if created:
            db.session.commit()
            _SNAPSHOTS[key] = _take(len(_SNAPSHOTS))
        return created
    _restore(snapshot)
    return True


def drop_snapshots() -> None:
    """Remove the copies (the end of a run, or a stale one from an interrupted run)."""
    _SNAPSHOTS.clear()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            for schema in conn.exec_driver_sql(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE %(prefix)s",
                    {"prefix": _SNAPSHOT_SCHEMA_PREFIX + "%"}).scalars().all():
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    else:
        for path in Path(db.engine.url.database or "").parent.glob(f"*.{_SNAPSHOT_SCHEMA_PREFIX}*"):
            path.unlink()


# ----- the parts ---------------------------------------------------------------------------------

def _tables() -> list[str]:
    return [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_DATA]


def _can_copy() -> bool:
    if db.engine.dialect.name != "postgresql":
        return True
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT current_setting('is_superuser')").scalar() == "on"


def _empty() -> bool:
    """No rows outside the reference tables, and (PostgreSQL) no id handed out since the
    tables were emptied: a seed now gets the same ids as the one that was copied."""
    with db.engine.connect() as conn:
        any_rows = " UNION ALL ".join(f"SELECT 1 FROM (SELECT 1 FROM {t} LIMIT 1) AS {t}" for t in _tables())
        if conn.exec_driver_sql(f"SELECT EXISTS ({any_rows})").scalar():
            return False
        if db.engine.dialect.name == "postgresql":
            return not _sequences(conn)
    return True


def _sequences(conn) -> dict[str, int]:
    """PostgreSQL: the position of each id sequence of the tables the tests empty, once moved."""
    ours = {f"{t}_id_seq" for t in _tables()}
    moved = conn.exec_driver_sql("SELECT sequencename, last_value FROM pg_sequences "
                                 "WHERE schemaname = current_schema() AND last_value IS NOT NULL").all()
    return {name: value for name, value in moved if name in ours}


def _key(password: str, today, totp_secret, last_year) -> tuple:
    from portal.timeutil import today as london_today

    settings = sorted((k, repr(v)) for k, v in current_app.config.items()
                      if isinstance(v, str | int | float | bool | type(None)))
    reference = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in sorted(REFERENCE_DATA):
            for row in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1"):
                reference.update(repr(tuple(row)).encode())
    totp_secret = totp_secret or current_app.config["DEMO_TOTP_SECRET"]  # as the seed does
    return (password, today, totp_secret, last_year, london_today(), tuple(settings), reference.hexdigest())


def _take(number: int) -> _Snapshot:
    """Copy every table the seed filled, the sequences' positions and the stored documents."""
    from portal.cases.documents import documents_dir

    files = {}
    with db.engine.connect() as conn:
        for name in conn.exec_driver_sql("SELECT stored_name FROM case_documents").scalars():
            files[name] = (documents_dir() / name).read_bytes()
    if db.engine.dialect.name == "postgresql":
        schema = f"{_SNAPSHOT_SCHEMA_PREFIX}{number}"
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            tables = [t for t in _tables() if conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {t})").scalar()]
            for table in tables:
                conn.exec_driver_sql(f'CREATE TABLE "{schema}".{table} AS TABLE {table}')
            sequences = _sequences(conn)
        return _Snapshot(schema, tables, sequences, files)
    path = f"{db.engine.url.database}.{_SNAPSHOT_SCHEMA_PREFIX}{number}"
    Path(path).unlink(missing_ok=True)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("ATTACH DATABASE ? AS snapshot", (path,))
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                tables = [t for t in _tables()
                          if cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]]
                for table in tables:
                    cursor.execute(f"CREATE TABLE snapshot.{table} AS SELECT * FROM main.{table}")
                has_sequences = cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone() is not None
                sequences = dict(cursor.execute("SELECT name, seq FROM sqlite_sequence").fetchall()) \
                    if has_sequences else {}
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        finally:
            cursor.execute("DETACH DATABASE snapshot")
    finally:
        raw.close()
    return _Snapshot(path, tables, sequences, files)


def _restore(snapshot: _Snapshot) -> None:
    from portal.attendance.imports import refresh_statistics
    from portal.cases.documents import documents_dir

    for name, data in snapshot.files.items():
        path = documents_dir() / name
        path.write_bytes(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    columns = {t.name: ", ".join(f'"{c.name}"' for c in t.columns) for t in db.metadata.sorted_tables}
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            # foreign keys are checked by triggers: off for this transaction (organisations and
            # users refer to each other); the rows are the ones the seed wrote, checked then
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for table in snapshot.tables:
                conn.exec_driver_sql(f'INSERT INTO {table} ({columns[table]}) '
                                     f'SELECT {columns[table]} FROM "{snapshot.name}".{table}')
            for sequence, value in snapshot.sequences.items():
                conn.execute(text("SELECT setval(:sequence, :value)"), {"sequence": sequence, "value": value})
        refresh_statistics()
    else:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("ATTACH DATABASE ? AS snapshot", (snapshot.name,))
            try:
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    cursor.execute("PRAGMA defer_foreign_keys = ON")  # organisations <-> users
                    for table in snapshot.tables:
                        cursor.execute(f"INSERT INTO main.{table} ({columns[table]}) "
                                       f"SELECT {columns[table]} FROM snapshot.{table}")
                    for name, seq in snapshot.sequences.items():
                        cursor.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, name))
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
                cursor.execute("COMMIT")
            finally:
                cursor.execute("DETACH DATABASE snapshot")
        finally:
            raw.close()
    for memo in _MEMOS:
        g.pop(memo, None)
    db.session.expire_all()
