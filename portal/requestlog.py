"""One structured line per request, on the logger `portal.request` (JSON): the request id,
the user id, the route (the URL rule and endpoint, never the path with its query string: a
search may hold a child's name), the method, the status, the duration in ms and the number of
database queries.

No personal data: no names, UPNs, e-mail addresses, free text or query strings.

Every request has an id: an incoming `X-Request-ID` is kept when it is a safe token (a proxy
or load balancer's id, so the lines join up), else a new one. It goes back in the
`X-Request-ID` header and on the error pages, so a person can quote it to the service desk.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger("portal.request")

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
HEADER = "X-Request-ID"


@event.listens_for(Engine, "before_cursor_execute")
def _count_query(conn, cursor, statement, parameters, context, executemany):
    if has_request_context() and "request_queries" in g:
        g.request_queries += 1


def request_id() -> str | None:
    """This request's id (None outside a request); made on first use, so a page answered
    before this module's hook ran (a CSRF refusal) shows it too."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = _incoming_id() or uuid.uuid4().hex
    return g.request_id


def _incoming_id() -> str | None:
    value = request.headers.get(HEADER, "")
    return value if SAFE_ID.fullmatch(value) else None


def _user_id() -> int | None:
    # Flask-Login keeps the loaded user in g: read it there, so a request that never asked
    # who is signed in (a static file) makes no query for the log line.
    # The request's transaction has ended by now and the user's attributes are expired: read the
    # id from its identity (no query), never `user.id` or `is_authenticated` (a refresh each).
    from sqlalchemy import inspect

    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is None or state.identity is None:
        return None  # anonymous, or not a stored user
    return state.identity[0]


def register(app: Flask) -> None:
    """Register before the other hooks: after_request functions run last-registered first,
    so this one sees the final status. Unless the logger is configured elsewhere (or under
    tests), its lines go to standard error, one JSON object each (gunicorn and systemd keep it)."""
    if not log.handlers and not app.testing and app.config.get("REQUEST_LOG", "stderr") == "stderr":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def _start():
        request_id()
        g.request_started = time.perf_counter()
        g.request_queries = 0

    @app.after_request
    def _log(response):
        response.headers[HEADER] = request_id()
        started = g.get("request_started")
        rule = request.url_rule
        line = {
            "request_id": g.request_id,
            "user_id": _user_id(),
            "route": rule.rule if rule is not None else None,
            "endpoint": request.endpoint,
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "queries": g.get("request_queries", 0),
        }
        log.info(json.dumps(line, separators=(",", ":")))
        return response
