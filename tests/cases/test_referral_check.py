"""Issue 14.4: the school checks its answers before a referral is submitted (the GOV.UK "Check
answers" pattern), and the choices it must make (consent, urgency, a safeguarding concern) are
not preselected. HTTP level, real database."""
from __future__ import annotations

import html as htmllib
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.cases.models import Referral
from portal.extensions import db
from portal.notifications.models import Notification
from tests import clock
from tests.attendance.helpers import TODAY
from tests.cases.test_views import REFERRAL_FORM, add_week, hidden_value, id_from, reload, text_of
from tests.factories import make_pupil

NEW = "/pupils/{}/referrals/new"


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


def hidden_fields(response) -> list[tuple[str, str]]:
    """The answers Check your answers carries back (as a browser would post them)."""
    page = response.get_data(as_text=True)
    fields = []
    for tag in [t for t in re.findall(r"<input[^>]*>", page) if 'type="hidden"' in t]:
        name = re.search(r'name="([^"]*)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields.append((name, htmllib.unescape(value.group(1)) if value else ""))
    return fields


def post_fields(client, url, fields, action):
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    data["action"] = [action]
    return client.post(url, data=data)


def referral_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def radio_checked(response, name: str) -> list[str]:
    page = response.get_data(as_text=True)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in re.findall(r"<input[^>]*>", page)
            if f'name="{name}"' in t and 'type="radio"' in t and "checked" in t]


def test_continue_shows_the_answers_to_check_and_saves_nothing_until_submit(client, world, pupil):
    client.login(world.user("school_staff"))
    form = client.get(NEW.format(pupil.id))
    assert "Continue" in text_of(form) and "Submit the referral" not in text_of(form)

    answers = {**REFERRAL_FORM, "school_actions": "Calls home 3 and 10 Nov.\nLetter 12 Nov; <b>meeting</b> 19 Nov.",
               "consent": "refused", "lawful_basis": "Public task", "urgency": "urgent",
               "safeguarding_concern": "yes"}
    check = client.post_form(NEW.format(pupil.id), {**answers, "action": "check"})
    assert check.status_code == 200
    text = text_of(check)
    assert "Check your answers before sending the referral" in text
    for shown in ("Physical illness", "Asthma: frequent attacks in the mornings", "Stage 3",
                  "Letter 12 Nov; <b>meeting</b> 19 Nov.", "Refused", "Public task", "Urgent"):
        assert shown in htmllib.unescape(text), shown
    assert text.count("Change") >= 7 and "Submit referral" in text
    assert referral_count() == 0  # nothing saved by looking at the answers

    response = post_fields(client, NEW.format(pupil.id), hidden_fields(check), "submit")
    referral = reload(Referral, id_from(response, "/referrals/"))
    assert referral.status == "submitted"
    assert referral.barriers == {"illness": "Asthma: frequent attacks in the mornings"}
    assert referral.school_actions == "Calls home 3 and 10 Nov.\nLetter 12 Nov; <b>meeting</b> 19 Nov."
    assert (referral.consent, referral.lawful_basis, referral.urgency, referral.safeguarding_concern) == (
        "refused", "Public task", "urgent", True)
    assert referral_count() == 1


def test_change_returns_to_the_form_with_every_answer_kept(client, world, pupil):
    client.login(world.user("school_staff"))
    client.get(NEW.format(pupil.id))
    check = client.post_form(NEW.format(pupil.id), {**REFERRAL_FORM, "action": "check"})
    assert 'formaction="/pupils/%d/referrals/new#consent"' % pupil.id in check.get_data(as_text=True)

    form = post_fields(client, NEW.format(pupil.id), hidden_fields(check), "change")
    assert form.status_code == 200 and "Refer Alex Able" in text_of(form)
    page = form.get_data(as_text=True)
    assert "Asthma: frequent attacks in the mornings" in page and "Calls home 3, 10 and 17 Nov; letter 12 Nov" in page
    assert radio_checked(form, "consent") == ["given"] and radio_checked(form, "urgency") == ["routine"]
    assert radio_checked(form, "safeguarding_concern") == ["no"]
    assert referral_count() == 0


def test_a_draft_goes_through_check_your_answers_too(client, world, pupil):
    client.login(world.user("school_staff"))
    client.get(NEW.format(pupil.id))
    referral_id = id_from(client.post_form(NEW.format(pupil.id), {**REFERRAL_FORM, "action": "draft"}), "/referrals/")
    assert reload(Referral, referral_id).status == "draft"  # "Save as draft" saves directly
    edit = client.get(f"/referrals/{referral_id}/edit")
    assert radio_checked(edit, "safeguarding_concern") == ["no"]
    check = client.post_form(f"/referrals/{referral_id}/edit",
                             {**REFERRAL_FORM, "action": "check", "version": hidden_value(edit, "version")})
    assert check.status_code == 200 and "Check your answers" in text_of(check)
    assert reload(Referral, referral_id).status == "draft"
    response = post_fields(client, f"/referrals/{referral_id}/edit", hidden_fields(check), "submit")
    assert id_from(response, "/referrals/") == referral_id
    assert reload(Referral, referral_id).status == "submitted"


def test_consent_urgency_and_safeguarding_are_not_preselected(client, world, pupil):
    client.login(world.user("school_staff"))
    form = client.get(NEW.format(pupil.id))
    for name in ("consent", "urgency", "safeguarding_concern"):
        assert radio_checked(form, name) == [], name


@pytest.mark.parametrize("missing, message", [
    ("consent", "Select whether parental consent was given, refused or not sought"),
    ("urgency", "Select whether the referral is routine or urgent"),
    ("safeguarding_concern", "Select yes if there is a safeguarding concern, or no if there is not"),
])
@pytest.mark.parametrize("action", ["check", "submit"])
def test_a_choice_not_made_is_an_error_and_the_answers_stay(client, world, pupil, missing, message, action):
    client.login(world.user("school_staff"))
    client.get(NEW.format(pupil.id))
    answers = {k: v for k, v in REFERRAL_FORM.items() if k != missing}
    response = client.post_form(NEW.format(pupil.id), {**answers, "action": action})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = page[page.index("govuk-error-summary"):]
    assert message in summary[:summary.index("</ul>")]
    assert f'href="#{missing}"' in summary and f'id="{missing}-error"' in page  # summary and inline message
    assert "Asthma: frequent attacks in the mornings" in page
    assert referral_count() == 0 and db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_draft_may_leave_the_choices_open(client, world, pupil):
    client.login(world.user("school_staff"))
    client.get(NEW.format(pupil.id))
    answers = {k: v for k, v in REFERRAL_FORM.items() if k not in ("consent", "urgency", "safeguarding_concern")}
    referral = reload(Referral, id_from(client.post_form(NEW.format(pupil.id), {**answers, "action": "draft"}),
                                        "/referrals/"))
    assert (referral.status, referral.consent, referral.urgency, referral.safeguarding_concern) == (
        "draft", None, None, None)
    edit = client.get(f"/referrals/{referral.id}/edit")
    for name in ("consent", "urgency", "safeguarding_concern"):
        assert radio_checked(edit, name) == [], name
    assert "Not answered" in text_of(client.get(f"/referrals/{referral.id}"))
