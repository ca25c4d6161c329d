"""Elective home education end to end on the demo (issue 18).

1. The LA admin opens "Home education" from the navigation, then the reports (by year group, by
   previous school, new this term, returns to school) and a child's record from them.
2. A CME officer (the demo EWO, flagged) opens a current record and records a suitability
   enquiry found "not suitable": the record shows it, with the school attendance order step.

Screenshots (1280 and 390 px wide) go to /tmp/e2e-shots/i18-ehe-*.png.
"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login, open_from_navigation
from portal.timeutil import today

SHOTS = Path("/tmp/e2e-shots")
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def _shots(page: Page, name: str) -> None:
    """The page at 1280 and at 390 px wide; it never scrolls sideways on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(WIDE)
    page.screenshot(path=str(SHOTS / f"i18-ehe-{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"i18-ehe-{name}-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    page.set_viewport_size(WIDE)


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def test_an_la_admin_reads_the_reports_and_a_cme_officer_records_an_enquiry(browser: Browser, base_url: str):
    admin = _signed_in(browser, base_url, "admin@demo.test")
    open_from_navigation(admin, "Home education")
    expect(admin.locator("h1")).to_have_text("Home-educated children")
    expect(admin.locator("main")).to_contain_text("Review overdue")
    _shots(admin, "records")
    admin.get_by_role("link", name="Record a home-educated child").click()
    expect(admin.locator("h1")).to_have_text("Record a home-educated child")
    _shots(admin, "new-record")
    admin.go_back()
    admin.get_by_role("link", name="Home education reports").click()
    expect(admin.locator("h1")).to_have_text("Home education reports")
    expect(admin.locator("#by-year")).to_contain_text("Home educated now, by year group")
    expect(admin.locator("#returned-term")).to_contain_text("Returned to school this term (1)")
    _shots(admin, "reports")
    returned = admin.locator("#returned-term").locator("xpath=..").locator("tbody a").first
    name = returned.inner_text()
    returned.click()
    expect(admin.locator("h1")).to_have_text(f"Home education: {name}")
    expect(admin.locator("main")).to_contain_text("Returned to school")
    _shots(admin, "record-ended")

    officer = _signed_in(browser, base_url, "ewo@demo.test")
    open_from_navigation(officer, "Home education")
    officer.get_by_role("link", name="Ellis Marsh").click()
    expect(officer.locator("h1")).to_have_text("Home education: Ellis Marsh")
    officer.get_by_role("link", name="Record a suitability enquiry").click()
    expect(officer.locator("h1")).to_have_text("Record a suitability enquiry: Ellis Marsh")
    fill_date(officer, "Date of the enquiry", today())
    officer.get_by_label("What was asked").fill("Asked for samples of this term's work.")
    officer.get_by_label("The response").fill("No reply after two reminders.")
    officer.get_by_label("Not suitable").check()
    _shots(officer, "enquiry-form")
    officer.get_by_role("button", name="Save the enquiry").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("suitability enquiry has been")
    expect(officer.locator("#enquiries").locator("xpath=..")).to_contain_text("Asked for samples of this term's work.")
    expect(officer.locator("main")).to_contain_text("consider a school attendance order")
    _shots(officer, "record")
