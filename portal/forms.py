"""Small helpers shared by every domain's forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError


class Form(FlaskForm):
    """Base form: binds only the fields it declares (no mass assignment)."""

    def error_count(self) -> int:
        return sum(len(v) if isinstance(v, list) else 1 for v in self.errors.values())


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
