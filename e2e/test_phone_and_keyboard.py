"""Issue 14, "On a phone and with a keyboard", and the axe acceptance.

1. Each role's main pages at 390 px: the page never scrolls sideways (wide tables scroll inside
   their own region), and axe-core finds no violation of WCAG 2.2 A/AA or its best practices,
   of any impact - at 390 px and at 1280 px.
2. A keyboard-only journey (Tab and Enter, and typing the outcome): the EWO completes an action
   inline on the case page; focus lands on the form's first field when it opens, on the error
   summary when the outcome is missing, and on the updated row when it is saved, and the polite
   live region says what happened.

Screenshots go to /tmp/e2e-a11y/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.axe import assert_no_axe_violations, page_width
from e2e.conftest import ACTION_TIMEOUT_MS, login

SHOTS = Path("/tmp/e2e-a11y")
PHONE, DESKTOP = 390, 1280

# Each role's pages: a path, or ("pattern", regex) for the first link on the page before whose
# address matches (the case, pupil, referral, meeting ... that the demo holds).
ROLE_PAGES: dict[str, list] = {
    "admin@demo.test": [
        "/", "/pupils", "/schools", ("link", r"/schools/\d+/attendance"), "/attendance-picture", "/imports",
        "/referrals", "/cases", "/actions", "/panels", "/sweeps", "/encounters", "/follow-ups", "/organisations",
        "/users", "/audit", "/settings/stages", "/calendar", "/support-meetings/coverage", "/notifications",
    ],
    "ewo@demo.test": [
        "/", "/referrals", ("link", r"/referrals/\d+"), "/cases", ("link", r"/cases/\d+"), ("link", r"/pupils/\d+"),
        "/actions", "/panels", ("link", r"/panels/\d+"), "/sweeps", ("link", r"/sweeps/\d+"), "/encounters",
        ("link", r"/encounters/\d+"), "/follow-ups", "/schools", ("link", r"/schools/\d+/attendance"),
    ],
    "school@demo.test": [
        "/", "/pupils?q=a", ("link", r"/pupils/\d+"), ("link", r"/pupils/\d+/referrals/new"), "/referrals",
        "/cases", "/actions", "/schools", ("link", r"/schools/\d+/attendance"), "/follow-ups",
    ],
    "police@demo.test": ["/", "/cases", "/sweeps", ("link", r"/sweeps/\d+"), ("link", r"/sweeps/\d+/encounters/new")],
    "panelchair@demo.test": ["/", "/panels", ("link", r"/panels/\d+"), ("link", r"/panels/\d+/run"),
                             "/attendance-picture"],
    "earlyhelp@demo.test": ["/", "/cases", ("link", r"/cases/\d+"), "/actions"],
    "health@demo.test": ["/", "/cases", ("link", r"/cases/\d+"), "/actions"],
}


def _shot(page: Page, name: str) -> None:
    """A screenshot of the page as the journey sees it, and axe's check of that state (issue 14)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    assert_no_axe_violations(page)


def _follow(page: Page, pattern: str) -> str | None:
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    for href in hrefs:
        if re.fullmatch(pattern, href.split("#")[0].split("?")[0]):
            return href
    return None


@pytest.mark.parametrize("email", list(ROLE_PAGES), ids=[e.split("@")[0] for e in ROLE_PAGES])
def test_main_pages_fit_a_phone_and_pass_axe(browser: Browser, base_url: str, email: str):
    context = browser.new_context(base_url=base_url, viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        response = login(page, base_url, email)
        assert response is not None and response.status == 200
        problems: list[str] = []
        visited = 0
        for step in ROLE_PAGES[email]:
            if isinstance(step, tuple):
                href = _follow(page, step[1])
                if href is None:
                    problems.append(f"{page.url}: no link to {step[1]}")
                    continue
            else:
                href = step
            page.set_viewport_size({"width": PHONE, "height": 800})
            response = page.goto(f"{base_url}{href}")
            assert response is not None and response.status == 200, f"{href}: {response and response.status}"
            visited += 1
            width = page_width(page)
            if width > PHONE:
                _shot(page, f"wide-{email.split('@')[0]}-{visited}.png")
                problems.append(f"{href} is {width} px wide at {PHONE} px")
            for size in (PHONE, DESKTOP):
                page.set_viewport_size({"width": size, "height": 800})
                try:
                    assert_no_axe_violations(page)
                except AssertionError as exc:
                    problems.append(f"at {size} px: {exc}")
        assert visited >= len(ROLE_PAGES[email]) - 1
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_the_pupil_pages_table_does_not_overlap_the_threshold_panel(browser: Browser, base_url: str):
    """Issue 14.19: at 1280 px the attendance table ran under the penalty-threshold panel."""
    context = browser.new_context(base_url=base_url, viewport={"width": DESKTOP, "height": 900})
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        login(page, base_url, "ewo@demo.test")
        page.goto(f"{base_url}/cases")
        case = _follow(page, r"/cases/\d+")
        assert case
        page.goto(f"{base_url}{case}")
        pupil = _follow(page, r"/pupils/\d+")
        assert pupil
        page.goto(f"{base_url}{pupil}")
        table = page.locator(".app-summary-column table").first.bounding_box()
        panel = page.get_by_role("heading", name="Penalty notice threshold").bounding_box()
        assert table and panel
        assert table["x"] + table["width"] <= panel["x"], (table, panel)  # side by side, apart
        assert page_width(page) <= DESKTOP
    finally:
        context.close()


# ----- the keyboard-only journey ---------------------------------------------------------------

def _active(page: Page) -> dict:
    return page.evaluate("""() => { const a = document.activeElement;
        return {tag: a.tagName, id: a.id, cls: a.className, text: (a.textContent || '').trim()}; }""")


def _tab_to(page: Page, test: str, limit: int = 200) -> None:
    """Press Tab until the focused element passes `test` (a JS expression over `a`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const a = document.activeElement; return !!({test}); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {test}; focus is on {_active(page)}")


def _live(page: Page):
    return page.locator("#app-live-region")


def test_an_action_is_completed_inline_by_keyboard_alone(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, viewport={"width": DESKTOP, "height": 900})
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        login(page, base_url, "ewo@demo.test")
        # a case of the EWO's with an action she may complete
        page.goto(f"{base_url}/actions")
        cases = page.eval_on_selector_all("main table a[href^='/cases/']",
                                          "links => links.map(a => a.getAttribute('href'))")
        for href in dict.fromkeys(h.split("#")[0] for h in cases):
            page.goto(f"{base_url}{href}")
            if page.locator("#actions-table a", has_text="Complete").count():
                break
        else:
            pytest.fail("no case of the EWO's has an action to complete")
        expect(page.locator("#app-live-region")).to_have_attribute("aria-live", "polite")
        page.locator("body").focus()

        # Tab to the first "Complete" link in the table of actions, Enter: the form opens in the row
        _tab_to(page, "a.textContent.trim().startsWith('Complete') && a.closest('#actions-table')")
        description = _active(page)["text"].removeprefix("Complete").removeprefix(" the action: ").strip()
        page.keyboard.press("Enter")
        outcome = page.locator("#actions-table textarea[name=outcome]")
        expect(outcome).to_be_focused()
        _shot(page, "keyboard-form-open.png")

        # Save without an outcome: the error summary takes focus
        _tab_to(page, "a.textContent.trim() === 'Save outcome'")
        page.keyboard.press("Enter")
        summary = page.locator("#actions-table .govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        _shot(page, "keyboard-error.png")
        # its link takes the person to the field
        page.keyboard.press("Tab")
        expect(summary.get_by_role("link")).to_be_focused()
        page.keyboard.press("Enter")
        expect(outcome).to_be_focused()
        page.keyboard.type("Talked it through with mum on the phone (keyboard e2e)")

        # Save: the row comes back, focused, and the result is announced
        _tab_to(page, "a.textContent.trim() === 'Save outcome'")
        page.keyboard.press("Enter")
        row = page.locator("#actions-table tr", has_text="Talked it through with mum")
        expect(row).to_be_visible()
        expect(row).to_be_focused()
        expect(_live(page)).to_have_text(f"Action done: {description}")
        assert _active(page)["tag"] == "TR"
        _shot(page, "keyboard-saved.png")
    finally:
        context.close()
