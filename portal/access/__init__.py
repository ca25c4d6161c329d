"""Who may see or do what: the one place that decides.

Views declare what they need with `@require("permission")` and load objects through the
`get_*_or_404` loaders (each one `load_or_404` call with its domain's scope and rules) and the
`*_for(user)` scoped queries here. An object outside a user's scope is a 404 (its existence
is not leaked); an object the user may see but not change, or a page their role may not use,
is a 403. Templates ask `can("permission", obj)`.

One module per domain: `roles` (names and labels; imports no model), `policy` (permissions,
object rules, `can`, `require`), `orgs`, `pupils` (pupils, schools, imports), `cases`
(referrals, cases, chronology, actions), `panels`, `sweeps`, `tsm`, `formal` (notices), `steps`
(formal steps), `letters`, `selfassessment`, `quality` (dip-sampling), `schoolstages`, `ehe`
(elective home education), `cme` (children missing education), `auditlog` and `navigation`.
Callers write `access.cases_for(user)`: the package finds the name in its domain modules.
Those are loaded on first use, not here, so that the models may import `access.roles`
(for the role labels) without an import circle.
"""
from __future__ import annotations

import importlib

from portal.access.policy import OBJECT_RULES, PERMISSIONS, can, is_agency, load_or_404, object_rule, public, require  # noqa: F401
from portal.access.roles import (  # noqa: F401
    AGENCY_ROLES,
    ALL_ROLES,
    EARLY_HELP,
    EWO,
    HEALTH,
    LA_ADMIN,
    PANEL_CHAIR,
    POLICE,
    PRACTITIONER_ROLES,
    ROLE_LABELS,
    ROLES,
    SCHOOL_STAFF,
    SOCIAL_CARE,
    role_label,
)

DOMAINS = ("orgs", "pupils", "cases", "panels", "sweeps", "tsm", "formal", "auditlog", "steps", "letters",
           "selfassessment", "quality", "schoolstages", "ehe", "cme", "navigation")
_MISSING = object()


def __getattr__(name: str):
    """`access.<name>`: the first domain module that defines it (imported on first use)."""
    if not name.startswith("_"):
        for domain in DOMAINS:
            module = importlib.import_module(f"portal.access.{domain}")
            value = vars(module).get(name, _MISSING)
            if value is _MISSING or (callable(value) and getattr(value, "__module__", None) != module.__name__):
                continue  # not there, or only imported there
            globals()[name] = value
            return value
    raise AttributeError(f"module 'portal.access' has no attribute {name!r}")
