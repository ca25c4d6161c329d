"""The caseload's rows, made in Python, are the HTML the Jinja loop made."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from portal.cases.caseload import CaseRow, Trend, list_rows
from portal.cases.models import CaseStatus

# the loop as it was in templates/cases/_case_list.html
TEMPLATE = """\
  <tbody class="govuk-table__body">
  {% for c in page.items %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ case_href[0] }}{{ c.id }}{{ case_href[1] }}">\
{{ c.pupil_name }}</a>{% if c.status != CaseStatus.open %} <strong class="govuk-tag govuk-tag--grey">\
{{ c.status.label }}</strong>{% endif %}{% if overdue.get(c.id) %} <strong class="govuk-tag govuk-tag--red">\
{{ overdue[c.id] }} overdue</strong>{% endif %}</td>
      <td class="govuk-table__cell">{{ c.school_name }}</td>
      <td class="govuk-table__cell">{{ c.stage_name if c.stage_name is not none else "–" }}</td>
      <td class="govuk-table__cell">{{ c.lead_name }}</td>
      <td class="govuk-table__cell app-nowrap">{% if c.next_review %}{{ c.next_review.strftime("%-d %b %Y") }}\
{% if c.next_review < today and not c.is_closed %} <strong class="govuk-tag govuk-tag--red">Due</strong>{% endif %}\
{% else %}–{% endif %}</td>
      {% if trends is not none %}{% set t = trends[c.id] %}
      <td class="govuk-table__cell app-nowrap">{% if t.now is none %}No marks{% else %}{{ t.now }}%\
{% if t.direction in ("up", "down") %} <span aria-hidden="true">{{ "↑" if t.direction == "up" else "↓" }}</span>\
<span class="govuk-visually-hidden">{{ t.direction }}</span> from {{ t.then }}%\
{% elif t.direction == "same" %}, as at referral{% endif %}{% endif %}</td>
      {% endif %}
    </tr>
  {% endfor %}
  </tbody>
"""

NEW = """\
  <tbody class="govuk-table__body">
{{ case_rows_html(page.items, case_href, overdue, trends, today) }}  </tbody>
"""


def test_caseload_rows_are_the_template_loop(app):
    today = date(2026, 11, 10)
    rows = [
        CaseRow(1, 11, CaseStatus.open, date(2026, 11, 1), "Ana <b>& 'Co'", "St Mary's & \"All\"", "Stage 2", "Lee",
                "91.5"),
        CaseRow(2, 12, CaseStatus.monitoring, None, "Ben", "School B", None, "O'Neil <x>", None),
        CaseRow(3, 13, CaseStatus.closed, date(2026, 10, 1), "Cy", "School C", "<Stage>", "Kim", "80"),
        CaseRow(4, 14, CaseStatus.open, date(2026, 12, 1), "Di", "School D", "Stage 1", "Kim", None),
        CaseRow(5, 15, CaseStatus.open, date(2026, 11, 10), "Ed", "School E", "Stage 1", "Kim", "70"),
    ]
    trends = {1: Trend("88.0", "91.5", "down"), 2: Trend(None, None, None), 3: Trend("85", "80", "up"),
              4: Trend("90", None, None), 5: Trend("70", "70", "same")}
    for t, overdue in ((trends, {1: 2, 3: 1}), (None, {})):
        context = dict(page=SimpleNamespace(items=rows), case_href=("/cases/", "?x=<1>"), overdue=overdue, trends=t,
                       today=today, case_rows_html=list_rows, CaseStatus=CaseStatus)
        with app.app_context():
            old = app.jinja_env.from_string(TEMPLATE).render(**context)
            new = app.jinja_env.from_string(NEW).render(**context)
        assert new == old
    assert "Due" in new and "&lt;b&gt;" in new
