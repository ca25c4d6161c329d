"""A meeting's key group rows, made in Python, are the HTML the Jinja loop made."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.attendance import calc
from portal.tsm.key_group_rows import key_group_rows

# the loop as it was in templates/tsm/meeting.html
TEMPLATE = """\
{% from "components/attendance.html" import band_tag %}
      <tbody class="govuk-table__body">
      {% for gp in group.pupils %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="{{ pupil_href.format(gp.pupil.id) }}">{{ gp.pupil.display_name }}</a></td>
          <td class="govuk-table__cell app-nowrap">{{ gp.pupil.year_label }}</td>
          <td class="govuk-table__cell app-nowrap">{{ gp.percent or "No data" }} {{ band_tag(gp.band) }}</td>
          <td class="govuk-table__cell">{{ gp.unauthorised_10_weeks }}</td>
          <td class="govuk-table__cell">{{ "Yes" if gp.referral else "No" }}</td>
          <td class="govuk-table__cell">{{ "Yes" if gp.case else "No" }}</td>
          {% if runs and not meeting.held %}<td class="govuk-table__cell"><a class="govuk-link" href="{{ record_href.format(gp.pupil.id) }}">Record<span class="govuk-visually-hidden"> an item for {{ gp.pupil.display_name }}</span></a></td>{% endif %}
        </tr>
      {% endfor %}
      </tbody>"""  # noqa: E501

NEW = """\
{% from "components/attendance.html" import band_tag %}
      <tbody class="govuk-table__body">
{{ key_group_rows(group.pupils, pupil_href, record_href, band_tag, runs and not meeting.held) }}      </tbody>"""


@pytest.mark.parametrize("runs, held", [(True, False), (True, True), (False, False)])
def test_key_group_rows_are_the_template_loop(app, runs, held):
    def gp(i, name, year, attended, possible, unauth, referral, case):
        pupil = SimpleNamespace(id=i, display_name=name, year_label=year)
        return SimpleNamespace(pupil=pupil, percent=calc.percent_text(attended, possible),
                               band=calc.band(attended, possible), unauthorised_10_weeks=unauth,
                               referral=referral, case=case)
    pupils = [gp(1, "Zoë O'Brien", "Year 7", 10, 200, 30, True, True),
              gp(2, "<Ann> & \"Co\"", "Reception", 150, 200, 12, False, True),
              gp(3, "Max Lee", "Year 11", 0, 0, 0, False, False),
              gp(4, "Bo Ng", "Nursery", 185, 200, 9, True, False),
              gp(5, "Al Ng", "Year 1", 1899, 1999, 3, False, False)]
    context = dict(group=SimpleNamespace(pupils=pupils), pupil_href="/pupils/{}",
                   record_href="/support-meetings/3/items/new?pupil={}", runs=runs,
                   meeting=SimpleNamespace(held=held), key_group_rows=key_group_rows)
    with app.test_request_context():
        old = app.jinja_env.from_string(TEMPLATE).render(**context)
        new = app.jinja_env.from_string(NEW).render(**context)
    assert "&lt;Ann&gt; &amp; &#34;Co&#34;" in new and "No data" in new
    assert ("items/new?pupil=2" in new) == (runs and not held)
    assert new == old
