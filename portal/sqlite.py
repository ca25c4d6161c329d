"""SQLite for the embedded mode: WAL, foreign keys, busy timeout, and writers that start
with BEGIN IMMEDIATE (a deferred transaction that later writes can fail with "database is
locked" even under WAL and busy_timeout)."""
from __future__ import annotations

import sqlite3

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event, below, issue BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def writes_on_get(view):
    """Mark a GET view that writes (for example the audit entry for viewing a child's
    record), so its SQLite transaction starts as a writer."""
    view.writes_on_get = True
    return view


def writes_done() -> None:
    """The request has committed (`portal.transaction`): what it still reads (a streamed
    download) starts as a reader again, holding no write lock."""
    g.sqlite_writes_done = True


def audits_on_get(view):
    """Mark a GET view whose only write is the audit entry of what it showed
    (`audit.viewing`): it reads as a reader, holding no write lock, and its entry is written in
    a short writer transaction of its own at the end (`start_audit_write`). On SQLite a page
    that held the one write lock for all of its rendering made every other request wait."""
    view.audits_on_get = True
    return view


def start_audit_write() -> None:
    """A view marked `audits_on_get` has answered: end its read (nothing was written, so the
    objects it loaded stay loaded) and let the next transaction, which writes the audit entry,
    start as a writer. Only on SQLite, only for safe methods: elsewhere one transaction serves."""
    from portal.extensions import db

    if not has_request_context() or request.method not in SAFE_METHODS or db.engine.dialect.name != "sqlite":
        return
    if getattr(current_app.view_functions.get(request.endpoint or ""), "writes_on_get", False):
        return  # a writer from the start: its audit entry joins its transaction
    session = db.session()
    if session.new or session.dirty or session.deleted or g.get("sqlite_read_wrote"):
        # a GET view that writes more than its audit entry: keep writing in its transaction
        # (the tests refuse it: mark such a view `writes_on_get`)
        if current_app.testing:
            raise RuntimeError(f"{request.endpoint} writes on GET besides its audit entry: mark it writes_on_get")
        g.sqlite_audit_write = True
        return
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()  # ends the read transaction: writes nothing
    finally:
        session.expire_on_commit = keep
    g.sqlite_audit_write = True


def _reading() -> bool:
    if not has_request_context() or request.method not in SAFE_METHODS:
        return False
    if g.get("sqlite_writes_done", False):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "writes_on_get", False):
        return False
    if getattr(view, "audits_on_get", False):
        return not g.get("sqlite_audit_write", False)
    return True


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    """Under tests: note a write made by a request inside a transaction started as a reader."""
    if (conn.dialect.name == "sqlite" and has_request_context() and current_app.testing
            and g.get("sqlite_reader") and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")):
        g.sqlite_read_wrote = True


@event.listens_for(Engine, "begin")
def _on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # A connection may ask for a deferred start (the import's staging phase writes only to a
    # TEMP table and must not hold the main database's write lock meanwhile).
    deferred = conn.get_execution_options().get("sqlite_deferred", False)
    reading = _reading()
    if has_request_context():
        g.sqlite_reader = reading
    conn.exec_driver_sql("BEGIN" if deferred or reading else "BEGIN IMMEDIATE")
