"""From a school's referral to a shared case, as the acceptance test of the cases feature.

1. The school finds one of its pupils with no referral yet, refers the pupil to the named
   education welfare officer with two barriers (their "What you know" boxes appear when
   ticked), what the school has done, consent, urgency and whether there is a safeguarding
   concern (none chosen for it), checks its answers and submits them from Check your answers;
   it lands on the referral: awaiting triage.
2. The named EWO finds it in the triage queue, accepts it with herself as lead: a case opens.
3. The EWO shares the case with early help and agrees two actions: one for early help (anyone
   there) and one for the school's member of staff.
4. Early help sees the case in its list, completes its action inline (htmx: no page reload)
   and the chronology refreshes itself (the `actionsChanged` event) with the completion;
   "My actions" → Done lists it.
5. The school sees the completion in the case's chronology.
6. The police, with whom the case is not shared, get 404 for it and do not see it listed.

Each user has a browser context of their own. Screenshots go to /tmp/e2e-cases/.

If the chronology does not refresh itself after the inline completion, the journey still
checks the saved entry after a reload and every later step, and fails at the end.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login, open_from_navigation, sign_out

SHOTS = Path("/tmp/e2e-cases")
SCHOOL = "school@demo.test"
EWO = "ewo@demo.test"
EARLY_HELP = "earlyhelp@demo.test"
POLICE = "police@demo.test"
SCHOOL_NAME = "Riverside Primary School"
EARLY_HELP_NAME = "Demo Borough Early Help"

EH_ACTION = "Early help to meet the family and agree a support plan (e2e)"
SCHOOL_ACTION = "Daily check-in with the pupil's tutor for two weeks (e2e)"
EH_OUTCOME = "Met the family at home; support plan agreed with mum (e2e)"
LIVE_TIMEOUT_MS = 5_000


class ChronologyNotRefreshed(AssertionError):
    """The chronology did not refresh itself after an inline completion."""


# The seed refers the eight lowest attenders of the school; a pupil further down the list,
# sorted by attendance, has no referral (test_referral_more_information takes row 16).
PUPIL_ROW = 12


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    """A signed-in page in a browser context of its own (one per user)."""
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


def _refer_a_pupil(page: Page) -> tuple[str, str]:
    """Step 1, as the school. Returns the pupil's name and the referral's path."""
    _nav(page, "Attendance")
    expect(page.locator("h1")).to_contain_text(SCHOOL_NAME)
    page.goto(re.sub(r"\?.*$", "", page.url) + "?sort=attendance")
    rows = page.locator("#school-rows tbody tr")
    expect(rows.nth(PUPIL_ROW)).to_be_visible()
    rows.nth(PUPIL_ROW).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/pupils/\d+$"))
    name = page.locator("h1").inner_text().strip()
    expect(page.locator(".govuk-caption-l")).to_contain_text(SCHOOL_NAME)

    page.get_by_role("button", name="Refer to the education welfare officer").click()
    expect(page.locator("h1")).to_have_text(f"Refer {name}")
    expect(page.get_by_text("The referral goes to Erin Walsh")).to_be_visible()

    for key, label, known in (("bullying", "Bullying or peer relationships", "Name-calling at break times"),
                              ("young_carer", "Young carer", "Helps with a younger sibling every morning")):
        box = page.locator(f"#barrier_{key}_text")
        expect(box).to_be_hidden()  # the "What you know" box appears only when the barrier is ticked
        page.get_by_label(label, exact=True).check()
        expect(box).to_be_visible()
        box.fill(known)
    expect(page.locator("#barrier_transport_text")).to_be_hidden()
    page.get_by_label("What has the school already done?").fill(
        "First-day calls; letter home on 3 November; meeting with the class teacher.")
    for radio in ("consent", "urgency", "safeguarding_concern"):  # nothing is chosen for the school
        expect(page.locator(f"input[name='{radio}']:checked")).to_have_count(0)
    page.get_by_role("radio", name="Given", exact=True).check()
    page.get_by_role("radio", name="Routine", exact=True).check()
    page.get_by_role("group", name="Is there a safeguarding concern?").get_by_role("radio", name="No").check()
    _shot(page, "01-referral-form.png")
    page.get_by_role("button", name="Continue").click()

    # Check your answers: nothing is sent until "Submit referral".
    expect(page.locator("h1")).to_have_text("Check your answers before sending the referral")
    answers = page.locator(".govuk-summary-list")
    expect(answers).to_contain_text("Name-calling at break times")
    expect(answers).to_contain_text("Helps with a younger sibling every morning")
    expect(answers).to_contain_text("Given")
    _shot(page, "01b-check-answers.png")
    page.get_by_role("button", name="Submit referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(page.locator("h1")).to_have_text(f"Referral for {name}")
    _flash(page, "The referral has been sent")
    expect(page.locator("main .govuk-tag").first).to_have_text("Awaiting triage")
    expect(page.get_by_text("Name-calling at break times")).to_be_visible()
    expect(page.get_by_text("Helps with a younger sibling every morning")).to_be_visible()
    return name, re.sub(r"^https?://[^/]+", "", page.url)


def _open_a_case(page: Page, name: str, referral_path: str) -> str:
    """Step 2, as the named EWO. Returns the case's path."""
    _nav(page, "Referrals")
    expect(page.locator("h1")).to_have_text("Referrals awaiting triage")
    link = page.locator(f"a[href='{referral_path}']")
    expect(link).to_have_text(name)
    link.click()
    expect(page.locator("h1")).to_have_text(f"Referral for {name}")
    page.get_by_role("button", name="Triage this referral").click()
    expect(page.locator("h1")).to_have_text(f"Triage the referral for {name}")
    page.get_by_role("radio", name="Accept: open a case").check()
    lead = page.get_by_label("Lead professional")
    # any practitioner may lead (issue 14.11); the named EWO is chosen by default
    expect(lead.locator("option:checked")).to_have_text(
        re.compile(r"^Erin Walsh – Education welfare officer, .+ \(named EWO\)$"))
    expect(lead.locator("option", has_text="Early help")).not_to_have_count(0)
    _shot(page, "02-triage.png")
    page.get_by_role("button", name="Record the decision").click()

    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("h1")).to_have_text(f"Case: {name}")
    _flash(page, "a case opened")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Erin Walsh")
    expect(page.locator("#chronology")).to_contain_text("Bullying or peer relationships")
    return re.sub(r"^https?://[^/]+", "", page.url)


def _share_and_agree_actions(page: Page, name: str) -> None:
    """Step 3, as the EWO, on the case page."""
    page.get_by_role("link", name="Share the case with an agency").click()
    expect(page.locator("h1")).to_have_text(f"Share the case for {name}")
    share_with = page.get_by_label("Share with")
    value = share_with.locator("option", has_text=EARLY_HELP_NAME).get_attribute("value")
    share_with.select_option(value)
    page.get_by_label("Why the case is shared").fill("Family support needed alongside school: early help "
                                                     "to lead the family plan.")
    page.get_by_role("button", name="Share the case").click()

    expect(page.locator("h1")).to_have_text(f"Case: {name}")
    _flash(page, f"The case has been shared with {EARLY_HELP_NAME}")
    expect(page.locator("#sharing + ul")).to_contain_text(EARLY_HELP_NAME)

    today = date.today()
    for description, owner, due in (
        (EH_ACTION, f"{EARLY_HELP_NAME} (anyone there)", today + timedelta(days=7)),
        (SCHOOL_ACTION, f"Sam Patel ({SCHOOL_NAME})", today + timedelta(days=14)),
    ):
        details = page.locator("details", has=page.get_by_text("Add an agreed action", exact=True))
        details.locator("summary").click()
        details.get_by_label("What will be done").fill(description)
        details.get_by_label("Owner").select_option(label=owner)
        fill_date(details, "Due date", due)
        details.get_by_role("button", name="Add action").click()
        _flash(page, "The action has been added")
        row = page.locator("#actions-table tr", has_text=description)
        expect(row).to_contain_text(owner.replace(" (anyone there)", ""))
        expect(row).to_contain_text("Open")
    expect(page.locator("#actions-table tbody tr")).to_have_count(2)
    _shot(page, "03-case-ewo.png")


def _early_help_completes(page: Page, name: str, case_path: str) -> str | None:
    """Step 4, as early help. Returns what went wrong with the chronology's own refresh, if anything."""
    _nav(page, "Cases")
    link = page.locator(f"#case-list a[href='{case_path}']")
    expect(link).to_have_text(name)
    link.click()
    expect(page.locator("h1")).to_have_text(f"Case: {name}")
    # Not the lead: no sharing or stage changes, but the shared case's actions.
    expect(page.get_by_role("link", name="Share the case with an agency")).to_have_count(0)
    expect(page.get_by_text("Change the stage, status or next review")).to_have_count(0)

    page.evaluate("window.__marker = 'no reload'")
    row = page.locator("#actions-table tr", has_text=EH_ACTION)
    action_id = row.get_attribute("id")
    assert action_id and action_id.startswith("action-")
    # The school's action is not early help's to complete.
    expect(page.locator("#actions-table tr", has_text=SCHOOL_ACTION).get_by_role("link")).to_have_count(0)
    row.get_by_role("link", name=re.compile(r"^Complete")).click()

    outcome = page.locator(f"#outcome-{action_id.removeprefix('action-')}")
    expect(outcome).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload", "the Complete form loaded with a page reload"
    outcome.fill(EH_OUTCOME)
    with page.expect_response(lambda r: r.request.headers.get("hx-target") == "chronology") as refresh:
        page.get_by_role("button", name="Save outcome").click()  # the response triggers actionsChanged

    row = page.locator(f"#{action_id}")
    expect(row.locator(".govuk-tag")).to_have_text("Done")
    expect(row).to_contain_text(f"Outcome: {EH_OUTCOME}")
    expect(page.locator(f"#outcome-{action_id.removeprefix('action-')}")).to_have_count(0)
    assert page.evaluate("window.__marker") == "no reload", "saving the outcome reloaded the page"
    chronology = page.locator("#chronology")
    problem = None
    try:
        expect(chronology).to_contain_text("Action completed by Ellie Hughes", timeout=LIVE_TIMEOUT_MS)
        expect(chronology).to_contain_text(EH_OUTCOME)
    except AssertionError:
        problem = (f"The chronology did not refresh on actionsChanged: GET {refresh.value.url} answered "
                   f"{refresh.value.status}.")
    _shot(page, "04-case-early-help.png")
    if problem:  # what was saved is there after a reload; the journey goes on
        page.reload()
        expect(chronology).to_contain_text("Action completed by Ellie Hughes")
        expect(chronology).to_contain_text(EH_OUTCOME)

    _nav(page, "My actions")
    expect(page.locator("h1")).to_have_text("My actions")
    page.get_by_role("navigation", name="Which actions").get_by_role("link", name="Done", exact=True).click()
    expect(page).to_have_url(re.compile(r"show=done"))
    done = page.locator("#actions-table tr", has_text=EH_ACTION)
    expect(done).to_contain_text("Done")
    expect(done).to_contain_text(f"Outcome: {EH_OUTCOME}")
    expect(page.locator(f"#actions-table a[href^='{case_path}']", has_text=f"Case: {name}")).to_be_visible()
    return problem


def test_referral_becomes_a_shared_case_with_actions(browser: Browser, base_url: str):
    school = _signed_in(browser, base_url, SCHOOL)
    name, referral_path = _refer_a_pupil(school)
    sign_out(school)

    ewo = _signed_in(browser, base_url, EWO)
    case_path = _open_a_case(ewo, name, referral_path)
    _share_and_agree_actions(ewo, name)

    early_help = _signed_in(browser, base_url, EARLY_HELP)
    chronology_problem = _early_help_completes(early_help, name, case_path)

    # 5. The school sees the completion in the chronology.
    login(school, base_url, SCHOOL)
    _nav(school, "Cases")
    school.locator(f"#case-list a[href='{case_path}']").click()
    expect(school.locator("h1")).to_have_text(f"Case: {name}")
    expect(school.locator("#chronology")).to_contain_text("Action completed by Ellie Hughes")
    expect(school.locator("#actions-table tr", has_text=EH_ACTION).locator(".govuk-tag")).to_have_text("Done")

    # 6. The police: the case is not shared with them, so it does not exist for them.
    police = _signed_in(browser, base_url, POLICE)
    response = police.goto(f"{base_url}{case_path}")
    assert response is not None and response.status == 404
    expect(police.locator("h1")).to_have_text("Page not found")
    expect(police.get_by_text(name)).to_have_count(0)
    _nav(police, "Cases")
    expect(police.locator("h1")).to_have_text("Cases")
    expect(police.locator(f"a[href='{case_path}']")).to_have_count(0)
    expect(police.get_by_text(name)).to_have_count(0)

    for page in (school, ewo, early_help, police):
        page.context.close()

    # Last, so that every other step is still checked.
    if chronology_problem:
        raise ChronologyNotRefreshed(chronology_problem)
