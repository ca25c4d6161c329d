"""The attendance panel, as the acceptance test of the panel feature.

1. Early help opens its case list: the first case shared with it is the one the chair will
   list (its number and its school are read off the list).
2. The chair schedules a meeting for today, a minute or two ahead (decisions are taken only
   once the meeting has started). With the case's review set two months ahead
   (by the LA), the case is neither referred to the panel nor due, and the chair's search for
   the pupil offers nothing. The LA brings the review forward to today; now the chair finds
   the case by the pupil's first name, adds it with a reason, invites Early Help and publishes
   the agenda.
3. The meeting's start is moved to a minute ago (as the HTTP tests do: no waiting); the chair
   runs it: records a decision with two actions, one for Early Help and
   one for the pupil's school; the screen moves on without a page reload (htmx).
4. The chair downloads the restricted minutes as a PDF: it holds the child's name, the
   decision and both actions; the redacted PDF holds neither the child's name.
5. Early help sees its action on "My actions".

Each user has a browser context of their own. Screenshots go to /tmp/e2e-panel/.
"""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login, server_database_url
from portal.timeutil import LONDON
from portal.timeutil import today as london_today

SHOTS = Path("/tmp/e2e-panel")
CHAIR = "panelchair@demo.test"
ADMIN = "admin@demo.test"
EARLY_HELP = "earlyhelp@demo.test"
EARLY_HELP_NAME = "Demo Borough Early Help"

EH_ACTION = "Early help worker to meet the family and agree a morning routine plan (e2e panel)"
SCHOOL_ACTION = "Form tutor to check in with the pupil every morning for four weeks (e2e panel)"
RATIONALE = "Attendance has not improved with school support alone; the family asked for help at home."


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


def _pdf_text(path: str) -> str:
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF-")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _a_case_shared_with_early_help(page: Page) -> tuple[str, str, str]:
    """(case number, pupil's name, school) of the first case in Early Help's list."""
    page.goto("/cases")
    first = page.locator("#case-list tbody tr").first
    expect(first).to_be_visible()
    link = first.get_by_role("link").first
    number = re.search(r"/cases/(\d+)", link.get_attribute("href")).group(1)
    return number, link.inner_text().strip(), first.locator("td").nth(1).inner_text().strip()


def _search_case(page: Page, words: str) -> None:
    """Open "Add a case" and search (htmx answers as you type)."""
    page.locator("#add-case summary").click()
    page.get_by_label("Find the case by the pupil's name, UPN or case number").fill(words)


def _add_case(page: Page, case_number: str) -> None:
    page.locator("#case-results").get_by_label(re.compile(rf"case {case_number}$")).check()
    page.get_by_label("Why the panel should discuss it").fill("No improvement since early help became involved.")
    page.get_by_role("button", name="Add the case", exact=True).click()


def _review_in(page: Page, case_number: str, days: int) -> None:
    """The LA (who may lead any case) sets the case's next review."""
    page.goto(f"/cases/{case_number}")
    page.get_by_text("Change the stage, status or next review").click()
    fill_date(page.locator("#case-update"), "Next review", london_today() + timedelta(days=days))
    page.locator("#case-update").get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The case has been updated")


def _schedule_and_publish(page: Page, case_number: str, pupil: str, lead: Page) -> tuple[str, datetime]:
    """Schedule a meeting starting in one to two minutes, list the case and publish; the start."""
    page.goto("/panels")
    page.get_by_role("button", name="Schedule a meeting").click()
    start = (datetime.now(LONDON) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    fill_date(page, "Date", start.date())
    page.get_by_label("Start time").fill(start.strftime("%H:%M"))
    page.get_by_label("Place").fill("Civic Centre, Committee Room 1")
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page).to_have_url(re.compile(r"/panels/\d+$"))
    meeting_path = re.sub(r"^https?://[^/]+", "", page.url)

    _review_in(lead, case_number, 60)
    page.goto(meeting_path)
    _search_case(page, pupil)  # neither referred to the panel nor due for review: not offered
    expect(page.locator("#case-results")).to_contain_text("No case you may list matches")
    _shot(page, "00-case-not-listable.png")
    _review_in(lead, case_number, 0)  # due on the panel's day
    page.goto(meeting_path)
    _search_case(page, pupil.split()[0])  # by the first name (issue 14.14)
    _add_case(page, case_number)
    expect(page.locator("#agenda-items")).to_contain_text(pupil)

    page.get_by_label("Invite an agency").select_option(label=EARLY_HELP_NAME)
    page.get_by_role("button", name="Invite the agency").click()
    expect(page.locator("#members")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{EARLY_HELP_NAME} – anyone at the agency")

    page.get_by_role("button", name="Publish the agenda to the members").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The agenda has been published")
    _shot(page, "01-meeting-published.png")
    return meeting_path, start


def _start_now(meeting_path: str) -> None:
    """Decisions are taken only once the meeting has started: the meeting comes to the clock
    (its start moved to a minute ago in the server's database), so the journey does not wait."""
    from datetime import timezone

    from sqlalchemy import create_engine, update

    from portal.panels.models import PanelMeeting

    meeting_id = int(meeting_path.rsplit("/", 1)[1])
    engine = create_engine(server_database_url())
    try:
        with engine.begin() as conn:
            conn.execute(update(PanelMeeting.__table__).where(PanelMeeting.__table__.c.id == meeting_id)
                         .values(held_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    finally:
        engine.dispose()


def _run_and_decide(page: Page, pupil: str, school: str) -> None:
    page.get_by_role("button", name="Run the meeting").click()
    expect(page.locator("h1")).to_have_text("Run the meeting")
    expect(page.locator("#run-item-title")).to_have_text(pupil)
    page.get_by_label("Refer to early help", exact=True).check()
    page.locator("#rationale").fill(RATIONALE)
    fill_date(page, "Next review", london_today() + timedelta(days=43))
    page.locator("#actions-0-description").fill(EH_ACTION)
    page.locator("#actions-0-owner").select_option(label=f"{EARLY_HELP_NAME} (anyone there)")
    fill_date(page, "Due date of action 1", london_today() + timedelta(days=8))
    page.locator("#actions-1-description").fill(SCHOOL_ACTION)
    page.locator("#actions-1-owner").select_option(label=f"{school} (anyone there)")
    fill_date(page, "Due date of action 2", london_today() + timedelta(days=15))
    _shot(page, "02-decision-form.png")
    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#run-item")).to_contain_text(f"The decision on {pupil} has been recorded")
    assert page.evaluate("window.__noReload === true"), "the page reloaded: htmx did not swap the item"
    expect(page.locator("#run-item")).to_contain_text("Refer to early help")
    _shot(page, "03-decision-recorded.png")


def _download(page: Page, version: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=f"PDF of the {version} minutes").click()
    download = info.value
    assert download.suggested_filename.endswith(f"-{version}.pdf")
    return _pdf_text(download.path())


def test_the_chair_runs_a_panel_and_early_help_gets_its_action(browser: Browser, base_url: str):
    early_help = _signed_in(browser, base_url, EARLY_HELP)
    case_number, pupil, school = _a_case_shared_with_early_help(early_help)

    chair = _signed_in(browser, base_url, CHAIR)
    admin = _signed_in(browser, base_url, ADMIN)
    meeting_path, start = _schedule_and_publish(chair, case_number, pupil, admin)
    _start_now(meeting_path)
    _run_and_decide(chair, pupil, school)

    chair.goto(meeting_path)
    restricted = _download(chair, "restricted")
    flat = " ".join(restricted.split())
    assert pupil in flat and "Refer to early help" in flat
    assert "Early help worker to meet the family" in flat and "Form tutor to check in" in flat
    redacted = " ".join(_download(chair, "redacted").split())
    assert "Refer to early help" in redacted
    for part in pupil.split():
        assert part not in redacted, f"the redacted minutes name the child ({part})"

    early_help.goto("/actions")
    expect(early_help.locator("main")).to_contain_text(EH_ACTION)
    expect(early_help.locator("main")).not_to_contain_text(SCHOOL_ACTION)
    _shot(early_help, "04-early-help-my-actions.png")
