"""Connections are checked before use only when they have sat unused in the pool for a while.

SQLAlchemy's `pool_pre_ping` asks the database "are you there?" every time a request takes a
connection from the pool: on PostgreSQL one more round trip per page, an eighth of a kept page's
time. A connection that was in use a moment ago is almost surely still open, so here only one
idle for more than `PING_AFTER_SECONDS` is pinged (with the dialect's own ping); one found closed
is dropped and the pool hands out another, as with `pool_pre_ping`.

What this gives up: when the database restarts while the portal is busy, a connection used
within the last few seconds is not pinged, so the first request on it fails (an error page)
and SQLAlchemy then discards every connection of that pool made before the failure: at most a
request per worker and pooled connection, once per restart."""
from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

PING_AFTER_SECONDS = 10.0
_LAST_USED = "portal_last_used"


def ping_when_idle(engine: Engine) -> None:
    """Install the checks on `engine` (once; `create_app` calls it with the app's engine)."""
    if getattr(engine, "_portal_pings", False):
        return
    engine._portal_pings = True  # type: ignore[attr-defined]
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _fresh(dbapi_connection, connection_record):  # noqa: ANN001, ANN202
        connection_record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _back(dbapi_connection, connection_record):  # noqa: ANN001, ANN202
        connection_record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _out(dbapi_connection, connection_record, connection_proxy):  # noqa: ANN001, ANN202
        last = connection_record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last <= PING_AFTER_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                # the pool drops this connection and checks out another (as pool_pre_ping does)
                raise exc.DisconnectionError(str(err)) from err
            raise
        connection_record.info[_LAST_USED] = time.monotonic()
