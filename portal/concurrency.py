"""No lost updates: versioned rows refuse stale writes with a `portal.errors.Conflict`, which
one handler answers with 409."""
from __future__ import annotations

from functools import wraps

from sqlalchemy.orm.exc import StaleDataError

from portal.errors import Conflict
from portal.extensions import db


def check_version(obj, expected: int | None) -> None:
    """The version the form was loaded with must still be the row's."""
    if expected is not None and obj.version != expected:
        raise Conflict(obj)


def flush_or_conflict(obj) -> None:
    """Flush (the request commits); a concurrent write that got there first (version_id_col) is
    a Conflict."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(obj)
        raise Conflict(obj) from None


def conflict_on_stale(func):
    """A concurrent write can surface at any flush of the call that meets a newer version:
    whatever the moment, it is a Conflict, and nothing of this call is kept."""

    @wraps(func)
    def wrapper(actor, obj, *args, **kwargs):
        try:
            return func(actor, obj, *args, **kwargs)
        except StaleDataError:
            db.session.rollback()
            db.session.refresh(obj)
            raise Conflict(obj) from None

    return wrapper
