"""CME enquiries shared with partner agencies, end to end on the demo (issue 18).

1. The police (police@demo.test) open "CME enquiries shared with you" from the navigation and
   Leo Marsh's enquiry: the restricted view (name, address, family contact, the
   reason), none of the LA's steps.
2. Children's social care (socialcare@demo.test) see the enquiry shared with them, with its steps.
3. The LA admin opens Leo Marsh's enquiry, looks at the form to share it, and withdraws the
   police share with a reason: the police get a 404 at once.

Screenshots (1280 and 390 px wide) go to /tmp/e2e-shots/i18-share-*.png.
"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, login, open_from_navigation

SHOTS = Path("/tmp/e2e-shots")
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def _shots(page: Page, name: str) -> None:
    """The page at 1280 and at 390 px wide; it never scrolls sideways on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(WIDE)
    page.screenshot(path=str(SHOTS / f"i18-share-{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"i18-share-{name}-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    page.set_viewport_size(WIDE)


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def test_partners_see_what_is_shared_and_a_withdrawal_ends_it(browser: Browser, base_url: str):
    police = _signed_in(browser, base_url, "police@demo.test")
    open_from_navigation(police, "CME enquiries shared with you")
    expect(police.locator("h1")).to_have_text("CME enquiries shared with you")
    _shots(police, "police-list")
    police.get_by_role("link", name="Leo Marsh").click()
    expect(police.locator("h1")).to_have_text("CME enquiry: Leo Marsh")
    main = police.locator("main")
    expect(main).to_contain_text("Flat 3, 40 Canal Street")
    expect(main).to_contain_text("history of violence")
    expect(main).not_to_contain_text("Home visit")
    _shots(police, "police-enquiry")
    shared_url = police.url

    care = _signed_in(browser, base_url, "socialcare@demo.test")
    open_from_navigation(care, "CME enquiries shared with you")
    care.locator("main tbody a").first.click()
    expect(care.locator("main")).to_contain_text("forwarding address")
    expect(care.locator("#steps")).to_contain_text("The local authority's steps")
    _shots(care, "social-care-enquiry")

    admin = _signed_in(browser, base_url, "admin@demo.test")
    open_from_navigation(admin, "CME enquiries")
    admin.get_by_role("link", name="Leo Marsh").click()
    expect(admin.locator("#sharing")).to_be_visible()
    _shots(admin, "la-enquiry")
    admin.get_by_role("link", name="Share with children's social care or the police").click()
    expect(admin.locator("h1")).to_have_text("Share the CME enquiry for Leo Marsh")
    _shots(admin, "share-form")
    admin.go_back()
    admin.get_by_role("link", name="Withdraw sharing with").first.click()
    admin.get_by_label("Why the share is withdrawn").fill("The police checked the address: no concerns")
    admin.get_by_role("button", name="Withdraw sharing").click()
    expect(admin.locator("main")).to_contain_text("has been withdrawn")
    expect(admin.locator("main")).to_contain_text("no concerns")

    response = police.goto(shared_url)
    assert response is not None and response.status == 404
