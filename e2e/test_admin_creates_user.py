"""An LA administrator adds a user; the new person signs in with the temporary password
and must choose their own before they can use the portal."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from e2e.conftest import login, open_from_navigation, remember_secret, security_code, sign_out

ORGANISATION = "Demo Borough Early Help (Early help)"
TEMPORARY_PASSWORD = "Temporary-Kestrel-9041"
NEW_PASSWORD = "Granite-Harbour-Lantern-77"


def _open_add_a_user(page: Page, base_url: str) -> None:
    login(page, base_url, "admin@demo.test")
    open_from_navigation(page, "Users")
    expect(page.locator("h1")).to_have_text("Users")
    page.get_by_role("button", name="Add a user").click()
    expect(page.locator("h1")).to_have_text("Add a user")


def test_admin_adds_a_user_who_then_chooses_a_password(page: Page, base_url: str):
    name = "Nadia Brooks"
    # Not @demo.test like the seeded users: the form's e-mail check (email-validator)
    # refuses reserved domains such as .test.
    email = f"nadia.brooks.{uuid.uuid4().hex[:8]}@demoborough.example"

    _open_add_a_user(page, base_url)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Organisation").select_option(label=ORGANISATION)
    page.get_by_role("radio", name="Early help", exact=True).check()
    page.get_by_label("Temporary password", exact=True).fill(TEMPORARY_PASSWORD)
    page.get_by_role("button", name="Create user").click()

    expect(page.locator("h1")).to_have_text(name)
    expect(page).to_have_url(re.compile(r"/users/\d+$"))
    expect(page.get_by_text(f"{name} can now sign in with the temporary password.")).to_be_visible()
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(email)
    expect(summary).to_contain_text("Demo Borough Early Help")
    expect(summary).to_contain_text("Early help")
    sign_out(page)
    expect(page.locator("h1")).to_have_text("Sign in")

    # The new person signs in, sets up two-factor sign-in with the key shown (as an app
    # would, from the QR code), saves their recovery codes ...
    login(page, base_url, email, TEMPORARY_PASSWORD)
    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    expect(page.locator("svg.app-qr-code")).to_be_visible()
    page.get_by_text("I cannot scan the QR code").click()
    remember_secret(email, page.locator("#secret").inner_text())
    code = page.get_by_label("Security code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    code.fill(security_code(email))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Save your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("button", name="I have saved my codes – continue").click()

    # ... and is sent to choose a password before anything else.
    expect(page.locator("h1")).to_have_text("Change your password")
    expect(page).to_have_url(f"{base_url}/account/password")
    page.goto(f"{base_url}/")  # nothing else is reachable until the password is changed
    expect(page.locator("h1")).to_have_text("Change your password")

    page.get_by_label("Current password", exact=True).fill(TEMPORARY_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()

    expect(page.locator("h1")).to_have_text(f"Welcome, {name}")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    nav = page.locator(".govuk-service-navigation__list")
    # Early help is invited (as an agency) to the demo panel meeting and the demo's Targeting
    # Support Meetings, so its people see the Meetings section (Panels and Support meetings).
    assert [" ".join(t.split()) for t in nav.locator("a").all_text_contents()] == ["Home", "Cases", "Meetings"]
    expect(page.locator(".app-header__account").get_by_role("link", name=f"{name} – your account")).to_be_visible()

    # The new password is the one that works from now on.
    sign_out(page)
    response = login(page, base_url, email, TEMPORARY_PASSWORD)
    assert response is not None and response.status == 401
    expect(page.locator(".govuk-error-summary")).to_contain_text("The e-mail address or password is wrong")
    login(page, base_url, email, NEW_PASSWORD)
    expect(page.locator("h1")).to_have_text(f"Welcome, {name}")


def test_add_a_user_submitted_empty_shows_the_error_summary(page: Page, base_url: str):
    _open_add_a_user(page, base_url)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Create user").click()
    assert navigation.value is not None and navigation.value.status == 422

    expect(page.locator("h1")).to_have_text("Add a user")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    for message in ("Enter the person's full name", "Enter an e-mail address", "Select a role",
                    "Enter a temporary password"):
        expect(summary).to_contain_text(message)
    # Each message links to its field.
    expect(summary.get_by_role("link", name="Enter the person's full name")).to_have_attribute("href", "#name")
