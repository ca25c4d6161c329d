"""Connections idle in the pool for a while are pinged before use; those just used are not
(portal.dbping, in place of pool_pre_ping)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from portal import config, dbping


@pytest.fixture
def engine(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url, **config.engine_options(url, {}))
    dbping.ping_when_idle(engine)
    yield engine
    engine.dispose()


def _pings(engine, monkeypatch) -> list:
    seen: list = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection):
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def test_a_connection_just_used_is_not_pinged_one_idle_a_while_is(engine, monkeypatch):
    pings = _pings(engine, monkeypatch)
    for _ in range(3):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    assert pings == []  # new, then back in the pool a moment ago: no round trip to ask
    monkeypatch.setattr(dbping, "PING_AFTER_SECONDS", -1.0)  # every connection now counts as idle
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert len(pings) == 1


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def _terminate(engine, pids) -> None:
    """End these backends from outside the pool (the server restarting, as far as the pool sees)."""
    from sqlalchemy.pool import NullPool

    outside = create_engine(engine.url, poolclass=NullPool)
    with outside.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
    outside.dispose()


def test_an_idle_connection_the_server_closed_is_replaced_before_use(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that can close connections: PostgreSQL")
    pid = _backend_pid(engine)
    _terminate(engine, [pid])
    monkeypatch.setattr(dbping, "PING_AFTER_SECONDS", -1.0)
    # the closed connection is found by its ping and replaced
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_a_connection_closed_while_busy_fails_once_then_the_pool_renews(engine):
    """What is given up for the round trip saved: a connection used a moment ago is not asked,
    so the first statement on it fails if the server closed it; every older connection of the
    pool is then renewed."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that can close connections: PostgreSQL")
    with engine.connect() as a, engine.connect() as b:
        pids = {c.execute(text("SELECT pg_backend_pid()")).scalar() for c in (a, b)}
    _terminate(engine, pids)
    conn = engine.connect()
    with pytest.raises(exc.OperationalError, match="terminating connection"):
        conn.execute(text("SELECT 1"))
    conn.close()
    for _ in range(2):  # every connection made before the failure is renewed
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() not in pids
