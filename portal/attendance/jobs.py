"""Running import jobs: in an RQ worker when REDIS_URL is set, else in a thread of the app.

The job row carries who uploaded the file and from where (`uploaded_by_id`, `uploaded_from`),
so the audit entries a worker writes name them too. When the job ends, done or failed, its
upload is deleted (a failed job keeps only its error report: see `uploads`).

A running job says who runs it (`worker`) and beats while it shows progress (`heartbeat_at`):
a job whose worker went away is failed by `recovery`, which keeps its upload for a retry. In
RQ a job has a timeout (IMPORT_JOB_TIMEOUT) and RQ's failure callback (`on_rq_failure`) fails
its ImportJob the same way."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from portal import audit, transaction
from portal.attendance import recovery, uploads
from portal.attendance.models import ImportJob, ImportStatus
from portal.extensions import db
from portal.timeutil import utcnow

log = logging.getLogger(__name__)
QUEUE = "imports"


def run(job_id: int) -> None:
    """Run one job to the end, in steps that each commit (`transaction.unit`). Any unexpected
    failure leaves the job 'failed' and nothing half-written (each import writes once, at its end)."""
    from portal.attendance.imports import import_marks, set_progress
    from portal.pupils.imports import import_pupils

    with transaction.unit():
        job = db.session.get(ImportJob, job_id)
        if job is None or job.status != ImportStatus.queued:
            return
        job.status, job.phase, job.progress = ImportStatus.running, "Starting", 1
        job.worker, job.heartbeat_at = recovery.this_worker(), utcnow()
        kind, path, uploader_id, origin = job.kind, job.path, job.uploaded_by_id, job.uploaded_from
    try:
        with transaction.unit():
            if kind == "marks":
                import_marks(job)
            else:
                import_pupils(job)
    except Exception as exc:  # noqa: BLE001 - the job must end in a state the user can see
        if _timed_out(exc):
            raise  # RQ's own failure handling fails the job (on_rq_failure), keeping its upload for a retry
        log.exception("import job %s failed", job_id)
        if kind == "marks" and roll_forward(job_id):
            return
        from portal.orgs.models import User

        with transaction.unit():
            set_progress(job_id, status=ImportStatus.failed, phase="Finished", progress=100, finished_at=utcnow(),
                         message="The import stopped because of a problem in the service. Nothing was imported.")
            actor = db.session.get(User, uploader_id) if uploader_id else None
            audit.record(actor, "attendance_import_failed" if kind == "marks" else "pupils_import_failed",
                         object_type="ImportJob", object_id=job_id, ip=origin,
                         summary="stopped by a problem in the service: nothing imported")
    uploads.discard(path)


def _timed_out(exc: BaseException) -> bool:
    try:
        from rq.timeouts import JobTimeoutException
    except ImportError:  # pragma: no cover - rq is installed with the app
        return False
    return isinstance(exc, JobTimeoutException)


def roll_forward(job_id: int) -> bool:
    """A marks import that failed mid-merge is committed to its whole file: finish it from its
    staging (`imports.finish_interrupted`), or leave it running and resumable. False when it had
    not begun merging (nothing written: fail it)."""
    from portal.attendance.imports import finish_interrupted

    try:
        with transaction.unit():
            return finish_interrupted(job_id)
    except Exception:  # noqa: BLE001 - left running with its staging, for the next attempt
        log.exception("import job %s: rolling its merge forward failed; it stays resumable", job_id)
        return True


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()
            give_back_memory()


def give_back_memory() -> bool:
    """After an import in a web worker's thread: hand the memory it freed back to the system.
    Python frees an LA-wide file's rows, but glibc keeps the pages for the process (the soak
    bench: a worker 147 -> 176 MiB after a full-LA import, 144.5 MiB after `malloc_trim`).
    glibc only; elsewhere nothing is done. Returns whether it was done."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
    except OSError:
        return False
    if trim is None:
        return False
    trim(0)
    return True


def run_in_worker(job_id: int) -> None:
    """The RQ entry point: a worker process builds its own app."""
    from portal import create_app

    app = create_app()
    with app.app_context():
        run(job_id)


RQ_STOPPED_MESSAGE = ("The import stopped because it took too long or its worker stopped. Nothing was imported. "
                      "You can try it again.")


def on_rq_failure(rq_job, connection, exc_type, exc_value, tb) -> None:
    """RQ's failure callback (a timeout, an error the job did not catch): the ImportJob is
    failed and audited, its upload kept for a retry."""
    from flask import has_app_context

    from portal import create_app

    job_id = rq_job.args[0] if rq_job.args else None
    if job_id is None:
        return
    app = current_app._get_current_object() if has_app_context() else create_app()  # type: ignore[attr-defined]
    with app.app_context():
        try:
            with transaction.unit():
                recovery.mark_failed(int(job_id), RQ_STOPPED_MESSAGE,
                                     f"stopped in the RQ worker ({getattr(exc_type, '__name__', 'error')}): "
                                     "nothing imported")
        finally:
            db.session.remove()


def start(job_id: int) -> None:
    """Start a committed job (the web upload calls this once its request has committed)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a werkzeug LocalProxy
    if app.config.get("IMPORTS_INLINE"):
        run(job_id)
        return
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Callback, Queue

        Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            run_in_worker, job_id, job_timeout=app.config["IMPORT_JOB_TIMEOUT"],
            on_failure=Callback(on_rq_failure))
        return
    threading.Thread(target=_run_in_thread, args=(app, job_id), daemon=True,
                     name=f"import-{job_id}").start()
