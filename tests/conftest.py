"""Tests run against a real database: a temporary SQLite file by default, PostgreSQL when
TEST_DATABASE_URL is set. The schema is built by the migrations (not create_all), once per
run; every test starts from empty tables."""
from __future__ import annotations

import os

import flask_migrate
import pytest
from sqlalchemy import text

from portal import create_app
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
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
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
REFERENCE_DATA = {"register_codes", "terms", "stages", "bank_holidays", "reference_figures"}


def _empty_tables() -> None:
    db.session.remove()
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_DATA]
    if db.engine.dialect.name == "postgresql":
        # TRUNCATE costs ~0.2 s a test even for a few tables; most tests touch a few. Empty
        # those with rows, and those whose id sequence moved (a rolled-back insert leaves the
        # table empty but the next id changed), so every test starts from ids 1.
        with db.engine.begin() as conn:
            # each table with rows, and whether it has many (a seeded demo: DELETE would be slow)
            with_rows = " UNION ALL ".join(
                f"SELECT '{t}', EXISTS (SELECT 1 FROM {t} OFFSET {MANY_ROWS}) WHERE EXISTS (SELECT 1 FROM {t})"
                for t in tables)
            found = dict(conn.exec_driver_sql(with_rows).all())
            dirty, many = set(found), any(found.values())
            moved = set(conn.exec_driver_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
                "AND last_value IS NOT NULL").scalars())
            dirty |= {t for t in tables if f"{t}_id_seq" in moved}
            if dirty and not many and conn.exec_driver_sql("SELECT current_setting('is_superuser')").scalar() == "on":
                # DELETE of a few rows is much quicker than TRUNCATE (which swaps each table's
                # files); foreign-key triggers are off for this transaction only (a superuser's
                # right), so the order does not matter (organisations <-> users refer to each other).
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for name in sorted(dirty):
                    conn.exec_driver_sql(f"DELETE FROM {name}")
                    if f"{name}_id_seq" in moved:
                        conn.exec_driver_sql(f"ALTER SEQUENCE {name}_id_seq RESTART")
            elif dirty:
                conn.execute(text(f"TRUNCATE {', '.join(sorted(dirty))} RESTART IDENTITY CASCADE"))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # organisations <-> users
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))


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
