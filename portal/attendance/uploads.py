"""Uploaded import files: names, addresses and contacts of children, so kept no longer than
needed.

- An upload (web or command line) is written to `instance/imports/<random>.csv`, created with
  0600 permissions (never readable by other accounts on the machine, not even for a moment).
- When its job ends, done or failed, the upload is deleted. A failed job keeps only its error
  report (`<upload>.<job>.errors.csv`, also 0600) for `IMPORT_ERRORS_DAYS` days, for the job
  page's download; the job page keeps the first 100 problems after that.
- At start-up `sweep()` deletes uploads older than a day (a job that never ended: a crash, a
  worker that never ran) and error reports older than `IMPORT_ERRORS_DAYS`.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import time
import uuid
from datetime import datetime, timedelta
from typing import IO

from flask import current_app

from portal.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

UPLOAD_MAX_AGE = timedelta(days=1)
ERRORS_SUFFIX = ".errors.csv"


def folder(instance_path: str | None = None) -> str:
    path = os.path.join(instance_path or current_app.instance_path, "imports")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def create_private(path: str, mode: str = "wb", **kwargs) -> IO:
    """A new file only its owner can read: created 0600 (an old file of that name is replaced,
    not reused with its permissions)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, mode, **kwargs)


def store(stream: IO[bytes]) -> str:
    """Copy an upload into a new private file under instance/imports; its path."""
    path = os.path.join(folder(), f"{uuid.uuid4().hex}.csv")
    with create_private(path) as f:
        shutil.copyfileobj(stream, f, 1024 * 1024)
    return path


def discard(path: str | None) -> None:
    """Delete an upload once its job has ended (its error report, if any, stays)."""
    if path:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def errors_kept_until(finished_at: datetime | None) -> datetime | None:
    """Until when a finished job's error report can be downloaded."""
    if finished_at is None:
        return None
    return as_utc(finished_at) + timedelta(days=current_app.config["IMPORT_ERRORS_DAYS"])


def errors_expired(finished_at: datetime | None) -> bool:
    until = errors_kept_until(finished_at)
    return until is not None and until <= utcnow()


def sweep(path: str, errors_days: int, now: float | None = None) -> int:
    """Delete uploads older than a day and error reports older than `errors_days`; how many.
    The folder itself is made private too (older versions created it world-readable)."""
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return 0
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        os.chmod(path, 0o700)
    for entry in entries:
        if not entry.is_file(follow_symlinks=False) or not entry.name.endswith(".csv"):
            continue
        limit = timedelta(days=errors_days) if entry.name.endswith(ERRORS_SUFFIX) else UPLOAD_MAX_AGE
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > limit.total_seconds():
                os.remove(entry.path)
                removed += 1
        except FileNotFoundError:
            continue
    if removed:
        log.info("removed %s old import file(s) from %s", removed, path)
    return removed
