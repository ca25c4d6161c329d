"""The audit log: LA administrators only."""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from portal.access.policy import can


def audit_for(user) -> Select:
    from portal.audit import AuditEvent

    if not can(user, "view_audit"):
        abort(403)
    return select(AuditEvent)
