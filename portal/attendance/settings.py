"""The LA's local defaults that the attendance figures use: the attendance ambition (95%
nationally; a trust or LA may set, say, 96%). The persistent (90%) and severe (50%) absence
edges are DfE definitions and are not settings; the stage thresholds (days absent per term)
are the stages' own settings (`portal.cases.stages_views`).

`ambition_percent()` is read by `calc.band`, `calc.percent_text` and their SQL twin: it is
memoised per request (per application context) in `g`, so a page makes one query at most."""
from __future__ import annotations

from flask import g, has_app_context

from portal import audit
from portal.attendance import aggregates, calc
from portal.attendance.models import LocalSettings
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.timeutil import utcnow

AMBITION_MIN, AMBITION_MAX = 91, 100  # above the 90% persistent-absence edge, at most 100%
FIELDS = ("ambition_percent",)


def current() -> LocalSettings | None:
    """The saved settings row, or None while the national defaults apply."""
    return db.session.get(LocalSettings, 1)


def ambition_percent() -> int:
    if not has_app_context():
        return calc.AMBITION_PERCENT
    cached = g.get("_ambition_percent")
    if cached is None:
        row = current()
        cached = row.ambition_percent if row else calc.AMBITION_PERCENT
        g._ambition_percent = cached
    return cached


def forget() -> None:
    """Drop the memoised settings (after a change, or when a test moves them)."""
    if has_app_context():
        g.pop("_ambition_percent", None)


def update(actor, ambition: int, expected_version: int | None) -> LocalSettings:
    """Save the ambition (validated, version-checked, audited)."""
    if not isinstance(ambition, int) or not AMBITION_MIN <= ambition <= AMBITION_MAX:
        raise Refused("The ambition was not saved.",
                      {"ambition_percent": f"Enter a whole number from {AMBITION_MIN} to {AMBITION_MAX}"})
    row = current()
    if row is None:
        row = LocalSettings(id=1, ambition_percent=calc.AMBITION_PERCENT)
        db.session.add(row)
        db.session.flush()
    else:
        check_version(row, expected_version)
    before = audit.snapshot(row, FIELDS)
    row.ambition_percent = ambition
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    changes = audit.diff(before, audit.snapshot(row, FIELDS))
    if changes:
        audit.record(actor, "local_settings_updated", row, changes=changes, summary="attendance ambition")
        aggregates.everything_changed(db.session)  # "at or above the ambition" in every cell
    flush_or_conflict(row)
    forget()
    return row
