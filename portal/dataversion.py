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
stamp that once stood for other data. `bump()` sets a new stamp by hand.

A second stamp (row 2, the records version) changes the same way with every write to any table
but the audit log (which every page view writes to): rendered pages are kept for a moment per
person under it (`portal.pagecache`). A write the watch cannot name (DDL, a `DO` block, a
statement it does not recognise) changes both."""
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
# Tables whose writes leave the records version alone: the audit log (every page view adds an
# entry; no page kept by portal.pagecache shows it) and the stamps themselves.
NOT_RECORDS = frozenset({"audit_events", "data_versions"})
_TARGET_RE = re.compile(r'^(?:(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+'
                        r'(?:"?\w+"?\.)?"?(\w+)', re.IGNORECASE)
_DDL = ("CREATE", "create", "DROP", "drop", "ALTER", "alter")
_PENDING = "data_version_pending"
_PENDING_RECORDS = "records_version_pending"
FIGURES, RECORDS = 1, 2
_READY = "data_versions_exists"
_READS = ("SELECT", "select", "PRAGMA", "pragma", "SAVEPOI", "RELEASE", "ROLLBAC", "BEGIN", "begin", "SET ", "set ",
          "SHOW", "show", "COMMIT", "commit", "EXPLAIN", "explain")


class DataVersion(Model):
    """Two rows: id 1 the stamp of the figures' inputs, id 2 the records version."""
    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


def _new_stamp_sql(ids: tuple[int, ...] = (FIGURES,)) -> list[str]:
    """One UPDATE per stamp, each a new random value."""
    return [f"UPDATE data_versions SET version = {secrets.randbits(62)} WHERE id = {i}" for i in ids]


@event.listens_for(Engine, "before_cursor_execute")
def _watch(conn, cursor, statement, parameters, context, executemany):
    head = statement.lstrip()
    if head[:7].startswith(_READS):
        return
    info = conn.info
    figures, records = info.get(_PENDING), info.get(_PENDING_RECORDS)
    if figures and records:
        return
    if head[:4].upper() == "WITH" and not _WRITE_RE.search(statement):
        return  # a read with common table expressions
    if not records and _writes_records(head):
        info[_PENDING_RECORDS] = True
    if not figures and "data_versions" not in statement and _WATCHED_RE.search(statement):
        info[_PENDING] = True


def _record_tables() -> frozenset[str]:
    """The application's tables whose writes change the records version (its models' tables but
    NOT_RECORDS): never a TEMP table or an import's staging, which no page reads."""
    tables = Model.metadata.tables
    seen = _tables_seen[0]
    if seen is None or seen[0] != len(tables):
        seen = _tables_seen[0] = (len(tables), frozenset(tables) - NOT_RECORDS)
    return seen[1]


_tables_seen: list[tuple[int, frozenset[str]] | None] = [None]


def _writes_records(head: str) -> bool:
    """Whether a statement (not a read) may change a table a page shows: an INSERT, UPDATE or
    DELETE into one of the application's tables; DDL naming one; anything else the watch cannot
    name (a `DO` block, a `WITH` that writes) is taken to."""
    target = _TARGET_RE.match(head)
    if target is not None:
        return target.group(1).lower() in _record_tables()
    if head.startswith(_DDL):
        words = set(re.findall(r"\w+", head[:300].lower()))
        return not words.isdisjoint(_record_tables())
    return True


def _stamp(conn) -> None:
    ids = tuple(i for i, flag in ((FIGURES, _PENDING), (RECORDS, _PENDING_RECORDS)) if conn.info.pop(flag, False))
    if ids:
        cursor = conn.connection.cursor()
        try:
            if not conn.info.get(_READY):  # before migration 0022 (the migrations themselves) there is none
                cursor.execute("SELECT to_regclass('data_versions') IS NOT NULL" if conn.dialect.name == "postgresql"
                               else "SELECT count(*) FROM sqlite_master WHERE name = 'data_versions'")
                if not cursor.fetchone()[0]:
                    return
                conn.info[_READY] = True
            for sql in _new_stamp_sql(ids):
                cursor.execute(sql)
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
    if conn.invalidated:  # its database connection was lost (and with it what it had written)
        return
    conn.info.pop(_PENDING, None)
    conn.info.pop(_PENDING_RECORDS, None)


def bump() -> None:
    """New stamps, in the session's transaction (for a change the watch cannot see)."""
    for sql in _new_stamp_sql((FIGURES, RECORDS)):
        db.session.execute(text(sql))


def _stamps() -> dict[int, int]:
    """Both stamps, read in one statement, once per request."""
    if has_request_context():
        memo = g.get("_data_versions", _MISSING)
        if memo is not _MISSING:
            return memo
    stamps: dict[int, int] = dict(db.session.execute(text("SELECT id, version FROM data_versions")).all())
    if has_request_context():
        g._data_versions = stamps
    return stamps


def with_stamps(stmt):  # noqa: ANN001, ANN201 - statements
    """`stmt` with both stamps as two more columns: the first statement of a request (the signed-in
    person, `portal._load_user`) reads them too, one round trip to the database fewer per page.
    Read before the page's own data, a stamp is never newer than what the page shows."""
    from sqlalchemy import select

    def stamp(n: int):  # noqa: ANN202
        return select(DataVersion.version).where(DataVersion.id == n).scalar_subquery()

    return stmt.add_columns(stamp(FIGURES).label("figures_stamp"), stamp(RECORDS).label("records_stamp"))


def remember_stamps(row) -> None:  # noqa: ANN001 - a row of `with_stamps`
    """Keep the stamps a `with_stamps` row read as this request's (what `_stamps` would read)."""
    if has_request_context() and "_data_versions" not in g:
        stamps = {FIGURES: row.figures_stamp, RECORDS: row.records_stamp}
        g._data_versions = {k: v for k, v in stamps.items() if v is not None}


def current() -> int | None:
    """The stamp the figures were computed under, read once per request; None (do not cache)
    when there is no stamp or this transaction has written figures' inputs not yet committed."""
    if db.session.connection().info.get(_PENDING):
        return None
    return _stamps().get(FIGURES)


def records() -> int | None:
    """The records version, read once per request (with the figures' stamp); None (do not keep
    a page) when there is none or this transaction has written anything not yet committed."""
    info = db.session.connection().info
    if info.get(_PENDING_RECORDS) or info.get(_PENDING):
        return None
    return _stamps().get(RECORDS)


def forget() -> None:
    g.pop("_data_versions", None)


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
