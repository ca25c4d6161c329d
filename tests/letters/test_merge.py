"""Letter templates are merged in a sandbox with an allow-list of fields: whatever an admin
writes, a template can reach nothing but the letter's own values."""
from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from portal.letters import merge
from portal.letters.defaults import DEFAULT_TEMPLATES
from portal.letters.fields import sample_fields

ATTACKS = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ config }}",
    "{{ config.items() }}",
    "{{ request }}",
    "{{ request.environ }}",
    "{{ session }}",
    "{{ g }}",
    "{{ url_for.__globals__ }}",
    "{{ range(100000) }}",
    "{{ pupil.__class__ }}",
    "{{ pupil.name.__class__ }}",
    "{{ pupil['name'] }}",
    "{{ pupil.name.upper() }}",
    "{{ pupil.items }}",
    "{{ pupil | attr('__class__') }}",
    "{{ pupil.name | format('%s') }}",
    "{{ pupil.name | default(pupil.__class__) }}",
    "{{ extra.penalty.__class__ }}",
    "{{ extra.nti }}",
    "{{ extra.penalty.unknown_key }}",
    "{{ support }}",
    "{% for x in support %}{{ x.__class__ }}{% endfor %}",
    "{% for x in support recursive %}{{ loop(x) }}{% endfor %}",
    "{% set x = pupil %}",
    "{% include 'base.html' %}",
    "{% import 'components/forms.html' as f %}",
    "{% extends 'base.html' %}",
    "{% macro m() %}{% endmacro %}",
    "{% with x = 1 %}{{ x }}{% endwith %}",
    "{% filter upper %}x{% endfilter %}",
    "{{ 'a' * 100000000 }}",
    "{{ 9 ** 999999 }}",
    "{{ (1, 2) }}",
    "{{ {'a': 1} }}",
    "{{ [1] }}",
    "{{ pupil.name",
    "{% if %}",
    "{% endfor %}",
    "{{ unknown_field }}",
]


@pytest.mark.parametrize("body", ATTACKS)
def test_templates_with_code_or_unknown_fields_are_refused(body):
    with pytest.raises(merge.TemplateProblem) as refused:
        merge.check(body)
    assert refused.value.message.startswith("Line 1:") or "characters" in refused.value.message


@pytest.mark.parametrize("body", ATTACKS)
def test_nothing_leaks_at_the_merge_either(body):
    """The merge checks the text again: a template that reached the database some other way is
    refused, not run."""
    with pytest.raises(merge.TemplateProblem):
        merge.merge(body, sample_fields())


@pytest.mark.parametrize("body", ["{{ ''.__class__.__mro__ }}", "{{ cycler.__init__.__globals__ }}",
                                  "{{ self.__init__.__globals__ }}",
                                  "{{ config }}", "{{ pupil.name.__class__.__mro__ }}"])
def test_the_sandbox_itself_refuses_what_the_check_would(body):
    """The second lock: the sandboxed environment alone (no check) has no globals and refuses
    private attributes."""
    with pytest.raises((SecurityError, UndefinedError)):
        merge.ENV.from_string(body).render(sample_fields().context())


def test_the_allowed_fields_merge():
    body = ("Dear {{ parent.name }},\n\n{{ pupil.name | upper }} ({{ pupil.year_group }}, born "
            "{{ pupil.date_of_birth }}) at {{ school.name }}: {{ record.attendance }} from {{ record.start }} to "
            "{{ record.end }}, {{ record.unauthorised_sessions }} unauthorised of {{ record.possible_sessions }}.\n"
            "{% if support %}{% for item in support %}{{ item.date }}: {{ item.text }}\n{% endfor %}{% endif %}"
            "{{ extra.penalty.number }} {{ extra.nti.period_end | default('none') }} {{ today }} "
            "{{ lead_officer.name }} {{ sender.organisation }}")
    merge.check(body)
    text = merge.merge(body, sample_fields())
    assert text.startswith("Dear Pat Example,\n\nSAM EXAMPLE (Year 6, born 4 May 2015) at Example Primary School")
    assert "2 October 2026: Weekly mentoring and a breakfast club place" in text
    assert "PN-2026-0001 4 December 2026" in text


def test_extra_values_are_strings_and_only_the_known_keys():
    from dataclasses import replace

    fields = replace(sample_fields(), extra={"penalty": {"number": 7, "sneaky": "x"}})
    assert merge.merge("{{ extra.penalty.number }}|{{ extra.penalty.reason }}|", fields) == "7||"


def test_every_default_template_passes_the_check():
    for _, _, _, _, subject, body in DEFAULT_TEMPLATES:
        merge.check(subject)
        merge.check(body)
        assert merge.merge(body, sample_fields())


def test_a_refusal_says_where_and_what():
    with pytest.raises(merge.TemplateProblem) as refused:
        merge.check("Dear {{ parent.name }},\n\nYour {{ config }}")
    assert refused.value.message == "Line 3: ‘config’ is not a merge field"
    with pytest.raises(merge.TemplateProblem) as refused:
        merge.check("x" * (merge.MAX_BODY + 1))
    assert "characters or fewer" in refused.value.message
