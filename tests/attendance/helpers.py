"""Helpers for attendance tests: upload CSV text through the real page."""
from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from portal.attendance.models import AttendanceMark, ImportJob, MarkChange, PupilWeek
from portal.audit import AuditEvent
from portal.extensions import db

TODAY = date(2026, 11, 23)  # a Monday; the week before is 16-20 Nov 2026


def upload(client, text: str, kind: str = "marks", filename: str = "marks.csv", school_id=None,
           reason: str | None = None, reason_other: str | None = None):
    client.get("/imports")
    data = {"kind": kind, "file": (io.BytesIO(text.encode("utf-8")), filename), "csrf_token": client.token()}
    if school_id is not None:
        data["school_id"] = str(school_id)
    if reason is not None:
        data["reason"] = reason
    if reason_other is not None:
        data["reason_other"] = reason_other
    return client.post("/imports", data=data, content_type="multipart/form-data")


def latest_job() -> ImportJob:
    db.session.expire_all()
    return db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()


def counts() -> dict[str, int]:
    """What an import may write: a failed import must leave all of these unchanged."""
    return {
        "marks": db.session.scalar(select(func.count()).select_from(AttendanceMark)),
        "weeks": db.session.scalar(select(func.count()).select_from(PupilWeek)),
        "changes": db.session.scalar(select(func.count()).select_from(MarkChange)),
        "imported_audit": db.session.scalar(select(func.count()).select_from(AuditEvent)
                                            .where(AuditEvent.verb == "attendance_imported")),
    }


def marks_csv(rows) -> str:
    return "upn,date,session,code\n" + "".join(",".join(r) + "\n" for r in rows)
