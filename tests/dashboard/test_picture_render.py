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
