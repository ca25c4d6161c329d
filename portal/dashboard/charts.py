"""The attendance picture's weekly trend as a server-rendered SVG line chart (no JavaScript):
this year and last year week by week (the n-th school week of each year side by side) and the
national figure as a labelled flat line. The page shows the same figures as a table below the
chart (`TrendChart.rows`), as the pupil page's chart does (portal/attendance/charts.py).

Drawing only: every figure shown comes from `figures.Trend` (calc's labels)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from portal.dashboard.figures import Trend, Week
from portal.dashboard.picture_page import published_text

WIDTH = 640
HEIGHT = 240
LEFT = 44
RIGHT = 16
TOP = 12
BOTTOM = 30


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str   # "Week 3, 15 Sep 2026"
    text: str    # the shown figure


@dataclass(frozen=True)
class Row:
    """One school week of the table under the chart."""
    number: int
    this_week: Week | None
    last_week: Week | None


@dataclass
class TrendChart:
    width: int
    height: int
    this_year: list[Point]
    last_year: list[Point]
    this_label: str
    last_label: str | None
    national_y: float | None
    national_text: str | None     # "National, academic year 2024/25: 93.1%"
    gridlines: list[tuple[float, str]]
    axis_labels: list[tuple[float, str, str]]   # x, label, text-anchor
    rows: list[Row]
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT

    @property
    def this_path(self) -> str:
        return _path(self.this_year)

    @property
    def last_path(self) -> str:
        return _path(self.last_year)


def _path(points: list[Point]) -> str:
    return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def _floor(lowest: float) -> int:
    """The bottom of the y axis: the ten below the lowest figure (0 at the least)."""
    return max(0, min(90, int(math.floor((lowest - 1) / 10.0)) * 10))


def trend_chart(trend: Trend, national: Decimal | None = None, national_label: str | None = None) -> TrendChart:
    """The chart of a trend; `national` is the national attendance (100 minus overall absence)
    with its label, or None when there is no national figure."""
    this = [w for w in trend.this_year if w.possible > 0]
    last = [w for w in trend.last_year if w.possible > 0]
    n = max(len(this), len(last), 1)
    values = [w.percent or 0.0 for w in this + last] + ([float(national)] if national is not None else [])
    bottom = _floor(min(values)) if values else 0
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT

    def y(percent: float) -> float:
        return TOP + plot_h * (1 - (percent - bottom) / (100 - bottom))

    def x(index: int) -> float:
        return LEFT + (plot_w / 2 if n == 1 else plot_w * index / (n - 1))

    def points(weeks: list[Week]) -> list[Point]:
        return [Point(x(i), y(w.percent or 0.0), f"Week {i + 1}, {w.week_start.strftime('%-d %b %Y')}", w.text)
                for i, w in enumerate(weeks)]

    step = 5 if 100 - bottom <= 30 else (10 if 100 - bottom <= 60 else 25)
    grid = [(y(p), f"{p}%") for p in range(100, bottom - 1, -step)]
    every = max(1, math.ceil(n / 8))
    axis = [(x(i), f"Week {i + 1}", "end" if x(i) > WIDTH - RIGHT - 25 else "middle") for i in range(0, n, every)]
    rows = [Row(i + 1, this[i] if i < len(this) else None, last[i] if i < len(last) else None) for i in range(n)
            if i < len(this) or i < len(last)]
    national_text = None
    if national is not None:
        national_text = f"{national_label or 'National'}: {published_text(national)}"
    return TrendChart(WIDTH, HEIGHT, points(this), points(last), trend.this_label, trend.last_label,
                      y(float(national)) if national is not None else None, national_text, grid, axis, rows)


# ----- the chart's repeated parts as HTML (the template globals `trend_marks`, `trend_rows`) -----
# A year has ~39 school weeks: two series of marks and a table row each were ~8,000 calls a
# picture as Jinja loops. The HTML is what the template made (escaped the same way, the same
# whitespace).

def trend_marks(points: list[Point], series: str | None, shape: str) -> Markup:
    """A series' marks, each with its title: last year's squares (`shape` "rect") or this
    year's dots ("circle")."""
    series_text = escape(series)
    if shape == "rect":
        return Markup("".join(
            f'<rect x="{"%.1f" % (p.x - 3)}" y="{"%.1f" % (p.y - 3)}" width="6" height="6" fill="#505a5f">'
            f'<title>{series_text}, {escape(p.label)}: {escape(p.text)}</title></rect>' for p in points))
    return Markup("".join(
        f'<circle cx="{"%.1f" % p.x}" cy="{"%.1f" % p.y}" r="4" fill="#1d70b8">'
        f'<title>{series_text}, {escape(p.label)}: {escape(p.text)}</title></circle>' for p in points))


def _day(week: Week | None) -> str:
    return (week.week_start.strftime("%-d %b %Y") if week.week_start else "") if week else "–"


def trend_rows(chart: TrendChart) -> Markup:
    """The <tr> rows of the table under the chart, one per school week."""
    out: list[str] = []
    last = bool(chart.last_year)
    for row in chart.rows:
        this_week, last_week = row.this_week, row.last_week
        out.append(
            '        <tr class="govuk-table__row">\n'
            f'          <th scope="row" class="govuk-table__header">Week {escape(row.number)}</th>\n'
            f'          <td class="govuk-table__cell app-nowrap">{escape(_day(this_week))}</td>\n'
            '          <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{escape(this_week.text if this_week else "–")}</td>\n')
        if last:
            out.append(
                f'          <td class="govuk-table__cell app-nowrap">{escape(_day(last_week))}</td>\n'
                '          <td class="govuk-table__cell govuk-table__cell--numeric">'
                f'{escape(last_week.text if last_week else "–")}</td>\n')
        out.append('        </tr>\n')
    return Markup("".join(out))
