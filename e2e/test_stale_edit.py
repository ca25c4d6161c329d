"""Two tabs complete the same action inline (htmx). The first wins; the second is told in the
page's main content, with what is saved now and its own outcome to re-apply; nothing is
overwritten."""
from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from e2e.conftest import _SERVER_ENV, ACTION_TIMEOUT_MS, login

ACTION = "Carer's needs assessment at home"  # a seeded open action on a seeded case


def _case_of(description: str) -> tuple[int, int]:
    engine = create_engine(_SERVER_ENV["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT id, case_id FROM actions WHERE description = :d"),
                                     {"d": description}).one()
    finally:
        engine.dispose()
    return row.id, row.case_id


def _open_the_form(page: Page, case_id: int, action_id: int) -> None:
    page.goto(f"/cases/{case_id}")
    page.locator(f"#action-{action_id}").get_by_role("link", name="Complete").click()
    expect(page.locator(f"#outcome-{action_id}")).to_be_visible()


def test_a_stale_inline_edit_is_shown_beside_what_was_saved(browser: Browser, base_url: str):
    action_id, case_id = _case_of(ACTION)
    context = browser.new_context(base_url=base_url)
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.set_default_timeout(ACTION_TIMEOUT_MS)
    login(first, base_url, "admin@demo.test")
    for page in (first, second):
        _open_the_form(page, case_id, action_id)

    first.locator(f"#outcome-{action_id}").fill("Assessment done; plan agreed with dad")
    first.get_by_role("button", name="Save outcome").click()
    expect(first.locator(f"#action-{action_id}")).to_contain_text("Outcome: Assessment done; plan agreed with dad")

    second.evaluate("window.__marker = 'no reload'")
    second.locator(f"#outcome-{action_id}").fill("Visit postponed by the family")
    second.get_by_role("button", name="Save outcome").click()
    main = second.locator("#main-content")
    expect(main.locator("h1")).to_have_text("Someone else changed this action")
    expect(second).to_have_title("Someone else changed this action – Attendance Partnership Portal")
    expect(main.locator("#conflict-saved")).to_contain_text("Assessment done; plan agreed with dad")
    expect(main.locator("#conflict-yours")).to_contain_text("Visit postponed by the family")
    assert second.evaluate("window.__marker") == "no reload", "the conflict came with a page reload"

    second.get_by_role("button", name="Start again from the saved version").click()
    expect(second).to_have_url(f"{base_url}/actions/{action_id}/complete")
    second.goto(f"/cases/{case_id}")
    row = second.locator(f"#action-{action_id}")
    expect(row).to_contain_text("Outcome: Assessment done; plan agreed with dad")
    expect(row).not_to_contain_text("Visit postponed")
    context.close()
