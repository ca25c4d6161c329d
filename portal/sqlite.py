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


def _reading() -> bool:
    if not has_request_context() or request.method not in SAFE_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "writes_on_get", False) or g.get("sqlite_writes_done", False)


@event.listens_for(Engine, "begin")
def _on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # A connection may ask for a deferred start (the import's staging phase writes only to a
    # TEMP table and must not hold the main database's write lock meanwhile).
    deferred = conn.get_execution_options().get("sqlite_deferred", False)
    conn.exec_driver_sql("BEGIN" if deferred or _reading() else "BEGIN IMMEDIATE")
