"""Children missing education (issue 18), as a journey:

1. The school opens a pupil from its attendance list and notifies the LA of a deletion from
   its register, moving away, destination not known: its notifications say the LA is making
   enquiries.
2. The EWO (ewo@demo.test, the demo's CME officer) opens the enquiry the notification opened,
   records the home visit and the contact with other LAs, and closes it as moved to another LA.
3. An LA admin sees it among the closed enquiries, and the CME report.

Screenshots of the main pages at 1280 and 390 px go to /tmp/e2e-shots/i18-cme-*.png.
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login, open_from_navigation, sign_out

SHOTS = Path("/tmp/e2e-shots")


def _shots(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function("document.fonts.status === 'loaded'")
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        page.screenshot(path=str(SHOTS / f"i18-cme-{name}-{width}.png"), full_page=True)
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_deletion_to_nowhere_known_is_enquired_into_and_closed_as_moved_to_another_la(browser: Browser,
                                                                                        base_url: str):
    from portal.timeutil import today

    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)

    # 1. The school notifies a deletion, destination not known.
    login(page, base_url, "school@demo.test")
    open_from_navigation(page, "Attendance")
    first = page.locator("#school-rows tbody tr").first.get_by_role("link").first
    with page.expect_navigation():
        first.click()
    name = page.locator("h1").inner_text().strip()
    surname = name.split()[-1]
    page.get_by_role("link", name=re.compile("Notify the LA of a deletion")).click()
    expect(page.locator("h1")).to_have_text(f"Notify the LA: {name}")
    page.get_by_role("radio", name="Deletion from the admission register").check()
    fill_date(page, "Date of deletion or of joining", today())
    page.get_by_role("radio", name="Moving away", exact=True).check()
    _shots(page, "notification-form")
    page.get_by_role("button", name="Notify the LA").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The LA has been notified")
    expect(page.locator("h1")).to_have_text("Notifications from schools")
    expect(page.locator("#dealt-with").locator("xpath=..")).to_contain_text("The LA is making enquiries")
    _shots(page, "school-notifications")
    sign_out(page)

    # 2. The CME officer works the enquiry.
    login(page, base_url, "ewo@demo.test")
    open_from_navigation(page, "Children missing education")
    _shots(page, "queue")
    open_from_navigation(page, "CME enquiries")
    _shots(page, "enquiries")
    page.locator("#open").locator("xpath=..").get_by_role("link", name=re.compile(re.escape(surname))).first.click()
    expect(page.locator("h1")).to_contain_text("CME enquiry:")
    for step, outcome in (("Home visit", "No answer; a neighbour says the family moved north (e2e)"),
                          ("Other local authorities", "Northshire confirm the family live there (e2e)")):
        page.get_by_role("link", name=f"Record the step {step}").click()
        expect(page.locator("h1")).to_contain_text(step)
        fill_date(page, "Date done", today())
        page.get_by_label("Outcome", exact=True).fill(outcome)
        page.get_by_role("button", name="Save the step").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"{step}: saved")
        expect(page.locator("#steps").locator("xpath=..")).to_contain_text(outcome)
    _shots(page, "enquiry")
    page.get_by_role("radio", name="Moved to another local authority").check()
    page.get_by_label("Which school, which local authority, or to whom it was escalated").fill(
        "Northshire County Council")
    fill_date(page, "Date the other LA was notified, the LA was told, or it was escalated", today())
    page.get_by_role("button", name="Close the enquiry").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The enquiry is closed")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Moved to another local authority: "
                                                                "Northshire County Council")
    sign_out(page)

    # 3. An LA admin sees it closed.
    login(page, base_url, "admin@demo.test")
    open_from_navigation(page, "CME enquiries")
    expect(page.locator("#closed").locator("xpath=..")).to_contain_text(surname)
    open_from_navigation(page, "CME report")
    expect(page.locator("h1")).to_have_text("CME report")
    expect(page.locator("#by-outcome").locator("xpath=..")).to_contain_text("Moved to another local authority")
    _shots(page, "report")
    context.close()
