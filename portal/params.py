"""Integers and dates from URLs and query strings: parsed in one place, bounded, never a 500.

- `IdConverter` is the app's `int` URL converter (registered in create_app): ASCII digits
  only, 1 to MAX_ID (what a PostgreSQL `integer` column holds; SQLite holds more). Anything
  else does not match the route, so `/cases/<25 digits>` or `/cases/١٢` is a 404 before the
  view runs.
- `int_arg(name)` / `date_arg(name)` read a query parameter. Absent or empty: the default.
  Unusable (not ASCII digits or a YYYY-MM-DD date, or outside its bounds): the default too, so
  the filter is simply not applied; a view that shows the filter's own error passes an
  `errors` dict, gets the message under the parameter's name and answers 422.
- `to_int(text)` / `to_date(text)` are the same rules for values that do not come from the
  query string (a form field read by hand); they return None for anything unusable.

Every `int_arg` / `date_arg` call notes (endpoint, name, kind) in `READ`: the tests learn from
it which parameters each view reads and probe them all with odd values
(tests/test_odd_input.py). It holds at most one entry per parameter of each view.
"""
from __future__ import annotations

import builtins
import re
from datetime import date

from flask import request
from werkzeug.routing import IntegerConverter, ValidationError

from portal.timeutil import today

MAX_ID = 2**31 - 1  # ids: PostgreSQL `integer` (SQLite's INTEGER holds 64 bits)
MAX_INT = 2**31 - 1
DATE_MIN = date(2000, 1, 1)
FUTURE_YEARS = 10  # the latest date accepted: the end of the year ten years from now

_INT = re.compile(r"-?[0-9]{1,10}", re.ASCII)
_DIGITS = re.compile(r"-?[0-9]+", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)

# endpoint -> {parameter name: "int" | "date"}, as the views have read them
READ: dict[str, dict[str, str]] = {}


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits, 1..MAX_ID; anything else is a 404."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value) > len(str(MAX_ID)) + 1:
            raise ValidationError()  # no int() of a thousand digits
        return super().to_python(value)


def date_max() -> date:
    return date(today().year + FUTURE_YEARS, 12, 31)


def _long(day: date) -> str:
    return day.strftime("%-d %B %Y")


def to_int(text: str | None, *, min: int = 1, max: int = MAX_INT) -> int | None:
    """`text` as a whole number from min to max; None if it is anything else."""
    if not isinstance(text, str) or not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if min <= value <= max else None


def to_date(text: str | None, *, min: date | None = None, max: date | None = None) -> date | None:
    """`text` as a YYYY-MM-DD date from min (2000-01-01) to max (ten years ahead); None otherwise."""
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if (min or DATE_MIN) <= value <= (max or date_max()) else None


def _raw(name: str, kind: str) -> str:
    if request.endpoint:
        READ.setdefault(request.endpoint, {})[name] = kind
    return (request.args.get(name) or "").strip()


def read_date_boxes(valuelist, subject: str) -> tuple[list[str], date | None, str | None, set[str]]:
    """What a GOV.UK date input posted (day, month, year): the three boxes as typed, the date (None
    when nothing was typed or it is not a date), the message saying how to fix it, and the boxes at
    fault. For a hand-written form (the panel's decision form), a filter (`date_arg`) and `forms.DateBoxesField`."""
    parts = [str(v).strip() for v in (valuelist or [])][:3]
    parts += [""] * (3 - len(parts))
    if not any(parts):
        return parts, None, None, set()
    missing = [name for name, text in zip(("day", "month", "year"), parts, strict=True) if not text]
    if missing:
        return parts, None, f"{subject} must include a {' and '.join(missing)}", set(missing)
    day, month, year = (to_int(p, min=0, max=9999) if len(p) <= 4 else None for p in parts)
    bad = {name for name, n, top in (("day", day, 31), ("month", month, 12)) if n is None or not 1 <= n <= top}
    if bad:
        return parts, None, f"{subject} must be a real date", bad
    if year is None or len(parts[2]) != 4:
        return parts, None, f"{subject} must be a real date, with a year of 4 numbers like {today().year}", {"year"}
    try:
        return parts, date(year, month, day), None, set()  # type: ignore[arg-type]
    except ValueError:
        return parts, None, f"{subject} must be a real date", {"day"}


def int_arg(name: str, *, min: int = 1, max: int = MAX_INT, default: int | None = None,
            clamp: bool = False, errors: dict | None = None, message: str | None = None) -> int | None:
    """The query parameter `name` as a whole number from min to max.

    Absent or empty: `default`. Unusable: `default`, and `errors[name]` says why when the view
    passes `errors` (`message` may use {min} and {max}). With `clamp`, a whole number beyond a
    bound, however long, is that bound (a page past the end is the last page)."""
    low, high = min, max
    raw = _raw(name, "int")
    if not raw:
        return default
    if clamp and _DIGITS.fullmatch(raw):
        if len(raw.lstrip("-").lstrip("0")) > len(str(builtins.max(abs(low), abs(high)))):
            return low if raw.startswith("-") else high  # far beyond a bound (no int() of it)
        return builtins.max(low, builtins.min(high, int(raw)))
    value = to_int(raw, min=low, max=high)
    if value is None:
        if errors is not None:
            errors[name] = (message or "Enter a whole number from {min} to {max}").format(min=low, max=high)
        return default
    return value


def date_arg(name: str, *, min: date | None = None, max: date | None = None, default: date | None = None,
             errors: dict | None = None, message: str | None = None, subject: str = "The date") -> date | None:
    """The query parameter `name` as a date from min (2000-01-01) to max (the end of the year ten
    years from now): written YYYY-MM-DD (a link), or as the day, month and year boxes of a GOV.UK
    date input (a filter form: `name` three times; its messages name the date by `subject`).

    Absent or empty: `default`. Unusable: `default`, and `errors[name]` says why when the view
    passes `errors` (`message` may use {min} and {max}, written like 1 January 2000)."""
    low, high = min or DATE_MIN, max or date_max()
    raw = _raw(name, "date")
    boxes = request.args.getlist(name)
    if len(boxes) == 3:
        _, value, problem, _ = read_date_boxes(boxes, subject)
        if value is not None and not low <= value <= high:
            problem = f"{subject} must be between {_long(low)} and {_long(high)}"
        if problem:
            if errors is not None:
                errors[name] = problem
            return default
        return value or default
    if not raw:
        return default
    value = to_date(raw, min=low, max=high)
    if value is None:
        if errors is not None:
            if message is None:
                real = _DATE.fullmatch(raw) and to_date(raw, min=date.min, max=date.max)
                message = ("Enter a date from {min} to {max}" if real else "Enter a real date, like 2026-11-23")
            errors[name] = message.format(min=_long(low), max=_long(high))
        return default
    return value
