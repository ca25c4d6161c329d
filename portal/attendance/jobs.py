"""Running import jobs: in an RQ worker when REDIS_URL is set, else in a thread of the app.

The job row carries who uploaded the file and from where (`uploaded_by_id`, `uploaded_from`),
so the audit entries a worker writes name them too. When the job ends, done or failed, its
upload is deleted (a failed job keeps only its error report: see `uploads`)."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from portal import audit, transaction
from portal.attendance import uploads
from portal.attendance.models import ImportJob, ImportStatus
from portal.extensions import db

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
        kind, path, uploader_id, origin = job.kind, job.path, job.uploaded_by_id, job.uploaded_from
    try:
        with transaction.unit():
            if kind == "marks":
                import_marks(job)
            else:
                import_pupils(job)
    except Exception:  # noqa: BLE001 - the job must end in a state the user can see
        log.exception("import job %s failed", job_id)
        if kind == "marks" and _rolled_forward(job_id):
            return
        from portal.orgs.models import User
        from portal.timeutil import utcnow

        with transaction.unit():
            set_progress(job_id, status=ImportStatus.failed, phase="Finished", progress=100, finished_at=utcnow(),
                         message="The import stopped because of a problem in the service. Nothing was imported.")
            actor = db.session.get(User, uploader_id) if uploader_id else None
            audit.record(actor, "attendance_import_failed" if kind == "marks" else "pupils_import_failed",
                         object_type="ImportJob", object_id=job_id, ip=origin,
                         summary="stopped by a problem in the service: nothing imported")
    finally:
        uploads.discard(path)


def _rolled_forward(job_id: int) -> bool:
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


def run_in_worker(job_id: int) -> None:
    """The RQ entry point: a worker process builds its own app."""
    from portal import create_app

    app = create_app()
    with app.app_context():
        run(job_id)


def start(job_id: int) -> None:
    """Start a committed job (the web upload calls this once its request has committed)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a werkzeug LocalProxy
    if app.config.get("IMPORTS_INLINE"):
        run(job_id)
        return
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            run_in_worker, job_id, job_timeout=3600)
        return
    threading.Thread(target=_run_in_thread, args=(app, job_id), daemon=True,
                     name=f"import-{job_id}").start()
