"""Jinja, made cheaper where the GOV.UK macros make it pay on every page.

govuk-frontend-jinja's component macros import their helpers (`{% from ... import %}`) each
time they are called: a case page does about 200 such imports. For each, Jinja 3.1 works out
whether the importing context has globals the imported template lacks by subtracting the
template's `ChainMap` of globals key by key (`Template._get_default_module`): ~40 lookups
through the chain per import, a tenth of the page's rendering time. `PortalTemplate` does the
same test against a set of the template's global names, made once and made again whenever the
number of globals changes (they are all registered at start-up). What an import returns is
unchanged: the cached module when nothing is new, Jinja's own answer otherwise."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from flask import current_app
from jinja2 import Template
from markupsafe import Markup


class PortalTemplate(Template):
    def _get_default_module(self, ctx=None):  # noqa: ANN001, ANN202 - Jinja's own signature
        if ctx is not None:
            sizes = tuple(len(m) for m in self.globals.maps)
            cached = self.__dict__.get("_portal_global_names")
            if cached is None or cached[0] != sizes:
                cached = self._portal_global_names = (sizes, frozenset(self.globals))
            if ctx.globals_keys - cached[1]:
                return super()._get_default_module(ctx)  # new globals: Jinja makes a fresh module
        return super()._get_default_module(None)  # the cached module, as Jinja returns it


# --- form widgets: rendered without Flask's per-render work, and once per distinct blank widget ---
#
# govuk-frontend-wtf renders every field with `flask.render_template` (context processors,
# signals, a fresh context) and the GOV.UK macros, whose output depends on the widget's params
# only. A case page renders about 20 widgets; four date inputs alone took a third of its
# rendering. `render_widget` renders the widget's template with its params alone and keeps the
# HTML of widgets that hold nothing a person typed or chose (no value, no error message): the
# empty forms every page shows again. Choice widgets (radios, checkboxes, selects) and date boxes
# are kept with their values: options, which is chosen, a date (often today), never free text. The cache is
# bounded (least recently used out) and per process.

WIDGET_CACHE_SIZE = 2048
_widget_cache: OrderedDict[tuple, Markup] = OrderedDict()
_widget_lock = threading.Lock()
# widgets whose values are choices or dates, never free text: cached with their values
_CHOICE_TEMPLATES = {f"govuk_frontend_wtf/{name}.html" for name in ("radios", "checkboxes", "select", "date")}


def _frozen(value):  # noqa: ANN001, ANN202 - any JSON-like params
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, str | int | float | bool | type(None)):
        # the type too: Markup is not escaped as str is; True, 1 and 1.0 are equal keys but render apart
        return value if type(value) is str else (type(value).__name__, value)
    raise TypeError  # anything else: not cached


# a submit button's value is WTForms' own "y" unless the form came back from a post
_BUTTON_TEMPLATE, _BUTTON_VALUE = "govuk_frontend_wtf/button.html", "y"


def _typed_in(params: dict) -> bool:
    """Whether a (non-choice) widget's params hold something typed: a value in it or its boxes."""
    if params.get("value") not in (None, ""):
        return True
    return any(isinstance(item, dict) and item.get("value") not in (None, "")
               for item in params.get("items") or ())


def widget_cache_key(template: str, params: dict) -> tuple | None:
    if params.get("errorMessage"):
        return None
    if template == _BUTTON_TEMPLATE and params.get("value") == _BUTTON_VALUE:
        pass  # a button as WTForms renders it: its label and its own value
    elif template not in _CHOICE_TEMPLATES and _typed_in(params):
        return None
    try:
        return (template, _frozen(params))
    except TypeError:
        return None


def _kept(key: tuple | None, make) -> Markup:  # noqa: ANN001 - make: () -> Markup
    """The HTML kept under `key`, else `make()` (kept unless the key is None)."""
    if key is None:
        return make()
    with _widget_lock:
        html = _widget_cache.get(key)
        if html is not None:
            _widget_cache.move_to_end(key)
            return html
    html = make()
    with _widget_lock:
        _widget_cache[key] = html
        while len(_widget_cache) > WIDGET_CACHE_SIZE:
            _widget_cache.popitem(last=False)
    return html


def render_widget(template: str, params: dict) -> Markup:
    return _kept(widget_cache_key(template, params),
                 lambda: Markup(current_app.jinja_env.get_template(template).render(params=params)))


LIBRARY_RENDER = None


def install_widget_renderer() -> None:
    """Every govuk-frontend-wtf widget renders through `render_widget` (one place, at start-up)."""
    from govuk_frontend_wtf.gov_form_base import GovFormBase

    global LIBRARY_RENDER
    if LIBRARY_RENDER is None:
        LIBRARY_RENDER = GovFormBase.render  # kept for the test that compares the two

    def render(self, params):  # noqa: ANN001, ANN202 - the library's signature
        return render_widget(self.template, params)

    GovFormBase.render = render


# --- page furniture: the same GOV.UK components on every page, rendered once per distinct params ---

COMPONENTS = {
    "govukServiceNavigation": "govuk_frontend_jinja/components/service-navigation/macro.html",
    "govukPhaseBanner": "govuk_frontend_jinja/components/phase-banner/macro.html",
}


def component(name: str, params: dict) -> Markup:
    """`{{ component("govukServiceNavigation", {...}) }}`: the macro's HTML, kept per distinct params
    (the same LRU as the widgets). For the header's furniture only: section names and addresses,
    never what a page shows about a child."""
    return _kept((name, _frozen(params)), lambda: Markup(
        getattr(current_app.jinja_env.get_template(COMPONENTS[name]).module, name)(params)))


# --- fixed addresses: the same for everyone, on every page of an app mounted at one place ---

URL_MEMO_SIZE = 256
_fixed_urls: dict[tuple, str] = {}


def fixed_url(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` for an address that is the same for everyone and names no
    record (static files, the header's links, the home page's cards): a relative address depends
    only on them and where the app is mounted (`script_root`), so it is worked out once per
    process (bounded)."""
    from flask import has_request_context, request, url_for

    if not has_request_context():
        return url_for(endpoint, **values)
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    url = _fixed_urls.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if len(_fixed_urls) < URL_MEMO_SIZE:
            _fixed_urls[key] = url
    return url


SERVICE_NAV_CACHE_SIZE = 1024  # as many as access.navigation keeps sections
_service_navs: OrderedDict[tuple, tuple[list, Markup]] = OrderedDict()


def service_navigation(nav_items: list[dict], service_name: str, service_url: str) -> Markup:
    """The header's service navigation (`component("govukServiceNavigation", ...)`) for the
    sections `access.page_navigation` gave: those lists are kept and shared, so the HTML is kept
    with the very list it was made from (bounded, least recently used out)."""
    def make() -> Markup:
        return component("govukServiceNavigation", {
            "serviceName": service_name,
            "serviceUrl": service_url,
            "navigation": [{"href": item["href"], "text": item["label"], "current": item["current"],
                            "active": item["active"]} for item in nav_items],
            "navigationLabel": "Sections",
        })

    if not nav_items:
        return make()
    key = (id(nav_items), service_name, service_url)
    with _widget_lock:
        kept = _service_navs.get(key)
        if kept is not None and kept[0] is nav_items:
            _service_navs.move_to_end(key)
            return kept[1]
    html = make()
    with _widget_lock:
        _service_navs[key] = (nav_items, html)  # the list held: its id is not reused while kept
        while len(_service_navs) > SERVICE_NAV_CACHE_SIZE:
            _service_navs.popitem(last=False)
    return html


def body_attributes(csrf_token: str) -> Markup:
    """The <body>'s attributes (htmx sends the CSRF token with every request), as the template's
    `govukAttributes` writes them from a mapping, given to it ready-made (it passes a string on)."""
    return Markup(' hx-headers="{}" hx-history="false"').format('{"X-CSRFToken": "' + csrf_token + '"}')
