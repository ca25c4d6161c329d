"""Issue 14, "On a phone and with a keyboard" (points 19-23), at the HTTP level: every table in
its own labelled, focusable scrolling region; the register's codes explained without hover;
the phase banner and back links inside landmarks; navigation by sections, at most 7 for any
role, the current section and page marked; htmx results announced and errors summarised.
(The browser side - page widths at 390 px, focus after swaps, axe - is in
e2e/test_phone_and_keyboard.py.)"""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from portal import access
from portal.cases import service
from tests.attendance.helpers import TODAY
from tests.attendance.test_school_view import _fixed_today, school_a_data  # noqa: F401 - fixtures
from tests.cases.test_views import HX, case, hidden_value, pupil, signed_in  # noqa: F401 - fixtures

ROLES = ["la_admin", "ewo", "school_staff", "social_care", "early_help", "police", "panel_chair"]


def _between(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i:html.index(end, i)]


def _tables_outside_regions(html: str) -> list[str]:
    """Each <table> not directly inside a labelled, focusable region that scrolls."""
    problems = []
    for match in re.finditer(r"<table\b", html):
        before = html[:match.start()]
        opener = before.rfind('<div class="app-table-scroll"')
        closed = before.rfind("</div>")
        tag = html[opener:html.index(">", opener) + 1] if opener >= 0 else ""
        if (opener < 0 or closed > opener or 'role="region"' not in tag or 'tabindex="0"' not in tag
                or "aria-label" not in tag):
            problems.append(html[match.start():match.start() + 120])
    return problems


# ----- 19. wide tables -------------------------------------------------------------------------

def test_every_table_on_the_pupil_page_scrolls_in_its_own_labelled_region(client, world, school_a_data):  # noqa: F811
    html = client.get(f"/pupils/{school_a_data['risky'].id}").get_data(as_text=True)
    assert html.count("<table") >= 3
    assert _tables_outside_regions(html) == []


def test_every_table_on_the_case_page_scrolls_in_its_own_labelled_region(app, world, case):  # noqa: F811
    ewo = world.user("ewo")
    service.add_action(ewo, case, "Home visit", TODAY + timedelta(days=7), owner_user=ewo)
    html = signed_in(app, ewo).get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="actions-table"' in html
    assert _tables_outside_regions(html) == []


# ----- 21. register codes ------------------------------------------------------------------------

def test_register_codes_have_a_visible_key_and_need_no_hover(client, world, school_a_data):  # noqa: F811
    html = client.get(f"/pupils/{school_a_data['risky'].id}").get_data(as_text=True)
    assert "<abbr" not in html and "Hover or focus" not in html
    key = _between(html, 'id="code-key"', "</details>")
    assert "Key to codes" in key
    # the codes this register shows, each with its meaning: N (no reason yet) and the present marks
    assert re.search(r'<dt[^>]*>N</dt><dd>[^<]*reason', key, re.I)
    assert re.search(r'<dt[^>]*>/</dt><dd>Present', key)
    assert sorted(re.findall(r"<dt[^>]*>([^<]+)</dt>", key)) == ["/", "N", "\\"]  # only the codes shown
    # each mark carries its meaning as text (for screen readers and without a pointer)
    assert re.search(r'class="govuk-visually-hidden">Mon 16 Nov AM: N, [^<]+</span>', html)


# ----- 22. landmarks -----------------------------------------------------------------------------

def test_phase_banner_sits_in_the_header_and_the_back_link_in_main(client, world, school_a_data):  # noqa: F811
    html = client.get(f"/pupils/{school_a_data['risky'].id}").get_data(as_text=True)
    header = _between(html, "<header", "</header>")
    main = _between(html, "<main", "</main>")
    assert "govuk-phase-banner" in header
    assert html.count("govuk-phase-banner__text") == 1
    assert "govuk-back-link" in main and html.count('class="govuk-back-link"') == 1
    # nothing between the header and <main> but the width container
    between = html[html.index("</header>") + len("</header>"):html.index("<main")]
    assert re.sub(r"\s+", "", between) == '<divclass="govuk-width-container">'


# ----- 23. navigation ----------------------------------------------------------------------------

def _sections(html: str) -> list[str]:
    nav = _between(html, "govuk-service-navigation__list", "</ul>")
    return [" ".join(t.split()) for t in re.findall(r"<a[^>]*>\s*(?:<strong[^>]*>)?([^<]+)", nav)]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_more_than_seven_sections(app, world, role):
    html = signed_in(app, world.user(role)).get("/").get_data(as_text=True)
    sections = _sections(html)
    assert sections[0] == "Home" and 1 <= len(sections) <= 7


def test_the_admin_sees_seven_sections_and_each_page_in_its_section(app, world):
    admin = signed_in(app, world.user("la_admin"))
    html = admin.get("/audit").get_data(as_text=True)
    sections = _sections(html)
    assert len(sections) <= 7 and sections[-1] == "Admin"
    header = _between(html, "govuk-service-navigation__list", "</ul>")
    assert re.search(r'aria-current="true"[^>]*>\s*(?:<strong[^>]*>)?\s*Admin', header)
    section = _between(html, '<nav class="app-sub-nav" aria-label="Admin"', "</nav>")
    labels = re.findall(r'>([^<>]+)</a>', section)
    assert labels == ["Organisations", "Users", "Audit log", "Stages", "Settings", "Calendar", "Letter templates",
                      "Retention", "Self-assessment questionnaire"]
    assert re.findall(r'aria-current="page">([^<]+)</a>', section) == ["Audit log"]
    # every page the service has is reachable from one section, and only one
    all_pages = [page.endpoint for _, pages in access.SECTIONS for page in pages]
    assert len(all_pages) == len(set(all_pages))


def test_a_page_within_a_list_marks_its_list_in_the_section(app, world):
    admin = signed_in(app, world.user("la_admin"))
    html = admin.get(f"/users/{world.user('ewo').id}").get_data(as_text=True)
    section = _between(html, '<nav class="app-sub-nav"', "</nav>")
    assert re.findall(r'aria-current="true">([^<]+)</a>', section) == ["Users"]
    assert 'aria-current="page"' not in section


# ----- 20. htmx: errors summarised, results announced ---------------------------------------------

def test_completing_an_action_inline_summarises_errors_and_announces_the_result(app, world, case):  # noqa: F811
    ewo = world.user("ewo")
    action = service.add_action(ewo, case, "Home visit", TODAY + timedelta(days=7), owner_user=ewo)
    client = signed_in(app, ewo)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="app-live-region"' in page and 'aria-live="polite"' in page and page.count("aria-live") == 1

    form = client.get(f"/actions/{action.id}/complete", headers=HX)
    version = hidden_value(form, "version")
    refused = client.post_form(f"/actions/{action.id}/complete", {"outcome": "", "status": "done",
                                                                   "version": version}, headers=HX)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "govuk-error-summary" in html and f'href="#outcome-{action.id}"' in html

    saved = client.post_form(f"/actions/{action.id}/complete", {"outcome": "Visited", "status": "done",
                                                                 "version": version}, headers=HX)
    assert saved.status_code == 200
    trigger = json.loads(saved.headers["HX-Trigger"])
    assert trigger["actionsChanged"] and trigger["announce"] == "Action done: Home visit"


def test_one_live_region_and_lists_say_what_they_found():
    """Results are announced in base.html's one polite live region (static/js/focus.mjs reads
    data-app-announce from swapped content): no other template makes its own."""
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    with_live = sorted(str(p.relative_to(templates)) for p in templates.rglob("*.html") if "aria-live" in p.read_text())
    assert with_live == ["base.html"]
    for fragment in ("cases/_case_list.html", "attendance/_school_rows.html", "pupils/_results.html"):
        assert "data-app-announce" in (templates / fragment).read_text()
