"""The pupil page's weekly chart bars and weekly table rows made in Python.

A year is up to ~40 school weeks: as Jinja loops each bar took four `format` filters, a colour
dict built afresh and the label look-ups, each table row a date, the percentage and three cells.
The HTML is what the template's loops made (escaped the same way, the same whitespace: the
app's Jinja trims blocks)."""
from __future__ import annotations

from typing import Any, Iterable

from markupsafe import Markup, escape

from portal.attendance.calc import ambition, percent_label

BAND_FILL = {"expected": "#0f7a52", "at_risk": "#b58800", "persistent": "#d4351c", "severe": "#942514"}


def chart_bars(bars: Iterable[Any]) -> Markup:
    """The chart's <rect>s, one per week, each with its label."""
    return Markup("".join(
        f'      <rect x="{"%.1f" % bar.x}" y="{"%.1f" % bar.y}" width="{"%.1f" % bar.width}"'
        f' height="{"%.1f" % bar.height}"\n'
        f'            fill="{escape(BAND_FILL.get(bar.band, "#505a5f"))}"><title>{escape(bar.label)}:'
        f' {escape(bar.text)}</title></rect>\n' for bar in bars))


def week_rows(weeks: Iterable[Any]) -> Markup:
    """The <tr> rows of the table of the weekly figures."""
    cell = '          <td class="govuk-table__cell govuk-table__cell--numeric">'
    amb = ambition()  # the same for every week: looked up once, not per row
    return Markup("".join(
        '        <tr class="govuk-table__row">\n'
        f'          <td class="govuk-table__cell">{escape(w.week_start.strftime("%-d %b %Y"))}</td>\n'
        f'{cell}{escape(percent_label(w.attended, w.possible, amb))}</td>\n'
        f'{cell}{escape(w.possible)}</td>\n'
        f'{cell}{escape(w.authorised)}</td>\n'
        f'{cell}{escape(w.unauthorised)}</td>\n'
        '        </tr>\n' for w in weeks))
