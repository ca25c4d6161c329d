"""Attendance imports, pupil search and the pupil page, as a school user would use them.

1. The sample marks file is uploaded and imported; the import page follows the job's
   progress through htmx polling (no full reload) to the success banner and its counts.
2. Active search finds a pupil of the sample by UPN and by part of the surname, without
   pressing Search; the pupil page shows the weekly chart, the penalty-notice threshold
   and a register mark for the sample's date.
3. A broken marks file imports nothing: every problem is listed by row and column, and
   the full list downloads as CSV.
4. A file that is not a CSV is refused on the upload page.
5. Need-to-know: the police cannot search pupils at all; a school cannot open a pupil
   of another school (404, so the pupil's existence is not confirmed).

Screenshots go to /tmp/e2e-shots/.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, ROOT, login, open_from_navigation

SAMPLE = ROOT / "samples" / "attendance-marks.csv"
SHOTS = Path("/tmp/e2e-shots")
SCHOOL = "school@demo.test"
SCHOOL_NAME = "Riverside Primary School"
OTHER_SCHOOL_NAME = "Oakfield Academy"
IMPORT_TIMEOUT_MS = 15_000  # a background job plus htmx polling every 0.7 s


def _sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def _new_page(browser: Browser, base_url: str, email: str) -> Page:
    """A signed-in page in a browser context of its own (one per user)."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    login(page, base_url, email)
    return page


def _go_to_imports(page: Page) -> None:
    open_from_navigation(page, "Imports")
    expect(page.locator("h1")).to_have_text("Import attendance and pupils")
    expect(page.get_by_label("Attendance marks (upn,date,session,code)")).to_be_checked()


def _upload(page: Page, path: Path):
    """Choose the file, press the button; returns the response of the page landed on."""
    page.get_by_label("CSV file").set_input_files(str(path))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Upload and import").click()
    return navigation.value


def _summary_value(page: Page, key: str) -> int:
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=re.compile(rf"^\s*{key}\s*$")))
    expect(row).to_have_count(1)
    return int(row.locator(".govuk-summary-list__value").inner_text().strip())


# ----- 1. the sample file ---------------------------------------------------------------

def test_sample_marks_file_imports_and_progress_updates_in_place(page: Page, base_url: str):
    rows = _sample_rows()
    login(page, base_url, SCHOOL)
    # Record whether a <progress> bar ever appears in the DOM (it may come and go quickly).
    page.add_init_script("""
        window.__sawProgress = false;
        new MutationObserver(() => {
            if (document.querySelector('#import-progress progress')) window.__sawProgress = true;
        }).observe(document, {childList: true, subtree: true});
    """)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if re.search(r"/imports/\d+/progress$", r.url) else None)

    _go_to_imports(page)
    # the seed has marks for the sample's day already: a different code is an amendment, so
    # the file goes with a reason (the register keeps it with the original mark)
    page.get_by_label("Reason for changing marks already imported").select_option(
        label="Code corrected after enquiry")
    response = _upload(page, SAMPLE)
    assert response is not None and response.status == 200
    expect(page).to_have_url(re.compile(r"/imports/\d+$"))
    expect(page.locator("h1")).to_have_text(f"Import of {SAMPLE.name}")
    expect(page.locator(".govuk-caption-l")).to_have_text(f"Attendance marks – {SCHOOL_NAME}")
    expect(page.locator("#import-progress")).to_have_count(1)
    page.evaluate("window.__marker = 1")
    landed_html = response.text()
    landed_unfinished = "hx-get=" in landed_html and 'id="import-progress-bar"' in landed_html

    banner = page.locator("#import-progress .govuk-notification-banner--success")
    expect(banner).to_contain_text(f"{len(rows)} marks imported", timeout=IMPORT_TIMEOUT_MS)

    # The result arrived in place: same document, no reload.
    assert page.evaluate("window.__marker") == 1
    if landed_unfinished:
        # The page showed the bar and swapped in the result from the polling fragment.
        assert page.evaluate("window.__sawProgress") is True
        assert polls, "the unfinished import page never polled for progress"
    else:
        # The job was already done when the page was rendered: the banner came with it.
        assert f"{len(rows)} marks imported" in landed_html
    expect(page.locator("#import-progress progress")).to_have_count(0)
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-get", re.compile(".*"))

    assert _summary_value(page, "Rows imported") == len(rows)
    added, changed, unchanged = (_summary_value(page, k) for k in ("Added", "Changed", "Unchanged"))
    assert min(added, changed, unchanged) >= 0
    assert added + changed + unchanged == len(rows) == 12
    _shot(page, "import-result.png")

    # The job is listed among the recent imports as done.
    page.get_by_role("link", name="Imports", exact=True).first.click()
    recent = page.locator("table.govuk-table tbody tr").first
    expect(recent).to_contain_text(SAMPLE.name)
    expect(recent.locator("td").last).to_have_text(str(len(rows)))


# ----- 2. active search and the pupil page ----------------------------------------------

def test_active_search_finds_a_sample_pupil_and_opens_their_page(page: Page, base_url: str):
    first = _sample_rows()[0]
    upn, day = first["upn"], date.fromisoformat(first["date"])
    login(page, base_url, SCHOOL)
    open_from_navigation(page, "Pupils")
    expect(page.locator("h1")).to_have_text("Find a pupil")
    page.evaluate("window.__marker = 1")

    box = page.locator("#q")
    results = page.locator("#search-results")
    box.fill(upn)  # no Search press: htmx fetches the results as the text changes
    row = results.locator("tbody tr").filter(has_text=upn)
    expect(row).to_have_count(1)
    expect(results.locator("#result-count")).to_have_text("1 pupil found.")
    expect(page).to_have_url(re.compile(rf"/pupils\?q={upn}$"))
    expect(row.locator("td").last).to_contain_text(SCHOOL_NAME)
    name = row.locator("td").first.locator("a").inner_text().strip()
    surname = name.split()[-1]
    assert len(surname) >= 3, name

    fragment = surname[:4].lower()
    box.fill(fragment)
    # The address follows the search (hx-push-url), so Back and bookmarks work.
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=fragment)
    expect(results.locator("caption")).to_have_text(f"Pupils matching {fragment}")
    link = results.get_by_role("link", name=name, exact=True)
    expect(link.first).to_be_visible()
    assert page.evaluate("window.__marker") == 1  # updated in place, not a new page

    # The right row: several pupils may share the name, so pick the one with this UPN.
    results.locator("tbody tr").filter(has_text=upn).get_by_role("link", name=name, exact=True).click()
    expect(page).to_have_url(re.compile(r"/pupils/\d+$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".govuk-summary-list")).to_contain_text(upn)

    chart = page.locator("svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("title#chart-title")).to_have_text("Attendance each week")
    assert chart.locator("rect").count() > 0
    expect(page.get_by_role("heading", name="Penalty notice threshold")).to_be_visible()

    register = page.locator("table.app-register")
    expect(register).to_be_visible()
    label = f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"  # e.g. "Fri 20 Nov"
    # each mark says what it is in words, without hover (issue 14.21): "Fri 20 Nov AM: /, Present (AM)"
    mark = register.locator("td.app-register__mark").filter(
        has=page.locator(".govuk-visually-hidden", has_text=f"{label} {first['session']}: "))
    expect(mark).to_have_count(1)
    assert mark.locator("[aria-hidden=true]").first.inner_text().strip(), "the register cell is empty"
    _shot(page, "pupil.png")


# ----- 3. a broken file -----------------------------------------------------------------

def test_broken_marks_file_imports_nothing_and_lists_every_problem(page: Page, base_url: str, tmp_path: Path):
    upn = _sample_rows()[0]["upn"]
    future = (date.today() + timedelta(days=60)).isoformat()
    broken = tmp_path / "broken-marks.csv"
    broken.write_text(
        "upn,date,session,code\n"
        "X999999999999,2026-11-19,AM,/\n"   # row 2: not a pupil of this school
        f"{upn},2026-02-30,AM,/\n"           # row 3: no such date
        f"{upn},2026-11-19,XX,/\n"           # row 4: bad session
        f"{upn},2026-11-19,PM,ZZ\n"          # row 5: unknown code
        f"{upn},{future},AM,/\n"             # row 6: in the future
        f"{upn},2026-11-19,AM,/\n"           # row 7: fine ...
        f"{upn},2026-11-19,AM,/\n",          # row 8: ... but row 8 repeats it
        encoding="utf-8")
    expected = [("2", "upn"), ("3", "date"), ("4", "session"), ("5", "code"), ("6", "date"), ("8", "row")]

    login(page, base_url, SCHOOL)
    _go_to_imports(page)
    response = _upload(page, broken)
    assert response is not None and response.status == 200
    expect(page).to_have_url(re.compile(r"/imports/\d+$"))
    progress = page.locator("#import-progress")
    expect(progress.locator(".govuk-error-summary__title")).to_have_text("Nothing was imported",
                                                                          timeout=IMPORT_TIMEOUT_MS)
    expect(progress).to_contain_text("6 problems found. Nothing was imported.")

    table = page.locator("table#import-errors")
    expect(table.locator("caption")).to_have_text("6 problems")
    body_rows = table.locator("tbody tr")
    expect(body_rows).to_have_count(len(expected))
    shown = [tuple(t.strip() for t in r.locator("td").all_inner_texts()[:2]) for r in body_rows.all()]
    assert shown == expected
    expect(body_rows.nth(0)).to_contain_text("X999999999999 is not a pupil of your school")
    expect(body_rows.nth(1)).to_contain_text("2026-02-30")
    expect(body_rows.nth(2)).to_contain_text("'XX'")
    expect(body_rows.nth(3)).to_contain_text("'ZZ'")
    expect(body_rows.nth(4)).to_contain_text("in the future")
    expect(body_rows.nth(5)).to_contain_text("Duplicate of row 7")
    expect(page.get_by_role("button", name="Upload a corrected file")).to_be_visible()
    expect(page.locator("#import-progress")).to_contain_text("The uploaded file has been deleted")
    _shot(page, "import-failed.png")

    link = page.get_by_role("link", name=re.compile(r"^Download all \d+ problems \(CSV\)$"))
    expect(link).to_have_text("Download all 6 problems (CSV)")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith("-errors.csv")
    content = Path(download.path()).read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(content)))
    assert records[0] == ["row", "field", "message"]
    problems = records[1:]
    assert len(problems) == 6
    assert sorted((r[0], r[1]) for r in problems) == sorted(expected)

    # Nothing was imported: the recent imports list shows the failure.
    page.get_by_role("button", name="Upload a corrected file").click()
    expect(page.locator("table.govuk-table tbody tr").first).to_contain_text(broken.name)


# ----- 4. not a CSV file ----------------------------------------------------------------

def test_a_file_that_is_not_csv_is_refused_on_the_upload_page(page: Page, base_url: str, tmp_path: Path):
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4)

    login(page, base_url, SCHOOL)
    _go_to_imports(page)
    response = _upload(page, report)
    assert response is not None and response.status == 422
    expect(page).to_have_url(re.compile(r"/imports$"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.locator(".govuk-error-summary__title")).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name="The file must be a CSV file (ending .csv)")).to_be_visible()
    expect(page.locator(".govuk-error-message")).to_contain_text("The file must be a CSV file (ending .csv)")
    expect(page.locator("#import-progress")).to_have_count(0)
    expect(page).to_have_title(re.compile(r"^Error: "))


# ----- 5. need-to-know ------------------------------------------------------------------

def test_police_cannot_search_pupils(browser: Browser, base_url: str):
    page = _new_page(browser, base_url, "police@demo.test")
    try:
        expect(page.locator(".govuk-service-navigation__list").get_by_role("link", name="Pupils")).to_have_count(0)
        response = page.goto(f"{base_url}/pupils?q=a")
        assert response is not None and response.status == 403
        expect(page.locator("h1")).to_have_text(re.compile(r"^You do not have permission"))
        expect(page.locator("#search-results")).to_have_count(0)
    finally:
        page.context.close()


def test_school_cannot_open_a_pupil_of_another_school(page: Page, browser: Browser, base_url: str):
    admin = _new_page(browser, base_url, "admin@demo.test")
    try:
        admin.goto(f"{base_url}/schools")
        admin.get_by_role("link", name=OTHER_SCHOOL_NAME, exact=True).click()
        expect(admin.locator("h1")).to_have_text(f"Attendance at {OTHER_SCHOOL_NAME}")
        pupil_link = admin.locator("a[href^='/pupils/']").first
        href = pupil_link.get_attribute("href")
        assert href and re.fullmatch(r"/pupils/\d+", href), href
        # The admin can open it: the address is a real pupil.
        admin.goto(f"{base_url}{href}")
        expect(admin.locator(".govuk-caption-l")).to_contain_text(OTHER_SCHOOL_NAME)
    finally:
        admin.context.close()

    login(page, base_url, SCHOOL)
    response = page.goto(f"{base_url}{href}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator("svg[role=img]")).to_have_count(0)
    expect(page.locator("table.app-register")).to_have_count(0)
