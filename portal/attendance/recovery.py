"""Import jobs whose worker went away.

An import runs in a thread of a web worker (or in an RQ worker). When that process ends in
the middle (gunicorn recycles a worker, the service restarts, the machine reboots), its job
would stay "running" for ever. Each job says who runs it (`worker`, "host:pid") and beats
(`heartbeat_at`, touched whenever it shows progress: `imports.set_progress`). A job is taken
to have stopped when

- its worker is on this host and that process is gone, or
- it has not beaten for `IMPORT_STALE_MINUTES` (default 10): a worker on another host, or
- (imports in threads only) it was queued that long ago and never started.

Such a job is marked failed, with the message below, and audited. Nothing of it was imported:
an import writes once, at its end. Its uploaded file is kept (for a day, see `uploads.sweep`),
so its uploader or an LA administrator can try it again (`service.retry_import_job`).

Recovery runs when a gunicorn worker starts (`create_app`), from `flask --app portal jobs
recover`, and when the import pages are viewed, at most every `IMPORT_RECOVERY_SECONDS`.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select, update

from portal import audit, transaction
from portal.attendance.models import ImportJob, ImportStatus
from portal.extensions import db
from portal.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

STOPPED_MESSAGE = "The import stopped when the service restarted. Nothing was imported. You can try it again."


def this_worker() -> str:
    """Who runs a job started here: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OverflowError:
        return False
    return True


def worker_gone(worker: str | None, host: str | None = None) -> bool:
    """Whether `worker` ("host:pid") is known to be gone: on this host, with no such process."""
    if not worker:
        return False
    where, _, pid = worker.rpartition(":")
    if where != (host or socket.gethostname()) or not pid.isdigit():
        return False
    return not _process_alive(int(pid))


def _last_sign(job: ImportJob) -> datetime:
    return as_utc(job.heartbeat_at or job.created_at)


def stopped(job: ImportJob, now: datetime, stale: timedelta, threads: bool) -> bool:
    if job.status == ImportStatus.running:
        return worker_gone(job.worker) or now - _last_sign(job) > stale
    if job.status == ImportStatus.queued:
        return threads and now - as_utc(job.created_at) > stale
    return False


def candidates(now: datetime | None = None) -> list[ImportJob]:
    """The unfinished jobs that have stopped (read only)."""
    now = now or utcnow()
    stale = timedelta(minutes=current_app.config["IMPORT_STALE_MINUTES"])
    threads = not current_app.config.get("REDIS_URL")
    jobs = db.session.scalars(select(ImportJob).where(
        ImportJob.status.in_([ImportStatus.running, ImportStatus.queued])).order_by(ImportJob.id)).all()
    return [job for job in jobs if stopped(job, now, stale, threads)]


def mark_failed(job_id: int, message: str, summary: str, *, only_if_beat: datetime | None | bool = False) -> bool:
    """Mark an unfinished job failed and audit it, in the session's transaction; whether it was
    (not when it finished meanwhile, or beat since `only_if_beat`, when given)."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return False
    condition = [ImportJob.id == job_id, ImportJob.status.in_([ImportStatus.running, ImportStatus.queued])]
    if only_if_beat is not False:
        condition.append(ImportJob.heartbeat_at.is_(None) if only_if_beat is None
                         else ImportJob.heartbeat_at == only_if_beat)
    done = db.session.execute(update(ImportJob).where(*condition).values(
        status=ImportStatus.failed, phase="Finished", progress=100, finished_at=utcnow(), message=message,
    ).execution_options(synchronize_session=False))
    if not done.rowcount:  # type: ignore[attr-defined]  # a CursorResult: an UPDATE
        return False
    from portal.orgs.models import User

    actor = db.session.get(User, job.uploaded_by_id) if job.uploaded_by_id else None
    audit.record(actor, "attendance_import_failed" if job.kind == "marks" else "pupils_import_failed",
                 object_type="ImportJob", object_id=job_id, ip=job.uploaded_from, summary=summary)
    return True


def recover(now: datetime | None = None) -> list[int]:
    """Mark every stopped job failed (each in its own transaction); their ids."""
    from portal.attendance.jobs import roll_forward

    found = [(job.id, job.kind, job.heartbeat_at, job.worker) for job in candidates(now)]
    db.session.rollback()  # end the read: each job is failed in a short transaction of its own
    failed = []
    for job_id, kind, beat, worker in found:
        # a marks import that began its chunked merge is committed to its whole file: it is
        # finished from its staging (or left running, resumable), never failed half-merged
        if kind == "marks" and roll_forward(job_id):
            log.warning("import job %s: its interrupted merge was rolled forward", job_id)
            continue
        with transaction.unit():
            if mark_failed(job_id, STOPPED_MESSAGE, "stopped when the service restarted "
                           f"(worker {worker or 'unknown'}): nothing imported", only_if_beat=beat):
                failed.append(job_id)
    if failed:
        log.warning("marked %s stopped import job(s) failed: %s", len(failed), failed)
    return failed


def recover_at_start(app: Flask) -> None:
    """At a serving process's start: never stops it from starting (a database not migrated yet)."""
    try:
        with app.app_context():
            try:
                recover()
            finally:
                db.session.remove()
    except Exception:  # noqa: BLE001 - start-up goes on; the import pages and the command try again
        log.warning("could not look for stopped import jobs at start-up", exc_info=True)


_last_look = {"at": float("-inf")}
_look_lock = threading.Lock()


def maybe_recover() -> list[int]:
    """From a page, before the view writes anything: at most every IMPORT_RECOVERY_SECONDS,
    look (a read) for stopped jobs; when there are any, fail them in a thread of their own (its
    own transaction, not the request's), waited for. The ids failed."""
    every = current_app.config["IMPORT_RECOVERY_SECONDS"]
    if every <= 0:
        return []
    with _look_lock:
        if time.monotonic() - _last_look["at"] < every:
            return []
        _last_look["at"] = time.monotonic()
    if not candidates():
        return []
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a werkzeug LocalProxy
    failed: list[int] = []

    def work():
        with app.app_context():
            try:
                failed.extend(recover())
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name="import-recovery", daemon=True)
    thread.start()
    thread.join(30)
    if failed:
        # A new read, so the page shows them failed (an SQLite read keeps its snapshot). Nothing
        # is lost: a view calls this first, before it writes anything.
        db.session.rollback()
    return failed


def reset_throttle() -> None:
    """Let the next page look again at once (tests)."""
    _last_look["at"] = float("-inf")


__all__ = ["STOPPED_MESSAGE", "candidates", "mark_failed", "maybe_recover", "recover", "recover_at_start",
           "reset_throttle", "this_worker", "worker_gone"]
