"""SQL for the attendance aggregates, the same on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import case, func

from portal.attendance import calc


def week_start_sql(dialect: str, column: str) -> str:
    """SQL for the Monday of the week of a date column."""
    if dialect == "sqlite":
        return f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7) || ' days')"
    return f"CAST(date_trunc('week', {column}) AS date)"


def band_case(attended, possible):
    """The SQL twin of calc.band (integer arithmetic, same edges)."""
    missed = possible - attended
    return case(
        (possible <= 0, calc.NO_DATA),
        (missed * 2 >= possible, calc.SEVERE),
        (missed * 10 >= possible, calc.PERSISTENT),
        (attended * 100 < calc.AMBITION_PERCENT * possible, calc.AT_RISK),
        else_=calc.EXPECTED,
    )


def percent_sql(attended, possible):
    return case((possible > 0, 100.0 * attended / func.nullif(possible, 0)), else_=None)
