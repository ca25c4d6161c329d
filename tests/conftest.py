"""Tests run against a real database: a temporary SQLite file by default, PostgreSQL when
TEST_DATABASE_URL is set. The schema is built by the migrations (not create_all), once per
run; every test starts from empty tables."""
from __future__ import annotations

import functools
import os

import flask_migrate
import pytest
from sqlalchemy import text

from portal import config, create_app
from portal.extensions import db, limiter
from tests import demo
from tests.factories import build_world
from tests.pages import PortalClient


def _reset_schema(url: str) -> None:
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engine_options = config.engine_options(url, dict(os.environ))  # the production settings
    if url.startswith("postgresql"):
        # A commit does not wait for its WAL to reach the disk (~3 ms each, ~35,000 a run):
        # what other connections see is unchanged; only a crash of the server could lose the
        # last commits, of a database the run throws away.
        engine_options["connect_args"]["options"] += " -c synchronous_commit=off"
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SECRET_KEY": "test-secret-key",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PASSWORD_CHANGE_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
        "IMPORTS_INLINE": True,  # the web upload runs the real import in the request
        "DOCUMENTS_DIR": str(tmp_path_factory.mktemp("documents")),
    })
    app.test_client_class = PortalClient
    with app.app_context():
        _reset_schema(url)
        demo.drop_snapshots()
        flask_migrate.upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        demo.drop_snapshots()
        db.engine.dispose()


# Above this many rows in a table, TRUNCATE empties the tables quicker than DELETE.
MANY_ROWS = 2000

# Tables the migrations fill with reference data: kept between tests.
REFERENCE_DATA = {"register_codes", "terms", "stages", "bank_holidays", "reference_figures", "data_versions",
                  "audit_form_versions", "audit_criteria"}


def _empty_tables() -> None:
    db.session.remove()
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_DATA]
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql(_postgresql_emptying(tuple(tables), _superuser()))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # organisations <-> users
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))


@functools.cache
def _superuser() -> bool:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT current_setting('is_superuser')").scalar() == "on"


@functools.cache
def _postgresql_emptying(tables: tuple[str, ...], superuser: bool) -> str:
    """One statement (one round trip; a test used to spend ~40 on this) that empties the tables
    with rows, and those whose id sequence moved (a rolled-back insert leaves the table empty
    but the next id changed), so every test starts from ids 1. TRUNCATE costs ~0.2 s a test even
    for a few tables, and most tests touch a few: a few rows go by DELETE, with the foreign-key
    triggers off for this transaction only (a superuser's right), so the order does not matter
    (organisations <-> users refer to each other). A seeded demo (a table with many rows, where
    DELETE would be slow) or a database where the tests are no superuser: one TRUNCATE."""
    found = "\n".join(
        f"IF EXISTS (SELECT 1 FROM {t}) THEN dirty := dirty || '{t}'::text; "
        f"many := many OR EXISTS (SELECT 1 FROM {t} OFFSET {MANY_ROWS}); END IF;" for t in tables)
    sequences = ", ".join(f"'{t}_id_seq'" for t in tables)
    return f"""DO $$
DECLARE
    dirty text[] := '{{}}';
    moved text[];
    many boolean := false;
    name text;
BEGIN
    {found}
    SELECT coalesce(array_agg(sequencename::text), '{{}}') INTO moved FROM pg_sequences
        WHERE schemaname = current_schema() AND last_value IS NOT NULL AND sequencename IN ({sequences});
    FOREACH name IN ARRAY moved LOOP
        IF NOT left(name, -7) = ANY(dirty) THEN dirty := dirty || left(name, -7); END IF;
    END LOOP;
    IF cardinality(dirty) = 0 THEN
        RETURN;
    END IF;
    IF many OR NOT {'true' if superuser else 'false'} THEN
        EXECUTE 'TRUNCATE ' || array_to_string(dirty, ', ') || ' RESTART IDENTITY CASCADE';
        RETURN;
    END IF;
    SET LOCAL session_replication_role = replica;
    FOREACH name IN ARRAY dirty LOOP
        EXECUTE 'DELETE FROM ' || name;
    END LOOP;
    FOREACH name IN ARRAY moved LOOP
        EXECUTE 'ALTER SEQUENCE ' || name || ' RESTART';
    END LOOP;
END
$$"""


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield
        _empty_tables()
        limiter.reset()


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def other_client(app) -> PortalClient:
    """A second browser."""
    return app.test_client()


@pytest.fixture
def world():
    return build_world()
