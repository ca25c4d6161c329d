"""Formal enforcement, end to end on the demo (issue 15's acceptance): a school requests a notice
to improve; the EWO issues it with a letter; the period ends without improvement; a penalty
notice is issued to two parents with letters; one pays, the other does not; the LA's overdue list
and yearly figures show them.

The server runs on the real clock, so the story is recorded after the fact, as an officer
entering paper records would: the notice to improve is dated some eleven weeks back (a school day
chosen on the school's own calendar, so that its 3-school-week period has ended), and the penalty
notices about six weeks back (after the notice to improve's period), so that one parent's payment
falls within 21 days and the other notice is unpaid after 28 days.

0. The LA admin notes the year's penalty figures before anything happens.
1. Riverside Primary School asks the LA for a notice to improve for Leo Begum (an open case led by
   the EWO, a support plan in its chronology, two contacts with parental responsibility), with
   its evidence.
2. The EWO records in the chronology the support plan offered before the notice (the demo's is
   recent, and a notice cites only support offered before it: citing it is refused); opens the
   queue of requests and accepts: the notice to improve is raised for both parents, back-dated,
   citing that plan; she writes its letter (one per parent), previews each and marks it sent.
3. The period has ended: she records the outcome "not improved"; considers a penalty notice and
   drafts one for each parent; issues each (one by hand, one by post), back-dated; writes each
   parent's penalty letter and marks it sent; records the first parent's £80, paid on day 10.
4. The LA admin's overdue list holds the unpaid notice, not the paid one; the yearly figures count
   both as issued and one as paid; the CSV says the same.
5. The police get 404 for the notice to improve and the penalty notices.

The notices are recorded after the fact, as paper notices are: their issue date is the day they
were served, before the day they were drafted in the portal, but never before the notice to
improve's period ended (the journey checks that refusal). Each user has a browser context of their own.
Screenshots, each with axe's check of the page, go to /tmp/e2e-formal/.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.axe import assert_no_axe_violations
from e2e.conftest import ACTION_TIMEOUT_MS, fill_date, login, open_from_navigation, server_database_url
from portal.timeutil import today as london_today

SHOTS = Path("/tmp/e2e-formal")
ADMIN, EWO, SCHOOL, POLICE = "admin@demo.test", "ewo@demo.test", "school@demo.test", "police@demo.test"
SCHOOL_NAME = "Riverside Primary School"
PUPIL = "Leo Begum"
PARENTS = ("Ivy Begum", "Daniel Begum")  # both with parental responsibility in the demo
PAYS, DOES_NOT = PARENTS
EVIDENCE = ("Leo has missed 14 sessions unauthorised since September; first-day calls every time, a letter home "
            "and a meeting with mum in October; mentoring and a breakfast club place offered (e2e formal).")
SUPPORT = "Weekly mentoring with the learning mentor (e2e)"
OUTCOME_NOTE = "Six more unauthorised sessions in the period; mum did not take up the breakfast club (e2e)."


def _shot(page: Page, name: str) -> None:
    """A screenshot of the page as the journey sees it, and axe's check of that state (issue 14)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    assert_no_axe_violations(page)


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    """A signed-in page in a browser context of its own (one per user)."""
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def _path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def _long(day: date) -> str:
    return day.strftime("%-d %B %Y")


def _short(day: date) -> str:
    return day.strftime("%-d %b %Y")


# ----- the dates, from the school's calendar in the server's database ---------------------------

def _school_calendar():
    """Riverside's calendar as the server sees it: the LA's terms, bank holidays, its closures."""
    from sqlalchemy import create_engine, select

    from portal.attendance.calendar import Calendar
    from portal.attendance.models import BankHoliday, SchoolClosure, Term
    from portal.orgs.models import Organisation

    engine = create_engine(server_database_url())
    try:
        with engine.connect() as conn:
            school_id = conn.scalar(select(Organisation.id).where(Organisation.name == SCHOOL_NAME))
            terms = conn.execute(select(Term.start_date, Term.end_date, Term.half_term_start,
                                        Term.half_term_end).order_by(Term.start_date)).all()
            bank = conn.scalars(select(BankHoliday.date)).all()
            closures = conn.scalars(select(SchoolClosure.date).where(SchoolClosure.school_id == school_id)).all()
    finally:
        engine.dispose()
    return Calendar.of(terms, bank, closures)


def _dates() -> dict[str, date]:
    """The penalty notices are served on a weekday about six weeks ago (so the 28 days, even from
    a deemed delivery two working days after posting, have passed); the notice to improve on a
    school day before that, far enough back that its 3 school weeks end before the penalty."""
    from portal.formal.notices import improvement_period

    cal = _school_calendar()
    today = london_today()
    served = today - timedelta(days=42)
    while served.weekday() >= 5 or served in cal.bank_holidays:
        served -= timedelta(days=1)
    nti = served - timedelta(days=35)
    for _guard in range(60):
        if cal.is_open(nti) and improvement_period(cal, nti, 3)[1] < served:
            break
        nti -= timedelta(days=1)
    else:
        raise AssertionError(f"no school day before {served} whose 3-week improvement period ends before it")
    period_end = improvement_period(cal, nti, 3)[1]
    support = nti - timedelta(days=14)  # agreed at school two weeks or so before the notice
    while not cal.is_open(support) and support < nti:
        support += timedelta(days=1)
    return {"today": today, "support": support, "nti": nti, "period_end": period_end,
            "served": served, "paid": served + timedelta(days=10)}


# ----- the LA's figures ---------------------------------------------------------------------------

def _academic_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _figures(admin: Page, year: int) -> dict[str, int]:
    admin.goto(f"/penalty-notices/figures?year={year}")
    expect(admin.locator("h1")).to_have_text(f"Penalty notices in {year}/{(year + 1) % 100:02d}")
    out = {}
    for row in admin.locator("table tbody tr").all():
        out[row.locator("th").inner_text().strip()] = int(row.locator("td").inner_text().strip())
    return out


# ----- the steps ------------------------------------------------------------------------------------

def _open_case(page: Page) -> str:
    open_from_navigation(page, "Cases")
    page.locator("#case-list").get_by_role("link", name=PUPIL, exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Case: {PUPIL}")
    return _path(page)


def _school_requests(school: Page) -> str:
    """Step 1. Returns the case's path."""
    case_path = _open_case(school)
    formal = school.locator("#formal")
    expect(formal).to_have_text("Notices to improve and penalty notices")
    school.get_by_role("link", name="Ask the LA for a notice to improve").click()
    expect(school.locator("h1")).to_have_text(f"Ask the LA for a notice to improve for {PUPIL}")
    school.get_by_label("Your evidence").fill(EVIDENCE)
    _shot(school, "01-school-request.png")
    school.get_by_role("button", name="Send the request to the LA").click()
    expect(school.locator("h1")).to_have_text(f"Request for a notice to improve: {PUPIL}")
    _flash(school, "Your request has been sent to the LA")
    expect(school.locator("main")).to_contain_text("Awaiting the LA")
    # nothing for the school to decide
    expect(school.get_by_role("button", name="Accept: issue a notice to improve")).to_have_count(0)
    return case_path


def _support_before_the_notice(ewo: Page, case_path: str, days: dict[str, date]) -> None:
    """Step 2, first: the support plan offered before the notice, recorded now in the chronology
    (the demo's own support plan is recent)."""
    ewo.goto(case_path)
    details = ewo.locator("details", has=ewo.get_by_text("Add to the chronology", exact=True))
    details.locator("summary").click()
    details.get_by_label("Kind of entry").select_option(label="Support plan")
    fill_date(details, "When it happened", days["support"])
    details.get_by_label("What happened").fill("Support plan agreed with mum at the school: weekly mentoring "
                                               "from the learning mentor (e2e).")
    details.get_by_label("Support plan: the support put in place").fill(SUPPORT)
    fill_date(details, "Support plan: review date", days["support"] + timedelta(days=42))
    details.get_by_role("button", name="Add to the chronology").click()
    expect(ewo.locator("#chronology")).to_contain_text(SUPPORT)


def _ewo_issues_the_nti(ewo: Page, days: dict[str, date]) -> str:
    """Step 2, the notice. Returns its path."""
    open_from_navigation(ewo, "NTI requests")
    expect(ewo.locator("h1")).to_have_text("Requests for a notice to improve")
    row = ewo.locator("tbody tr").filter(has=ewo.get_by_role("link", name=PUPIL, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SCHOOL_NAME)
    _shot(ewo, "02-requests-queue.png")
    row.get_by_role("link", name=PUPIL, exact=True).click()
    expect(ewo.locator("main")).to_contain_text(EVIDENCE)
    ewo.get_by_role("button", name="Accept: issue a notice to improve").click()

    expect(ewo.locator("h1")).to_have_text(f"Issue a notice to improve for {PUPIL}")
    expect(ewo.locator(".govuk-inset-text")).to_contain_text(EVIDENCE)
    fill_date(ewo, "Date the notice is issued", days["nti"])
    ewo.get_by_label("3 school weeks", exact=True).check()
    parents = ewo.get_by_role("group", name="Liable parents the notice covers")
    for name in PARENTS:
        expect(parents.get_by_role("checkbox", name=re.compile(rf"^{name}"))).to_be_checked()
    support = ewo.get_by_role("group", name="Support offered (from the chronology)")
    plans = support.get_by_role("checkbox", name=re.compile(r"^support plan of"))
    ours = rf"^support plan of {_short(days['support'])} \({re.escape(SUPPORT)}"
    plan = support.get_by_role("checkbox", name=re.compile(ours))
    expect(plan).to_have_count(1)
    expect(plans).to_have_count(2)
    for i in range(plans.count()):
        plans.nth(i).check()
    # the demo's own support plan came after the notice's date: a notice cites only support offered before it
    ewo.get_by_role("button", name="Issue the notice to improve").click()
    expect(ewo.locator(".govuk-error-summary")).to_contain_text("cannot cite support recorded after it")
    for i in range(plans.count()):
        plans.nth(i).uncheck()
    plan.check()
    fill_date(ewo, "Date the notice is issued", days["nti"])  # kept, but typed again as a person would check
    ewo.get_by_label("3 school weeks", exact=True).check()
    _shot(ewo, "03-nti-form.png")
    ewo.get_by_role("button", name="Issue the notice to improve").click()

    expect(ewo.locator("h1")).to_have_text(f"Notice to improve: {PUPIL}")
    _flash(ewo, "The notice to improve has been recorded")
    expect(ewo.locator(".govuk-caption-l")).to_have_text(f"Issued {_long(days['nti'])}")
    summary = ewo.locator(".govuk-summary-list")
    expect(summary).to_contain_text(f"{PARENTS[0]} and {PARENTS[1]}")
    expect(summary).to_contain_text("3 school weeks, ")
    expect(summary).to_contain_text(f"to {_long(days['period_end'])}")
    expect(summary).to_contain_text(f"support plan of {_short(days['support'])} ({SUPPORT}")
    nti_path = _path(ewo)

    # the school's request is accepted
    ewo.goto("/nti-requests?status=accepted")
    expect(ewo.locator("tbody tr").filter(has=ewo.get_by_role("link", name=PUPIL, exact=True))).to_have_count(1)
    ewo.goto(nti_path)
    return nti_path


def _mark_sent(page: Page, title: str, *expected: str) -> None:
    """On a drafted letter's page: the preview says what it should, then it is marked sent."""
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main .govuk-tag").first).to_have_text(re.compile("draft", re.I))
    letter = page.get_by_role("article", name="The letter")
    for text in expected:
        expect(letter).to_contain_text(text)
    page.get_by_role("checkbox", name=re.compile(r"^The letter has been sent to")).check()
    page.get_by_role("button", name="Mark as sent").click()
    _flash(page, "The letter is marked as sent")
    expect(page.locator("main .govuk-tag").first).to_have_text(re.compile("sent", re.I))


def _letter_item(page: Page, title: str):
    """The case page's entry for the letter of that title (the demo's letters are older ones)."""
    item = page.locator("li").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(item).to_have_count(1)
    return item


def _nti_letters(ewo: Page, case_path: str, days: dict[str, date]) -> None:
    """Step 2, the letters: one per parent, previewed, then marked sent."""
    ewo.get_by_role("link", name=re.compile(r"^Write the notice to improve letter")).click()
    expect(ewo.locator("h1")).to_have_text(f"Write a letter about {PUPIL}")
    expect(ewo.locator(".govuk-inset-text")).to_contain_text(f"notice to improve issued {_long(days['nti'])}")
    expect(ewo.get_by_label("Notice to improve", exact=True)).to_be_checked()
    for name in PARENTS:
        expect(ewo.get_by_role("checkbox", name=re.compile(rf"^{name}"))).to_be_checked()
    _shot(ewo, "04-nti-letter-form.png")
    ewo.get_by_role("button", name="Draft the letters").click()
    _flash(ewo, "2 letters have been drafted")
    expect(ewo).to_have_url(re.compile(re.escape(case_path) + "#letters$"))
    for i, name in enumerate(PARENTS):
        ewo.goto(case_path)
        _letter_item(ewo, f"Notice to improve to {name}").get_by_role("link").click()
        if i == 0:
            # the PDF of the draft, before it is sent
            with ewo.expect_download() as info:
                ewo.get_by_role("link", name="Download the letter as a PDF (A4)").click()
            assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
            _shot(ewo, "05-nti-letter-preview.png")
        _mark_sent(ewo, f"Notice to improve to {name}", f"Dear {name}", _long(days["nti"]),
                   _long(days["period_end"]))


def _not_improved(ewo: Page, nti_path: str, days: dict[str, date]) -> None:
    """Step 3, the outcome."""
    ewo.goto(nti_path)
    expect(ewo.locator("main")).to_contain_text(f"to {_long(days['period_end'])}, against")
    ewo.get_by_role("link", name="Record the outcome").click()
    expect(ewo.locator("h1")).to_have_text("Record the outcome of the notice to improve")
    ewo.get_by_label("No: not improved, consider a penalty notice").check()
    ewo.get_by_label("Notes (optional)").fill(OUTCOME_NOTE)
    _shot(ewo, "06-nti-outcome.png")
    ewo.get_by_role("button", name="Record the outcome").click()
    _flash(ewo, "The outcome has been recorded")
    expect(ewo.locator("main .govuk-tag").first).to_have_text("Not improved: consider a penalty notice")
    expect(ewo.locator("main")).to_contain_text(OUTCOME_NOTE)


def _draft_penalties(ewo: Page, days: dict[str, date]) -> dict[str, str]:
    """Step 3, the consideration: one notice per parent. Returns parent -> notice number."""
    ewo.get_by_role("link", name="Consider a penalty notice").click()
    expect(ewo.locator("h1")).to_have_text(f"Consider a penalty notice for {PUPIL}")
    main = ewo.locator("main")
    expect(main).to_contain_text(f"Notice to improve of {_long(days['nti'])}")
    expect(main).to_contain_text("not improved")
    for name in PARENTS:
        expect(main.get_by_role("heading", name=name, exact=True)).to_be_visible()
        expect(ewo.get_by_label(name, exact=True)).to_be_checked()
    ewo.get_by_label("Other unauthorised absence", exact=True).check()
    _shot(ewo, "07-penalty-consideration.png")
    ewo.get_by_role("button", name="Draft the notices").click()
    _flash(ewo, "2 penalty notices drafted")
    expect(ewo.locator("h1")).to_have_text(f"Case: {PUPIL}")
    numbers = {}
    for name in PARENTS:
        link = ewo.locator("main").get_by_role("link", name=re.compile(rf"^PN-\d{{4}}-\d+ to {name}$"))
        expect(link).to_have_count(1)
        numbers[name] = link.inner_text().split(" ")[0]
    return numbers


def _issue(ewo: Page, case_path: str, name: str, number: str, served: date, how: str) -> str:
    """Step 3: issue one drafted notice. Returns the notice's path."""
    ewo.goto(case_path)
    ewo.get_by_role("link", name=f"{number} to {name}").click()
    expect(ewo.locator("h1")).to_have_text(f"Penalty notice: {name}")
    ewo.get_by_role("link", name="Issue the notice").click()
    expect(ewo.locator("h1")).to_have_text(f"Issue penalty notice {number}")
    fill_date(ewo, "Date issued", served)
    ewo.get_by_label(how, exact=True).check()
    ewo.get_by_role("button", name="Issue the notice").click()
    _flash(ewo, "The notice has been issued")
    expect(ewo.locator(".govuk-summary-list")).to_contain_text(f"{_long(served)}, {how.lower()}")
    return _path(ewo)


def _penalty_letter(ewo: Page, name: str, number: str) -> None:
    """Step 3: the notice's letter, to its parent only."""
    ewo.get_by_role("link", name=re.compile(r"^Write the penalty notice letter")).click()
    expect(ewo.locator("h1")).to_have_text(f"Write a letter about {PUPIL}")
    expect(ewo.locator(".govuk-inset-text")).to_contain_text(f"penalty notice {number} to {name}")
    expect(ewo.get_by_label("Penalty notice", exact=True)).to_be_checked()
    others = [p for p in PARENTS if p != name]
    expect(ewo.get_by_role("checkbox", name=re.compile(rf"^{name}"))).to_be_checked()
    expect(ewo.get_by_role("checkbox", name=re.compile(rf"^{others[0]}"))).to_have_count(0)
    ewo.get_by_role("button", name="Draft the letters").click()
    _flash(ewo, "The letter has been drafted")
    _mark_sent(ewo, f"Penalty notice to {name}", f"Dear {name}", number, "£80", "£160")


def test_an_nti_then_penalty_notices_to_two_parents_one_paid_one_overdue(browser: Browser, base_url: str):
    days = _dates()
    year = _academic_year(days["served"])

    admin = _signed_in(browser, base_url, ADMIN)
    before = _figures(admin, year)

    school = _signed_in(browser, base_url, SCHOOL)
    case_path = _school_requests(school)

    ewo = _signed_in(browser, base_url, EWO)
    _support_before_the_notice(ewo, case_path, days)
    nti_path = _ewo_issues_the_nti(ewo, days)
    _shot(ewo, "03b-nti.png")
    _nti_letters(ewo, case_path, days)
    _not_improved(ewo, nti_path, days)
    numbers = _draft_penalties(ewo, days)
    _shot(ewo, "08-case-drafted.png")

    # A notice dated within the notice to improve's period is refused (see the docstring).
    ewo.get_by_role("link", name=f"{numbers[PAYS]} to {PAYS}").click()
    ewo.get_by_role("link", name="Issue the notice").click()
    fill_date(ewo, "Date issued", days["period_end"])
    ewo.get_by_label("By hand", exact=True).check()
    ewo.get_by_role("button", name="Issue the notice").click()
    expect(ewo.locator(".govuk-error-summary")).to_contain_text(
        "The notice cannot be issued before the notice to improve's period ended")

    notice_paths = {}
    for name, how in ((PAYS, "By hand"), (DOES_NOT, "By post")):
        notice_paths[name] = _issue(ewo, case_path, name, numbers[name], days["served"], how)
        if name == PAYS:
            _shot(ewo, "09-notice-issued.png")
        _penalty_letter(ewo, name, numbers[name])

    # The first parent paid £80 on day 10: recorded now, after the 28 days.
    ewo.goto(notice_paths[PAYS])
    ewo.get_by_role("link", name="Record a payment").click()
    expect(ewo.locator("h1")).to_have_text(f"Record a payment of {numbers[PAYS]}")
    fill_date(ewo, "Date paid", days["paid"])
    ewo.get_by_label("Amount paid, in pounds").fill("80")
    _shot(ewo, "10-payment.png")
    ewo.get_by_role("button", name="Record the payment").click()
    _flash(ewo, "The payment has been recorded")
    expect(ewo.locator("main .govuk-tag").first).to_have_text("Paid")
    expect(ewo.locator(".govuk-summary-list")).to_contain_text(f"£80 on {_long(days['paid'])}")
    ewo.goto(notice_paths[DOES_NOT])
    expect(ewo.locator("main .govuk-tag").first).to_have_text("Unpaid after 28 days")
    expect(ewo.locator("#notice-actions")).to_contain_text("Unpaid after 28 days")
    _shot(ewo, "11-notice-unpaid.png")
    ewo.goto(case_path)
    expect(ewo.locator("li").filter(has=ewo.get_by_role("link", name=f"Notice to improve of {_long(days['nti'])}"))) \
        .to_contain_text("Not improved: consider a penalty notice")
    for name, status in ((PAYS, "Paid"), (DOES_NOT, "Unpaid after 28 days")):
        item = ewo.locator("li").filter(has=ewo.get_by_role("link", name=f"{numbers[name]} to {name}"))
        expect(item.locator(".govuk-tag")).to_have_text(status)
    for title in [f"Notice to improve to {p}" for p in PARENTS] + [f"Penalty notice to {p}" for p in PARENTS]:
        expect(_letter_item(ewo, title).locator(".govuk-tag")).to_have_text(re.compile("sent", re.I))

    # 4. The LA: the overdue list and the year's figures.
    open_from_navigation(admin, "Penalty notices")
    expect(admin.locator("h1")).to_have_text("Penalty notices to act on")
    overdue = admin.locator("#overdue-caption").locator("xpath=ancestor::table")
    row = overdue.locator("tbody tr").filter(has=admin.get_by_role("link", name=numbers[DOES_NOT], exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(DOES_NOT)
    expect(row).to_contain_text(PUPIL)
    expect(admin.get_by_role("link", name=numbers[PAYS], exact=True)).to_have_count(0)
    _shot(admin, "12-overdue.png")
    admin.get_by_role("link", name="Yearly figures").click()
    expect(admin.locator("h1")).to_contain_text("Penalty notices in")
    after = _figures(admin, year)
    _shot(admin, "13-figures.png")
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed == {"Issued: other unauthorised absence": 2, "Issued: total": 2, "Paid within 21 days": 1,
                       "Paid: total": 1, "Issued, not yet paid or closed": 1}, changed
    with admin.expect_download() as info:
        admin.get_by_role("link", name="Download as CSV").click()
    download = info.value
    assert download.suggested_filename == f"penalty-notices-{year}-{(year + 1) % 100:02d}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Academic year", "Measure", "Number"]
    assert {r[1]: int(r[2]) for r in rows[1:]} == after

    # 5. The police: none of it exists for them.
    police = _signed_in(browser, base_url, POLICE)
    for path in (nti_path, *notice_paths.values()):
        response = police.goto(path)
        assert response is not None and response.status == 404, f"the police opened {path}"
        expect(police.locator("h1")).to_have_text("Page not found")

    for page in (admin, school, ewo, police):
        page.context.close()
