"""Every demo role signs in, sees only the navigation its role allows, and signs out.

A non-admin who types an admin address gets the 403 page, not the admin screen.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import demo_code, login, sign_out

# The header holds the service's sections (GOV.UK service navigation), at most 7 for any role;
# a section with a single page the role may use is shown under that page's name.
ADMIN_NAV = ["Home", "Children", "Cases", "Meetings", "Sweeps", "Data", "Admin"]
SCHOOL_NAV = ["Home", "Children", "Cases", "Support meetings", "Follow-ups", "Data"]
# The demo panel meeting invites ewo@demo.test and Early Help: they see "Panels" (in "Meetings")
# while it is open to them.
EWO_NAV = ["Home", "Children", "Cases", "Meetings", "Sweeps", "Data"]
AGENCY_NAV = ["Home", "Cases"]
# Early Help is also invited to the demo's Targeting Support Meetings: "Meetings" holds both.
INVITED_AGENCY_NAV = AGENCY_NAV + ["Meetings"]
# Children's social care and the police may be shared a CME enquiry (issue 18): its page is the one
# of their "Children" section, so the section shows under that page's name.
CME_PARTNER_NAV = ["Home", "CME enquiries shared with you", "Cases"]
POLICE_NAV = CME_PARTNER_NAV + ["Sweeps"]
CHAIR_NAV = ["Home", "Panels", "Attendance picture"]

# (e-mail, name shown in the header, role, navigation the role must see)
DEMO_USERS = [
    ("admin@demo.test", "Alex Admin", "la_admin", ADMIN_NAV),
    ("ewo@demo.test", "Erin Walsh", "ewo", EWO_NAV),
    ("school@demo.test", "Sam Patel", "school_staff", SCHOOL_NAV),
    ("socialcare@demo.test", "Priya Shah", "social_care", CME_PARTNER_NAV),
    ("earlyhelp@demo.test", "Ellie Hughes", "early_help", INVITED_AGENCY_NAV),
    ("police@demo.test", "PC Dan Reid", "police", POLICE_NAV),
    ("panelchair@demo.test", "Chris Morgan", "panel_chair", CHAIR_NAV),
]


def _texts(locator) -> list[str]:
    return [" ".join(text.split()) for text in locator.all_text_contents()]


@pytest.mark.parametrize(("email", "name", "role", "expected_nav"), DEMO_USERS,
                         ids=[role for _, _, role, _ in DEMO_USERS])
def test_role_signs_in_sees_its_navigation_and_signs_out(page: Page, base_url: str, email, name, role,
                                                          expected_nav):
    response = login(page, base_url, email)
    assert response is not None and response.status == 200
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("h1")).to_have_text(re.compile(r"^Welcome"))
    expect(page.locator("h1")).to_have_text(f"Welcome, {name}")

    nav = page.locator(".govuk-service-navigation__list")
    # The role's pages - and nothing else.
    assert _texts(nav.locator("a")) == expected_nav
    assert len(expected_nav) <= 7
    expect(nav.locator("a[aria-current='page']")).to_have_text("Home")
    expect(page.locator(".app-sub-nav")).to_have_count(0)  # Home is a section of one page
    account = page.locator(".app-header__account")
    expect(account.get_by_role("link", name=f"{name} – your account")).to_have_attribute("href", "/account/password")
    expect(account.get_by_role("link", name=re.compile(r"^Notifications"))).to_be_visible()
    expect(account.get_by_role("button", name="Sign out")).to_be_visible()

    if role != "la_admin":
        forbidden = page.goto(f"{base_url}/users")
        assert forbidden is not None and forbidden.status == 403
        expect(page.locator("h1")).to_have_text(re.compile(r"^You do not have permission"))
        expect(page.get_by_role("table")).to_have_count(0)  # no list of users leaked

    sign_out(page)
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.locator(".govuk-service-navigation__list")).to_have_count(0)

    # The old session is gone: the home page now asks for a sign-in.
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("h1")).to_have_text("Sign in")


def test_a_newcomer_signs_in_with_the_demo_code(page: Page, base_url: str):
    """The README's way in: the demo password, then the code `flask --app portal demo-code`
    prints, on its own page after the password."""
    page.goto(f"{base_url}/login")
    page.locator("#email").fill("socialcare@demo.test")
    page.locator("#password").fill("attend-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/login/code")
    expect(page.locator("h1")).to_have_text("Enter your security code")
    code = page.get_by_label("Security code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    code.fill(demo_code("socialcare@demo.test"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Welcome, Priya Shah")


def test_a_section_lists_its_pages_and_marks_the_current_one(page: Page, base_url: str):
    """The LA admin's "Admin" section: the header marks the section, the section navigation the page."""
    login(page, base_url, "admin@demo.test")
    nav = page.locator(".govuk-service-navigation__list")
    nav.get_by_role("link", name="Admin", exact=True).click()
    expect(page.locator("h1")).to_have_text("Organisations")
    expect(nav.locator("a[aria-current]")).to_have_text("Admin")
    section = page.get_by_role("navigation", name="Admin")
    assert _texts(section.locator("a")) == ["Organisations", "Users", "Audit log", "Stages", "Settings", "Calendar",
                                             "Letter templates", "Retention", "Self-assessment questionnaire"]
    expect(section.locator("a[aria-current='page']")).to_have_text("Organisations")
    section.get_by_role("link", name="Audit log").click()
    expect(page.locator("h1")).to_have_text("Audit log")
    expect(nav.locator("a[aria-current='true']")).to_have_text("Admin")
    expect(page.get_by_role("navigation", name="Admin").locator("a[aria-current='page']")).to_have_text("Audit log")
    # a page inside a list (one user) marks its list, not itself
    page.goto(f"{base_url}/users")
    page.locator("table a").first.click()
    expect(page.get_by_role("navigation", name="Admin").locator("a[aria-current='true']")).to_have_text("Users")
