"""Dip-sampling end to end on the demo (issue 17).

1. The LA admin opens Dip-sampling from the navigation and draws a sample of 5 open cases with
   a seed: the sample page shows the seed and the allocation across lead professionals and stages.
2. The admin audits the first sampled case: a draft first, then every criterion graded with a
   comment, an overall grade and learning points; the audit is complete and counts in the themes.
3. The case's lead professional signs in, finds the audit in "Audits of my cases" and on the
   case page, and acknowledges it with a response; the admin's sample shows it acknowledged.

Screenshots (1280 and 390 px wide) go to /tmp/e2e-shots/i17-dip-*.png.
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ACTION_TIMEOUT_MS, login, open_from_navigation

SHOTS = Path("/tmp/e2e-shots")
ADMIN = "admin@demo.test"
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def _shots(page: Page, name: str) -> None:
    """The page at 1280 and at 390 px wide; it never scrolls sideways on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(WIDE)
    page.screenshot(path=str(SHOTS / f"i17-dip-{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"i17-dip-{name}-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    page.set_viewport_size(WIDE)


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    response = login(page, base_url, email)
    assert response is not None and response.status == 200, f"{email} could not sign in"
    return page


def _email_of(name: str) -> str:
    from portal.demo import USERS

    return next(email for email, person, _, _ in USERS if person == name)


def test_an_la_admin_draws_and_audits_and_the_lead_acknowledges(browser: Browser, base_url: str):
    admin = _signed_in(browser, base_url, ADMIN)
    open_from_navigation(admin, "Dip-sampling")
    expect(admin.locator("h1")).to_have_text("Dip-sampling")
    _shots(admin, "samples")
    admin.get_by_role("button", name="Draw a sample").click()
    expect(admin.locator("h1")).to_have_text("Draw a sample of cases")
    admin.get_by_label("Number of cases").fill("5")
    admin.get_by_label("Open cases").check()
    admin.get_by_label("Seed (optional)").fill("1717")
    admin.get_by_role("button", name="Draw the sample").click()
    expect(admin.locator(".govuk-notification-banner--success")).to_contain_text("5 cases have been drawn")
    expect(admin.locator(".govuk-summary-list")).to_contain_text("1717 (given)")
    rows = admin.locator("#audits-caption").locator("xpath=..").locator("tbody tr")
    expect(rows).to_have_count(5)
    _shots(admin, "sample")

    # 2. audit the first sampled case
    first = rows.first
    reference = first.locator("a").inner_text()
    lead_name = first.locator("td").nth(1).inner_text()
    first.locator("a").click()
    expect(admin.locator("h1")).to_have_text(f"Audit of {reference}")
    audit_path = admin.url.split(base_url, 1)[1]
    audit_id = re.search(r"/audits/(\d+)$", audit_path).group(1)
    goods = admin.locator('input[type="radio"][name^="grade_"][value="good"]')
    assert goods.count() == 7  # the seeded version 1 of the form
    goods.nth(0).check()
    admin.get_by_label("Learning points").fill("The child's voice is clear; set dates on every action.")
    admin.get_by_role("button", name="Save as draft").click()
    expect(admin.locator(".govuk-notification-banner--success")).to_contain_text("saved as a draft")
    admin.get_by_role("button", name="Complete the audit").click()
    expect(admin.locator(".govuk-error-summary")).to_be_visible()  # six grades and the comments missing
    _shots(admin, "audit-errors")
    for i in range(goods.count()):
        goods.nth(i).check()
    admin.locator('input[type="radio"][name^="grade_"][value="requires_improvement"]').nth(3).check()
    comments = admin.locator('textarea[name^="comment_"]')
    for i in range(comments.count()):
        comments.nth(i).fill(f"Seen in the chronology (point {i + 1}).")
    admin.locator('input[name="overall_grade"][value="good"]').check()
    admin.get_by_role("button", name="Complete the audit").click()
    expect(admin.locator(".govuk-notification-banner--success")).to_contain_text("The audit is complete")
    admin.get_by_role("link", name="Themes across the sample").click()
    criteria = admin.locator("#criteria-caption").locator("xpath=..").locator("tbody tr")
    expect(criteria).to_have_count(7)
    expect(criteria.nth(3)).to_contain_text("1")
    _shots(admin, "themes")

    # 3. the lead professional acknowledges it
    lead = _signed_in(browser, base_url, _email_of(lead_name))
    open_from_navigation(lead, "Audits of my cases")
    expect(lead.locator("h1")).to_have_text("Audits of my cases")
    lead.locator(f'a[href="/dip-samples/audits/{audit_id}"]').click()
    expect(lead.locator("h1")).to_have_text(f"Audit of {reference}")
    _shots(lead, "lead-audit")
    lead.get_by_label("Your response (optional)").fill("Thank you: I will add dates to the plan's actions.")
    lead.get_by_role("button", name="Acknowledge the audit").click()
    expect(lead.locator(".govuk-notification-banner--success")).to_contain_text("You have acknowledged the audit")
    expect(lead.locator("main")).to_contain_text("I will add dates")
    lead.get_by_role("link", name="Open the case record").click()
    expect(lead.locator(f'a[href="/dip-samples/audits/{audit_id}"]')).to_be_visible()

    admin.goto(audit_path)
    expect(admin.locator("main")).to_contain_text("Acknowledged by the lead professional")
