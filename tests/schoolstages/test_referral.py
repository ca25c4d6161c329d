"""A referral starts with what the school has logged: its calls and meetings, dated, as "What
has the school already done?", and the highest stage reached; the school may still change both."""
from __future__ import annotations

from sqlalchemy import select

from portal.cases.models import Referral
from portal.extensions import db
from tests.factories import make_pupil
from tests.schoolstages.conftest import call_data, meeting_data, missing


def test_the_referral_is_pre_filled_from_the_logged_calls_and_meetings(client, world):
    pupil = make_pupil(world.school_a, "Ellis", "Quinlan")
    missing(pupil, 7)  # stage 2
    client.login(world.user("school_staff"))
    base = f"/pupils/{pupil.id}/school-stages"
    client.post_form(f"{base}/calls/new", call_data(call_date="2026-11-23", outcome="message_left"))
    client.post_form(f"{base}/meetings/new", meeting_data(stage="3"))
    form = client.get(f"/pupils/{pupil.id}/referrals/new").text
    assert "23 Nov 2026: first-day call home, message left." in form
    assert ("24 Nov 2026: stage 3 meeting (year leader meeting) with Ms Tutor, the pupil and mother. "
            "Targets: Be in school every day next week. Support offered: Breakfast club. Next review 8 Dec 2026.") \
        in form
    # the highest stage: the meeting held (3) over the stage the absence reaches (2)
    assert '<option selected value="3">' in form or 'value="3" selected' in form
    # the school edits it and it is what is saved
    client.post_form(f"/pupils/{pupil.id}/referrals/new", {"action": "draft", "stage_reached": "2",
                                                           "school_actions": "Edited by the school"})
    referral = db.session.scalar(select(Referral))
    assert (referral.school_actions, referral.stage_reached) == ("Edited by the school", 2)


def test_with_nothing_logged_the_form_starts_with_the_stage_only(client, world):
    pupil = make_pupil(world.school_a)
    missing(pupil, 1)
    client.login(world.user("school_staff"))
    form = client.get(f"/pupils/{pupil.id}/referrals/new").text
    assert "first-day call home" not in form
    assert '<option selected value="1">' in form or 'value="1" selected' in form
