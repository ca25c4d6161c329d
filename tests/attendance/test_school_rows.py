"""The school attendance view's table rows, made in Python, are the HTML the Jinja loop made."""
from __future__ import annotations

from types import SimpleNamespace

from portal.attendance import calc
from portal.attendance.school_rows import school_rows
from portal.pupils.models import COHORT_FLAGS, year_label

# the loop as it was in templates/attendance/_school_rows.html
TEMPLATE = """\
{% from "components/attendance.html" import band_tag, pct, cohort_tags %}
    <tbody class="govuk-table__body">
      {% set tags = {} %}{# each band's tag rendered once #}
      {% for row in rows %}
      {% set p = row.Pupil %}
      <tr class="govuk-table__row">
        <td class="govuk-table__cell"><a class="govuk-link" href="{{ pupil_href.format(p.id) }}">{{ p.legal_surname }}, {{ p.legal_forename }}</a></td>
        <td class="govuk-table__cell app-nowrap">{{ p.year_label }}</td>
        <td class="govuk-table__cell govuk-table__cell--numeric">{{ attendance_percent(row.attended, row.possible) }}</td>
        <td class="govuk-table__cell">{% if row.band not in tags %}{% set _ = tags.update({row.band: band_tag(row.band)}) %}{% endif %}{{ tags[row.band] }}</td>
        <td class="govuk-table__cell govuk-table__cell--numeric">{% if row.unauth10 >= calc.PENALTY_THRESHOLD_SESSIONS %}<strong>{{ row.unauth10 }}</strong>{% else %}{{ row.unauth10 }}{% endif %}</td>
        <td class="govuk-table__cell">{{ cohort_tags(p) }}</td>
      </tr>
      {% endfor %}
    </tbody>"""  # noqa: E501

NEW = """\
{% from "components/attendance.html" import band_tag, pct, cohort_tags %}
    <tbody class="govuk-table__body">
{{ school_rows(rows, pupil_href, band_tag) }}    </tbody>"""


class FakePupil(SimpleNamespace):
    @property
    def year_label(self):
        return year_label(self.nc_year)

    @property
    def flags(self):
        return [(f, label, short) for f, label, short in COHORT_FLAGS if getattr(self, f)]


def _pupil(i, surname, forename, nc_year, *flags):
    return FakePupil(id=i, legal_surname=surname, legal_forename=forename, nc_year=nc_year,
                     **{f: f in flags for f, _, _ in COHORT_FLAGS})


def test_school_rows_are_the_template_loop(app):
    all_flags = [f for f, _, _ in COHORT_FLAGS]
    rows = [SimpleNamespace(Pupil=p, attended=a, possible=n, band=calc.band(a, n), unauth10=u) for p, a, n, u in [
        (_pupil(1, "O'Brien", "Zoë", 7), 190, 200, 0),
        (_pupil(2, "<Smith> & \"Co\"", "Ann", 11, *all_flags), 150, 200, 12),
        (_pupil(3, "Lee", "Max", None, all_flags[0]), 0, 0, 10),
        (_pupil(4, "Ng", "Bo", 0, *all_flags[1:3]), 99, 200, 9),
        (_pupil(5, "Ng", "Al", 13), 1899, 1999, 3),
        (_pupil(6, "Patel", "Ravi", 5, all_flags[-1]), 100, 200, 30),
    ]]
    context = dict(rows=rows, pupil_href="/pupils/{}", calc=calc, school_rows=school_rows)
    with app.test_request_context():
        old = app.jinja_env.from_string(TEMPLATE).render(**context)
        new = app.jinja_env.from_string(NEW).render(**context)
    assert "&lt;Smith&gt; &amp; &#34;Co&#34;" in new and "<strong>12</strong>" in new and "app-cohort-tag" in new
    assert len({r.band for r in rows}) >= 4
    assert new == old
