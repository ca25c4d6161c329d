"""The attendance picture and Targeting Support Meetings, end to end on the demo (issue 13).

0. The LA admin opens the attendance picture: Hillview High School is below the 95% ambition;
   the admin follows its persistent-absence figure to the pupils behind it (as many as the
   figure counts).
1. The LA admin opens this term's coverage: Hillview High School is missing its meeting; the
   admin books it (today, 9:00, Early Help invited) and the coverage shows it booked.
2. The EWO opens Oakfield Academy's booked meeting, prepared from the data: the persistent
   absentees are listed; she records two pupil steps, a referral to the EWO (owned by the
   school) and school support (owned by the school's attendance lead).
3. The school's attendance lead finds the referral step in "My actions"; it opens the referral
   form pre-filled from the meeting's note. The school opens its own attendance picture from
   its home page, and reads the minutes, page and PDF, with its pupils' names.

Each user has a browser context of their own. Screenshots go to /tmp/e2e-tsm/.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login
from portal.timeutil import today as london_today

SHOTS = Path("/tmp/e2e-tsm")
ADMIN, EWO, SCHOOL = "admin@demo.test", "ewo@demo.test", "school2@demo.test"
NOTE = "Anxious about the bus since October; father reports refusal on Mondays (e2e TSM)."


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def _coverage_row(page: Page, school: str):
    return page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=school))


def _book(admin: Page) -> None:
    admin.goto("/support-meetings/coverage")
    expect(_coverage_row(admin, "Hillview High School")).to_contain_text("Missing")
    admin.get_by_role("link", name="Book a meeting with Hillview High School").click()
    expect(admin.locator("h1")).to_have_text("Book a targeting support meeting")
    day = london_today()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    fill_date(admin, "Date", day)
    admin.get_by_label("Start time").fill("09:00")
    admin.get_by_label("Demo Borough Early Help").check()
    admin.get_by_role("button", name="Book the meeting").click()
    expect(admin.locator("h1")).to_have_text("Targeting support meeting: Hillview High School")
    _shot(admin, "01-booked.png")
    admin.goto("/support-meetings/coverage")
    expect(_coverage_row(admin, "Hillview High School")).to_contain_text("Booked")


def _record(ewo: Page, pupil_row, step: str, owner: str, note: str) -> str:
    name = pupil_row.get_by_role("link").first.inner_text().strip()
    pupil_row.get_by_role("link", name=f"Record an item for {name}").click()
    expect(ewo.locator("h1")).to_have_text("Record an item: Oakfield Academy")
    ewo.get_by_label(step, exact=True).check()
    ewo.get_by_label("Owner").select_option(label=owner)
    fill_date(ewo, "Due date", london_today() + timedelta(days=14))
    ewo.get_by_label("Note").fill(note)
    ewo.get_by_role("button", name="Save").click()
    expect(ewo.locator(".govuk-notification-banner--success")).to_contain_text("The item has been recorded")
    return name


def _not_yet_referred(rows):
    """The first listed pupil with neither a referral nor a case (a referred pupil's form is a 409)."""
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        if cells.nth(4).inner_text().strip() == "No" and cells.nth(5).inner_text().strip() == "No":
            return rows.nth(i)
    raise AssertionError("every listed pupil already has a referral or a case")


def _below_the_ambition_to_its_persistent_absentees(admin: Page, school: str) -> None:
    admin.get_by_role("link", name="Attendance picture").first.click()
    expect(admin.locator("h1")).to_have_text("Attendance picture")
    row = admin.locator("table.app-picture-schools tbody tr").filter(
        has=admin.get_by_role("link", name=school, exact=True))
    rate = float(re.match(r"\s*([\d.]+)%", row.locator("td").nth(1).inner_text()).group(1))
    assert rate < 95, f"{school} is at {rate}%: the demo should have it below the ambition"
    _shot(admin, "00-picture.png")
    row.get_by_role("link", name=re.compile(r"persistent absence", re.I)).click()
    heading = admin.locator("h1")
    expect(heading).to_contain_text("Persistent absence")
    expect(heading).to_contain_text(school)
    count = int(re.search(r"(\d+) pupils?$", heading.inner_text().strip()).group(1))
    assert count > 0
    expect(admin.locator("table tbody tr")).to_have_count(min(count, 50))
    _shot(admin, "00-persistent-absentees.png")


def test_the_la_books_the_ewo_records_and_the_school_refers_from_the_minutes(browser: Browser, base_url: str):
    admin = _signed_in(browser, base_url, ADMIN)
    _below_the_ambition_to_its_persistent_absentees(admin, "Hillview High School")
    _book(admin)

    ewo = _signed_in(browser, base_url, EWO)
    ewo.goto("/support-meetings")
    ewo.get_by_role("row").filter(has_text="Oakfield Academy").get_by_role("link").first.click()
    expect(ewo.locator("h1")).to_have_text("Targeting support meeting: Oakfield Academy")
    meeting_path = re.sub(r"^https?://[^/]+", "", ewo.url)
    group = ewo.locator("details").filter(has_text="Persistent absence (missing 10% or more)")
    rows = group.locator("tbody tr")
    expect(rows.first).to_be_visible()
    _shot(ewo, "02-prepared.png")
    referred = _record(ewo, _not_yet_referred(rows), "Referral to the EWO", "Oakfield Academy", NOTE)
    rows = ewo.locator("details").filter(has_text="Persistent absence (missing 10% or more)").locator("tbody tr")
    supported = _record(ewo, rows.nth(1), "School support", "Jo Mensah (Oakfield Academy)",
                        "Morning check-in with the form tutor (e2e TSM).")
    items = ewo.locator("#items-caption").locator("xpath=ancestor::table")
    expect(items).to_contain_text(referred)
    expect(items).to_contain_text(supported)
    _shot(ewo, "03-recorded.png")

    school = _signed_in(browser, base_url, SCHOOL)
    school.goto("/actions")
    tsm_actions = school.locator("#tsm-actions-table")
    expect(tsm_actions).to_contain_text(f"Referral to the EWO: {referred}")
    _shot(school, "04-my-actions.png")
    tsm_actions.get_by_role("link", name="Open the referral form").first.click()
    expect(school.locator("#school_actions")).to_contain_text("Agreed at the Targeting Support Meeting")
    expect(school.locator("#school_actions")).to_contain_text(NOTE)
    _shot(school, "05-referral-pre-filled.png")

    school.goto("/")
    school.get_by_role("link", name="Attendance picture: Oakfield Academy").click()
    expect(school.locator("h1")).to_have_text("Attendance picture: Oakfield Academy")
    expect(school.locator("main")).to_contain_text("Persistent absence")
    _shot(school, "06-school-picture.png")

    school.goto(meeting_path + "/minutes")
    expect(school.locator("main")).to_contain_text(referred)
    expect(school.locator("main")).to_contain_text(supported)
    with school.expect_download() as info:
        school.get_by_role("link", name="Download the minutes as a PDF").click()
    data = Path(info.value.path()).read_bytes()
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert referred in text and supported in text and "Referral to the EWO" in text
