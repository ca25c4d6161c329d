"""A referral that needs more information, back to the EWO's queue and into a case.

1. The school refers a pupil: a missing choice (consent) is an error that keeps what was
   typed; "Continue" shows Check your answers; "Change" goes back to the form with every
   answer kept; "Submit referral" sends it.
2. The named EWO finds it in the triage queue and asks the school for more information: it
   leaves the queue.
3. The school reads the question on the referral and adds the information.
4. The referral is back in the EWO's queue; its page shows the question and the addition
   marked "New"; the EWO triages it from there into a case.
5. The referral page links to the pupil, whose page shows the open case with a link.

Each user has a browser context of their own. Screenshots go to /tmp/e2e-more-info/.
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.axe import assert_no_axe_violations
from e2e.conftest import ACTION_TIMEOUT_MS, login, open_from_navigation

SHOTS = Path("/tmp/e2e-more-info")
SCHOOL = "school@demo.test"
EWO = "ewo@demo.test"
SCHOOL_NAME = "Riverside Primary School"

# The seed refers the eight lowest attenders; test_referral_to_case takes row 12.
PUPIL_ROW = 16
KNOWN = "Refuses the bus since a fall on the steps in October (e2e)"
DONE = "First-day calls; letter home on 4 November; meeting with dad on 11 November (e2e)."
QUESTION = "Has the family been offered a bus escort? Please add the dates of the letters (e2e)."
ANSWER = "Bus escort offered on 20 November and refused by dad; letters sent 4 and 18 November (e2e)."


def _shot(page: Page, name: str) -> None:
    """A screenshot of the page as the journey sees it, and axe's check of that state (issue 14)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    assert_no_axe_violations(page)


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def _nav(page: Page, name: str) -> None:
    open_from_navigation(page, name)


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def _path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def _refer(page: Page) -> tuple[str, str, str]:
    """Step 1. Returns the pupil's name and path, and the referral's path."""
    _nav(page, "Attendance")
    expect(page.locator("h1")).to_contain_text(SCHOOL_NAME)
    page.goto(re.sub(r"\?.*$", "", page.url) + "?sort=attendance")
    row = page.locator("#school-rows tbody tr").nth(PUPIL_ROW)
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/pupils/\d+$"))
    name, pupil_path = page.locator("h1").inner_text().strip(), _path(page)
    expect(page.locator("main")).to_contain_text("has no referral or case")
    page.get_by_role("button", name="Refer to the education welfare officer").click()
    expect(page.locator("h1")).to_have_text(f"Refer {name}")

    page.get_by_label("Transport or distance", exact=True).check()
    page.locator("#barrier_transport_text").fill(KNOWN)
    page.get_by_label("What has the school already done?").fill(DONE)
    page.get_by_role("radio", name="Urgent", exact=True).check()
    page.get_by_role("group", name="Is there a safeguarding concern?").get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Continue").click()  # consent not chosen

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select whether parental consent was given, refused or not sought")
    expect(page.locator("#consent-error")).to_be_visible()
    expect(page.locator("#barrier_transport_text")).to_have_value(KNOWN)  # what was typed stays
    expect(page.get_by_label("What has the school already done?")).to_have_value(DONE)
    expect(page.get_by_role("radio", name="Urgent", exact=True)).to_be_checked()
    _shot(page, "01-consent-missing.png")
    page.get_by_role("radio", name="Not sought", exact=True).check()
    page.get_by_label("If consent was not given: the lawful basis for sharing").fill("Public task (e2e)")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Check your answers before sending the referral")
    answers = page.locator(".govuk-summary-list")
    for text in (KNOWN, DONE, "Not sought", "Public task (e2e)", "Urgent"):
        expect(answers).to_contain_text(text)
    _shot(page, "02-check-answers.png")
    page.get_by_role("button", name="Change parental consent").click()
    expect(page.locator("h1")).to_have_text(f"Refer {name}")
    expect(page).to_have_url(re.compile(r"#consent$"))
    expect(page.get_by_role("radio", name="Not sought", exact=True)).to_be_checked()
    expect(page.locator("#barrier_transport_text")).to_have_value(KNOWN)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your answers before sending the referral")
    page.get_by_role("button", name="Submit referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    _flash(page, "The referral has been sent")
    expect(page.locator("main .govuk-tag").first).to_have_text("Awaiting triage")
    _shot(page, "02b-sent.png")
    return name, pupil_path, _path(page)


def _ask_for_more(page: Page, name: str, referral_path: str) -> None:
    """Step 2, as the named EWO."""
    _nav(page, "Referrals")
    expect(page.locator("h1")).to_have_text("Referrals awaiting triage")
    page.locator(f"a[href='{referral_path}']").click()
    expect(page.locator("h1")).to_have_text(f"Referral for {name}")
    page.get_by_role("button", name="Triage this referral").click()
    page.get_by_role("radio", name="Ask the school for more information").check()
    page.get_by_label("Message to the school").fill(QUESTION)
    page.get_by_role("button", name="Record the decision").click()
    _flash(page, "The school has been asked for more information")
    expect(page.locator("h1")).to_have_text("Referrals awaiting triage")
    expect(page.locator(f"a[href='{referral_path}']")).to_have_count(0)


def _answer(page: Page, referral_path: str) -> None:
    """Step 3, as the school."""
    page.goto(referral_path)
    expect(page.locator("main .govuk-tag").first).to_have_text("More information asked for")
    expect(page.locator(".govuk-inset-text")).to_contain_text(QUESTION)
    page.get_by_label("Add information").fill(ANSWER)
    _shot(page, "03-school-answers.png")
    page.get_by_role("button", name="Add to the referral").click()
    _flash(page, "Your information has been added")
    expect(page.locator("main .govuk-tag").first).to_have_text("Awaiting triage")


def _triage_into_a_case(page: Page, name: str, referral_path: str) -> str:
    """Step 4, as the EWO. Returns the case's path."""
    _nav(page, "Referrals")
    link = page.locator(f"a[href='{referral_path}']")
    expect(link).to_have_text(name)
    link.click()
    expect(page.locator(".govuk-inset-text")).to_contain_text(QUESTION)
    expect(page.locator(".govuk-inset-text")).to_contain_text("back awaiting triage")
    new = page.locator(".app-card-list__item--new")
    expect(new).to_have_count(1)
    expect(new).to_contain_text(ANSWER)
    expect(new.locator(".govuk-tag")).to_have_text("New")
    _shot(page, "04-back-in-the-queue.png")
    page.get_by_role("button", name="Triage this referral").click()
    expect(page.locator("h1")).to_have_text(f"Triage the referral for {name}")
    _shot(page, "05-triage.png")
    page.get_by_role("radio", name="Accept: open a case").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("h1")).to_have_text(f"Case: {name}")
    _flash(page, "a case opened")
    _shot(page, "06-case.png")
    return _path(page)


def test_more_information_goes_back_to_the_queue_and_into_a_case(browser: Browser, base_url: str):
    school = _signed_in(browser, base_url, SCHOOL)
    name, pupil_path, referral_path = _refer(school)

    ewo = _signed_in(browser, base_url, EWO)
    _ask_for_more(ewo, name, referral_path)

    _answer(school, referral_path)

    case_path = _triage_into_a_case(ewo, name, referral_path)

    # 5. From the referral to the pupil, whose page shows the open case.
    ewo.goto(referral_path)
    ewo.get_by_role("link", name=f"{name}’s pupil page").click()
    expect(ewo).to_have_url(re.compile(re.escape(pupil_path) + "$"))
    record = ewo.locator(".govuk-summary-list").first
    expect(record).to_contain_text("Case")
    expect(record.get_by_role("link", name="Go to the case")).to_have_attribute("href", case_path)
    _shot(ewo, "05-pupil-page.png")

    for page in (school, ewo):
        page.context.close()
