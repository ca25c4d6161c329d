"""Verified backups and restores of the whole database.

- SQLite: the online backup API (`sqlite3.Connection.backup`, in one step), so the copy is one
  consistent snapshot while the app keeps writing; the row counts and checksums are computed
  on the copy itself.
- PostgreSQL: `pg_dump -Fc` of a snapshot exported by a REPEATABLE READ transaction
  (`pg_export_snapshot()`, `pg_dump --snapshot`); the counts and checksums are computed in
  that same transaction, so they describe exactly what the dump holds.

The manifest (PATH + ".manifest.json") holds, per table, its row count and the SHA-256 of its
rows in a canonical text form, ordered by primary key. A restore refuses a database that holds
any table, restores, recomputes both and compares them table by table.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, make_url

MANIFEST_SUFFIX = ".manifest.json"


class NotEmpty(Exception):
    """The database to restore into already holds tables."""


class BackupError(Exception):
    """A backup or a restore could not be made (a tool failed, a file is missing)."""


def manifest_path(path: str) -> str:
    return path + MANIFEST_SUFFIX


# ----- counts and checksums ----------------------------------------------------------------------

def _canonical(value: Any) -> str:
    """One value as text, the same way every time for the same engine."""
    if value is None:
        return "\\N"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _tables(conn: Connection) -> list[str]:
    return sorted(name for name in inspect(conn).get_table_names() if not name.startswith("sqlite_"))


def table_digests(conn: Connection) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "sha256": hex}} of every table the connection sees, read in its
    current transaction, rows ordered by primary key (by every column where there is none)."""
    insp = inspect(conn)
    quote = conn.dialect.identifier_preparer.quote
    result: dict[str, dict[str, Any]] = {}
    for table in _tables(conn):
        columns = [c["name"] for c in insp.get_columns(table)]
        keys = (insp.get_pk_constraint(table) or {}).get("constrained_columns") or columns
        digest, count = hashlib.sha256(), 0
        digest.update(("\t".join(columns) + "\n").encode())
        sql = (f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} "
               f"ORDER BY {', '.join(quote(c) for c in keys)}")
        for row in conn.execution_options(yield_per=2000).exec_driver_sql(sql):
            digest.update(("\t".join(_canonical(v) for v in row) + "\n").encode())
            count += 1
        result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


@dataclass
class Check:
    table: str
    expected: dict[str, Any] | None
    actual: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.expected is not None and self.expected == self.actual


def compare(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[Check]:
    return [Check(t, expected.get(t), actual.get(t)) for t in sorted(set(expected) | set(actual))]


# ----- backup ------------------------------------------------------------------------------------

def _sqlite_file(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("The database is not a file: there is nothing to back up.")
    return url.database


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Command-line connection arguments and environment for pg_dump / pg_restore."""
    args = []
    if url.host:
        args += ["-h", url.host]
    if url.port:
        args += ["-p", str(url.port)]
    if url.username:
        args += ["-U", url.username]
    args += ["-d", url.database or ""]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if key in url.query:
            env[var] = str(url.query[key])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (the PostgreSQL client tools are needed).")
    return found


def backup(database_url: str, path: str) -> dict[str, Any]:
    """Back the database up to `path` and write its manifest beside it; the manifest."""
    url = make_url(database_url)
    if os.path.exists(path):
        raise BackupError(f"{path} already exists: choose a new file name.")
    engine_name = url.get_backend_name()
    if engine_name == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        try:
            target = sqlite3.connect(path)
            try:
                source.backup(target)  # all pages in one step: one consistent snapshot
            finally:
                target.close()
        finally:
            source.close()
        os.chmod(path, 0o600)
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                tables = table_digests(conn)
        finally:
            engine.dispose()
    elif engine_name == "postgresql":
        args, env = _pg_args(url)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    snapshot: str = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                    done = subprocess.run([_tool("pg_dump"), "-Fc", "--no-owner", f"--snapshot={snapshot}",
                                           "-f", path, *args], env=env, capture_output=True, text=True)
                    if done.returncode:
                        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
                    tables = table_digests(conn)
        finally:
            engine.dispose()
        os.chmod(path, 0o600)
    else:
        raise BackupError(f"Backups of {engine_name} databases are not supported.")
    manifest = {"engine": engine_name, "format": "sqlite" if engine_name == "sqlite" else "pg_dump -Fc",
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "file": os.path.basename(path), "tables": tables}
    with open(manifest_path(path), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return manifest


# ----- restore -----------------------------------------------------------------------------------

def read_manifest(path: str) -> dict[str, Any]:
    try:
        with open(manifest_path(path), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise BackupError(f"There is no manifest beside the backup ({manifest_path(path)}).") from None


def _existing_tables(database_url: str) -> list[str]:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not os.path.exists(_sqlite_file(url)):
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _tables(conn)
    finally:
        engine.dispose()


def restore(database_url: str, path: str) -> list[Check]:
    """Restore the backup at `path` into an empty database; each table's check against the
    manifest. Raises NotEmpty (and changes nothing) when the database holds any table."""
    if not os.path.exists(path):
        raise BackupError(f"There is no backup at {path}.")
    manifest = read_manifest(path)
    url = make_url(database_url)
    engine_name = url.get_backend_name()
    if manifest.get("engine") != engine_name:
        raise BackupError(f"The backup is of a {manifest.get('engine')} database; this one is {engine_name}.")
    existing = _existing_tables(database_url)
    if existing:
        raise NotEmpty(f"The database is not empty (it holds {len(existing)} tables): "
                       "restore only into a new, empty database.")
    if engine_name == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(_sqlite_file(url))
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    else:
        args, env = _pg_args(url)
        done = subprocess.run([_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
                               *args, path], env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ") \
                if engine_name == "postgresql" else conn
            with conn.begin():
                actual = table_digests(conn)
    finally:
        engine.dispose()
    return compare(manifest["tables"], actual)
