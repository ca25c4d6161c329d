"""Every demo role signs in, sees only the navigation its role allows, and signs out.

A non-admin who types an admin address gets the 403 page, not the admin screen.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import demo_code, login, sign_out

ADMIN_NAV = ["Home", "Pupils", "Attendance", "Attendance picture", "Imports", "Referrals", "Cases", "My actions",
             "Panels", "Targeting support meetings", "Sweeps", "Follow-ups", "Organisations", "Users", "Audit log",
             "Stages", "Settings", "Calendar"]
SCHOOL_NAV = ["Home", "Pupils", "Attendance", "Imports", "Referrals", "Cases", "My actions", "Support meetings",
              "Follow-ups"]
# The demo panel meeting invites ewo@demo.test and Early Help: they see "Panels" while it is open to them.
EWO_NAV = ["Home", "Pupils", "Attendance", "Attendance picture", "Referrals", "Cases", "My actions", "Panels",
           "Targeting support meetings", "Sweeps", "Follow-ups"]
AGENCY_NAV = ["Home", "Cases", "My actions"]
# Early Help is also invited to the demo's Targeting Support Meetings: "Support meetings".
INVITED_AGENCY_NAV = AGENCY_NAV + ["Panels", "Support meetings"]
POLICE_NAV = AGENCY_NAV + ["Sweeps"]
CHAIR_NAV = ["Home", "Attendance picture", "Panels"]

# (e-mail, name shown in the header, role, navigation the role must see)
DEMO_USERS = [
    ("admin@demo.test", "Alex Admin", "la_admin", ADMIN_NAV),
    ("ewo@demo.test", "Erin Walsh", "ewo", EWO_NAV),
    ("school@demo.test", "Sam Patel", "school_staff", SCHOOL_NAV),
    ("socialcare@demo.test", "Priya Shah", "social_care", AGENCY_NAV),
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
    expect(nav.locator("a[aria-current='page']")).to_have_text("Home")
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
