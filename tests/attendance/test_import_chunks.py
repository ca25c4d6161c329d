"""A marks import merges in chunks of pupils, one commit each (issue 16): other writers get the
SQLite write lock between chunks, and an import stopped mid-merge is rolled forward from its
staging to exactly what an uninterrupted import writes."""
from __future__ import annotations

import os
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import OperationalError

from portal import audit, transaction
from portal.attendance import aggregates, imports
from portal.attendance.models import ImportJob
from portal.audit import AuditEvent
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY
from tests.factories import make_pupil

pytestmark = pytest.mark.skipif(
    "postgresql" in os.environ.get("TEST_DATABASE_URL", ""),
    reason="chunks share SQLite's write lock; on PostgreSQL the merge is one transaction")

WEEKS = (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16))
CODES = ("/", "\\", "/", "\\", "N", "/", "U", "\\", "I", "/", "O", "L", "/", "\\", "#")
# what an import writes: compared between an interrupted-and-resumed import and a whole one
WRITTEN = ("attendance_marks", "pupil_weeks", "mark_changes", "threshold_crossings", "pupil_flags",
           "report_periods", "pupil_periods", "school_week_codes", "period_cells")
VOLATILE = {"id", "computed_at", "changed_at", "detected_at", "import_job_id"}  # times and ids


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def _csv(tmp_path, name: str, upns: list[str], shift: int = 0) -> str:
    path = tmp_path / name
    lines = ["upn,date,session,code"]
    for i, upn in enumerate(upns):
        k = i * 7 + shift
        for monday in WEEKS:
            for d in range(5):
                day = (monday + timedelta(days=d)).isoformat()
                for session in ("AM", "PM"):
                    k += 1
                    lines.append(f"{upn},{day},{session},{CODES[(k * k + i) % len(CODES)]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _job(path: str, reason: str | None = None) -> int:
    """A running marks job for the file (committed, and the session closed: on SQLite a test's
    open transaction would hold the write lock)."""
    job = ImportJob(kind="marks", school_id=None, status="running", filename=os.path.basename(path), path=path,
                    size_bytes=os.path.getsize(path), reason=reason)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    db.session.commit()
    db.session.remove()
    return job_id


def _snapshot() -> dict[str, list]:
    db.session.remove()
    out = {}
    with db.engine.connect() as conn:
        for table in WRITTEN:
            names = [c.name for c in db.metadata.tables[table].columns if c.name not in VOLATILE]
            out[table] = sorted(tuple(str(v) for v in row) for row in conn.execute(
                text(f"SELECT {', '.join(names)} FROM {table}")))
    return out


def _forget_marks() -> None:
    with transaction.unit():
        for table in WRITTEN:
            db.session.execute(delete(db.metadata.tables[table]))


def test_other_writers_get_the_lock_between_chunks(app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_PUPILS", 10)
    pupils = [make_pupil(world.school_a if i % 2 else world.school_b).upn for i in range(60)]
    db.session.commit()
    job_id = _job(_csv(tmp_path, "marks.csv", pupils))
    chunk_times: list[float] = []
    writes: list[float] = []
    errors: list[BaseException] = []
    importing = threading.Event()

    def run_import():
        with app.app_context():
            try:
                importing.set()
                imports.import_marks(db.session.get(ImportJob, job_id), today=TODAY,
                                     progress=lambda percent, phase: chunk_times.append(time.perf_counter())
                                     if phase == "Saving marks" and percent > 85 else None)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    def write_small_things():
        # small writes through the app's session, with the app's real busy timeout
        with app.app_context():
            importing.wait()
            try:
                while importer.is_alive():
                    with transaction.unit():
                        audit.record(None, "test_write", object_type="Test", object_id=len(writes),
                                     summary="a small write during an import")
                    writes.append(time.perf_counter())
                    time.sleep(0.01)
            except OperationalError as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    importer = threading.Thread(target=run_import)
    writer = threading.Thread(target=write_small_things)
    importer.start()
    writer.start()
    importer.join(120)
    writer.join(120)

    assert not errors, errors  # no "database is locked"
    job = db.session.get(ImportJob, job_id)
    assert (job.status, job.chunks_total, job.chunks_merged, job.added) == ("done", 6, 6, 60 * 30)
    assert len(chunk_times) == 6
    # writers committed while the merge was under way, between its chunks' commits
    assert any(chunk_times[0] < t < chunk_times[-1] for t in writes), (chunk_times, writes[:5], writes[-5:])
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.verb == "test_write")) == len(writes)
    assert not os.path.exists(imports.staging_file(job_id, job.path))


class _Stopped(Exception):
    """The process 'dies' after a chunk's commit."""


def _import_both(tmp_path, pupils, stop_after: int | None, monkeypatch) -> int:
    """A first file for half the pupils, then a second for all of them that changes some marks
    (the merge path for the first half, the first-load path for the rest); the second one is
    stopped after `stop_after` chunks and rolled forward. The second job's id."""
    first = _job(_csv(tmp_path, "first.csv", pupils[: len(pupils) // 2]))
    imports.import_marks(db.session.get(ImportJob, first), today=TODAY)
    assert db.session.get(ImportJob, first).status == "done"
    second_id = _job(_csv(tmp_path, "second.csv", pupils, shift=3), reason="Corrected registers")
    second = db.session.get(ImportJob, second_id)
    path = second.path
    if stop_after is None:
        imports.import_marks(second, today=TODAY)
        return second_id

    def die(job_id, merged):
        if merged == stop_after:
            raise _Stopped()

    monkeypatch.setattr(imports, "after_chunk", die)
    with pytest.raises(_Stopped):
        imports.import_marks(second, today=TODAY)
    monkeypatch.undo()
    db.session.remove()
    stopped = db.session.get(ImportJob, second_id)
    assert (stopped.status, stopped.chunks_merged, stopped.chunks_total) == ("running", stop_after, 4)
    assert os.path.exists(imports.staging_file(second_id, path))  # kept, to roll forward from
    assert imports.finish_interrupted(second_id, today=TODAY) is True
    assert not os.path.exists(imports.staging_file(second_id, path))
    return second_id


def test_an_interrupted_merge_is_rolled_forward_to_the_same_result(app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_PUPILS", 10)
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_PAUSE_MS", 0)
    pupils = [make_pupil(world.school_a if i % 3 else world.school_b).upn for i in range(40)]
    db.session.commit()

    whole_id = _import_both(tmp_path, pupils, None, monkeypatch)
    whole = db.session.get(ImportJob, whole_id)
    expected_counts = (whole.status, whole.rows, whole.added, whole.changed, whole.unchanged)
    assert whole.changed > 0 and whole.added == 20 * 30  # both paths taken
    expected = _snapshot()
    _forget_marks()

    resumed_id = _import_both(tmp_path, pupils, 2, monkeypatch)
    resumed = db.session.get(ImportJob, resumed_id)
    assert (resumed.status, resumed.rows, resumed.added, resumed.changed, resumed.unchanged) == expected_counts
    assert _snapshot() == expected
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.verb == "attendance_imported", AuditEvent.object_id == resumed_id)) == 1
    # and the dashboards' figures are what a full rebuild from the marks gives
    with transaction.unit():
        aggregates.refresh_all(TODAY)
    rebuilt = _snapshot()
    for table in ("school_week_codes", "pupil_periods", "period_cells"):
        assert rebuilt[table] == expected[table], table


def test_a_job_that_had_not_begun_merging_is_not_rolled_forward(world, tmp_path):
    upn = make_pupil(world.school_a).upn
    db.session.commit()
    job_id = _job(_csv(tmp_path, "marks.csv", [upn]))
    assert imports.finish_interrupted(job_id, today=TODAY) is False
    assert db.session.get(ImportJob, job_id).status == "running"


def test_recovery_rolls_a_begun_merge_forward_instead_of_failing_it(app, world, tmp_path, monkeypatch):
    """A worker that died mid-merge (issue 16): the stuck-job recovery finishes the import from
    its staging; it never marks a half-merged import failed."""
    import socket

    from portal.attendance import recovery

    monkeypatch.setitem(app.config, "IMPORT_CHUNK_PUPILS", 10)
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_PAUSE_MS", 0)
    pupils = [make_pupil(world.school_a).upn for _ in range(30)]
    db.session.commit()
    job_id = _job(_csv(tmp_path, "marks.csv", pupils))

    def die(job_id, merged):
        if merged == 1:
            raise _Stopped()

    monkeypatch.setattr(imports, "after_chunk", die)
    with pytest.raises(_Stopped):
        imports.import_marks(db.session.get(ImportJob, job_id), today=TODAY)
    monkeypatch.undo()
    db.session.remove()
    job = db.session.get(ImportJob, job_id)
    assert (job.status, job.chunks_merged, job.chunks_total) == ("running", 1, 3)
    job.worker = f"{socket.gethostname()}:999999999"  # a process that is gone
    db.session.commit()

    assert recovery.recover() == []  # none failed
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert (job.status, job.chunks_merged) == ("done", 3)
    assert job.added == 30 * len(WEEKS) * 5 * 2  # every mark of the file: the week's days, AM and PM


def test_a_pupil_deleted_during_the_merge_fails_its_chunk_as_a_foreign_key_would(app, world, tmp_path,
                                                                                monkeypatch):
    # the merge does not let SQLite look up each mark's pupil and code: it checks them per chunk
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_PUPILS", 1)
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_PAUSE_MS", 0)
    first, second = make_pupil(world.school_a), make_pupil(world.school_a)
    db.session.commit()
    second_id = second.id
    job_id = _job(_csv(tmp_path, "marks.csv", [first.upn, second.upn]))

    def delete_second(job, merged):
        if merged == 1:  # the pupil row alone (its other records aside), as if deleted meanwhile
            raw = db.engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA foreign_keys = OFF")
                raw.driver_connection.execute("DELETE FROM pupils WHERE id = ?", (second_id,))
                raw.driver_connection.commit()
            finally:
                raw.invalidate()

    monkeypatch.setattr(imports, "after_chunk", delete_second)
    with pytest.raises(db.engine.dialect.dbapi.IntegrityError, match="FOREIGN KEY"):
        imports.import_marks(db.session.get(ImportJob, job_id), today=TODAY)
    db.session.remove()
    job = db.session.get(ImportJob, job_id)
    assert (job.status, job.chunks_merged) == ("running", 1)
    assert db.session.scalar(text("SELECT COUNT(*) FROM attendance_marks WHERE pupil_id = :id"),
                             {"id": second_id}) == 0
    assert db.session.scalar(text("SELECT COUNT(*) FROM attendance_marks")) == 30
