"""The append-only audit trail.

`record()` adds an entry to the current session, so it is committed (or rolled back) in the
same transaction as the change it describes. Nothing in the app updates or deletes an entry:
the ORM refuses it here, and the migration adds a database trigger that refuses UPDATE.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from flask import has_request_context, request
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class AuditImmutable(RuntimeError):
    pass


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str | None] = mapped_column(String(64))
    verb: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(500), default="")
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")

    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)


@event.listens_for(AuditEvent, "before_update")
def _no_update(mapper, connection, target):  # pragma: no cover - the guard itself
    raise AuditImmutable("audit records are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper, connection, target):  # pragma: no cover - the guard itself
    raise AuditImmutable("audit records are append-only")


def record(
    actor,
    verb: str,
    obj: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    summary: str = "",
    object_type: str | None = None,
    object_id: int | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Add an audit entry to the session (committed with the change it describes)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None:
            if getattr(obj, "id", None) is None:
                db.session.flush([obj])
            object_id = obj.id
    label = actor_label
    if label is None:
        label = f"{actor.name} <{actor.email}>" if actor is not None else "system"
    entry = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=label[:300],
        ip=(request.remote_addr if has_request_context() else None),
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
        changes=changes or None,
    )
    db.session.add(entry)
    return entry


def _plain(value: Any) -> Any:
    if hasattr(value, "value"):  # enums
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-level before/after for the fields that changed."""
    return {
        k: {"from": before.get(k), "to": after.get(k)}
        for k in after
        if before.get(k) != after.get(k)
    }
