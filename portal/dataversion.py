"""The data version: one stamp in the database (`data_versions`) that changes in the same
transaction as every write to what the attendance figures are read from (the aggregates, the
flags, the marks and weekly summaries, pupils, organisations, the calendar, local settings and
the national reference figures). A per-process cache of computed figures is keyed on it
(`cached`), so a page never shows figures older than the data it could read.

The bump cannot be forgotten by a write path: every statement the engine runs is watched
(`before_cursor_execute`); a write that names a watched table marks the connection, and the
transaction's commit (or the release of the savepoint it ran in) sets a new random stamp first,
on the same connection, in the same transaction. ORM flushes, bulk `insert()`/`update()`,
raw SQL, the importer, the refresh jobs, retention and the migrations all go through it.
The stamp is random, not a counter: a rolled-back transaction can never hand a later one a
stamp that once stood for other data. `bump()` sets a new stamp by hand."""
from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from typing import Any, Callable, TypeVar

from flask import g, has_request_context
from sqlalchemy import BigInteger, Integer, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model, db

# Tables the figures (LA and school pictures, TSM meetings, the school attendance view) read.
WATCHED = (
    "period_cells", "threshold_crossings", "pupil_flags", "school_week_codes", "report_periods",
    "pupil_periods", "pupil_weeks", "attendance_marks", "register_codes", "terms", "bank_holidays",
    "school_closures", "local_settings", "reference_figures", "organisations", "pupils",
)
_WATCHED_RE = re.compile(r"\b(?:%s)\b" % "|".join(WATCHED), re.IGNORECASE)
_WRITE_RE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.IGNORECASE)
_PENDING = "data_version_pending"
_READY = "data_versions_exists"
_READS = ("SELECT", "select", "PRAGMA", "pragma", "SAVEPOI", "RELEASE", "ROLLBAC", "BEGIN", "begin")


class DataVersion(Model):
    """One row (id 1): the stamp of the figures' inputs."""
    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


def _new_stamp_sql() -> str:
    return f"UPDATE data_versions SET version = {secrets.randbits(62)} WHERE id = 1"


@event.listens_for(Engine, "before_cursor_execute")
def _watch(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip()[:7].startswith(_READS) or conn.info.get(_PENDING):
        return
    if "data_versions" in statement or not _WATCHED_RE.search(statement):
        return
    if statement.lstrip()[:4].upper() == "WITH" and not _WRITE_RE.search(statement):
        return  # a read with common table expressions
    conn.info[_PENDING] = True


def _stamp(conn) -> None:
    if conn.info.pop(_PENDING, False):
        cursor = conn.connection.cursor()
        try:
            if not conn.info.get(_READY):  # before migration 0022 (the migrations themselves) there is none
                cursor.execute("SELECT to_regclass('data_versions') IS NOT NULL" if conn.dialect.name == "postgresql"
                               else "SELECT count(*) FROM sqlite_master WHERE name = 'data_versions'")
                if not cursor.fetchone()[0]:
                    return
                conn.info[_READY] = True
            cursor.execute(_new_stamp_sql())
        finally:
            cursor.close()


@event.listens_for(Engine, "commit")
def _on_commit(conn):
    _stamp(conn)


@event.listens_for(Engine, "release_savepoint")
def _on_release(conn, name, context):
    _stamp(conn)


@event.listens_for(Engine, "rollback")
def _on_rollback(conn):
    conn.info.pop(_PENDING, None)


def bump() -> None:
    """A new stamp, in the session's transaction (for a change the watch cannot see)."""
    db.session.execute(text(_new_stamp_sql()))


def current() -> int | None:
    """The stamp the figures were computed under, read once per request; None (do not cache)
    when there is no stamp or this transaction has written figures' inputs not yet committed."""
    conn = db.session.connection()
    if conn.info.get(_PENDING):
        return None
    if has_request_context():
        memo = g.get("_data_version", _MISSING)
        if memo is not _MISSING:
            return memo
    version = conn.execute(text("SELECT version FROM data_versions WHERE id = 1")).scalar()
    if has_request_context():
        g._data_version = version
    return version


def forget() -> None:
    g.pop("_data_version", None)


_MISSING: Any = object()
_MAX_ENTRIES = 512
_cache: OrderedDict[tuple, Any] = OrderedDict()
_cache_version: list[int | None] = [None]
_lock = threading.Lock()
T = TypeVar("T")


def cached(key: tuple, compute: Callable[[], T]) -> T:
    """compute(), remembered for this process under (data version, key); at most _MAX_ENTRIES
    entries, the least recently used dropped first, all of them when the version changes.
    What is cached must be data only (never what depends on who asks), and never mutated."""
    version = current()
    if version is None:
        return compute()
    full = (version, *key)
    with _lock:
        if _cache_version[0] != version:
            _cache.clear()
            _cache_version[0] = version
        value = _cache.get(full, _MISSING)
        if value is not _MISSING:
            _cache.move_to_end(full)
            return value
    value = compute()
    with _lock:
        if _cache_version[0] == version:
            _cache[full] = value
            while len(_cache) > _MAX_ENTRIES:
                _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()
