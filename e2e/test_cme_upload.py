"""Children missing education (issue 18): a school notifies a batch from a CSV file.

The school (school@demo.test, Riverside Primary) opens its notifications, follows the link to
the CSV upload, chooses a file with one bad row (a pupil of no school of theirs): the page lists
the problem by row and column and nothing is notified; then it chooses the corrected file: the
LA is notified of both rows, and the deletion to an unknown destination opened an enquiry.

Screenshots at 1280 and 390 px go to /tmp/e2e-shots/i18-csv-*.png.
"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, login, open_from_navigation

SHOTS = Path("/tmp/e2e-shots")
HEADER = "upn,kind,ground,event_date,destination,previous_school,note\n"


def _shots(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function("document.fonts.status === 'loaded'")
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        page.screenshot(path=str(SHOTS / f"i18-csv-{name}-{width}.png"), full_page=True)
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, name
    page.set_viewport_size({"width": 1280, "height": 900})


def _choose(page: Page, text: str) -> None:
    page.get_by_label("CSV file").set_input_files(
        {"name": "batch.csv", "mimeType": "text/csv", "buffer": text.encode()})
    page.get_by_role("button", name="Notify the LA").click()


def test_a_school_uploads_a_batch_sees_the_bad_row_then_notifies_the_good_file(browser: Browser, base_url: str):
    from portal.pupils.upn import make_upn
    from portal.timeutil import today

    # two Riverside pupils of the demo (portal/demo/pupils.py numbers them so), not the sample's
    first, second = make_upn("2000", 2020, 6), make_upn("2000", 2021, 7)
    day = today().isoformat()
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)

    login(page, base_url, "school@demo.test")
    open_from_navigation(page, "Children missing education")
    page.get_by_role("link", name="notify a batch from a CSV file").click()
    expect(page.locator("h1")).to_have_text("Notify the LA from a CSV file")
    _shots(page, "upload")

    good = (f"{first},deletion,moving_away,{day},,,Left without a forwarding address\n"
            f"{second},joiner,,{day},,St Mary's Primary,\n")
    _choose(page, HEADER + good + f"A1234,deletion,other_school,{day},Hill Academy,,\n")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The file has 1 problem: nothing was notified")
    problems = page.get_by_role("region", name="Problems in the file")
    expect(problems).to_contain_text("No pupil of your school has the UPN 'A1234'")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr td").first).to_have_text("4")
    _shots(page, "problems")

    _choose(page, HEADER + good)
    expect(page.locator("h1")).to_have_text("Notifications from schools")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The LA has been notified: 2 notifications made, 1 CME enquiry opened")
    expect(page.get_by_role("region", name="New")).to_contain_text("Joining at a non-standard point")
    _shots(page, "notified")
    context.close()
