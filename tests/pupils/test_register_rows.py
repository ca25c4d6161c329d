"""The pupil page's register rows, made in Python, are the HTML the Jinja loop made."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from portal.pupils.register import register_rows, shown_codes

# the loop as it was in templates/pupils/pupil.html
TEMPLATE = """\
  <tbody class="govuk-table__body">
    {% for week in calendar_weeks %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header app-nowrap">{{ week[0].strftime("%-d %b") }}</th>
      {% for day in week %}
        {% for session in ["AM", "PM"] %}
          {% set code = register.get(day, {}).get(session) %}
          {% if code %}
            {% set category = codes[code].category %}
            {% set changes = amended.get((day, session)) %}
            <td class="govuk-table__cell app-register__mark app-mark--{{ category }}" title="\
{{ codes[code].meaning }}"><span aria-hidden="true">{{ code }}</span><span class="govuk-visually-hidden">\
{{ day.strftime('%a %-d %b') }} {{ session }}: {{ code }}, {{ codes[code].meaning }}\
{% if changes %} (amended){% endif %}</span>\
{% if changes %}<a class="govuk-link app-register__amended" href="#amended-{{ day.isoformat() }}-{{ session }}">\
<span aria-hidden="true">*</span><span class="govuk-visually-hidden"> amended: see its history</span></a>\
{% endif %}</td>
          {% else %}
            <td class="govuk-table__cell app-register__mark"><span class="govuk-visually-hidden">\
{{ day.strftime('%a %-d %b') }} {{ session }}: no mark</span></td>
          {% endif %}
        {% endfor %}
      {% endfor %}
    </tr>
    {% endfor %}
  </tbody>
{% set shown = [] %}
{% for week in calendar_weeks %}{% for day in week %}{% for session in ["AM", "PM"] %}
  {% set c = register.get(day, {}).get(session) %}{% if c and c not in shown %}{% set _ = shown.append(c) %}{% endif %}
{% endfor %}{% endfor %}{% endfor %}
{{ shown | sort | join("|") }}"""

NEW = """\
  <tbody class="govuk-table__body">
{{ register_rows(calendar_weeks, register, codes, amended) }}  </tbody>
{{ shown_codes(calendar_weeks, register) | join("|") }}"""


def test_register_rows_are_the_template_loop(app):
    monday = date(2026, 9, 7)
    weeks = [[monday + timedelta(days=7 * w + d) for d in range(5)] for w in range(3)]
    codes = {c: SimpleNamespace(category=cat, meaning=meaning) for c, cat, meaning in [
        ("/", "present", "Present (AM)"), ("\\", "present", "Present (PM)"),
        ("O", "unauthorised", "Unauthorised <other> & \"so\""),
        ("b", "approved", "lower b"), ("B", "approved", "Off-site 'educational' activity"),
        ("<", "not_possible", "odd <code>")]}
    register = {weeks[0][0]: {"AM": "/", "PM": "\\"}, weeks[0][2]: {"PM": "O"}, weeks[1][1]: {"AM": "b", "PM": "B"},
                weeks[2][4]: {"AM": "<"}, weeks[2][3]: {"AM": "B", "PM": "b"}}
    amended = {(weeks[0][2], "PM"): ["a change"], (weeks[2][4], "AM"): ["x", "y"]}
    context = dict(calendar_weeks=weeks, register=register, codes=codes, amended=amended,
                   register_rows=register_rows, shown_codes=shown_codes)
    with app.app_context():
        old = app.jinja_env.from_string(TEMPLATE).render(**context)
        new = app.jinja_env.from_string(NEW).render(**context)
    assert "app-register__amended" in new and "&lt;other&gt; &amp; &#34;so&#34;" in new
    assert new == old
