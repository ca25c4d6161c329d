"""With REDIS_URL set, uploads are queued for an RQ worker (`flask --app portal worker`)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from portal.attendance.models import AttendanceMark
from portal.audit import AuditEvent
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY, latest_job, marks_csv, upload
from tests.factories import make_pupil

# its own Redis database, emptied before and after; a second suite running at the same time
# (CI runs SQLite and PostgreSQL side by side) names another with TEST_REDIS_URL
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_queue(app, monkeypatch):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379 to run the worker against")
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS)
    monkeypatch.setitem(app.config, "IMPORTS_INLINE", False)
    # the worker builds its own app from the environment, as in production
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    with clock.on(TODAY):
        yield connection
    connection.flushdb()


def test_upload_is_queued_and_a_worker_runs_it(client, world, redis_queue):
    from rq import Queue, SimpleWorker

    from portal.attendance.jobs import QUEUE

    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv([(pupil.upn, "2026-11-16", "AM", "/"), (pupil.upn, "2026-11-16", "PM", "N")]))
    assert latest_job().status == "queued"
    queue = Queue(QUEUE, connection=redis_queue)
    assert queue.count == 1
    db.session.commit()  # the test holds no transaction while the worker writes
    SimpleWorker([queue], connection=redis_queue).work(burst=True)
    job = latest_job()
    assert (job.status, job.added) == ("done", 2), job.message
    assert db.session.scalars(select(AttendanceMark.code).where(AttendanceMark.pupil_id == pupil.id)
                              .order_by(AttendanceMark.session)).all() == ["/", "N"]
    # The worker had no request: who and from where came with the job, and the upload is gone.
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "attendance_imported"))
    assert (entry.actor_id, entry.ip) == (world.user("school_staff").id, "127.0.0.1")
    assert not os.path.exists(job.path)


def test_an_import_thread_hands_freed_memory_back(monkeypatch):
    """glibc keeps what Python freed after an LA-wide file; the import thread trims it when it ends."""
    import platform

    from portal.attendance import jobs

    trimmed = jobs.give_back_memory()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert trimmed


def test_the_import_thread_trims_when_its_import_ends_even_after_an_error(app, monkeypatch):
    from portal.attendance import jobs

    calls = []
    monkeypatch.setattr(jobs, "give_back_memory", lambda: calls.append("trim") or True)

    def failing(job_id):
        calls.append(f"run {job_id}")
        raise RuntimeError("the import broke")

    monkeypatch.setattr(jobs, "run", failing)
    try:
        jobs._run_in_thread(app, 7)
    except RuntimeError:
        pass
    assert calls == ["run 7", "trim"]
