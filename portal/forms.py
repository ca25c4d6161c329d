"""Small helpers shared by every domain's forms, and how a page knows it shows errors."""
from __future__ import annotations

from datetime import date
from typing import TypeVar

from flask import g, has_request_context
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field
from wtforms.validators import StopValidation, ValidationError

from portal.params import read_date_boxes
from portal.timeutil import today

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


# --- dates: the GOV.UK date input (day, month and year boxes), one field for the whole portal ---

_PARTS = ("day", "month", "year")


class _DateBoxes(GovDateInput):
    """GovDateInput that marks only the boxes at fault (GOV.UK: highlight the missing part),
    asks phones for the number keypad, and shows a saved date without leading zeros."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        bad = getattr(field, "error_parts", set(_PARTS)) if field.errors else set()
        stored = (str(field.data.day), str(field.data.month), str(field.data.year)) \
            if field.raw_data is None and field.data else None  # 2 12 2026, not 02 12 2026
        for n, (item, part) in enumerate(zip(params.get("items", []), _PARTS, strict=False)):
            if stored:
                item["value"] = stored[n]
            width = "govuk-input--width-4" if part == "year" else "govuk-input--width-2"
            item["classes"] = width + (" govuk-input--error" if part in bad else "")
            item["inputmode"] = "numeric"
        return params


class DateBoxesField(Field):
    """A date typed as day, month and year (the GOV.UK date input), for every date in the portal.

    It never fails on odd input and always keeps what was typed. Its messages say how to fix it,
    in GOV.UK's words, naming the date by `subject` (default: the label):
      nothing typed and `required`       -> the `required` message ("Enter the date of ...")
      a box left empty                   -> "<subject> must include a month" (or "a day and year" ...)
      not a date                         -> "<subject> must be a real date"
      year not 4 digits                  -> "... must be a real date, with a year of 4 numbers like 2027"
      `when="past"` / "today_or_past"    -> "<subject> must be in the past" / "must be today or in the past"
      `when="future"` / "today_or_future"-> "<subject> must be in the future" / "... today or in the future"
      outside `earliest`..`latest`       -> "<subject> must be between ... and ..."
    `earliest`/`latest` may be dates or functions of no argument (evaluated at validation)."""

    widget = _DateBoxes()

    def __init__(self, label=None, validators=None, *, subject: str | None = None, required: str | None = None,
                 when: str | None = None, earliest=date(1990, 1, 1), latest=date(2199, 12, 31), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.subject = subject or str(self.label.text)
        self.required_message = required
        self.when = when
        self.earliest, self.latest = earliest, latest
        self.error_parts: set[str] = set(_PARTS)
        if required:
            self.flags.required = True

    def _value(self):
        return self.data.strftime("%-d %-m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.raw_data, self.data, message, bad = read_date_boxes(valuelist, self.subject)
        if message:
            self.error_parts = bad
            raise ValidationError(message)

    def pre_validate(self, form):
        if self.process_errors:  # process_formdata's message is already in self.errors
            raise StopValidation()
        if self.data is None:
            if self.required_message:
                self.error_parts = set(_PARTS)
                raise StopValidation(self.required_message)
            return
        self.error_parts = set(_PARTS)
        now = today()
        rule = {"past": (self.data < now, "must be in the past"),
                "today_or_past": (self.data <= now, "must be today or in the past"),
                "future": (self.data > now, "must be in the future"),
                "today_or_future": (self.data >= now, "must be today or in the future")}.get(self.when or "")
        if rule and not rule[0]:
            raise StopValidation(f"{self.subject} {rule[1]}")
        earliest = self.earliest() if callable(self.earliest) else self.earliest
        latest = self.latest() if callable(self.latest) else self.latest
        if not earliest <= self.data <= latest:
            raise StopValidation(f"{self.subject} must be between {_long(earliest)} and {_long(latest)}")

    def shown(self) -> str:
        """The date as people read it ("14 December 2026"), or the boxes as typed."""
        if self.data:
            return _long(self.data)
        return " ".join(p for p in (self.raw_data or []) if p)

    @property
    def error_anchor(self) -> str:
        """Where the error summary's link goes: the first box at fault."""
        first = next((p for p in _PARTS if p in self.error_parts), "day")
        return f"{self.name}-{first}"


def _long(day: date) -> str:
    return day.strftime("%-d %B %Y")


def apply_refusal(form, exc) -> None:
    """A service's refusal (`portal.errors.Refused`) on the form: each problem on its field, the
    rest (and a refusal without field problems) above the form. What the request wrote is undone
    by its boundary, which rolls back an answer of 400 or more (`portal.transaction`)."""
    for name, message in exc.problems.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
    if not exc.problems:
        form.form_errors.append(exc.message)
