"""The school's own stages before a referral (issue 17), as a journey:

1. The school opens its attendance list, the "Stage meeting due" key group, and picks a pupil
   with a meeting due and no referral yet.
2. From the pupil page it opens the school stages and logs a stage 2 (tutor) meeting: who met,
   the targets set, the support offered, the next review.
3. It refers the pupil: "What has the school already done?" starts with the meeting (dated,
   with its targets and support) and the highest stage reached is 2 or more; it checks its
   answers and submits.
4. It opens this week's key-actions list (the demo carried one action over from last week).

Screenshots of the main pages at 1280 and 390 px go to /tmp/e2e-shots/i17-stage-*.png.
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login, open_from_navigation

SHOTS = Path("/tmp/e2e-shots")
SCHOOL = "school@demo.test"
SCHOOL_NAME = "Riverside Primary School"
TARGETS = "In school by 8.50 every day until the review (e2e)"
SUPPORT = "A place at breakfast club from Monday (e2e)"


def _shots(page: Page, name: str) -> None:
    """The page at 1280 px and at 390 px (a phone), full length."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function("document.fonts.status === 'loaded'")
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")  # laid out
        page.screenshot(path=str(SHOTS / f"i17-stage-{name}-{width}.png"), full_page=True)
        # nothing sideways on a phone: the page itself never scrolls horizontally
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, name
    page.set_viewport_size({"width": 1280, "height": 900})


def _pupil_with_a_meeting_due(page: Page) -> str:
    """Step 1: a pupil of the "Stage meeting due" group whose meeting (not a call) is due and who
    has no referral yet. Returns the pupil's name (the page is on the pupil)."""
    open_from_navigation(page, "Attendance")
    expect(page.locator("h1")).to_contain_text(SCHOOL_NAME)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Stage meeting due")).click()
    _shots(page, "school-view")
    rows = page.locator("#school-rows tbody tr").filter(has_text="Meeting due")
    hrefs = [rows.nth(i).get_by_role("link").first.get_attribute("href") for i in range(min(rows.count(), 15))]
    assert hrefs, "the demo has no pupil with a stage meeting due"
    for href in hrefs:
        page.goto(href)
        if page.get_by_role("button", name="Refer to the education welfare officer").count():
            return page.locator("h1").inner_text().strip()
    raise AssertionError("every pupil with a meeting due is referred already")


def test_a_school_logs_a_stage_2_meeting_and_refers_with_it_pre_filled(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, SCHOOL)
    assert response is not None and response.status == 200
    name = _pupil_with_a_meeting_due(page)
    expect(page.locator("#school-stage")).to_contain_text("Meeting due")

    # 2. The school stages: log the tutor meeting.
    page.get_by_role("link", name=re.compile("First-day calls and stage meetings")).click()
    expect(page.locator("h1")).to_have_text(f"School stages: {name}")
    page.get_by_role("link", name="Log a stage meeting").click()
    expect(page.locator("h1")).to_have_text(f"Log a stage meeting: {name}")
    page.get_by_role("radio", name="Stage 2: tutor meeting").check()
    from portal.timeutil import today

    fill_date(page, "Date of the meeting", today())
    page.get_by_label("Who met").fill("Form tutor, the pupil and mum")
    page.get_by_label("Targets set").fill(TARGETS)
    page.get_by_label("Support offered").fill(SUPPORT)
    _shots(page, "meeting-form")
    page.get_by_role("button", name="Save the meeting").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The meeting has been logged")
    expect(page.locator("#meetings").locator("xpath=..")).to_contain_text(TARGETS)
    _shots(page, "pupil-stages")

    # 3. Refer: the form starts with the meeting and the stage reached.
    page.get_by_role("link", name=re.compile(f"Refer {re.escape(name)} to the EWO")).click()
    expect(page.locator("h1")).to_have_text(f"Refer {name}")
    done = page.get_by_label("What has the school already done?")
    expect(done).to_have_value(re.compile(r"stage 2 meeting \(tutor meeting\) with Form tutor, the pupil and mum\. "
                                          + re.escape(f"Targets: {TARGETS}. Support offered: {SUPPORT}.")))
    stage = page.get_by_label("Highest school stage reached").input_value()
    assert stage in ("2", "3", "4"), stage
    _shots(page, "referral-form")
    page.get_by_label("Bullying or peer relationships", exact=True).check()
    page.locator("#barrier_bullying_text").fill("Name-calling at break times (e2e)")
    page.get_by_role("radio", name="Given", exact=True).check()
    page.get_by_role("radio", name="Routine", exact=True).check()
    page.get_by_role("group", name="Is there a safeguarding concern?").get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your answers before sending the referral")
    expect(page.locator(".govuk-summary-list")).to_contain_text(TARGETS)
    page.get_by_role("button", name="Submit referral").click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(page.get_by_text(TARGETS)).to_be_visible()

    # 4. This week's key actions, with the action the demo carried over.
    open_from_navigation(page, "Attendance")
    page.get_by_role("link", name="This week's key actions").click()
    expect(page.locator("h1")).to_contain_text("Key actions, week of")
    expect(page.locator("main")).to_contain_text("Carried over")
    _shots(page, "key-actions")
    context.close()
