"""Server-rendered SVG charts (no JavaScript), each with an equivalent data table."""
from __future__ import annotations

from dataclasses import dataclass

from portal.attendance import calc

WIDTH = 640
HEIGHT = 220
LEFT = 40
BOTTOM = 30
TOP = 10


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    percent: float   # the bar's height (drawing only)
    label: str
    band: str
    text: str        # the shown figure (calc.percent_label)


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    gridlines: list[tuple[float, str]]
    ambition_y: float
    pa_y: float
    axis_labels: list[tuple[float, str]]
    ambition: int


def _y(percent: float) -> float:
    plot = HEIGHT - BOTTOM - TOP
    return TOP + plot * (1 - percent / 100)


def weekly_chart(weeks) -> Chart:
    """Bars of weekly attendance %, with the ambition (95% unless the LA sets another) and the
    90% persistent-absence lines."""
    shown = [w for w in weeks if w.possible > 0]
    slot = (WIDTH - LEFT - 10) / max(len(shown), 1)
    bars = []
    labels = []
    for i, w in enumerate(shown):
        pct = calc.percent(w.attended, w.possible) or 0.0
        x = LEFT + i * slot + slot * 0.15
        y = _y(pct)
        bars.append(Bar(x, y, slot * 0.7, HEIGHT - BOTTOM - y, pct, w.week_start.strftime("%-d %b"),
                        calc.band(w.attended, w.possible), calc.percent_label(w.attended, w.possible)))
        if len(shown) <= 8 or i % max(1, len(shown) // 8) == 0:
            labels.append((x + slot * 0.35, w.week_start.strftime("%-d %b")))
    grid = [(_y(p), f"{p}%") for p in (0, 25, 50, 75, 100)]
    ambition = calc.ambition()
    return Chart(WIDTH, HEIGHT, bars, grid, _y(ambition), _y(calc.PERSISTENT_PERCENT), labels, ambition)
