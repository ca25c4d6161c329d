"""Issue 14.5: the pupil page shows the pupil's referral and cases with links; the referral page
links to the pupil; the caseload shows attendance now and its trend since the referral.
HTTP level, real database."""
from __future__ import annotations

import re
from datetime import date

import pytest

from portal.cases import referrals, service
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY
from tests.cases.test_views import GOOD, add_week, share_with, signed_in, text_of
from tests.factories import make_pupil


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


@pytest.fixture
def pupil(world):
    p = make_pupil(world.school_a, "Alex", "Able")
    add_week(p, date(2026, 11, 16), possible=10, attended=8, unauthorised=2)  # 80%
    db.session.commit()
    return p


def submitted(world, pupil):
    staff = world.user("school_staff")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    return referrals.submit(staff, referral, referral.version)


def record_section(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('id="referral-and-case"')
    end = html.index('<div class="govuk-grid-row">', start)
    return html[start:end]


def test_the_ewo_sees_the_referral_awaiting_triage_on_the_pupil_page(app, world, pupil):
    referral = submitted(world, pupil)
    db.session.commit()
    section = record_section(signed_in(app, world.user("ewo")).get(f"/pupils/{pupil.id}"))
    assert "Awaiting triage" in section and f'href="/referrals/{referral.id}"' in section
    assert "submitted 23 Nov 2026" in section


def test_the_school_sees_its_draft_with_a_link_to_continue_it(app, world, pupil):
    referral = referrals.save_draft(world.user("school_staff"), pupil, dict(GOOD))
    db.session.commit()
    section = record_section(signed_in(app, world.user("school_staff")).get(f"/pupils/{pupil.id}"))
    assert "Draft" in section and "Continue the draft" in section and f'href="/referrals/{referral.id}"' in section
    # the EWO does not see a school's draft
    section = record_section(signed_in(app, world.user("ewo")).get(f"/pupils/{pupil.id}"))
    assert f'href="/referrals/{referral.id}"' not in section and "has no referral or case" in section


def test_the_open_case_and_past_cases_are_shown_with_links(app, world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = submitted(world, pupil)
    first = referrals.accept(ewo, referral, ewo, referral.version)
    service.close(ewo, first, "improved", "", first.version)
    referral = submitted(world, pupil)
    second = referrals.accept(ewo, referral, ewo, referral.version)
    db.session.commit()
    for user in (staff, ewo, world.user("la_admin")):
        section = record_section(signed_in(app, user).get(f"/pupils/{pupil.id}"))
        text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
        assert f'href="/cases/{second.id}"' in section and "Go to the case" in text, user.role
        assert "Open" in text and second.stage.name in text and f"lead {ewo.name}" in text
        assert "Past cases" in text and f'href="/cases/{first.id}"' in section
        assert "closed 23 Nov 2026: Attendance improved and sustained" in text
    assert "Refer to the education welfare officer" not in text_of(signed_in(app, staff).get(f"/pupils/{pupil.id}"))


def test_a_pupil_with_nothing_open_can_be_referred_and_the_page_says_so(app, world, pupil):
    page = signed_in(app, world.user("school_staff")).get(f"/pupils/{pupil.id}")
    assert "Alex has no referral or case" in text_of(page) or "Alex Able has no referral or case" in text_of(page)
    assert f'href="/pupils/{pupil.id}/referrals/new"' in page.get_data(as_text=True)


def test_the_referral_page_links_to_the_pupil(app, world, pupil):
    referral = submitted(world, pupil)
    db.session.commit()
    for key in ("school_staff", "ewo"):
        html = signed_in(app, world.user(key)).get(f"/referrals/{referral.id}").get_data(as_text=True)
        assert f'href="/pupils/{pupil.id}"' in html, key


def _cells_for(response, case_id: int) -> list[str]:
    html = response.get_data(as_text=True)
    row = re.search(rf'<tr class="govuk-table__row">\s*<td[^>]*><a[^>]*href="/cases/{case_id}".*?</tr>', html, re.S)
    assert row, "the case is not in the list"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


@pytest.mark.parametrize("attended, shown, arrow, word", [
    (10, "90.0%", "↑", "up"),    # 18 of 20 since the referral recorded 80.0%
    (6, "70.0%", "↓", "down"),   # 14 of 20
])
def test_the_caseload_shows_attendance_now_and_its_trend_since_referral(app, world, pupil, attended, shown, arrow,
                                                                        word):
    ewo = world.user("ewo")
    referral = submitted(world, pupil)
    case = referrals.accept(ewo, referral, ewo, referral.version)
    assert referral.snapshot["percent"] == "80.0"
    add_week(pupil, date(2026, 11, 9), possible=10, attended=attended, unauthorised=10 - attended)
    db.session.commit()
    page = signed_in(app, ewo).get("/cases")
    assert "Attendance this year" in text_of(page)
    cells = _cells_for(page, case.id)
    assert cells[-1] == f"{shown} {arrow} {word} from 80.0%"
    html = page.get_data(as_text=True)
    assert f'<span aria-hidden="true">{arrow}</span><span class="govuk-visually-hidden">{word}</span>' in html


def test_the_police_caseload_has_no_attendance_figures(app, world, pupil):
    ewo = world.user("ewo")
    referral = submitted(world, pupil)
    case = referrals.accept(ewo, referral, ewo, referral.version)
    db.session.commit()
    share_with(signed_in(app, ewo), case.id, world.police_org, "Sweep follow-up")
    page = signed_in(app, world.user("police")).get("/cases")
    assert f'href="/cases/{case.id}"' in page.get_data(as_text=True)
    assert "Attendance this year" not in text_of(page) and "80.0%" not in text_of(page)


def test_no_refer_link_once_the_pupil_has_an_open_referral_or_case(app, world, pupil):
    link = f'href="/pupils/{pupil.id}/referrals/new"'
    staff = world.user("school_staff")
    assert not referrals.is_referred(pupil.id)
    assert link in signed_in(app, staff).get(f"/pupils/{pupil.id}").get_data(as_text=True)
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    db.session.commit()
    assert referrals.is_referred(pupil.id) and referrals.already_referred(pupil.id) is not None
    assert link not in signed_in(app, staff).get(f"/pupils/{pupil.id}").get_data(as_text=True)
    referrals.submit(staff, referral, referral.version)
    referrals.accept(world.user("ewo"), referral, world.user("ewo"), referral.version)
    db.session.commit()
    assert referrals.is_referred(pupil.id) and isinstance(referrals.already_referred(pupil.id), type(referral.case))
    assert link not in signed_in(app, staff).get(f"/pupils/{pupil.id}").get_data(as_text=True)
