"""The pupil page's weekly chart bars and weekly table rows, made in Python, are the HTML the
Jinja loops made."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from portal.pupils.weekly import chart_bars, week_rows

# the loops as they were in templates/pupils/pupil.html
TEMPLATE = """\
  <svg>
    {% for bar in chart.bars %}
      <rect x="{{ '%.1f' | format(bar.x) }}" y="{{ '%.1f' | format(bar.y) }}" width="\
{{ '%.1f' | format(bar.width) }}" height="{{ '%.1f' | format(bar.height) }}"
            fill="{{ {'expected': '#0f7a52', 'at_risk': '#b58800', 'persistent': '#d4351c', 'severe': '#942514'}\
.get(bar.band, '#505a5f') }}"><title>{{ bar.label }}: {{ bar.text }}</title></rect>
    {% endfor %}
    <line/>
      <tbody class="govuk-table__body">
        {% for w in summary.weeks %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell">{{ w.week_start.strftime("%-d %b %Y") }}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">{{ attendance_percent(w.attended, w.possible) }}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">{{ w.possible }}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">{{ w.authorised }}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">{{ w.unauthorised }}</td>
        </tr>
        {% endfor %}
      </tbody>
"""

NEW = """\
  <svg>
{{ chart_bars(chart.bars) }}    <line/>
      <tbody class="govuk-table__body">
{{ week_rows(summary.weeks) }}      </tbody>
"""


def test_weekly_bars_and_rows_are_the_template_loops(app):
    bars = [SimpleNamespace(x=40 + 12.3456 * i, y=100 / (i + 1), width=10.05, height=i * 3.14159,
                            band=band, label=f"w/b {i} <Sep> & 'x'", text=text)
            for i, (band, text) in enumerate([("expected", "96.2%"), ("at_risk", "93.0%"), ("persistent", "85%"),
                                               ("severe", "40.0%"), (None, "–"), ("odd<", "1 & 2")])]
    monday = date(2026, 9, 7)
    weeks = [SimpleNamespace(week_start=monday + timedelta(days=7 * i), attended=a, possible=p, authorised=au,
                             unauthorised=un) for i, (a, p, au, un) in enumerate(
        [(10, 10, 0, 0), (9, 10, 1, 0), (0, 0, 0, 0), (7, 9, 0, 2), (1899, 2000, 50, 51)])]
    context = dict(chart=SimpleNamespace(bars=bars), summary=SimpleNamespace(weeks=weeks),
                   chart_bars=chart_bars, week_rows=week_rows)
    with app.app_context():
        old = app.jinja_env.from_string(TEMPLATE).render(**context)
        new = app.jinja_env.from_string(NEW).render(**context)
    assert "&lt;Sep&gt;" in new and "#505a5f" in new and "–" in new
    assert new == old
