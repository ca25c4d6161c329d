"""The one error vocabulary, and the pages that answer errors.

- `Refused`: a rule of the domain refuses the change. It carries the problems per field
  ({field: message}) and one general message; the view shows them on its form (422).
- `Conflict`: a concurrent edit got there first (a stale version). It carries the row as now
  saved; one handler answers it for every view (409): the session rolled back, the saved values
  and the person's own edit side by side, and a link to start again from the saved version.

Every other error (400–500) is one page, `errors/error.html`, fed by the table below.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from flask import Flask, current_app, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, DateField, DateTimeField, FileField, PasswordField

from portal.extensions import db, htmx


class Refused(Exception):
    """A rule of the domain refuses the change: problems per field {field: message}, and a
    general message (by default the problems joined)."""

    def __init__(self, message: str = "", problems: Mapping[str, str] | Iterable[tuple[str, str]] | None = None):
        self.problems: dict[str, str] = dict(problems or {})
        self.message = message or "; ".join(self.problems.values())
        super().__init__(self.message)


class Conflict(Exception):
    """A stale write: someone changed the record since the form was loaded. `current` is the
    row as it is now saved."""

    def __init__(self, current: Any):
        super().__init__("stale write")
        self.current = current


# ----- how a saved row reads on the conflict page ---------------------------------------------

@dataclass
class Saved:
    """A record as the conflict page shows it: what it is ("case"), its saved values as
    (label, value) rows, and the page that holds its forms."""
    thing: str
    rows: list[tuple[str, Any]]
    page: str


_READERS: dict[type, Callable[[Any], Saved]] = {}


def reads(model: type) -> Callable:
    """Decorator for the function that tells how a model's saved row reads on the conflict page."""

    def register(func: Callable[[Any], Saved]) -> Callable[[Any], Saved]:
        _READERS[model] = func
        return func

    return register


def _saved(current: Any) -> Saved:
    reader = _READERS.get(type(current))
    if reader is None:
        return Saved(type(current).__name__.lower(), [], url_for("dashboard.home"))
    return reader(current)


_NOT_SHOWN = {"CSRFTokenField", "HiddenField", "SubmitField"}


def _shown(field) -> str:
    if hasattr(field, "shown"):  # a field that says how it reads (the date boxes)
        return field.shown()
    if isinstance(field, BooleanField):
        return "Yes" if field.data else "No"
    if isinstance(field, DateTimeField):  # a DateField is one too
        form = "%-d %B %Y" if isinstance(field, DateField) else "%-d %B %Y, %H:%M"
        return field.data.strftime(form) if field.data else field._value()
    if hasattr(field, "iter_choices"):
        chosen = [label for value, label, selected, *_ in field.iter_choices() if selected and value not in ("", None)]
        return ", ".join(str(label) for label in chosen)
    return field._value() if field.data not in (None, "") or field.raw_data else ""


def submitted() -> list[tuple[str, str]]:
    """What the person sent, labelled as the form labels it: every field of the forms this
    request posted, never the CSRF token, the version or a password. A post with no form of
    ours (a few buttons) shows its named values."""
    rows = []
    posted = [form for form in g.get("forms", ()) if any(f.name in request.form for f in form)]
    for form in posted:
        for field in form:
            if field.type in _NOT_SHOWN or field.short_name == "version" or \
                    isinstance(field, (PasswordField, FileField)):
                continue
            rows.append((str(field.label.text), _shown(field)))
    if not posted:
        rows = [(name.replace("-", " ").replace("_", " ").capitalize(), value)
                for name, value in request.form.items(multi=True)
                if name.rpartition("-")[2] not in ("csrf_token", "version") and "password" not in name
                and value.strip()]
    return rows


def conflict_response(exc: Conflict):
    """The one answer to a stale write (409): nothing half-written is kept, the saved values and
    the person's own edit are shown, with a link back to the form at the saved version. To htmx
    the same content comes as a fragment that replaces the page's main content."""
    from portal import transaction

    transaction.undo_refused()  # all the request wrote, but what it kept (portal.transaction)
    saved = _saved(exc.current)
    rule = request.url_rule
    if rule is not None and "GET" in (rule.methods or ()):
        back = url_for(rule.endpoint, **(request.view_args or {}))  # the form, at the saved version
    else:
        back = saved.page
    title = f"Someone else changed this {saved.thing}"
    context = {"saved": saved, "yours": submitted(), "back": back, "title": title}
    _forget_page_errors()
    if htmx and not htmx.history_restore_request:
        return render_template("errors/_conflict.html", fragment=True, **context), 409, {
            "HX-Retarget": "#main-content", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", **context), 409


# ----- every other error page -------------------------------------------------------------------

PAGES: dict[int, tuple[str, tuple[str, ...]]] = {
    400: ("There is a problem with your request", ("The request could not be understood. Go back and try again.",)),
    403: ("You do not have permission to do this",
          ("Your role does not allow this. If you think it should, ask your LA administrator.",)),
    404: ("Page not found", ("If you typed the web address, check it is correct.",
                             "If you followed a link, the page may have moved, or it may be something you do not "
                             "have access to.")),
    405: ("That action is not available here", ("The request could not be understood. Go back and try again.",)),
    409: ("Someone else changed this record",
          ("Your change was not saved because the record changed after you opened it.",)),
    413: ("The file is too large", ("The file you sent is larger than the portal accepts ({max_mb} MB). "
                                    "Split it into smaller files and try again.",)),
    429: ("Too many attempts",
          ("There have been too many attempts from your connection. Wait a minute and try again.",)),
    500: ("Sorry, there is a problem with the service",
          ("Try again later. Nothing you entered in the last step was saved.",
           "If the problem continues, contact the LA attendance service.")),
}


def _forget_page_errors() -> None:
    """An error page shows no form's errors, whatever the view had validated before it failed."""
    g.pop("forms", None)
    g.pop("shows_errors", None)


def error_page(status: int, detail: str | None = None):
    db.session.rollback()
    _forget_page_errors()
    title, paragraphs = PAGES[status]
    max_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1048576
    paragraphs = (detail,) if detail else tuple(p.format(max_mb=max_mb) for p in paragraphs)
    return render_template("errors/error.html", title=title, paragraphs=paragraphs), status


def register(app: Flask) -> None:
    for status in PAGES:
        app.register_error_handler(status, lambda exc, status=status: error_page(status))
    app.register_error_handler(Conflict, conflict_response)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return error_page(400, "The form has expired or was sent from somewhere else. "
                               "Go back, reload the page and try again.")
