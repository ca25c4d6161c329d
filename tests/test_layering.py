"""Layering: a view never imports another domain's view, and no module imports another
module's private (`_name`) helpers. Checked on the source with `ast`, so a violation fails
here before it spreads; the second test shows the check catching one."""
from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PORTAL / parts[1]).is_dir()) else None


def _is_view(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("views")


def layering_problems(module: str, source: str) -> list[str]:
    """What `module` (dotted name) imports against the layering rules."""
    problems = []
    own_domain, own_is_view = _domain(module), _is_view(module)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("portal"):
            targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    problems.append(f"{module} imports the private {alias.name} from {node.module}")
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names if alias.name.startswith("portal")]
        else:
            continue
        if own_is_view:
            for target in targets:
                if _is_view(target) and _domain(target) not in (None, own_domain):
                    problems.append(f"{module} (a view) imports another domain's view {target}")
    return problems


def _modules():
    for path in sorted(PORTAL.rglob("*.py")):
        parts = path.relative_to(PORTAL.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path.read_text(encoding="utf-8")


def test_views_import_no_other_domains_view_and_no_module_imports_private_helpers():
    problems = [p for module, source in _modules() for p in layering_problems(module, source)]
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_view_importing_another_domains_view_or_a_private_helper():
    assert layering_problems("portal.panels.run_views", "from portal.cases.case_views import owner_choices\n") == [
        "portal.panels.run_views (a view) imports another domain's view portal.cases.case_views"]
    assert layering_problems("portal.panels.run_views", "from portal.cases import case_views\n") == [
        "portal.panels.run_views (a view) imports another domain's view portal.cases.case_views"]
    assert layering_problems("portal.panels.decisions", "from portal.cases.service import _entry\n") == [
        "portal.panels.decisions imports the private _entry from portal.cases.service"]
    # within a domain, and from shared modules, views may import as they like
    assert layering_problems("portal.cases.views", "from portal.cases import case_views, referral_views\n") == []
    assert layering_problems("portal.cases.case_views", "from portal.access import cases\nimport portal.audit\n") == []
