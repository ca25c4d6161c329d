"""Issue 16: on SQLite a page that only audits its view holds the one write lock for the
audit entry alone, not while it renders; a GET view that writes anything else says so."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.pupils.models import Pupil
from tests.cases.test_service import open_case
from tests.factories import make_pupil


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")


def _statements(client, url):
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split())[:40])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def test_a_case_page_reads_without_the_write_lock_and_takes_it_only_for_its_audit_entry(sqlite_only, app, world):
    case = open_case(world, make_pupil(world.school_a, "Ada", "Lock"))
    client = app.test_client()
    client.login(world.user("ewo"))
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    seen = _statements(client, f"/cases/{case.id}")

    assert seen[0] == "BEGIN"  # a reader: other requests may write meanwhile
    writer = seen.index("BEGIN IMMEDIATE")
    assert seen[writer + 1:] == ["INSERT INTO audit_events (at, actor_id, "]  # the lock, for one row
    assert all(s.startswith("SELECT") for s in seen[1:writer])
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1


def test_a_form_that_writes_on_get_starts_as_a_writer(sqlite_only, app, world):
    case = open_case(world, make_pupil(world.school_a, "Bea", "Letter"))
    client = app.test_client()
    client.login(world.user("ewo"))
    seen = _statements(client, f"/cases/{case.id}/letters/new")
    assert seen[0] == "BEGIN IMMEDIATE" and seen.count("BEGIN IMMEDIATE") == 1


def test_a_list_without_pupil_data_never_takes_the_write_lock(sqlite_only, app, world):
    client = app.test_client()
    client.login(world.user("la_admin"))
    assert db.session.scalar(select(func.count()).select_from(Pupil)) == 0
    seen = _statements(client, "/organisations")
    assert "BEGIN IMMEDIATE" not in seen and not any(s.startswith("INSERT") for s in seen)
