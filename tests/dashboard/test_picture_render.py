"""The picture's figure links and changes are built in Python (`picture_page.figure`, ~150 a
page; `picture_page.change`, ~40) and drill-down links without url_for per link: each spells
exactly what the macro and url_for did."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import url_for
from markupsafe import Markup

from portal.dashboard import figures
from portal.dashboard import picture_page as page

OLD_MACRO = '''{% macro figure(text, href, what="") -%}
{%- if href and text != "–" -%}<a class="govuk-link" href="{{ href }}">{{ text }}<span class="govuk-visually-hidden"> – the pupils{{ (": " ~ what) if what }}</span></a>{%- else -%}{{ text }}{%- endif -%}
{%- endmacro %}{{ figure(text, href, what) }}'''  # noqa: E501


@pytest.mark.parametrize("text, href, what", [
    ("81.6%", "/attendance-picture/pupils?period=term&measure=all", ""),
    ("81.6%", "/x?a=1&b=<2>", "Year 5 & 6 <b>"),
    ("–", "/x", "cohort"),
    ("3", None, "pupils"),
    ("<i>", "", ""),
    ("12", "/x", Markup("<em>kept</em>")),
])
def test_figure_is_the_macro(app, text, href, what):
    with app.test_request_context():
        old = app.jinja_env.from_string(OLD_MACRO).render(text=text, href=href, what=what)
        assert str(page.figure(text, href, what)) == old


OLD_CHANGE = '''{% macro change(value, words, higher_is_better=True) -%}
{%- if value is none -%}{{ words }}
{%- else -%}
{%- set good = (value > 0) == higher_is_better -%}
<span class="app-change{{ '' if value == 0 else (' app-change--good' if good else ' app-change--bad') }}"><span aria-hidden="true">{{ "▲" if value > 0 else ("▼" if value < 0 else "▶") }} </span>{{ words }}</span>
{%- endif -%}
{%- endmacro %}{{ change(value, words, higher_is_better) }}'''  # noqa: E501


@pytest.mark.parametrize("value", [None, Decimal("0.0"), Decimal("1.2"), Decimal("-0.4"), 0, 3, -2])
@pytest.mark.parametrize("words", ["Up 1.2 points on last year's autumn term", "No comparison", "<b>&\"'",
                                   Markup("<em>kept</em>"), ""])
@pytest.mark.parametrize("higher_is_better", [True, False])
def test_change_is_the_macro(app, value, words, higher_is_better):
    """`change` (the template global `picture_change`) spells what the macro did."""
    with app.test_request_context():
        old = app.jinja_env.from_string(OLD_CHANGE).render(value=value, words=words,
                                                           higher_is_better=higher_is_better)
        assert str(page.change(value, words, higher_is_better)) == old


def test_drill_links_are_what_url_for_builds(app):
    period = figures.Period("2025/26", "year:2025/26", "Academic year 2025/26", "year", "2025/26", None,
                            date(2025, 9, 1), date(2026, 7, 22))
    with app.test_request_context():
        for school_id in (None, 7):
            links = page.Links(period, True, school_id=school_id)
            for measure, params in [("all", {}), ("pa", {"nc_year": 5}), ("all", {"cohort": "fsm", "without": 1}),
                                    ("all", {"flag": "x y&z", "phase": None}), ("sa", {"school": 3})]:
                expected = dict(params)
                if school_id is not None:
                    expected.setdefault("school", school_id)
                expected = {k: v for k, v in expected.items() if v is not None}
                assert links.drill(measure, **params) == url_for(
                    "dashboard.picture_pupils", period=period.choice, measure=measure, **expected)


# the trend's loops as they were in templates/dashboard/_picture_trend.html
OLD_TREND = """\
    {% if chart.last_year %}
      <polyline points="{{ chart.last_path }}"/>
      {% for p in chart.last_year %}<rect x="{{ '%.1f' | format(p.x - 3) }}" y="{{ '%.1f' | format(p.y - 3) }}" width="6" height="6" fill="#505a5f"><title>{{ chart.last_label }}, {{ p.label }}: {{ p.text }}</title></rect>{% endfor %}
    {% endif %}
    <polyline points="{{ chart.this_path }}"/>
    {% for p in chart.this_year %}<circle cx="{{ '%.1f' | format(p.x) }}" cy="{{ '%.1f' | format(p.y) }}" r="4" fill="#1d70b8"><title>{{ chart.this_label }}, {{ p.label }}: {{ p.text }}</title></circle>{% endfor %}
    {% for x, label, anchor in chart.axis_labels %}
      <text x="{{ '%.1f' | format(x) }}">{{ label }}</text>
    {% endfor %}
      <tbody class="govuk-table__body">
        {% for row in chart.rows %}
        <tr class="govuk-table__row">
          <th scope="row" class="govuk-table__header">Week {{ row.number }}</th>
          <td class="govuk-table__cell app-nowrap">{{ row.this_week.week_start | day if row.this_week else "–" }}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.this_week.text if row.this_week else "–" }}</td>
          {% if chart.last_year %}
          <td class="govuk-table__cell app-nowrap">{{ row.last_week.week_start | day if row.last_week else "–" }}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.last_week.text if row.last_week else "–" }}</td>
          {% endif %}
        </tr>
        {% endfor %}
      </tbody>"""  # noqa: E501

NEW_TREND = """\
    {% if chart.last_year %}
      <polyline points="{{ chart.last_path }}"/>
{{ trend_marks(chart.last_year, chart.last_label, "rect") }}{% endif %}
    <polyline points="{{ chart.this_path }}"/>
{{ trend_marks(chart.this_year, chart.this_label, "circle") }}{% for x, label, anchor in chart.axis_labels %}
      <text x="{{ '%.1f' | format(x) }}">{{ label }}</text>
    {% endfor %}
      <tbody class="govuk-table__body">
{{ trend_rows(chart) }}      </tbody>"""


@pytest.mark.parametrize("last_year", [True, False])
def test_trend_marks_and_rows_are_the_template_loops(app, last_year):
    from portal.dashboard import charts

    def week(day, attended, possible):
        return figures.Week(day, possible, attended)

    this = [week(date(2026, 9, 7), 190, 200), week(date(2026, 9, 14), 1, 3), week(date(2026, 9, 21), 0, 7)]
    last = [week(date(2025, 9, 8), 199, 200), week(date(2025, 9, 15), 94999, 100000),
            week(date(2025, 9, 22), 50, 100), week(date(2025, 9, 29), 9, 10)] if last_year else []
    trend = figures.Trend(this, last, "2026/27 <this> & \"that\"", "2025/26 'last'" if last_year else None)
    chart = charts.trend_chart(trend, Decimal("93.1"), "National & <co>")
    context = dict(chart=chart, trend_marks=charts.trend_marks, trend_rows=charts.trend_rows)
    with app.test_request_context():
        old = app.jinja_env.from_string(OLD_TREND).render(**context)
        new = app.jinja_env.from_string(NEW_TREND).render(**context)
    assert "&lt;this&gt; &amp; &#34;that&#34;" in new and ("<rect" in new) == last_year and "Week 3" in new
    assert new == old


# the split by school's loop as it was in templates/dashboard/_picture_schools.html
OLD_SCHOOLS = """\
{% from "dashboard/_picture_macros.html" import figure, change %}
  <tbody class="govuk-table__body">
  {% for row in schools %}
    {% set m, s = row.measures, row.extra.school %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">
        {% if school_links %}<a class="govuk-link" href="{{ url_for('dashboard.school_picture', school_id=s.id, period=period.choice) }}">{{ row.label }}</a>{% else %}{{ row.label }}{% endif %}
        {% if row.extra.phase %}<br><span class="govuk-body-s">{{ row.extra.phase.label }}</span>{% endif %}
      </th>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.pupils | string, links.drill("all", school=s.id) if m.pupils, row.label) }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.attendance_text, links.drill("all", school=s.id), row.label) }}</td>
      <td class="govuk-table__cell app-nowrap">{% if not m.has_data %}No marks{% else %}{{ change(row.change, page.change_words(row.change) if row.change is not none else "No comparison") }}{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.unauthorised_text, links.drill("all", school=s.id), row.label) }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.pa_text, links.drill("pa", school=s.id), row.label ~ ", persistent absence") }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.sa_text, links.drill("sa", school=s.id), row.label ~ ", severe absence") }}</td>
      <td class="govuk-table__cell">{{ row.extra.ewo or "None named" }}</td>
      <td class="govuk-table__cell app-nowrap">{{ row.extra.last_tsm | day if row.extra.last_tsm else "None held" }}</td>
    </tr>
  {% endfor %}
  </tbody>"""  # noqa: E501

NEW_SCHOOLS = """\
  <tbody class="govuk-table__body">
{{ picture_school_rows(schools, links, school_href if school_links else none) }}  </tbody>"""


@pytest.mark.parametrize("drill, school_links", [(True, True), (False, True), (True, False), (False, False)])
def test_school_rows_are_the_template_loop(app, drill, school_links):
    from types import SimpleNamespace

    from portal.urls import href_format

    period = figures.Period("2025/26", "term", "Autumn term 2025/26", "term", "2025/26", None,
                            date(2025, 9, 1), date(2025, 12, 19))
    M = figures.Measures
    schools = [
        figures.Split("1", "St Mary's <C of E> & \"Co\"", M(150, 2000, 1900, 60, 40, 20, 3, 100, 2),
                      M(140, 2000, 1910, 50, 40, 18, 2, 100, 1),
                      extra={"school": SimpleNamespace(id=1), "phase": SimpleNamespace(label="All-through"),
                             "ewo": "Omar <Khan>", "last_tsm": date(2025, 10, 3)}),
        figures.Split("2", "Hillview", M(10, 100, 90, 5, 5, 3, 1, 2, 0), M(),
                      extra={"school": SimpleNamespace(id=2), "phase": None, "ewo": None, "last_tsm": None}),
        figures.Split("3", "Empty", M(), None, extra={"school": SimpleNamespace(id=3)}),
        figures.Split("4", "Same", M(5, 100, 95, 5, 0, 0, 0, 5, 0), M(5, 100, 95, 5, 0, 0, 0, 5, 0),
                      extra={"school": SimpleNamespace(id=4), "ewo": ""}),
    ]
    with app.test_request_context():
        context = dict(schools=schools, links=page.Links(period, drill), period=period, page=page,
                       school_links=school_links,
                       school_href=href_format("dashboard.school_picture", "school_id", period=period.choice))
        old = app.jinja_env.from_string(OLD_SCHOOLS).render(**context)
        new = app.jinja_env.from_string(NEW_SCHOOLS).render(**context)
    assert "St Mary&#39;s &lt;C of E&gt; &amp; &#34;Co&#34;" in new and "No marks" in new and "None named" in new
    assert ("/schools/1/attendance-picture" in new) == school_links
    assert new == old


# the year groups' and cohorts' loops as they were in _picture_year_groups.html, _picture_cohorts.html
OLD_SPLITS = """\
{% from "dashboard/_picture_macros.html" import figure, change %}
  <tbody class="govuk-table__body">
  {% for row in year_groups %}
    {% set m = row.measures %}
    {% set year = row.key | int if row.key != "None" else none %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header app-nowrap">{{ row.label }}</th>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.pupils | string, links.drill("all", year=year) if year is not none, row.label) }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.attendance_text, links.drill("all", year=year) if year is not none, row.label) }}</td>
      <td class="govuk-table__cell">{{ change(row.change, page.change_words(row.change) if row.change is not none else "No comparison") }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ m.unauthorised_text }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.pa_text, links.drill("pa", year=year) if year is not none, row.label ~ ", persistent absence") }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.sa_text, links.drill("sa", year=year) if year is not none, row.label ~ ", severe absence") }}</td>
    </tr>
  {% endfor %}
  </tbody>
  <tbody class="govuk-table__body">
  {% for row in cohorts %}
    {% set m, w = row.measures, row.without %}
    {% set nat = cohort_national[row.key] %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ row.label }}</th>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.pupils | string, links.drill("all", cohort=row.key) if m.pupils, row.label) }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.attendance_text, links.drill("all", cohort=row.key), row.label) }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(w.pupils | string, links.drill("all", cohort=row.key, without=1) if w.pupils, "without " ~ row.label) }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(w.attendance_text, links.drill("all", cohort=row.key, without=1), "without " ~ row.label) }}</td>
      <td class="govuk-table__cell app-nowrap">{% if row.gap is none %}{{ "No pupils in this cohort" if not m.pupils else "No pupils without it" }}{% else %}{{ change(row.gap, page.gap_short(row.gap)) }}{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ figure(m.pa_text, links.drill("pa", cohort=row.key), row.label ~ ", persistent absence") }}</td>
      <td class="govuk-table__cell govuk-body-s">{% if nat.held %}{{ nat.value_text }} ({{ nat.label }}); here {{ m.absence_text }}{% else %}{{ nat.label }}{% endif %}</td>
    </tr>
  {% endfor %}
  </tbody>"""  # noqa: E501

NEW_SPLITS = """\
  <tbody class="govuk-table__body">
{{ picture_year_group_rows(year_groups, links) }}  </tbody>
  <tbody class="govuk-table__body">
{{ picture_cohort_rows(cohorts, links, cohort_national) }}  </tbody>"""


@pytest.mark.parametrize("drill", [True, False])
def test_year_group_and_cohort_rows_are_the_template_loops(app, drill):
    period = figures.Period("2025/26", "term", "Autumn term 2025/26", "term", "2025/26", None,
                            date(2025, 9, 1), date(2025, 12, 19))
    M = figures.Measures
    now, before = M(150, 2000, 1900, 60, 40, 20, 3, 100, 2), M(140, 2000, 1910, 50, 40, 18, 2, 100, 1)
    year_groups = [figures.Split("-1", "Nursery <&>", now, before), figures.Split("0", "Reception", M(), before),
                   figures.Split("7", "Year 7", now, now), figures.Split("None", "No year \"given\"", now, None),
                   figures.Split("x", "Odd", M(3, 10, 10, 0, 0, 0, 0, 3, 0), M(3, 10, 9, 0, 1, 0, 0, 3, 0))]
    cohorts = [figures.Split("fsm", "Free school meals <FSM>", now, without=before),
               figures.Split("eal", "EAL & co", M(), without=now),
               figures.Split("sen", "SEN", now, without=M()),
               figures.Split("cla", "Looked after", now, without=now)]
    cohort_national = {"fsm": page.National(Decimal("7.5"), "National <FSM>, 2024/25"),
                       "eal": page.National(None, "No national figure for <EAL> & co"),
                       "sen": page.National(Decimal("10.25"), "National SEN"),
                       "cla": page.National(None, "None")}
    with app.test_request_context():
        context = dict(year_groups=year_groups, cohorts=cohorts, cohort_national=cohort_national,
                       links=page.Links(period, drill), page=page)
        old = app.jinja_env.from_string(OLD_SPLITS).render(**context)
        new = app.jinja_env.from_string(NEW_SPLITS).render(**context)
    assert "Nursery &lt;&amp;&gt;" in new and "No pupils in this cohort" in new and "No pupils without it" in new
    assert ("year=-1" in new) == drill and "year=None" not in new
    assert new == old
