"""Backups are consistent while the app writes, and a restore proves it: into a fresh empty
database, every table's count and checksum equals the manifest, and the backup holds exactly
the rows committed at its moment (the committed ids up to its last form a prefix)."""
from __future__ import annotations

import json
import threading
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal import audit, create_app, transaction
from portal.audit import AuditEvent
from portal.extensions import db
from portal.ops import backup


@contextmanager
def fresh_database(app, tmp_path):
    """The URL of a new, empty database of the test's engine; a PostgreSQL one is dropped after."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"test_ops_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class Writer(threading.Thread):
    """Commits audit entries one by one, through the app's own models, until stopped."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.committed, self.stop, self.failed = app, [], threading.Event(), None

    def run(self):
        with self.app.app_context():
            try:
                n = 0
                while not self.stop.is_set():
                    n += 1
                    with transaction.unit():
                        entry = audit.record(None, "ops_backup_test", actor_label="writer", summary=f"entry {n}")
                        db.session.flush()
                        entry_id = entry.id
                    self.committed.append(entry_id)
            except Exception as exc:  # noqa: BLE001 - the test reports it
                self.failed = exc
            finally:
                db.session.remove()


def _ids(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT id FROM audit_events ORDER BY id")).scalars())
    finally:
        engine.dispose()


def test_a_backup_taken_while_the_app_writes_restores_to_exactly_what_was_committed(app, world, tmp_path):
    db.session.remove()
    writer = Writer(app)
    writer.start()
    try:
        while len(writer.committed) < 20 and writer.failed is None:
            writer.stop.wait(0.01)
        before = list(writer.committed)
        path = str(tmp_path / "portal.backup")
        manifest = backup.backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
        during = len(writer.committed)
        for _ in range(200):  # the writer goes on after the backup
            if len(writer.committed) > during + 5 or writer.failed:
                break
            writer.stop.wait(0.01)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.failed is None
    assert json.loads(open(backup.manifest_path(path)).read()) == manifest
    assert manifest["tables"]["users"]["rows"] == db.session.scalar(text("SELECT count(*) FROM users")) > 0

    with fresh_database(app, tmp_path) as target:
        checks = backup.restore(target, path)
        assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]
        assert {c.table for c in checks} >= {"audit_events", "users", "alembic_version"}
        restored = _ids(target)

    assert manifest["tables"]["audit_events"]["rows"] == len(restored)
    assert set(before) <= set(restored)  # all committed before the backup began
    last = max(restored)
    assert [i for i in writer.committed if i <= last] == restored  # ... and exactly the committed prefix
    assert len(writer.committed) > len(restored)  # the writer went on after the snapshot
    live = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert live[:len(restored)] == restored


def test_restore_refuses_a_database_that_is_not_empty(app, world, tmp_path):
    db.session.remove()
    path = str(tmp_path / "portal.backup")
    backup.backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
    result = app.test_cli_runner().invoke(args=["restore", path])
    assert result.exit_code != 0
    assert "The database is not empty" in result.output


def test_the_commands_print_each_table_ok_and_a_changed_backup_is_a_mismatch(app, world, tmp_path):
    db.session.remove()
    path = str(tmp_path / "portal.backup")
    result = app.test_cli_runner().invoke(args=["backup", path])
    assert result.exit_code == 0, result.output
    assert "users" in result.output and "Backup written" in result.output
    with fresh_database(app, tmp_path) as target:
        other = create_app({"SQLALCHEMY_DATABASE_URI": target, "SECRET_KEY": "x", "TESTING": True})
        with other.app_context():  # the command runs in the app whose context is current
            result = other.test_cli_runner().invoke(args=["restore", path])
            db.session.remove()
            db.engine.dispose()
        assert result.exit_code == 0, result.output
        assert "users" in result.output and "MISMATCH" not in result.output and "OK:" in result.output

    manifest = json.loads(open(backup.manifest_path(path)).read())
    manifest["tables"]["users"]["rows"] += 1  # as if a row had been lost
    with open(backup.manifest_path(path), "w") as f:
        json.dump(manifest, f)
    with fresh_database(app, tmp_path) as target:
        other = create_app({"SQLALCHEMY_DATABASE_URI": target, "SECRET_KEY": "x", "TESTING": True})
        with other.app_context():  # the command runs in the app whose context is current
            result = other.test_cli_runner().invoke(args=["restore", path])
            db.session.remove()
            db.engine.dispose()
        assert result.exit_code == 1
        assert "MISMATCH" in result.output
