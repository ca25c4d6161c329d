"""The school attendance self-assessment, end to end on the demo (issue 17).

1. Oakfield Academy's attendance lead (school2@demo.test) starts this year's self-assessment,
   rates every area, tries to submit an amber area without its planned action (refused with the
   GOV.UK error summary), adds the action, its owner and date, and submits.
2. The school's named EWO (ewo@demo.test) opens it from the grid and reviews it: agrees with
   every rating but one, which she challenges with a comment, and marks the review done.
3. The LA admin's grid shows Oakfield's ratings, the amber one marked challenged.

Screenshots (1280 and 390 px wide) go to /tmp/e2e-shots/i17-sa-*.png.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login, open_from_navigation
from portal.selfassessment.questions import DEFAULT_AREAS
from portal.timeutil import today as london_today

SHOTS = Path("/tmp/e2e-shots")
ADMIN, EWO, SCHOOL = "admin@demo.test", "ewo@demo.test", "school2@demo.test"
AMBER_AREA = "Regular analysis of data for pupils and cohorts"
CHALLENGE = "The weekly report is not yet shared with heads of year (e2e)."


def _shots(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"i17-sa-{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"i17-sa-{name}-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page scrolls sideways at 390 px ({width})"
    page.set_viewport_size({"width": 1280, "height": 900})


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def _section(page: Page, title: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=title))


def _school_submits(browser: Browser, base_url: str) -> None:
    school = _signed_in(browser, base_url, SCHOOL)
    open_from_navigation(school, "Self-assessment")
    expect(school.locator("h1")).to_have_text("Attendance self-assessment")
    school.get_by_role("button", name="Start the self-assessment").click()
    expect(school.locator("h1")).to_contain_text("Self-assessment 20")
    for _, title, _ in DEFAULT_AREAS:
        rating = "Amber" if title == AMBER_AREA else "Green"
        school.get_by_role("group", name=f"Rating for {title}").get_by_label(rating, exact=True).check()
        school.get_by_label(f"Evidence for {title}").fill(f"What we do: {title.lower()}.")
    school.get_by_role("button", name="Submit the self-assessment").click()
    summary = school.locator(".govuk-error-summary")
    expect(summary).to_contain_text(f"{AMBER_AREA} is rated amber: enter the planned action")
    _shots(school, "refused")
    area = _section(school, AMBER_AREA)
    school.get_by_label(f"Planned action for {AMBER_AREA}").fill("Share the weekly report with heads of year")
    school.get_by_label(f"Owner of the action for {AMBER_AREA}").select_option(label="Jo Mensah")
    fill_date(area, "Action due", london_today() + timedelta(days=45))
    school.get_by_role("button", name="Submit the self-assessment").click()
    expect(school.locator(".govuk-notification-banner")).to_contain_text("has been submitted")
    expect(school.locator("h1")).to_contain_text("Oakfield Academy")
    expect(school.get_by_role("button", name="Continue the self-assessment")).to_have_count(0)
    expect(school.get_by_role("columnheader", name="EWO review")).to_have_count(0)  # not reviewed yet
    _shots(school, "submitted")
    school.context.close()


def _ewo_challenges(browser: Browser, base_url: str) -> None:
    ewo = _signed_in(browser, base_url, EWO)
    open_from_navigation(ewo, "Self-assessments")
    ewo.get_by_role("link", name="Oakfield Academy").click()
    ewo.get_by_role("button", name="Review the self-assessment").click()
    expect(ewo.locator("h1")).to_have_text("Review the self-assessment: Oakfield Academy")
    for _, title, _ in DEFAULT_AREAS:
        choice = "Challenge" if title == AMBER_AREA else "Agree"
        ewo.get_by_role("group", name=f"Your review of {title}").get_by_label(choice, exact=True).check()
    ewo.get_by_label(f"Comment on {AMBER_AREA}").fill(CHALLENGE)
    _shots(ewo, "review")
    ewo.get_by_role("button", name="Mark the review done").click()
    expect(ewo.locator(".govuk-notification-banner")).to_contain_text("Your review is done")
    expect(ewo.locator("#area-data")).to_contain_text("Challenged")
    expect(ewo.locator("#area-data")).to_contain_text(CHALLENGE)
    ewo.context.close()


def test_a_school_submits_the_ewo_challenges_and_the_la_grid_shows_it(browser: Browser, base_url: str):
    _school_submits(browser, base_url)
    _ewo_challenges(browser, base_url)
    admin = _signed_in(browser, base_url, ADMIN)
    open_from_navigation(admin, "Self-assessments")
    expect(admin.locator("h1")).to_contain_text("School self-assessments")
    row = admin.locator("tbody tr").filter(has=admin.get_by_role("rowheader", name="Oakfield Academy"))
    expect(row).to_contain_text("Reviewed")
    expect(row).to_contain_text("Amber")
    expect(row).to_contain_text("Challenged")
    riverside = admin.locator("tbody tr").filter(has=admin.get_by_role("rowheader", name="Riverside Primary School"))
    expect(riverside).to_contain_text("better")  # the demo's change since last year
    _shots(admin, "grid")
    admin.get_by_role("link", name="Regular analysis of data for pupils and cohorts").click()
    expect(admin.locator("th[aria-sort='ascending']")).to_contain_text("Regular analysis")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download the grid as CSV").click()
    text = Path(download.value.path()).read_text()
    assert "Oakfield Academy" in text and "Challenged" in text
    admin.goto(admin.url.split("?")[0].replace("/self-assessments", "/self-assessments/questions"))
    expect(admin.locator("h1")).to_have_text("Self-assessment questionnaire")
    _shots(admin, "questions")
    admin.get_by_role("button", name="Start a draft of the next version").click()
    expect(admin.get_by_role("heading", name="Draft of version 2")).to_be_visible()
    _shots(admin, "draft")
