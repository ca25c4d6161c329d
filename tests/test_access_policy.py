"""The access policy as a package: one module per domain, permissions with object rules that
templates and views ask (`can(user, "add_action", case)`), and no rule decided elsewhere."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal import access
from portal.cases import referrals, service
from portal.extensions import db
from tests.factories import make_pupil

ROOT = Path(__file__).resolve().parent.parent

REFERRAL = {"barriers": {"family": "Parental illness"}, "stage_reached": 3, "school_actions": "Calls home",
            "consent": "given", "lawful_basis": "", "urgency": "routine", "safeguarding_concern": False}


def test_the_models_import_the_roles_without_the_policy():
    """orgs.models takes its role labels from access.roles; loading the models does not load the
    domain policies (which import the models): no import circle."""
    code = ("import sys; import portal.orgs.models as m; "
            "loaded = sorted(n for n in sys.modules if n.startswith('portal.access.')); print(loaded)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['portal.access.policy', 'portal.access.roles']"


def test_roles_module_imports_no_model():
    text = (ROOT / "portal" / "access" / "roles.py").read_text()
    assert not re.search(r"^\s*(from|import) portal", text, re.M)


def test_every_public_name_of_the_domains_is_reachable_from_the_package():
    import importlib

    for domain in access.DOMAINS:
        module = importlib.import_module(f"portal.access.{domain}")
        for name, value in vars(module).items():
            if name.startswith("_") or not callable(value) or getattr(value, "__module__", "") != module.__name__:
                continue
            assert getattr(access, name) is value, f"access.{name}"


def test_an_unknown_permission_is_an_error_not_a_refusal(world):
    with pytest.raises(LookupError):
        access.can(world.user("la_admin"), "launch_rockets")
    with pytest.raises(LookupError):
        access.require("launch_rockets")


def test_object_rules_narrow_a_permission(world):
    """`can(user, perm, obj)`: the role must hold the permission and the object rule agree."""
    w = world
    pupil = make_pupil(w.school_a)
    db.session.commit()
    draft = referrals.save_draft(w.user("school_staff"), pupil, dict(REFERRAL))
    assert access.can(w.user("school_staff"), "edit_referral", draft)
    assert not access.can(w.user("school_staff"), "add_to_referral", draft)  # a draft is changed, not added to
    submitted = referrals.submit(w.user("school_staff"), draft, draft.version)
    assert not access.can(w.user("school_staff"), "edit_referral", submitted)
    assert access.can(w.user("school_staff"), "add_to_referral", submitted)
    assert access.can(w.user("ewo"), "triage", submitted)
    assert not access.can(w.user("ewo_b"), "triage", submitted)  # not the school's named EWO
    assert access.can(w.user("la_admin"), "triage", submitted)

    case = referrals.accept(w.user("ewo"), submitted, w.user("ewo"), submitted.version)
    for org in (w.social_care_org, w.early_help_org, w.police_org):
        service.share(w.user("ewo"), case, org, "Agreed at the meeting")
    may_add = {role: access.can(w.user(role), "add_action", case)
               for role in ("school_staff", "ewo", "ewo_b", "social_care", "early_help", "police", "panel_chair",
                            "la_admin")}
    assert may_add == {"school_staff": True, "ewo": True, "ewo_b": False, "social_care": True, "early_help": True,
                       "police": False, "panel_chair": False, "la_admin": True}
    assert access.can(w.user("ewo"), "lead_cases", case) and not access.can(w.user("ewo_b"), "lead_cases", case)


def test_add_action_is_refused_to_the_police_over_http(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    draft = referrals.save_draft(world.user("school_staff"), pupil, dict(REFERRAL))
    submitted = referrals.submit(world.user("school_staff"), draft, draft.version)
    case = referrals.accept(world.user("ewo"), submitted, world.user("ewo"), submitted.version)
    service.share(world.user("ewo"), case, world.police_org, "Missing episodes")
    client.login(world.user("police"))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'action="/cases/{case.id}/actions"' not in page  # the form is not offered...
    response = client.post_form(f"/cases/{case.id}/actions", {"action-description": "Visit", "action-owner": ""})
    assert response.status_code == 403  # ...and the route refuses it


def test_templates_ask_the_policy_rather_than_compare_roles():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html")
                 if re.search(r"current_user\.role\b", p.read_text())]
    assert not offenders, f"templates comparing roles (use can(...)): {offenders}"


def test_views_and_services_ask_the_policy_rather_than_compare_roles():
    """Outside portal/access, code does not decide by comparing role names (the admin screens'
    role filter and the organisation rules of orgs/service, which validate a role against an
    organisation, are the exceptions)."""
    role = r"\"(school_staff|ewo|la_admin|police|social_care|early_help|panel_chair)\""
    pattern = re.compile(rf"\.role\s*(==|!=|\bin\b|\bnot in\b)|role\.in_\(|{role}\s*,\s*{role}")
    allowed = {"portal/orgs/service.py", "portal/orgs/views.py"}
    offenders = []
    for path in (ROOT / "portal").rglob("*.py"):
        rel = str(path.relative_to(ROOT))
        if rel.startswith("portal/access/") or rel in allowed or rel.startswith("portal/demo/"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "role comparisons outside the access policy:\n" + "\n".join(offenders)


def test_no_module_named_access_py_beside_the_package():
    assert not (ROOT / "portal" / "access.py").exists()
    assert (ROOT / "portal" / "access" / "__init__.py").exists()
