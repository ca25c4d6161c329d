"""Five wrong passwords lock an account; while locked even the right password is refused -
with the same answer as a wrong password, so the page never tells that an account exists
or is locked (its owner is told instead)."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.conftest import login

EMAIL = "ewo2@demo.test"  # used by no other journey (Oakfield's school2 runs the TSM one): the lock lasts 15 minutes
WRONG = "not-the-right-password"
REFUSED = "The e-mail address or password is wrong, or the account is locked"


def test_five_wrong_passwords_lock_the_account(page: Page, base_url: str):
    error_summary = page.locator(".govuk-error-summary")

    for attempt in range(1, 6):
        response = login(page, base_url, EMAIL, WRONG)
        assert response is not None and response.status == 401, f"attempt {attempt}"
        expect(page.locator("h1")).to_have_text("Sign in")
        expect(error_summary).to_contain_text("There is a problem")
        expect(error_summary).to_contain_text(REFUSED)

    response = login(page, base_url, EMAIL)  # the right password, too late
    assert response is not None and response.status == 401
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(error_summary).to_contain_text(REFUSED)
    expect(page.locator(".govuk-service-navigation__list")).to_have_count(0)
    page.goto(f"{base_url}/")
    expect(page.locator("h1")).to_have_text("Sign in")
