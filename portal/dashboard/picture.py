"""What the attendance-picture views share: the period asked for and the user's scope."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from portal import access
from portal.dashboard import figures
from portal.timeutil import today


def period_from_request(default: str = "term") -> figures.Period | None:
    """The period named by `?period=` (one of `figures.choices`); an unknown value is a 404.
    None when the LA has entered no terms yet (the page then says so)."""
    as_of = today()
    choice = request.args.get("period", default)[:20]
    if choice not in dict(figures.choices(as_of)):
        abort(404)
    return figures.period_for(choice, as_of)


def scope_for(user=None) -> figures.Scope:
    """The user's scope for figures: the whole LA, or the schools they serve or work at."""
    user = user or current_user
    ids = access.picture_school_ids(user)
    return figures.Scope.la() if ids is None else figures.Scope.schools(ids, name=f"user:{user.id}")
