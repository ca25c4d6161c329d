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

from jinja2 import Template


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
