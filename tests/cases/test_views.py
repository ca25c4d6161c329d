"""Referrals, cases and actions through the pages (HTTP level, real database, no mocks).

Setup that is not what a test is about goes through the services (or, for the query-count
test, straight into the tables); what a test is about goes through the pages, as a signed-in
browser would: forms with their CSRF tokens, htmx requests with their headers, and every
page checked by the PortalClient (one h1, title == h1, unique ids, an error summary on 422)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, update

from portal import pagecache
from portal.attendance.models import PupilWeek
from portal.cases import referrals, service
from portal.cases.models import Action, Case, CaseShare, ChronologyEntry, Referral, ReferralAddition, Stage
from portal.errors import Refused
from portal.extensions import db
from portal.notifications.models import Notification
from portal.pupils.models import Pupil
from portal.timeutil import LONDON, utcnow
from tests import clock
from tests.attendance.helpers import TODAY
from tests.bulk import bulk_cases
from tests.factories import make_pupil
from tests.pages import date_boxes

GOOD = {
    "barriers": {"family": "Parental illness"},
    "stage_reached": 3,
    "school_actions": "Daily calls home; meeting with the year leader",
    "consent": "given",
    "lawful_basis": "",
    "urgency": "routine",
    "safeguarding_concern": False,
}

REFERRAL_FORM = {
    "barrier": "illness",
    "barrier_illness": "Asthma: frequent attacks in the mornings",
    "stage_reached": "3",
    "school_actions": "Calls home 3, 10 and 17 Nov; letter 12 Nov; meeting with mother 19 Nov.",
    "consent": "given",
    "lawful_basis": "",
    "urgency": "routine",
    "safeguarding_concern": "no",
}

HX = {"HX-Request": "true"}
HX_CHRONOLOGY = {"HX-Request": "true", "HX-Target": "chronology"}


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


# ----- helpers -------------------------------------------------------------------------------

def real_today() -> date:
    """The date a chronology entry may carry (the services compare with the real clock)."""
    return utcnow().astimezone(LONDON).date()


def signed_in(app, user):
    client = app.test_client()
    response = client.login(user)
    assert response.status_code in (302, 303) and "/login" not in response.headers["Location"], "could not sign in"
    return client


def add_week(pupil, monday: date, possible: int = 10, attended: int = 8, unauthorised: int = 2) -> None:
    db.session.add(PupilWeek(pupil_id=pupil.id, week_start=monday, possible=possible, attended=attended,
                             authorised=possible - attended - unauthorised, unauthorised=unauthorised,
                             open_sessions=possible, last_date=monday + timedelta(days=4)))


@pytest.fixture
def pupil(world):
    p = make_pupil(world.school_a, "Alex", "Able")
    add_week(p, date(2026, 11, 16), possible=10, attended=8, unauthorised=2)  # 80%
    db.session.commit()
    return p


def open_case(world, pupil) -> Case:
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    referrals.submit(staff, referral, referral.version)
    return referrals.accept(ewo, referral, ewo, referral.version)


@pytest.fixture
def case(world, pupil) -> Case:
    return open_case(world, pupil)


def reload(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def id_from(response, prefix: str) -> int:
    assert response.status_code == 303, response.status_code
    match = re.search(rf"{re.escape(prefix)}(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def text_of(response) -> str:
    """The page's text with tags removed and white space collapsed."""
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def summary_keys(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [" ".join(k.split()) for k in re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>', html, re.S)]


def hidden_value(response, name: str) -> str:
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    raise AssertionError(f"no input {name!r} on the page")


def stage(position: int) -> Stage:
    return db.session.scalar(select(Stage).where(Stage.position == position))


def entry_form(client, kind: str, text: str, *, police: bool = False, health: bool = False) -> dict:
    data = {"entry-csrf_token": client.token(), "entry-kind": kind, "entry-occurred_on": date_boxes(real_today()),
            "entry-text": text}
    if police:
        data["entry-police_shareable"] = "y"
    if health:
        data["entry-health"] = "y"
    return data


def update_form(client, case_id: int, version, *, stage_id="", status="open", next_review="", reason="") -> dict:
    return {"case-csrf_token": client.token(), "case-stage_id": str(stage_id), "case-status": status,
            "case-next_review": date_boxes(next_review), "case-reason": reason, "case-version": str(version)}


def share_with(client, case_id: int, org, reason: str = "Agreed at the panel: early help offer") -> int:
    assert client.get(f"/cases/{case_id}/shares").status_code == 200
    response = client.post_form(f"/cases/{case_id}/shares", {"organisation_id": str(org.id), "reason": reason})
    assert response.status_code == 303, response.status_code
    return db.session.scalar(select(CaseShare.id).where(CaseShare.case_id == case_id,
                                                       CaseShare.organisation_id == org.id,
                                                       CaseShare.withdrawn_at.is_(None)))


def add_action_via_page(client, case_id: int, owner: str, description: str, due: date) -> int:
    assert client.get(f"/cases/{case_id}").status_code == 200
    response = client.post(f"/cases/{case_id}/actions", data={
        "action-csrf_token": client.token(), "action-description": description, "action-owner": owner,
        "action-due_date": date_boxes(due)})
    assert response.status_code == 303, response.status_code
    return db.session.scalar(select(Action.id).where(Action.case_id == case_id, Action.description == description))


# ----- 1. the referral journey ------------------------------------------------------------------

def test_referral_journey_from_the_school_to_an_open_case(app, client, world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    client.login(staff)
    page = client.get(f"/pupils/{pupil.id}/referrals/new")
    assert page.status_code == 200 and "Refer Alex Able" in text_of(page)

    response = client.post_form(f"/pupils/{pupil.id}/referrals/new", {**REFERRAL_FORM, "action": "submit"})
    referral_id = id_from(response, "/referrals/")
    assert response.headers["Location"].endswith(f"/referrals/{referral_id}")
    referral = reload(Referral, referral_id)
    assert referral.status == "submitted" and referral.created_by_id == staff.id
    assert referral.barriers == {"illness": "Asthma: frequent attacks in the mornings"}
    assert referral.snapshot["percent"] == "80.0"
    page = client.get(f"/referrals/{referral_id}")
    assert page.status_code == 200
    assert "Asthma: frequent attacks in the mornings" in text_of(page) and "Awaiting triage" in text_of(page)

    # It has waited three days in the named EWO's queue.
    db.session.execute(update(Referral).where(Referral.id == referral_id)
                       .values(submitted_at=utcnow() - timedelta(days=3, hours=1)))
    db.session.commit()
    ewo_client = signed_in(app, ewo)
    queue = ewo_client.get("/referrals")
    assert queue.status_code == 200
    html = queue.get_data(as_text=True)
    assert "Referrals awaiting triage" in html and "Days waiting" in html
    row = re.search(rf'<tr class="govuk-table__row">\s*<td[^>]*><a[^>]*href="/referrals/{referral_id}".*?</tr>',
                    html, re.S)
    assert row, "the referral is not in the triage queue"
    cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split())
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    assert cells == ["Alex Able", "School A", "Awaiting triage", "3"]

    assert ewo_client.get(f"/referrals/{referral_id}/triage").status_code == 200
    response = ewo_client.post_form(f"/referrals/{referral_id}/triage", {
        "decision": "accept", "lead_id": str(ewo.id), "message": "", "version": str(referral.version)})
    case_id = id_from(response, "/cases/")
    assert response.headers["Location"].endswith(f"/cases/{case_id}")
    case = reload(Case, case_id)
    assert case.referral_id == referral_id and case.lead_id == ewo.id and case.status == "open"
    assert reload(Referral, referral_id).status == "accepted"
    page = ewo_client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "Case: Alex Able" in text_of(page)
    assert "No referrals are waiting for triage." in text_of(ewo_client.get("/referrals"))


def test_a_submitted_referral_cannot_be_edited_but_information_can_be_added(app, client, world, pupil):
    staff = world.user("school_staff")
    client.login(staff)
    client.get(f"/pupils/{pupil.id}/referrals/new")
    referral_id = id_from(client.post_form(f"/pupils/{pupil.id}/referrals/new",
                                           {**REFERRAL_FORM, "action": "submit"}), "/referrals/")
    assert client.get(f"/referrals/{referral_id}/edit").status_code == 403
    version = reload(Referral, referral_id).version
    response = client.post_form(f"/referrals/{referral_id}/edit",
                                {**REFERRAL_FORM, "barrier_illness": "Changed", "action": "draft",
                                 "version": str(version)})
    assert response.status_code == 403
    assert reload(Referral, referral_id).barriers == {"illness": "Asthma: frequent attacks in the mornings"}

    client.get(f"/referrals/{referral_id}")
    response = client.post_form(f"/referrals/{referral_id}/additions",
                                {"text": "Mother called: a hospital appointment on 2 Dec."})
    assert id_from(response, "/referrals/") == referral_id
    [addition] = db.session.scalars(select(ReferralAddition).where(ReferralAddition.referral_id == referral_id)).all()
    assert addition.text == "Mother called: a hospital appointment on 2 Dec." and addition.author_id == staff.id
    page = client.get(f"/referrals/{referral_id}")
    assert "Added later" in text_of(page) and "a hospital appointment on 2 Dec." in text_of(page)
    # ... and the EWO sees it too.
    ewo_page = signed_in(app, world.user("ewo")).get(f"/referrals/{referral_id}")
    assert "a hospital appointment on 2 Dec." in text_of(ewo_page)

    client.get(f"/referrals/{referral_id}")
    response = client.post_form(f"/referrals/{referral_id}/additions", {"text": ""})
    assert response.status_code == 422
    assert "Enter the information to add" in _error_summary(response)
    assert db.session.scalar(select(func.count()).select_from(ReferralAddition)) == 1


REFUSED_SUBMISSIONS = [
    pytest.param({"barrier": [], "barrier_illness": ""}, "Select at least one barrier to attendance", id="no-barrier"),
    pytest.param({"barrier": "other", "barrier_other": "  "}, "Describe the other barrier", id="other-no-text"),
    pytest.param({"school_actions": ""}, "Say what the school has already done", id="no-school-actions"),
    pytest.param({"consent": "refused", "lawful_basis": ""}, "Consent was not given: say what lawful basis",
                 id="no-lawful-basis"),
]


def _error_summary(response) -> str:
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html, "no error summary"
    start = html.index("govuk-error-summary")
    return " ".join(re.sub(r"<[^>]+>", " ", html[start:html.index("</ul>", start)]).split())


@pytest.mark.parametrize("changes, message", REFUSED_SUBMISSIONS)
def test_an_incomplete_referral_is_not_submitted_and_the_error_summary_says_why(client, world, pupil, changes,
                                                                              message):
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/referrals/new")
    client.checks_pages = False  # the title is checked by the next test (a known bug)
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new", {**REFERRAL_FORM, **changes, "action": "submit"})
    assert response.status_code == 422
    assert message in _error_summary(response)
    assert db.session.scalar(select(func.count()).select_from(Referral).where(Referral.status == "submitted")) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


@pytest.mark.parametrize("changes, message", REFUSED_SUBMISSIONS)
def test_an_incomplete_referral_page_is_titled_as_an_error(client, world, pupil, changes, message):
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/referrals/new")
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new", {**REFERRAL_FORM, **changes, "action": "submit"})
    assert response.status_code == 422  # and the PortalClient's page check: title starts with 'Error: '


def test_correcting_a_refused_submission_leaves_one_referral(client, world, pupil):
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/referrals/new")
    client.checks_pages = False
    refused = client.post_form(f"/pupils/{pupil.id}/referrals/new",
                               {**REFERRAL_FORM, "barrier": [], "action": "submit"})
    assert refused.status_code == 422
    form_tag = re.search(r'<form method="post"(?! action="/logout")[^>]*>', refused.get_data(as_text=True)).group(0)
    target = re.search(r'action="([^"]+)"', form_tag)
    url = target.group(1) if target else f"/pupils/{pupil.id}/referrals/new"  # a form without action posts back
    response = client.post_form(url, {**REFERRAL_FORM, "action": "submit", "version": hidden_value(refused, "version")})
    assert response.status_code == 303
    assert db.session.scalars(select(Referral.status).where(Referral.pupil_id == pupil.id)).all() == ["submitted"]


def test_a_refused_submission_saves_no_draft_and_keeps_the_answers(client, world, pupil):
    """Issue 14.2: a failed submit silently saved a draft (the list grew by one, the heading changed)."""
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/referrals/new")
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new",
                                {**REFERRAL_FORM, "school_actions": "", "action": "submit"})
    assert response.status_code == 422
    assert "Say what the school has already done" in _error_summary(response)
    assert "Refer Alex Able" in text_of(response)
    assert "Asthma: frequent attacks in the mornings" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0
    assert "Alex Able" not in text_of(client.get("/referrals"))

    # "Save as draft" saves what is there, even incomplete.
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new",
                                {**REFERRAL_FORM, "school_actions": "", "action": "draft"})
    referral_id = id_from(response, "/referrals/")
    assert reload(Referral, referral_id).status == "draft"

    # A refused submission of the draft leaves the draft as it was saved.
    edit = client.get(f"/referrals/{referral_id}/edit")
    response = client.post_form(f"/referrals/{referral_id}/edit", {
        **REFERRAL_FORM, "barrier_illness": "Changed", "school_actions": "", "action": "submit",
        "version": hidden_value(edit, "version")})
    assert response.status_code == 422 and "Changed" in response.get_data(as_text=True)
    referral = reload(Referral, referral_id)
    assert referral.status == "draft" and referral.barriers == {"illness": "Asthma: frequent attacks in the mornings"}
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1


@pytest.mark.parametrize("state", ["draft", "submitted", "more_info", "case"])
def test_a_pupil_with_an_open_referral_or_case_is_not_referred_twice(app, client, world, pupil, state):
    """Issue 14.3: the pupil page offered "Refer" again, and the EWO's queue showed the child twice."""
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    if state != "draft":
        referrals.submit(staff, referral, referral.version)
    if state == "more_info":
        referrals.ask_for_information(ewo, referral, "The letters, please.", referral.version)
    case = referrals.accept(ewo, referral, ewo, referral.version) if state == "case" else None
    db.session.commit()
    existing = f"/cases/{case.id}" if case else f"/referrals/{referral.id}"

    client.login(staff)
    page = client.get(f"/pupils/{pupil.id}")
    html = page.get_data(as_text=True)
    assert f"/pupils/{pupil.id}/referrals/new" not in html and "Refer to the education welfare officer" not in html
    assert f'href="{existing}"' in html

    response = client.get(f"/pupils/{pupil.id}/referrals/new")
    assert response.status_code == 409 and f'href="{existing}"' in response.get_data(as_text=True)
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new", {**REFERRAL_FORM, "action": "submit"})
    assert response.status_code == 409 and f'href="{existing}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1
    with pytest.raises(Refused):
        referrals.save_draft(staff, pupil, dict(GOOD))


def test_a_pupil_whose_referral_was_declined_can_be_referred_again(client, world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    referrals.submit(staff, referral, referral.version)
    referrals.decline(ewo, referral, "Not yet: try the early help offer first.", referral.version)
    db.session.commit()
    client.login(staff)
    assert f"/pupils/{pupil.id}/referrals/new" in client.get(f"/pupils/{pupil.id}").get_data(as_text=True)
    assert client.get(f"/pupils/{pupil.id}/referrals/new").status_code == 200


def test_blank_information_is_not_added_to_a_referral(client, world, pupil):
    staff = world.user("school_staff")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    referrals.submit(staff, referral, referral.version)
    client.login(staff)
    client.get(f"/referrals/{referral.id}")
    response = client.post_form(f"/referrals/{referral.id}/additions", {"text": "   "})
    assert db.session.scalar(select(func.count()).select_from(ReferralAddition)) == 0
    assert response.status_code == 422 and "Enter the information to add" in _error_summary(response)


def test_a_draft_is_invisible_to_the_ewo_and_stays_editable(app, client, world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    client.login(staff)
    client.get(f"/pupils/{pupil.id}/referrals/new")
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new", {**REFERRAL_FORM, "action": "draft"})
    referral_id = id_from(response, "/referrals/")
    referral = reload(Referral, referral_id)
    assert referral.status == "draft" and referral.submitted_at is None

    ewo_client = signed_in(app, ewo)
    assert ewo_client.get(f"/referrals/{referral_id}").status_code == 404
    assert ewo_client.get(f"/referrals/{referral_id}/triage").status_code == 404
    assert f"/referrals/{referral_id}" not in ewo_client.get("/referrals").get_data(as_text=True)
    assert f"/referrals/{referral_id}" not in ewo_client.get("/referrals?status=draft").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == ewo.id)) == 0

    edit = client.get(f"/referrals/{referral_id}/edit")
    assert edit.status_code == 200
    assert hidden_value(edit, "version") == str(referral.version)
    assert "Asthma: frequent attacks in the mornings" in edit.get_data(as_text=True)
    response = client.post_form(f"/referrals/{referral_id}/edit", {
        **REFERRAL_FORM, "barrier": ["illness", "bullying"], "barrier_bullying": "Name-calling at break",
        "action": "draft", "version": hidden_value(edit, "version")})
    assert id_from(response, "/referrals/") == referral_id
    referral = reload(Referral, referral_id)
    assert referral.status == "draft" and set(referral.barriers) == {"illness", "bullying"}
    assert client.get(f"/referrals/{referral_id}/edit").status_code == 200  # still editable

    # Submitted from the edit page, it reaches the EWO.
    edit = client.get(f"/referrals/{referral_id}/edit")
    response = client.post_form(f"/referrals/{referral_id}/edit", {
        **REFERRAL_FORM, "action": "submit", "version": hidden_value(edit, "version")})
    assert id_from(response, "/referrals/") == referral_id
    assert reload(Referral, referral_id).status == "submitted"
    assert ewo_client.get(f"/referrals/{referral_id}").status_code == 200


@pytest.mark.parametrize("decision, status", [("more_info", "more_info"), ("decline", "declined")])
def test_asking_for_more_information_or_declining_needs_a_message(app, world, pupil, decision, status):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    referrals.submit(staff, referral, referral.version)
    referral_id, version = referral.id, referral.version
    ewo_client = signed_in(app, ewo)
    ewo_client.get(f"/referrals/{referral_id}/triage")
    response = ewo_client.post_form(f"/referrals/{referral_id}/triage",
                                    {"decision": decision, "lead_id": str(ewo.id), "message": "  ",
                                     "version": str(version)})
    assert response.status_code == 422
    assert "Tell the school what is needed, or why the referral is declined" in text_of(response)
    assert reload(Referral, referral_id).status == "submitted"

    message = "Please send the letters you sent home and the dates of the meetings."
    response = ewo_client.post_form(f"/referrals/{referral_id}/triage",
                                    {"decision": decision, "lead_id": str(ewo.id), "message": message,
                                     "version": str(version)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/referrals")
    referral = reload(Referral, referral_id)
    assert referral.status == status and referral.triage_message == message
    school = signed_in(app, staff)
    assert message in text_of(school.get(f"/referrals/{referral_id}"))
    assert school.get(f"/referrals/{referral_id}/edit").status_code == (200 if decision == "more_info" else 403)


def test_information_added_after_more_was_asked_for_returns_the_referral_to_the_triage_queue(app, world, pupil):
    """Issue 14.1: "more information asked for" was a dead end: the addition left it there."""
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = referrals.save_draft(staff, pupil, dict(GOOD))
    referrals.submit(staff, referral, referral.version)
    referrals.add_information(staff, referral, "An earlier note.")
    referrals.ask_for_information(ewo, referral, "Please send the dates of the meetings.", referral.version)
    db.session.commit()
    referral_id = referral.id

    school = signed_in(app, staff)
    school.get(f"/referrals/{referral_id}")
    response = school.post_form(f"/referrals/{referral_id}/additions", {"text": "Meetings on 12 and 20 Nov."})
    assert id_from(response, "/referrals/") == referral_id
    assert reload(Referral, referral_id).status == "submitted"

    ewo_client = signed_in(app, ewo)
    assert f'href="/referrals/{referral_id}"' in ewo_client.get("/referrals").get_data(as_text=True)
    page = ewo_client.get(f"/referrals/{referral_id}")
    html = page.get_data(as_text=True)
    assert f'href="/referrals/{referral_id}/triage"' in html
    assert "Please send the dates of the meetings." in text_of(page)
    new = re.findall(r'<li class="app-card-list__item--new">(.*?)</li>', html, re.S)
    assert len(new) == 1 and "Meetings on 12 and 20 Nov." in new[0] and "New" in new[0]
    assert ewo_client.get(f"/referrals/{referral_id}/triage").status_code == 200


# ----- 2. need to know -------------------------------------------------------------------------

@pytest.fixture
def scene(world, case):
    """School A's case with an action for School A and one for the EWO."""
    ewo = world.user("ewo")
    school_action = service.add_action(ewo, case, "School to call home daily", TODAY + timedelta(days=7),
                                       owner_org=world.school_a)
    ewo_action = service.add_action(ewo, case, "Home visit", TODAY + timedelta(days=3), owner_user=ewo)
    service.add_entry(ewo, case, "note", utcnow() - timedelta(hours=2), "Spoke to the mother about mornings")
    return {"case": case.id, "referral": case.referral_id, "school_action": school_action.id,
            "ewo_action": ewo_action.id}


@pytest.mark.parametrize("outsider", ["school_staff_b", "ewo_b", "social_care", "early_help", "police"])
def test_outsiders_get_404_for_the_case_its_chronology_and_its_actions(app, world, scene, outsider):
    c = signed_in(app, world.user(outsider))
    case_id = scene["case"]
    assert c.get(f"/cases/{case_id}").status_code == 404
    assert c.get(f"/cases/{case_id}?kind=note", headers=HX_CHRONOLOGY).status_code == 404
    for action in (scene["school_action"], scene["ewo_action"]):
        assert c.get(f"/actions/{action}/complete").status_code == 404
        assert c.get(f"/actions/{action}/complete", headers=HX).status_code == 404
        assert c.get(f"/actions/{action}/row", headers=HX).status_code == 404
        assert c.post_form(f"/actions/{action}/complete", {"outcome": "Done", "version": "1"}).status_code == 404
    assert c.post(f"/cases/{case_id}/chronology", data=entry_form(c, "note", "Sneaky")).status_code == 404
    for url in ("/cases", "/cases?status=all", "/actions", "/actions?show=done"):
        page = c.get(url)
        assert page.status_code == 200
        assert f"/cases/{case_id}" not in page.get_data(as_text=True) and "Alex Able" not in text_of(page)
    assert reload(Action, scene["school_action"]).status == "open"
    assert db.session.scalar(select(func.count()).select_from(ChronologyEntry)
                             .where(ChronologyEntry.text == "Sneaky")) == 0


def test_school_b_cannot_reach_school_as_referral(app, world, scene):
    c = signed_in(app, world.user("school_staff_b"))
    referral_id = scene["referral"]
    assert c.get(f"/referrals/{referral_id}").status_code == 404
    assert c.get(f"/referrals/{referral_id}/edit").status_code == 404
    assert c.post_form(f"/referrals/{referral_id}/additions", {"text": "Not mine"}).status_code == 404
    page = c.get("/referrals")
    assert page.status_code == 200 and f"/referrals/{referral_id}" not in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReferralAddition)) == 0


def test_school_a_sees_its_case_chronology_filter_and_actions(app, world, scene):
    c = signed_in(app, world.user("school_staff"))
    case_id = scene["case"]
    partial = c.get(f"/cases/{case_id}?kind=note", headers=HX_CHRONOLOGY)
    assert partial.status_code == 200
    html = partial.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="chronology"')
    assert "Spoke to the mother about mornings" in html and "Referred by School A" not in html
    assert f"/cases/{case_id}" in c.get("/cases").get_data(as_text=True)
    mine = c.get("/actions").get_data(as_text=True)
    assert "School to call home daily" in mine and "Home visit" not in mine  # only the school's own
    assert c.get(f"/actions/{scene['school_action']}/complete").status_code == 200
    assert c.get(f"/actions/{scene['ewo_action']}/complete").status_code == 403  # seen, not theirs


def test_notifications_are_per_user(app, world, scene):
    ewo = signed_in(app, world.user("ewo"))
    page = text_of(ewo.get("/notifications"))
    assert "A referral needs triage: Alex Able (School A)" in page and "was accepted" not in page
    school = signed_in(app, world.user("school_staff"))
    page = text_of(school.get("/notifications"))
    assert "Your referral was accepted: Alex Able (School A)" in page and "needs triage" not in page
    assert "An action was assigned to your agency" in page
    for other in ("ewo_b", "school_staff_b", "early_help"):
        page = text_of(signed_in(app, world.user(other)).get("/notifications"))
        assert "You have no notifications." in page, other


def test_early_help_sees_the_case_only_while_it_is_shared(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    early_help = signed_in(app, world.user("early_help"))
    assert early_help.get(f"/cases/{case.id}").status_code == 404
    assert f"/cases/{case.id}" not in early_help.get("/cases").get_data(as_text=True)

    share_id = share_with(ewo, case.id, world.early_help_org)
    assert early_help.get(f"/cases/{case.id}").status_code == 200
    assert f"/cases/{case.id}" in early_help.get("/cases").get_data(as_text=True)
    assert "A case has been shared with your organisation" in text_of(early_help.get("/notifications"))

    assert ewo.get(f"/cases/{case.id}/shares/{share_id}/withdraw").status_code == 200
    response = ewo.post_form(f"/cases/{case.id}/shares/{share_id}/withdraw", {"reason": "Early help offer ended"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/cases/{case.id}#sharing")
    assert early_help.get(f"/cases/{case.id}").status_code == 404
    assert early_help.get(f"/cases/{case.id}?kind=note", headers=HX_CHRONOLOGY).status_code == 404
    page = early_help.get("/cases")
    assert f"/cases/{case.id}" not in page.get_data(as_text=True) and "Alex Able" not in text_of(page)
    assert "Sharing with Early Help withdrawn. Reason: Early help offer ended" in text_of(ewo.get(f"/cases/{case.id}"))


def test_withdrawing_needs_a_reason(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    share_id = share_with(ewo, case.id, world.early_help_org)
    ewo.get(f"/cases/{case.id}/shares/{share_id}/withdraw")
    response = ewo.post_form(f"/cases/{case.id}/shares/{share_id}/withdraw", {"reason": ""})
    assert response.status_code == 422 and "Enter the reason" in text_of(response)
    assert reload(CaseShare, share_id).withdrawn_at is None


def test_two_people_withdraw_one_share_from_open_pages(app, world, case):
    """Both opened the withdrawal page; the first withdraws, the second is told (409) and
    nothing of theirs is recorded."""
    lead = signed_in(app, world.user("ewo"))
    admin = signed_in(app, world.user("la_admin"))
    share_id = share_with(lead, case.id, world.early_help_org)
    url = f"/cases/{case.id}/shares/{share_id}/withdraw"
    versions = {"lead": hidden_value(lead.get(url), "version"), "admin": hidden_value(admin.get(url), "version")}
    assert versions["lead"] == versions["admin"] == "1"

    won = lead.post_form(url, {"reason": "Family withdrew from early help", "version": versions["lead"]})
    lost = admin.post_form(url, {"reason": "Early help offer ended", "version": versions["admin"]})
    assert won.status_code == 303
    assert lost.status_code == 409
    assert "Someone else changed this share" in text_of(lost) and "not saved" in text_of(lost)

    stored = reload(CaseShare, share_id)
    assert stored.withdrawn_by_id == world.user("ewo").id
    assert stored.withdraw_reason == "Family withdrew from early help"
    withdrawn = db.session.scalars(select(ChronologyEntry.text).where(
        ChronologyEntry.case_id == case.id, ChronologyEntry.text.like("Sharing with%withdrawn%"))).all()
    assert withdrawn == ["Sharing with Early Help withdrawn. Reason: Family withdrew from early help"]


# ----- 3. the police view ----------------------------------------------------------------------

def test_the_police_see_a_restricted_view(app, world, pupil, case):
    ewo = signed_in(app, world.user("ewo"))
    share_with(ewo, case.id, world.police_org, "Sweep follow-up: found in town twice")
    for kind, text, police, health in [
        ("note", "Private: mother's new partner moved in", False, False),
        ("home_visit", "Seen in the town centre at 11am on a school day", True, False),
        ("note", "CAMHS: anxiety assessment booked", True, True),
    ]:
        ewo.get(f"/cases/{case.id}")
        response = ewo.post(f"/cases/{case.id}/chronology", data=entry_form(ewo, kind, text, police=police,
                                                                             health=health))
        assert response.status_code == 303, text
    add_action_via_page(ewo, case.id, f"org:{world.school_a.id}", "School to call home each morning",
                        TODAY + timedelta(days=5))
    health = db.session.scalar(select(ChronologyEntry).where(ChronologyEntry.text.startswith("CAMHS")))
    assert health.health and not health.police_shareable

    full = text_of(ewo.get(f"/cases/{case.id}"))
    assert pupil.upn in full and "CAMHS: anxiety assessment booked" in full  # the lead sees everything

    police = signed_in(app, world.user("police"))
    page = police.get(f"/cases/{case.id}")
    assert page.status_code == 200
    text, html = text_of(page), page.get_data(as_text=True)
    assert "Case: Alex Able" in text
    assert pupil.upn not in html
    assert "Attendance" not in summary_keys(page) and "Pupil" not in summary_keys(page)
    assert "80.0%" not in text
    assert "Seen in the town centre at 11am on a school day" in text
    assert "Private: mother's new partner moved in" not in html
    assert "CAMHS" not in html and "Health" not in text
    assert "Referred by School A" not in html  # the referral entry is not police-shareable
    assert "School to call home each morning" in text  # the actions
    for query in ("?kind=note", "?kind=home_visit", ""):
        partial = police.get(f"/cases/{case.id}{query}", headers=HX_CHRONOLOGY).get_data(as_text=True)
        assert "CAMHS" not in partial and "Private: mother" not in partial and pupil.upn not in partial


PERCENT = re.compile(r"\d+(?:\.\d+)?\s*%")


def test_the_police_read_a_closed_case_without_its_attendance_figures(app, world, pupil, case):
    """Issue 10, point 1: the closure entry gave the police "Attendance at open 80.0%, at close
    80.0%". The portal writes each audience its own wording: the police get the reason only."""
    ewo = signed_in(app, world.user("ewo"))
    share_with(ewo, case.id, world.police_org, "Sweep follow-up: found in town twice")
    case = reload(Case, case.id)
    service.set_stage(world.user("ewo"), case, stage(4), case.version, "Attendance down to 80.0% this term",
                      share_with_police=True)  # chosen (issue 14): the police wording leaves the reason out
    page = ewo.get(f"/cases/{case.id}/close")
    response = ewo.post_form(f"/cases/{case.id}/close", {"reason": "improved",
                                                         "text": "Back to 97% since the GP changed her inhaler",
                                                         "version": hidden_value(page, "version"), "police": "y"})
    assert response.status_code == 303

    full = text_of(ewo.get(f"/cases/{case.id}"))  # the lead keeps the whole record
    assert "Attendance at open 80.0%, at close 80.0%" in full and "Reason: Attendance down to 80.0%" in full

    police = signed_in(app, world.user("police"))
    for headers in ({}, HX_CHRONOLOGY):
        response = police.get(f"/cases/{case.id}", headers=headers)
        assert response.status_code == 200
        text = text_of(response)
        assert "Case closed: Attendance improved and sustained." in text
        assert f"to {stage(4).name}." in text
        assert not PERCENT.search(text), PERCENT.findall(text)
        assert "inhaler" not in text and "Attendance down" not in text  # the lead's own words stay theirs


def test_a_correction_reaches_the_police_when_the_entry_did_and_the_page_says_so(app, world, pupil, case):
    ewo = signed_in(app, world.user("ewo"))
    share_with(ewo, case.id, world.police_org, "Sweep follow-up")
    shared = service.add_entry(world.user("ewo"), reload(Case, case.id), "note", utcnow() - timedelta(hours=1),
                               "Seen at the bus station at 10am", police_shareable=True)
    private = service.add_entry(world.user("ewo"), reload(Case, case.id), "note", utcnow() - timedelta(hours=1),
                                "Mother mentioned a new partner")
    for entry, told in ((shared, True), (private, False)):
        page = ewo.get(f"/cases/{case.id}/chronology/{entry.id}/correct")
        assert ("they will see your correction too" in text_of(page)) is told
    response = ewo.post_form(f"/cases/{case.id}/chronology/{shared.id}/correct", {"reason": "It was 11am, not 10am"})
    assert response.status_code == 303
    police = signed_in(app, world.user("police"))
    text = text_of(police.get(f"/cases/{case.id}", headers=HX_CHRONOLOGY))
    assert "It was 11am, not 10am" in text and "new partner" not in text


def test_the_police_cannot_learn_cohort_flags_from_the_case_list(app, world, pupil, case):
    pupil = reload(Pupil, pupil.id)
    pupil.ehc_plan = pupil.looked_after = pupil.social_worker = True
    db.session.commit()
    service.share(world.user("ewo"), case, world.police_org, "Sweep follow-up")
    police = signed_in(app, world.user("police"))
    page = police.get(f"/cases/{case.id}")
    assert "EHCP" not in text_of(page) and "CLA" not in text_of(page)  # the case page hides them
    listed = {flag: f"/cases/{case.id}" in police.get(f"/cases?cohort={flag}").get_data(as_text=True)
              for flag in ("ehc_plan", "looked_after", "social_worker", "fsm", "sen_support")}
    assert len(set(listed.values())) == 1, f"the list reveals the pupil's flags: {listed}"


# ----- 4. support first ------------------------------------------------------------------------

@pytest.mark.parametrize("position", [7, 8])
def test_formal_and_enforcement_stages_need_logged_support_first(app, world, case, position):
    target = stage(position)
    before = case.stage_id
    ewo = signed_in(app, world.user("ewo"))
    page = ewo.get(f"/cases/{case.id}")
    version = hidden_value(page, "case-version")
    response = ewo.post(f"/cases/{case.id}/update", data=update_form(ewo, case.id, version, stage_id=target.id))
    assert response.status_code == 422
    text = text_of(response)
    assert "There is a problem" in text
    assert "must show support first" in text and "Support plan" in text
    assert reload(Case, case.id).stage_id == before

    # a one-character "support offered" line no longer unlocks it
    response = ewo.post(f"/cases/{case.id}/chronology", data=entry_form(ewo, "support_offered", "x"))
    assert response.status_code == 303
    page = ewo.get(f"/cases/{case.id}")
    assert "None recorded yet" in text_of(page)
    response = ewo.post(f"/cases/{case.id}/update", data=update_form(
        ewo, case.id, hidden_value(page, "case-version"), stage_id=target.id))
    assert response.status_code == 422

    # a support plan without the support named or a review date is refused, inline
    response = ewo.post(f"/cases/{case.id}/chronology", data={
        **entry_form(ewo, "support_plan", "Agreed with mother at the home visit."), "entry-support_name": "mentor"})
    assert response.status_code == 422
    text = text_of(response)
    assert "Name the support put in place (at least 10 characters)" in text
    assert "Enter the date the support will be reviewed" in text

    review = real_today() + timedelta(weeks=6)
    response = ewo.post(f"/cases/{case.id}/chronology", data={
        **entry_form(ewo, "support_plan", "Agreed with mother at the home visit."),
        "entry-support_name": "School nurse referral and a morning check-in", "entry-review_on": date_boxes(review)})
    assert response.status_code == 303
    page = ewo.get(f"/cases/{case.id}")
    text = text_of(page)
    assert "Support: School nurse referral and a morning check-in. Review by " + review.strftime("%-d %b %Y") in text
    response = ewo.post(f"/cases/{case.id}/update", data=update_form(
        ewo, case.id, hidden_value(page, "case-version"), stage_id=target.id, reason="No improvement"))
    assert response.status_code == 303
    assert reload(Case, case.id).stage_id == target.id
    text = text_of(ewo.get(f"/cases/{case.id}?kind=stage_change"))
    assert f"Stage changed from LA support: education welfare officer to {target.name}. Support first: support " \
           "plan of" in text and "Reason: No improvement" in text


def test_support_not_appropriate_is_recorded_with_its_reason(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    response = ewo.post(f"/cases/{case.id}/chronology", data={
        **entry_form(ewo, "support_not_appropriate", "Holiday"), "entry-not_appropriate_reason": "term_time_holiday"})
    assert response.status_code == 422
    assert "Explain why support is not appropriate (at least 40 characters)" in text_of(response)
    response = ewo.post(f"/cases/{case.id}/chronology", data={
        **entry_form(ewo, "support_not_appropriate", "Ten school days abroad in term time after the request was "
                     "refused; no barrier to attendance."), "entry-not_appropriate_reason": "term_time_holiday"})
    assert response.status_code == 303
    text = text_of(ewo.get(f"/cases/{case.id}"))
    assert "Reason: Unauthorised term-time holiday." in text and "Recorded: 1" in text


# ----- 5. concurrency --------------------------------------------------------------------------

@pytest.mark.parametrize("first", ["ewo", "early_help"])
def test_two_people_completing_one_action_one_wins(app, world, case, first):
    ewo = world.user("ewo")
    service.share(ewo, case, world.early_help_org, "Early help offer")
    action = service.add_action(ewo, case, "Family support worker visit", TODAY + timedelta(days=7),
                                owner_org=world.early_help_org)
    action_id = action.id
    clients = {"ewo": signed_in(app, ewo), "early_help": signed_in(app, world.user("early_help"))}
    versions = {}
    for key, c in clients.items():
        form = c.get(f"/actions/{action_id}/complete", headers=HX)
        assert form.status_code == 200
        html = form.get_data(as_text=True)
        assert "<html" not in html and html.lstrip().startswith(f'<tr class="govuk-table__row" id="action-{action_id}"')
        versions[key] = hidden_value(form, "version")
    assert versions["ewo"] == versions["early_help"]

    second = "early_help" if first == "ewo" else "ewo"
    outcomes = {k: f"Outcome recorded by {k}" for k in clients}
    responses = {}
    for key in (first, second):
        responses[key] = clients[key].post_form(f"/actions/{action_id}/complete", {
            "outcome": outcomes[key], "status": "done", "version": versions[key]}, headers=HX)

    won, lost = responses[first], responses[second]
    assert won.status_code == 200
    assert "actionsChanged" in won.headers.get("HX-Trigger", "")
    assert outcomes[first] in won.get_data(as_text=True) and "Done" in won.get_data(as_text=True)
    assert lost.status_code == 409
    lost_html = lost.get_data(as_text=True)
    assert "Someone else changed this action" in lost_html and "<html" not in lost_html
    assert lost.headers.get("HX-Retarget") == "#main-content"
    saved, _, yours = lost_html.partition("What you entered")
    assert outcomes[first] in saved and outcomes[second] not in saved
    assert outcomes[second] in yours  # their own edit stays visible, to re-apply
    assert "actionsChanged" not in lost.headers.get("HX-Trigger", "")

    stored = reload(Action, action_id)
    assert stored.status == "done" and stored.outcome == outcomes[first]
    assert stored.completed_by_id == world.user(first).id
    completed = db.session.scalars(select(ChronologyEntry.text).where(
        ChronologyEntry.case_id == case.id, ChronologyEntry.text.like("Action completed%"))).all()
    assert len(completed) == 1 and outcomes[first] in completed[0]


def test_a_stale_case_update_shows_what_was_sent_beside_what_is_saved(app, world, case):
    """The one conflict page: the saved values, the person's own edit (labelled, without the
    CSRF token or version) to re-apply, a way back to the form; the session rolled back and the
    409 audited like any view of the case."""
    lead = signed_in(app, world.user("ewo"))
    admin = signed_in(app, world.user("la_admin"))
    version = hidden_value(lead.get(f"/cases/{case.id}"), "case-version")
    assert hidden_value(admin.get(f"/cases/{case.id}"), "case-version") == version
    assert lead.post(f"/cases/{case.id}/update",
                     data=update_form(lead, case.id, version, next_review="2026-12-07")).status_code == 303

    lost = admin.post(f"/cases/{case.id}/update", data=update_form(
        admin, case.id, version, status="monitoring", next_review="2026-12-14", reason="Attendance is improving"))
    assert lost.status_code == 409
    html = lost.get_data(as_text=True)
    saved, _, yours = html.partition("What you entered")
    assert "Someone else changed this case" in saved and "2026-12-07" in saved and "Monitoring" not in saved
    assert "Monitoring" in yours and "14 December 2026" in yours and "Attendance is improving" in yours
    assert "Reason for the change" in yours and "csrf" not in yours.lower() and "Version" not in yours
    assert f'href="/cases/{case.id}"' in yours  # start again from the saved version
    assert "Error: " not in html.split("</title>")[0]

    stored = reload(Case, case.id)
    assert stored.status == "open" and stored.next_review == date(2026, 12, 7)
    from portal.audit import AuditEvent

    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.verb == "case_viewed", AuditEvent.actor_id == world.user("la_admin").id,
        AuditEvent.object_id == case.id)) >= 1


def test_a_stale_case_update_by_htmx_replaces_the_main_content(app, world, case):
    lead = signed_in(app, world.user("ewo"))
    version = hidden_value(lead.get(f"/cases/{case.id}"), "case-version")
    service.set_review(world.user("ewo"), case, date(2026, 12, 7), case.version)
    db.session.commit()
    lost = lead.post(f"/cases/{case.id}/update", data=update_form(lead, case.id, version, next_review="2026-12-14"),
                     headers={**HX, "X-CSRFToken": lead.token()})
    assert lost.status_code == 409
    assert lost.headers["HX-Retarget"] == "#main-content" and lost.headers["HX-Reswap"] == "innerHTML"
    html = lost.get_data(as_text=True)
    assert "<html" not in html and html.count("<h1") == 1 and "14 December 2026" in html
    assert reload(Case, case.id).next_review == date(2026, 12, 7)


def test_two_stale_case_updates_one_wins_nothing_overwritten(app, world, case):
    lead = signed_in(app, world.user("ewo"))
    admin = signed_in(app, world.user("la_admin"))
    current = stage(5)
    panel = stage(6)
    assert case.stage_id == current.id
    pages = {"lead": lead.get(f"/cases/{case.id}"), "admin": admin.get(f"/cases/{case.id}")}
    versions = {k: hidden_value(p, "case-version") for k, p in pages.items()}
    assert versions["lead"] == versions["admin"]

    won = lead.post(f"/cases/{case.id}/update", data=update_form(lead, case.id, versions["lead"], stage_id=panel.id,
                                                                 next_review="2026-12-07"))
    lost = admin.post(f"/cases/{case.id}/update", data=update_form(admin, case.id, versions["admin"],
                                                                   stage_id=current.id, status="monitoring",
                                                                   next_review="2026-12-14"))
    assert won.status_code == 303
    assert lost.status_code == 409
    text = text_of(lost)
    assert "Someone else changed this case" in text and "not saved" in text
    assert panel.name in text and "2026-12-07" in text and "open" in text

    stored = reload(Case, case.id)
    assert stored.stage_id == panel.id and stored.next_review == date(2026, 12, 7) and stored.status == "open"
    assert db.session.scalar(select(func.count()).select_from(ChronologyEntry).where(
        ChronologyEntry.case_id == case.id, ChronologyEntry.kind == "stage_change")) == 1


# ----- 6. lists make a fixed number of queries --------------------------------------------------

def _count_queries(client, url) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    pagecache.clear()  # the page's own work, never a page kept by portal.pagecache
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


LISTS = [("ewo", "/cases"), ("ewo", "/cases?status=all&sort=name"), ("ewo", "/referrals"),
         ("ewo", "/actions"), ("school_staff", "/referrals"), ("school_staff", "/cases"),
         ("school_staff", "/actions"), ("early_help", "/cases"), ("la_admin", "/cases?status=all")]


def test_lists_make_the_same_number_of_queries_whatever_the_caseload(app, world):
    clients = {key: signed_in(app, world.user(key)) for key in {k for k, _ in LISTS}}
    bulk_cases(world, 10)
    for key, url in LISTS:
        clients[key].get(url)  # warm up
    small = {(key, url): _count_queries(clients[key], url) for key, url in LISTS}

    bulk_cases(world, 490)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 500
    big = {(key, url): _count_queries(clients[key], url) for key, url in LISTS}
    assert big == small
    # The big lists really are full (25 on a page) and paged.
    page = clients["ewo"].get("/cases").get_data(as_text=True)
    assert "500 cases" in page and page.count('href="/cases/') >= 25
    # ... each with the attendance now and its trend since the referral (issue 14.5)
    assert page.count("from 79.0%") == 25 and "80.0%" in page and "90.0%" in page
    assert "250 referrals, oldest first" in clients["ewo"].get("/referrals").get_data(as_text=True)


# ----- 7. completing an action without JavaScript ---------------------------------------------

def test_completing_an_action_without_javascript(app, world, case):
    ewo = world.user("ewo")
    action = service.add_action(ewo, case, "Home visit", TODAY + timedelta(days=3), owner_user=ewo)
    c = signed_in(app, ewo)
    page = c.get(f"/actions/{action.id}/complete")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and "Complete the action" in text_of(page)  # a whole page (checked by the client)
    version = hidden_value(page, "version")

    response = c.post_form(f"/actions/{action.id}/complete", {"outcome": "", "status": "done", "version": version})
    assert response.status_code == 422 and "Record the outcome" in text_of(response)

    response = c.post_form(f"/actions/{action.id}/complete", {"outcome": "Visited; mother engaged", "status": "done",
                                                             "version": version})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{case.id}#actions")
    stored = reload(Action, action.id)
    assert stored.status == "done" and stored.outcome == "Visited; mother engaged"
    page = text_of(c.get(f"/cases/{case.id}"))
    assert "Outcome: Visited; mother engaged" in page
    assert "Action completed by" in page

    # The same form sent again (a second tab, a double click): a conflict page, nothing overwritten.
    response = c.post_form(f"/actions/{action.id}/complete", {"outcome": "Second try", "status": "cancelled",
                                                             "version": version})
    assert response.status_code == 409
    assert "Someone else changed this action" in text_of(response) and "Visited; mother engaged" in text_of(response)
    stored = reload(Action, action.id)
    assert stored.status == "done" and stored.outcome == "Visited; mother engaged"


# ----- 8. closing -----------------------------------------------------------------------------

def test_closing_a_case_records_attendance_at_close(app, world, pupil, case):
    assert case.attendance_at_open["percent"] == "80.0"
    add_week(pupil, date(2026, 11, 9), possible=10, attended=10, unauthorised=0)  # now 18 of 20: 90%
    db.session.commit()
    c = signed_in(app, world.user("ewo"))
    page = c.get(f"/cases/{case.id}/close")
    assert page.status_code == 200
    response = c.post_form(f"/cases/{case.id}/close", {"reason": "improved", "text": "",
                                                       "version": hidden_value(page, "version")})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/cases/{case.id}")
    stored = reload(Case, case.id)
    assert stored.status == "closed" and stored.closure_reason == "improved" and stored.closed_at is not None
    assert stored.attendance_at_close["percent"] == "90.0" and stored.attendance_at_close["possible"] == 20
    text = text_of(c.get(f"/cases/{case.id}"))
    assert "90.0% at close" in text and "Attendance improved and sustained" in text
    assert "Attendance at open 80.0%, at close 90.0%." in text
    assert "Change the stage, status or next review" not in text  # a closed case is not changed
    assert f"/cases/{case.id}" not in c.get("/cases").get_data(as_text=True)  # not active
    assert f"/cases/{case.id}" in c.get("/cases?status=closed").get_data(as_text=True)


def test_closing_for_another_reason_needs_the_reason(app, world, case):
    c = signed_in(app, world.user("ewo"))
    page = c.get(f"/cases/{case.id}/close")
    response = c.post_form(f"/cases/{case.id}/close", {"reason": "other", "text": "  ",
                                                       "version": hidden_value(page, "version")})
    assert response.status_code == 422
    assert "Say why the case is being closed" in text_of(response)
    stored = reload(Case, case.id)
    assert stored.status == "open" and stored.closed_at is None and stored.attendance_at_close is None

    response = c.post_form(f"/cases/{case.id}/close", {"reason": "", "version": hidden_value(page, "version")})
    assert response.status_code == 422 and "Select a reason" in text_of(response)

    response = c.post_form(f"/cases/{case.id}/close", {"reason": "other", "text": "Family moved abroad",
                                                       "version": hidden_value(page, "version")})
    assert response.status_code == 303
    assert reload(Case, case.id).closure_text == "Family moved abroad"


def test_only_the_lead_side_can_close(app, world, case):
    school = signed_in(app, world.user("school_staff"))
    assert school.get(f"/cases/{case.id}/close").status_code == 403
    assert signed_in(app, world.user("ewo_b")).get(f"/cases/{case.id}/close").status_code == 404


def test_the_case_page_asks_for_a_kind_of_record_only_when_the_case_has_one(world, pupil, client):
    """`service.records_on_case` says which records a case has at all (one query); a section
    asks for its records only then, and shows a record made since at once."""
    from portal.cases.models import CaseChild

    case = open_case(world, pupil)
    sibling = make_pupil(world.school_a, "Bea", "Able")
    db.session.commit()
    assert service.records_on_case(case) == frozenset()
    db.session.add(CaseChild(case_id=case.id, pupil_id=sibling.id, added_by_id=world.user("ewo").id))
    db.session.commit()
    assert service.records_on_case(case) == {"children"}
    assert service.may_have(None, "letters") and not service.may_have(frozenset(), "letters")
    client.login(world.user("ewo"))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Whole-family case" in page and "Bea" in page


def test_the_chronology_links_made_from_the_case_address_are_the_routes(app):
    """_chronology_items.html makes its entry and document links from the case's address (not
    url_for per entry): they must stay the routes' addresses."""
    from flask import url_for

    with app.test_request_context("/"):
        case_url = url_for("cases.view_case", case_id=12)
        assert url_for("cases.correct_entry", case_id=12, entry_id=345) == f"{case_url}/chronology/345/correct"
        assert url_for("cases.strike_entry", case_id=12, entry_id=345) == f"{case_url}/chronology/345/strike"
        assert url_for("cases.download_document", case_id=12, document_id=6) == f"{case_url}/documents/6"
        assert url_for("cases.remove_document", case_id=12, document_id=6) == f"{case_url}/documents/6/remove"
