"""The audit log's rows, made in Python, are the HTML the Jinja loop made."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from portal.auditlog.rows import audit_rows

# the loop as it was in templates/audit/list.html
TEMPLATE = """\
  <tbody class="govuk-table__body">
  {% for e in page.items %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell app-nowrap">{{ e.at | london }}</td>
      <td class="govuk-table__cell">{{ e.actor_label }}{% if e.ip %}<br>\
<span class="govuk-hint govuk-!-margin-0">{{ e.ip }}</span>{% endif %}</td>
      <td class="govuk-table__cell">{{ e.verb | replace("_", " ") }}{% if e.summary %}<br>\
<span class="govuk-hint govuk-!-margin-0">{{ e.summary }}</span>{% endif %}</td>
      <td class="govuk-table__cell">{% set href = object_url(e) %}{% if href %}\
<a class="govuk-link" href="{{ href }}">{{ e.object_type }} {{ e.object_id }}</a>{% else %}\
{{ e.object_type or "–" }}{% if e.object_id %} {{ e.object_id }}{% endif %}{% endif %}</td>
      <td class="govuk-table__cell">
        {% if e.changes %}
        <ul class="app-changes">
          {% for field, change in e.changes.items() %}
            <li><strong>{{ field }}</strong>: {% if change["from"] is not none %}\
<del>{{ change["from"] }}</del> → {% endif %}{{ change["to"] if change["to"] is not none else "(empty)" }}</li>
          {% endfor %}
        </ul>
        {% endif %}
      </td>
    </tr>
  {% endfor %}
  </tbody>
"""

NEW = """\
  <tbody class="govuk-table__body">
{{ audit_rows(page.items, object_url) }}  </tbody>
"""


def _event(n, **kw):
    base = dict(at=datetime(2026, 6, 1, 11, n, tzinfo=timezone.utc), actor_label="Sam <sam@x.test>", ip="10.0.0.1",
                verb="case_viewed", summary="", object_type="Case", object_id=n, changes=None)
    base.update(kw)
    return SimpleNamespace(**base)


def test_audit_rows_are_the_template_loop(app):
    events = [
        _event(1),
        _event(2, ip=None, summary="q=<script>&amp;", object_type=None, object_id=None, verb="signed_in"),
        _event(3, object_type="Thing", object_id=0, actor_label="O'Brien \"x\" & <y>"),
        _event(4, object_type="Thing", object_id=7, at=datetime(2026, 1, 5, 23, 59, tzinfo=timezone.utc)),
        _event(5, changes={"status": {"from": "open", "to": "closed"}, "note": {"from": None, "to": "<b>hi</b>"},
                           "gone": {"from": "x & y", "to": None}, "flags": {"from": ["a", 1], "to": {"k": True}},
                           "odd": {"to": 3}, "odder": {"from": 0}, "<f>": {"from": False, "to": ""}}),
        _event(6, changes={}, summary="page=2"),
    ]

    def object_url(e):
        return f"/cases/{e.object_id}" if e.object_type == "Case" and e.object_id is not None else None

    context = dict(page=SimpleNamespace(items=events), object_url=object_url, audit_rows=audit_rows)
    with app.app_context():
        old = app.jinja_env.from_string(TEMPLATE).render(**context)
        new = app.jinja_env.from_string(NEW).render(**context)
    assert "app-changes" in new and "&lt;b&gt;hi&lt;/b&gt;" in new and "(empty)" in new
    assert new == old


OPTIONS = """\
          <optgroup label="Views">
            {% for v, what in view_verbs %}<option value="{{ v }}" {{ "selected" if v == filters.verb }}>\
{{ what[:1] | upper }}{{ what[1:] }} ({{ v | replace("_", " ") }})</option>{% endfor %}
          </optgroup>
            {% for v in verbs %}<option value="{{ v }}" {{ "selected" if v == filters.verb }}>\
{{ v | replace("_", " ") }}</option>{% endfor %}
          </optgroup>
          {% for t in types %}<option value="{{ t }}" {{ "selected" if t == filters.object_type }}>\
{{ t }}</option>{% endfor %}
        </select>
"""

NEW_OPTIONS = """\
          <optgroup label="Views">
{{ options[0] }}          </optgroup>
{{ options[1] }}          </optgroup>
{{ options[2] }}        </select>
"""


def test_filter_options_are_the_template_loops(app):
    from portal.auditlog.rows import filter_options

    view_verbs = [("case_viewed", "a case's page"), ("pupil_viewed", "ändern <b> & 'x'"), ("x", "")]
    verbs = ["signed_in", "case_<closed>", "a&b"]
    types = ["Case", "<Pupil>", "Thing & Co"]
    for verb, object_type in [("", ""), ("pupil_viewed", "Case"), ("a&b", "<Pupil>"), ("signed_in", "nope")]:
        context = dict(view_verbs=view_verbs, verbs=verbs, types=types,
                       filters={"verb": verb, "object_type": object_type},
                       options=filter_options(view_verbs, verbs, types, verb, object_type))
        with app.app_context():
            old = app.jinja_env.from_string(OPTIONS).render(**context)
            new = app.jinja_env.from_string(NEW_OPTIONS).render(**context)
        assert new == old
    assert " selected>" in new
