"""Form widgets render as govuk-frontend-wtf renders them, and only empty or choice widgets are kept
for the next page (portal/templating.py)."""
from __future__ import annotations

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from portal import templating
from portal.forms import DateBoxesField, Form


class _Form(Form):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired("Enter a name")])
    note = TextAreaField("Note", widget=GovTextArea())
    kind = SelectField("Kind", choices=[("a", "Apple"), ("b", "Banana")], widget=GovSelect())
    when = DateBoxesField("When")


def test_widgets_render_the_same_html_as_the_library(app, monkeypatch):
    with app.test_request_context("/", method="POST", data={"note": "", "kind": "b",
                                                             "when-day": "3", "when-month": "12",
                                                             "when-year": "2026"}):
        form = _Form(meta={"csrf": False})
        form.validate()
        fields = (form.name, form.note, form.kind, form.when)
        ours = [str(field()) for field in fields]
        monkeypatch.setattr(GovFormBase, "render", templating.LIBRARY_RENDER)
        assert ours == [str(field()) for field in fields]  # flask.render_template, as the library does
        monkeypatch.undo()
        assert 'value="b" selected' in str(form.kind())
        assert "Enter a name" in str(form.name())  # the error message shown, not a cached blank


def test_an_empty_widget_is_kept_and_a_typed_one_is_not(app):
    templating._widget_cache.clear()
    with app.test_request_context("/"):
        form = _Form(meta={"csrf": False})
        form.name()
        form.note()
        cached = len(templating._widget_cache)
        assert cached == 2
        form.name()
        assert len(templating._widget_cache) == cached  # served from the cache, not added again
    with app.test_request_context("/", method="POST", data={"name": "Ada Lovelace", "note": "home visit"}):
        form = _Form(meta={"csrf": False})
        assert 'value="Ada Lovelace"' in str(form.name())
        assert "home visit" in str(form.note())
        assert not any("Ada Lovelace" in str(key) or "home visit" in str(key)
                       for key in templating._widget_cache)  # nothing a person typed is kept
    with app.test_request_context("/", method="POST", data={"name": ""}):
        form = _Form(meta={"csrf": False})
        form.validate()
        assert "Enter a name" in str(form.name())
        assert not any("Enter a name" in str(key) for key in templating._widget_cache)


def test_the_cache_is_bounded(app, monkeypatch):
    monkeypatch.setattr(templating, "WIDGET_CACHE_SIZE", 5)
    templating._widget_cache.clear()
    with app.test_request_context("/"):
        for n in range(12):
            class Numbered(Form):
                field = StringField(f"Label {n}", widget=GovTextInput())
            Numbered(meta={"csrf": False}).field()
    assert len(templating._widget_cache) == 5


def test_the_header_furniture_renders_as_its_macro(app):
    from flask import render_template_string

    params = {"serviceName": "Portal", "serviceUrl": "/", "navigationLabel": "Sections",
              "navigation": [{"href": "/cases", "text": "Cases", "current": True, "active": True}]}
    with app.test_request_context("/"):
        direct = render_template_string(
            '{% from "govuk_frontend_jinja/components/service-navigation/macro.html" import govukServiceNavigation %}'
            "{{ govukServiceNavigation(params) }}", params=params)
        assert str(templating.component("govukServiceNavigation", params)) == direct
        assert str(templating.component("govukServiceNavigation", params)) == direct  # the kept copy
        assert 'aria-current="page"' in direct and ">Cases<" in direct.replace("\n", "").replace(" ", "")


def test_keys_tell_values_of_different_types_apart():
    """True, 1 and 1.0 are equal in Python but render as "True", "1" and "1.0"; Markup is not escaped."""
    from markupsafe import Markup

    keys = {templating._frozen({"value": v}) for v in (True, 1, 1.0, "1", Markup("1"))}
    assert len(keys) == 5


def test_a_submit_button_is_kept_unless_a_post_gave_it_another_value(app):
    from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
    from wtforms import SubmitField

    class _Submit(Form):
        submit = SubmitField("Save", widget=GovSubmitInput())

    templating._widget_cache.clear()
    with app.test_request_context("/"):
        html = str(_Submit(meta={"csrf": False}).submit())
        assert 'value="y"' in html and "Save" in html
        assert len(templating._widget_cache) == 1  # WTForms' own value: kept
        assert str(_Submit(meta={"csrf": False}).submit()) == html
        assert len(templating._widget_cache) == 1
    with app.test_request_context("/", method="POST", data={"submit": "typed by someone"}):
        assert "typed by someone" in str(_Submit(meta={"csrf": False}).submit())
        assert not any("typed by someone" in str(key) for key in templating._widget_cache)
