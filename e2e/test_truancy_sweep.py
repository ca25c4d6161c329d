"""A truancy sweep at a phone's size (390×844), as the acceptance test of the sweeps feature.

1. (Setup) The school reads the names and dates of birth of two of its pupils with open cases.
2. The police officer plans a sweep for today and records three children met: the two pupils
   (as they gave themselves) and a child who says he has no school. The form keeps the
   location and the officer of the previous encounter.
3. The EWO matches the first two (the pupil is the top suggestion, with its reasons) and marks
   the third "No match: not on roll" (listed for the LA).
4. The school sees its follow-up, records the parent contact outcome, and the encounter is in
   the pupil's case chronology.
5. The police see the match result on their encounter, but not the follow-ups.

Screenshots go to /tmp/e2e-sweeps/.
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.axe import assert_no_axe_violations
from e2e.conftest import ACTION_TIMEOUT_MS, login

SHOTS = Path("/tmp/e2e-sweeps")
PHONE = {"width": 390, "height": 844}
SCHOOL = "school@demo.test"
EWO = "ewo@demo.test"
POLICE = "police@demo.test"
SCHOOL_NAME = "Riverside Primary School"
AREA = "Market square and the precinct (e2e)"
MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                      "Nov", "Dec"), start=1)}


def _shot(page: Page, name: str) -> None:
    """A screenshot of the page as the journey sees it, and axe's check of that state (issue 14)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    assert_no_axe_violations(page)


def _phone(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def _case_pupils(page: Page) -> list[tuple[str, str, str, tuple[int, int, int]]]:
    """(case path, forename, surname, (day, month, year)) of two open cases of the school."""
    page.goto("/cases")
    links = page.locator("#case-list a.govuk-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(min(2, links.count()))]
    assert len(hrefs) == 2, "the demo school has two open cases"
    pupils = []
    for href in hrefs:
        page.goto(href)
        row = page.locator(".govuk-summary-list__row", has_text="Pupil").last.locator(".govuk-summary-list__value")
        match = re.match(r"\s*(\S+) (.+?), born (\d+) (\w{3}) (\d{4})", row.inner_text())
        assert match, row.inner_text()
        fore, sur, day, mon, year = match.groups()
        pupils.append((href, fore, sur, (int(day), MONTHS[mon], int(year))))
    return pupils


def _record(page: Page, fore: str, sur: str, *, dob=None, age=None, school=None, location=None,
            accompanied="Alone", outcome="Returned to school") -> None:
    expect(page.locator("h1")).to_have_text("Record an encounter")
    if location:
        page.locator("#location").fill(location)
    page.locator("#forename").fill(fore)
    page.locator("#surname").fill(sur)
    if dob:
        page.locator("#date_of_birth-day").fill(str(dob[0]))
        page.locator("#date_of_birth-month").fill(str(dob[1]))
        page.locator("#date_of_birth-year").fill(str(dob[2]))
    if age:
        page.locator("#age").fill(str(age))
    page.locator("#school").select_option(label=school or "Not at any school")
    page.get_by_label(accompanied, exact=True).check()
    page.locator("#reason_accepted").check()  # "No": chosen, never preselected (issue 14.18)
    page.get_by_label(outcome, exact=True).check()
    page.get_by_role("button", name="Save and record another").click()
    _flash(page, f"Encounter recorded: {fore} {sur}")


def test_truancy_sweep_at_phone_size(browser: Browser, base_url: str):
    school = _phone(browser, base_url, SCHOOL)
    (case1, f1, s1, dob1), (_case2, f2, s2, dob2) = _case_pupils(school)

    # 2. The police officer plans today's sweep and records three children.
    police = _phone(browser, base_url, POLICE)
    police.goto("/sweeps")
    police.get_by_role("button", name="Plan a sweep").click()
    police.locator("#starts_at").fill("09:00")
    police.locator("#ends_at").fill("15:30")
    police.locator("#area").fill(AREA)
    police.get_by_role("button", name="Create the sweep").click()
    _flash(police, "The sweep has been created")
    sweep_url = police.url
    police.get_by_role("button", name="Record an encounter").click()
    _shot(police, "01-encounter-form.png")
    width = police.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the form scrolls sideways on a phone ({width}px)"
    _record(police, f1, s1, dob=dob1, school=SCHOOL_NAME, location="Market square, by the fountain")
    # the next child is met nearby: the location and officer are kept
    expect(police.locator("#location")).to_have_value("Market square, by the fountain")
    expect(police.locator("#officer_id option:checked")).to_have_text("PC Dan Reid")
    _record(police, f2.lower(), s2.upper(), dob=dob2, school=SCHOOL_NAME, accompanied="In a group of children")
    _record(police, "Jordan", "Nobody-E2e", age=12, outcome="Taken home")
    _shot(police, "02-after-three.png")
    police.goto(sweep_url)
    expect(police.locator(".app-card-list li")).to_have_count(3)

    # 3. The EWO matches two and marks one not on roll.
    ewo = _phone(browser, base_url, EWO)
    for fore, sur, expected in ((f1, s1, f"{f1} {s1}"), (f2.lower(), s2.upper(), f"{f2} {s2}")):
        ewo.goto("/encounters")
        card = ewo.locator(".app-card-list li", has_text=f"{fore} {sur}")
        card.get_by_role("link", name=re.compile("^Match")).click()
        first = ewo.locator(".govuk-radios__item").first
        expect(first).to_contain_text(expected)
        expect(first).to_contain_text("Date of birth matches")
        _shot(ewo, f"03-match-{sur.lower()}.png")
        first.locator("input").check()
        ewo.get_by_role("button", name="Confirm").click()
        _flash(ewo, f"has been matched to {f1 if fore == f1 else f2}")
    ewo.goto("/encounters")
    card = ewo.locator(".app-card-list li", has_text="Jordan Nobody-E2e")
    card.get_by_role("link", name=re.compile("^Match")).click()
    ewo.get_by_label("No match: not on roll").check()
    ewo.locator("#note").fill("No trace on any roll in the borough (e2e)")
    ewo.get_by_role("button", name="Confirm").click()
    _flash(ewo, "listed as not on roll")
    ewo.goto("/encounters?status=no_match")
    expect(ewo.locator("main")).to_contain_text("Jordan Nobody-E2e")

    # 4. The school follows up, and the encounter is in the case chronology.
    school.goto("/follow-ups")
    school.locator(".app-card-list li", has_text=f"{f1} {s1}").first.get_by_role("link").first.click()
    expect(school.locator("h1")).to_have_text(f"Follow-up for {f1} {s1}")
    _shot(school, "04-follow-up.png")
    school.get_by_label("Spoke to the parent or carer").check()
    school.locator("#outcome").fill("Spoke to mum: back in school tomorrow; register code O confirmed (e2e)")
    school.get_by_role("button", name="Save the outcome").click()
    _flash(school, "The outcome of the follow-up has been recorded")
    expect(school.locator("main")).to_contain_text("back in school tomorrow")
    school.goto(case1)
    chronology = school.locator("#chronology")
    expect(chronology).to_contain_text(f"Found out of school in a truancy sweep ({AREA})")
    expect(chronology).to_contain_text("back in school tomorrow")
    _shot(school, "05-case-chronology.png")

    # 5. The police see the match, not the follow-ups.
    police.goto(sweep_url)
    police.get_by_role("link", name=f"{f1} {s1}").click()
    expect(police.locator("main")).to_contain_text(f"Matched to a pupil on the roll of {SCHOOL_NAME}")
    response = police.goto("/follow-ups")
    assert response is not None and response.status == 403
