"""Times are stored in UTC and shown in Europe/London."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def london(value: datetime | None) -> str:
    if value is None:
        return ""
    return as_utc(value).astimezone(LONDON).strftime("%-d %b %Y %H:%M")


def london_today():
    """Today's date in Europe/London (due dates, reviews and school days are London dates)."""
    return utcnow().astimezone(LONDON).date()
