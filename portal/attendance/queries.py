"""SQL for the attendance aggregates, the same on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import case, func

from portal.attendance import calc


def week_start_sql(dialect: str, column: str) -> str:
    """SQL for the Monday of the week of a date column."""
    if dialect == "sqlite":
        return f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7) || ' days')"
    return f"CAST(date_trunc('week', {column}) AS date)"


def band_case(attended, possible, ambition_percent: int | None = None):
    """The SQL twin of calc.band (integer arithmetic, same edges; the ambition from the LA's
    settings, read once per request)."""
    amb = calc.ambition() if ambition_percent is None else ambition_percent
    return case(
        (possible <= 0, calc.NO_DATA),
        (attended * 100 <= calc.SEVERE_PERCENT * possible, calc.SEVERE),
        (attended * 100 <= calc.PERSISTENT_PERCENT * possible, calc.PERSISTENT),
        (attended * 100 < amb * possible, calc.AT_RISK),
        else_=calc.EXPECTED,
    )


def percent_sql(attended, possible):
    """The SQL twin of calc.percent: the exact ratio as a number, for ordering only (what is
    shown comes from calc.percent_text on the row's attended and possible)."""
    return case((possible > 0, 100.0 * attended / func.nullif(possible, 0)), else_=None)
