"""The one clock. Times are stored in UTC and shown in Europe/London; dates (due dates,
reviews, school days, marks) are London dates. Everything that needs "now" or "today" asks
here, so tests move the one clock with `time-machine` instead of patching modules."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (what is stored)."""
    return datetime.now(timezone.utc)


def now() -> datetime:
    """Now in London (what people see)."""
    return utcnow().astimezone(LONDON)


def today() -> date:
    """Today's date in London."""
    return now().date()


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def london_day(value: datetime | None) -> str:
    """The London date of a stored time, like "3 Dec 2026"."""
    if value is None:
        return ""
    return as_utc(value).astimezone(LONDON).strftime("%-d %b %Y")


def london(value: datetime | None) -> str:
    if value is None:
        return ""
    return as_utc(value).astimezone(LONDON).strftime("%-d %b %Y %H:%M")

