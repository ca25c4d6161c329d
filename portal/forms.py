"""Small helpers shared by every domain's forms, and how a page knows it shows errors."""
from __future__ import annotations

from typing import TypeVar

from flask import g, has_request_context
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

T = TypeVar("T")


class Form(FlaskForm):
    """Base form: binds only the fields it declares (no mass assignment). Each form of a request
    is noted on `g`, so the page knows when a form shows errors (for its title) and the conflict
    page can show what was posted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault("forms", []).append(self)

    def error_count(self) -> int:
        return sum(len(v) if isinstance(v, list) else 1 for v in self.errors.values())


def shows_errors(errors: T) -> T:
    """For errors that belong to no form (a refused change shown above the page, bad filters in
    a query string): note that the page shows them (when there are any), and pass them on."""
    if errors and has_request_context():
        g.shows_errors = True
    return errors


def page_shows_errors() -> bool:
    """Whether the page being rendered shows errors: a form of this request has errors, or the
    view said so with `shows_errors`. base.html puts "Error: " before the title then."""
    return bool(g.get("shows_errors")) or any(form.errors for form in g.get("forms", ()))


def strip(value):
    return value.strip() if isinstance(value, str) else value


class Callback:
    """A validator from a function returning an error message (or None)."""

    def __init__(self, func):
        self.func = func

    def __call__(self, form, field):
        message = self.func(form, field)
        if message:
            raise ValidationError(message)
