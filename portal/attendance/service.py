"""Import jobs, as the web upload and the `import-attendance` command both create them: the
file checked by its content, the school chosen by the uploader's role, the upload saved
privately, the job row and its audit entry written in the caller's transaction."""
from __future__ import annotations

import contextlib
import os
from typing import IO

from sqlalchemy import select

from portal import access, audit
from portal.attendance import uploads
from portal.attendance.imports import MARKS_HEADER, check_header
from portal.attendance.models import ImportJob, ImportStatus
from portal.extensions import db
from portal.orgs.models import User
from portal.pupils.imports import PUPIL_HEADER


def upload_problem(filename: str | None, stream: IO[bytes], kind: str) -> str | None:
    """Why an uploaded file is not a CSV of marks (or pupils), by its name and its first
    bytes (a spreadsheet renamed .csv is refused), or None. The stream is left at its start."""
    if not (filename or "").lower().endswith(".csv"):
        return "The file must be a CSV file (ending .csv)"
    head = stream.read(4096)
    stream.seek(0)
    try:
        first_line = head.decode("utf-8-sig").splitlines()[0] if head else ""
    except UnicodeDecodeError:
        return "The file must be a CSV file saved as text (UTF-8), not a spreadsheet"
    if "\x00" in head.decode("latin-1"):
        return "The file must be a CSV file saved as text (UTF-8), not a spreadsheet"
    return check_header(first_line, MARKS_HEADER if kind == "marks" else PUPIL_HEADER)


def create_import_job(actor: User, kind: str, source: IO[bytes], filename: str, *, school_id: int | None,
                      origin: str | None, status: ImportStatus = ImportStatus.queued,
                      reason: str | None = None) -> ImportJob:
    """Save a private copy of the file and add its job, for the school the actor may import
    for (`access.import_school_for`), with the audit entry naming the uploader and where the
    file came from. `reason`: why the file amends marks already held (the import refuses a file
    that changes any without one). The caller commits; the copy is deleted when the job ends."""
    path = uploads.store(source)  # 0600, under instance/imports
    try:
        job = ImportJob(kind=kind, school_id=access.import_school_for(actor, school_id), uploaded_by_id=actor.id,
                        uploaded_from=(origin or "")[:64] or None, filename=os.path.basename(filename)[:255],
                        path=path, size_bytes=os.path.getsize(path), status=status,
                        reason=(reason or "").strip()[:300] or None)
        db.session.add(job)
        db.session.flush()
        audit.record(actor, "import_uploaded", job, ip=job.uploaded_from, summary=f"{job.kind}: {job.filename}"
                     + (f" (reason for any amendment: {job.reason})" if job.reason else ""))
    except BaseException:
        with contextlib.suppress(OSError):
            uploads.discard(path)
        raise
    return job


def can_retry(job: ImportJob) -> bool:
    """A failed job can be tried again while its upload is still kept (a job stopped by a
    restart keeps it for a day; one that ended by itself has had it deleted)."""
    if job.status != ImportStatus.failed or not job.path or not os.path.isfile(job.path):
        return False
    tried_again = db.session.scalar(select(ImportJob.id).where(ImportJob.path == job.path, ImportJob.id != job.id)
                                    .limit(1))
    return tried_again is None  # once only: the upload is the retry's now


def retry_import_job(actor: User, job: ImportJob, *, origin: str | None) -> ImportJob:
    """Queue a new job from a failed job's kept upload, for the same school and reason. The
    upload now belongs to the new job (the old one no longer offers a retry: `can_retry`). The caller
    commits and starts the job; `access.get_import_or_404` has checked the actor may see it."""
    from portal.errors import Refused

    if not can_retry(job):
        raise Refused("This import cannot be tried again: its file is no longer kept. Upload the file again.")
    retry = ImportJob(kind=job.kind, school_id=job.school_id, uploaded_by_id=job.uploaded_by_id,
                      uploaded_from=(origin or "")[:64] or job.uploaded_from, filename=job.filename, path=job.path,
                      size_bytes=job.size_bytes, status=ImportStatus.queued, reason=job.reason)
    db.session.add(retry)  # the upload is the new job's now: deleted when it ends
    db.session.flush()
    audit.record(actor, "import_retried", retry, ip=origin, summary=f"{retry.kind}: {retry.filename} "
                 f"(again, after import {job.id} stopped)")
    return retry
