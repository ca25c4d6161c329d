"""The append-only audit trail.

`record()` adds an entry to the current session, so it is committed (or rolled back) in the
same transaction as the change it describes. Nothing in the app updates or deletes an entry:
the ORM refuses it here, and the migration adds a database trigger that refuses UPDATE.

Views of a child's record are audited too, by one mechanism: `@audit.viewing(verb, ...)` on
the view (below `@access.require`) writes exactly one entry per request that showed the record,
naming the object and the query terms (`viewed()` lets the view add what only it knows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any, Callable, Iterable

from flask import g, has_request_context, make_response, request
from flask_login import current_user
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, event, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import sqlite, transaction
from portal.errors import Conflict, conflict_response
from portal.extensions import Model, db
from portal.statements import built_once
from portal.timeutil import utcnow


class AuditImmutable(RuntimeError):
    pass


class AuditEvent(Model):
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
    ip: str | None = None,
) -> AuditEvent:
    """Add an audit entry to the session (committed with the change it describes). The client
    address is the request's, unless `ip` names where the action came from (a background job
    passes on its uploader's)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None:
            if getattr(obj, "id", None) is None:
                db.session.flush([obj])
            object_id = obj.id
    label = label_for(actor) if actor_label is None else actor_label
    entry = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=label[:300],
        ip=ip or (request.remote_addr if has_request_context() else None),
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
        changes=changes or None,
    )
    db.session.add(entry)
    return entry


def label_for(actor) -> str:
    """How an entry names who did it (kept even if the user is later renamed)."""
    return f"{actor.name} <{actor.email}>" if actor is not None else "system"


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


# ----- views of a child's record ------------------------------------------------------------

VIEW_VERBS: dict[str, str] = {}  # verb -> what was seen, for the audit log's filter
_SECRET_TERMS = {"password", "current_password", "new_password", "csrf_token", "token", "code", "secret"}


@dataclass
class _PendingView:
    verb: str
    object_type: str | None = None
    object_id: int | None = None
    details: list[str] = field(default_factory=list)


def viewing(verb: str, what: str, object: tuple[str, str] | None = None, *, terms: Iterable[str] = (),
            only_with_terms: bool = False) -> Callable:
    """Decorator for a view that shows pupil-level data (a child's record, or a list of them).

    After the view has answered, one audit entry is written, in the request's transaction, when
    the answer showed something: a GET answered 2xx (page, htmx fragment, CSV or PDF), or any
    request answered with its form again (422) or the conflict page (409: a Conflict raised by
    the view is answered here). What the refused change wrote is undone, this entry is kept; a
    change itself is audited by its service. Redirects, refusals (403, 404) and HEAD requests
    write nothing.

    - `what`: what the person saw, in words (the audit log's filter lists it);
    - `object`: (type, URL argument), e.g. ("Pupil", "pupil_id"), the record the entry names;
    - `terms`: the query parameters to note in the summary (search words, filters, page), never
      passwords, tokens or free text of a case;
    - `only_with_terms`: write only when one of the terms was given (a search form left empty
      shows nobody).

    The view may call `viewed(obj, detail)` to name the object or add a detail only it knows.
    It marks the view `audits_on_get`: on SQLite it reads without the write lock and its entry
    is written in a short writer transaction at the end (`portal.sqlite`)."""
    terms = tuple(terms)
    secret = _SECRET_TERMS.intersection(terms)
    if secret:
        raise ValueError(f"never audit {sorted(secret)}")
    if VIEW_VERBS.get(verb, what) != what:
        raise ValueError(f"audit verb {verb!r} already means {VIEW_VERBS[verb]!r}")
    VIEW_VERBS[verb] = what

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            pending = _PendingView(verb)
            if object is not None:
                pending.object_type, arg = object
                pending.object_id = kwargs.get(arg)
            g.audit_view = pending
            try:
                response = make_response(view(*args, **kwargs))
            except Conflict as exc:  # the one conflict page shows the record: audited like a form shown again
                response = make_response(conflict_response(exc))
            finally:
                g.pop("audit_view", None)
            given = [f"{name}={_term(request.values.get(name))}" for name in terms
                     if (request.values.get(name) or "").strip()]
            if _showed_something(response) and (given or not only_with_terms):
                if response.status_code >= 400:
                    transaction.undo_refused()  # a refused change leaves nothing behind but this entry
                sqlite.start_audit_write()  # SQLite, a GET: the page was read without the write lock
                _record_view(current_user._get_current_object(), verb, pending.object_type, pending.object_id,
                             "; ".join(pending.details + given))
                if response.status_code >= 400:
                    transaction.keep()
            return response

        sqlite.audits_on_get(wrapped)
        wrapped.audit_verb = verb
        return wrapped

    return decorate


@built_once
def _insert_entry():
    return insert(AuditEvent.__table__)


def _record_view(actor, verb: str, object_type: str | None, object_id: int | None, summary: str) -> None:
    """The entry `record()` adds for a view, written at once by one INSERT (a statement built once)
    rather than through the session's unit of work: the same row, at a fraction of the cost."""
    db.session.execute(_insert_entry(), {
        "at": utcnow(), "actor_id": getattr(actor, "id", None), "actor_label": label_for(actor)[:300],
        "ip": request.remote_addr, "verb": verb, "object_type": object_type, "object_id": object_id,
        "summary": summary[:500], "changes": None})


def viewed(obj: Any = None, detail: str = "") -> None:
    """Inside a view marked `@viewing`: the record shown (when its URL does not name it) and
    a detail of what was shown (a version, a level of detail)."""
    pending = g.get("audit_view")
    if pending is None:
        raise RuntimeError("audit.viewed() outside a view marked @audit.viewing")
    if obj is not None:
        pending.object_type, pending.object_id = type(obj).__name__, obj.id
    if detail:
        pending.details.append(detail)


def _term(value: str | None) -> str:
    return " ".join((value or "").split())[:100]


def _showed_something(response) -> bool:
    if request.method == "HEAD":
        return False
    if response.status_code in (409, 422):
        return True
    return request.method == "GET" and 200 <= response.status_code < 300
