"""An import whose worker went away (a recycled gunicorn worker, a restart) does not stay
"running" for ever: it is marked failed, audited, and can be tried again from its kept file."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.attendance import jobs, recovery, service
from portal.attendance.imports import set_progress
from portal.attendance.models import AttendanceMark, ImportJob, ImportStatus
from portal.audit import AuditEvent
from portal.extensions import db
from portal.timeutil import utcnow
from tests import clock
from tests.attendance.helpers import TODAY, marks_csv
from tests.factories import make_import_job, make_pupil

HOST = socket.gethostname()


@pytest.fixture(autouse=True)
def _fixed_today():
    recovery.reset_throttle()
    with clock.on(TODAY):
        yield
    recovery.reset_throttle()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _running(world, worker: str | None, beat_minutes_ago: float | None, **kw) -> ImportJob:
    job = make_import_job(world.user("school_staff"), world.school_a, status="running", **kw)
    job.worker = worker
    job.heartbeat_at = None if beat_minutes_ago is None else utcnow() - timedelta(minutes=beat_minutes_ago)
    return job


def _week(pupil):
    return [(pupil.upn, f"2026-11-{16 + i // 2}", "AM" if i % 2 == 0 else "PM", "/") for i in range(10)]


def test_a_job_whose_worker_is_gone_or_silent_is_failed_and_a_live_one_is_left_alone(app, world, dead_pid):
    dead = _running(world, f"{HOST}:{dead_pid}", 0.5)                 # this host, process gone
    silent = _running(world, "other-host:123", 11)                    # no heartbeat for 11 minutes
    old_without_worker = _running(world, None, None)                  # from before 0020_jobs
    old_without_worker.created_at = utcnow() - timedelta(hours=2)
    alive = _running(world, recovery.this_worker(), 0.5)              # this very process
    elsewhere = _running(world, "other-host:123", 2)                  # another host, beating
    done = make_import_job(world.user("school_staff"), world.school_a, status="done")
    db.session.commit()

    failed = recovery.recover()

    assert sorted(failed) == sorted([dead.id, silent.id, old_without_worker.id])
    db.session.expire_all()
    for job in (dead, silent, old_without_worker):
        assert job.status == ImportStatus.failed and job.finished_at is not None
        assert job.message == ("The import stopped when the service restarted. Nothing was imported. "
                               "You can try it again.")
    assert alive.status == elsewhere.status == ImportStatus.running
    assert done.status == ImportStatus.done
    entries = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "attendance_import_failed")).all()
    assert sorted(e.object_id for e in entries) == sorted(failed)
    assert all("stopped when the service restarted" in e.summary and e.actor_id == world.user("school_staff").id
               for e in entries)
    assert recovery.recover() == []  # once only


def test_the_stale_limit_is_configurable(app, world):
    job = _running(world, "other-host:1", 6)
    db.session.commit()
    assert recovery.recover() == []
    app.config["IMPORT_STALE_MINUTES"] = 5
    try:
        assert recovery.recover() == [job.id]
    finally:
        app.config["IMPORT_STALE_MINUTES"] = 10


def test_progress_is_the_heartbeat(app, world):
    job = _running(world, "other-host:1", 30)
    job_id = job.id
    db.session.commit()  # (and no transaction of the session's open: the progress needs the write lock)
    set_progress(job_id, phase="Checking rows", progress=40)
    db.session.expire_all()
    assert utcnow() - job.heartbeat_at.replace(tzinfo=job.heartbeat_at.tzinfo or utcnow().tzinfo) < \
        timedelta(minutes=1)
    assert recovery.recover() == []


def test_a_job_run_here_says_who_runs_it(app, world):
    pupil = make_pupil(world.school_a)
    job = service.create_import_job(world.user("school_staff"), "marks", io.BytesIO(marks_csv(_week(pupil)).encode()),
                                    "marks.csv", school_id=None, origin="10.0.0.1")
    db.session.commit()
    jobs.run(job.id)
    db.session.expire_all()
    assert job.status == ImportStatus.done
    assert job.worker == f"{HOST}:{os.getpid()}" and job.heartbeat_at is not None


def test_the_command_recovers(app, world, dead_pid):
    job = _running(world, f"{HOST}:{dead_pid}", 1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "recover"])
    assert result.exit_code == 0 and f"failed: {job.id}" in result.output
    assert "No stopped import jobs." in app.test_cli_runner().invoke(args=["jobs", "recover"]).output


def _stopped_upload(world, dead_pid) -> ImportJob:
    pupil = make_pupil(world.school_a)
    job = service.create_import_job(world.user("school_staff"), "marks", io.BytesIO(marks_csv(_week(pupil)).encode()),
                                    "marks.csv", school_id=None, origin="10.0.0.1", status=ImportStatus.running)
    job.worker, job.heartbeat_at = f"{HOST}:{dead_pid}", utcnow()
    db.session.commit()
    return job


def test_the_job_page_fails_a_stopped_job_and_its_uploader_tries_it_again(app, world, client, dead_pid):
    job = _stopped_upload(world, dead_pid)
    path = job.path
    client.login(world.user("school_staff"))
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "The import stopped when the service restarted. Nothing was imported. You can try it again." in page
    assert "Try again" in page and os.path.isfile(path)  # the file was kept
    assert db.session.scalar(select(func.count()).select_from(AttendanceMark)) == 0  # nothing half-imported

    response = client.post_form(f"/imports/{job.id}/retry")
    assert response.status_code == 303
    retry = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert retry.id != job.id and response.headers["Location"].endswith(f"/imports/{retry.id}")
    assert retry.status == ImportStatus.done and retry.rows == 10  # ran (inline in tests)
    assert db.session.scalar(select(func.count()).select_from(AttendanceMark)) == 10
    assert not os.path.exists(path)  # the upload went when the retry ended
    db.session.expire_all()
    assert "Try again" not in client.get(f"/imports/{job.id}").get_data(as_text=True)  # once only
    assert client.post_form(f"/imports/{job.id}/retry").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 2
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "import_retried")).actor_id == \
        world.user("school_staff").id


def test_an_la_admin_may_try_it_again_another_school_user_may_not(app, world, client, other_client, dead_pid):
    job = _stopped_upload(world, dead_pid)
    recovery.recover()
    client.login(world.user("school_staff_b"))
    assert client.post_form(f"/imports/{job.id}/retry").status_code == 404
    other_client.login(world.user("la_admin"))
    response = other_client.post_form(f"/imports/{job.id}/retry")
    assert response.status_code == 303 and not response.headers["Location"].endswith(f"/imports/{job.id}")


def test_a_job_whose_file_is_gone_cannot_be_tried_again(app, world, client, dead_pid):
    job = _stopped_upload(world, dead_pid)
    recovery.recover()
    os.remove(job.path)
    client.login(world.user("school_staff"))
    response = client.post_form(f"/imports/{job.id}/retry", follow_redirects=True)
    assert "its file is no longer kept" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 1


def test_rq_failure_callback_fails_the_job_and_keeps_its_file(app, world, dead_pid):
    job = _stopped_upload(world, dead_pid)
    job.worker = "rq-host:42"
    job_id = job.id
    db.session.commit()  # and the test holds no transaction: the callback writes on its own
    from rq.timeouts import JobTimeoutException

    jobs.on_rq_failure(SimpleNamespace(args=(job_id,)), None, JobTimeoutException, JobTimeoutException("late"), None)
    db.session.expire_all()
    assert job.status == ImportStatus.failed and "took too long" in job.message
    assert service.can_retry(job)
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "attendance_import_failed"))
    assert "JobTimeoutException" in entry.summary
