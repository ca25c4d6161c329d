"""axe-core in the journeys: inject the vendored axe (e2e/vendor/axe, test-only) into the page
under test and fail on any violation of WCAG 2.2 A/AA or axe's best practices, whatever its impact."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page) -> list[dict]:
    """The violations axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # a <script> with its text would need 'unsafe-inline': evaluate the source instead (CDP is not
        # subject to the page's CSP)
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations", TAGS)
    return result


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            where = ", ".join(map(str, node["target"]))
            lines.append(f"    {where}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found {len(violations)} problem(s) on {page.url}:\n{describe(violations)}"


def page_width(page: Page) -> int:
    """How wide the document is (more than the viewport: the page scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth")
