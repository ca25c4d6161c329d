"""Logging first-day calls and stage meetings: the school of the pupil logs and corrects them
(validated with an error summary, audited, stale corrections refused with the newer values);
they show on the pupil page to the school and the EWO, never to partners or another school."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.schoolstages.models import CallOutcome, FirstDayCall, StageMeeting
from tests.factories import make_pupil
from tests.schoolstages.conftest import call_data, meeting_data, missing


def _verbs() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.verb).where(AuditEvent.verb.in_((
        "first_day_call_logged", "first_day_call_corrected", "stage_meeting_logged", "stage_meeting_corrected")))
        .order_by(AuditEvent.id)))


def test_the_school_logs_a_call_and_a_meeting_and_they_show_on_the_pupil_page(client, world):
    pupil = make_pupil(world.school_a, "Ellis", "Quinlan")
    missing(pupil, 7)  # stage 2 this term
    client.login(world.user("school_staff"))
    base = f"/pupils/{pupil.id}/school-stages"
    assert client.get(f"{base}/calls/new").status_code == 200
    assert client.post_form(f"{base}/calls/new", call_data(note="Mum says a cold")).status_code == 303
    page = client.get(f"/pupils/{pupil.id}").text
    assert "Stage 2: tutor meeting" in page and "Meeting due" in page
    assert client.post_form(f"{base}/meetings/new", meeting_data()).status_code == 303
    page = client.get(base).text
    assert "Mum says a cold" in page and "Be in school every day next week" in page and "Breakfast club" in page
    assert "Recorded" in page and "Meeting due" not in page
    call = db.session.scalar(select(FirstDayCall))
    meeting = db.session.scalar(select(StageMeeting))
    assert (call.outcome, call.school_id, meeting.stage, meeting.recorded_by_id) == (
        CallOutcome.no_answer, world.school_a.id, 2, world.user("school_staff").id)
    assert _verbs() == ["first_day_call_logged", "stage_meeting_logged"]


def test_bad_calls_and_meetings_are_refused_with_the_values_kept(client, world):
    pupil = make_pupil(world.school_a)
    client.login(world.user("school_staff"))
    base = f"/pupils/{pupil.id}/school-stages"
    bad = client.post_form(f"{base}/calls/new", call_data(call_date="2026-11-28", outcome="", note="Kept note"))
    assert bad.status_code == 422
    assert "There is a problem" in bad.text and "Select the outcome of the call" in bad.text
    assert "Kept note" in bad.text
    # a Saturday is not a school day; a future day is refused
    assert "must be a school day" in client.post_form(f"{base}/calls/new", call_data(call_date="2026-11-21")).text
    assert client.post_form(f"{base}/calls/new", call_data(call_date="2026-12-01")).status_code == 422
    for over, message in (({"stage": "1"}, "Not a valid choice"), ({"attendees": ""}, "Enter who met"),
                          ({"targets": ""}, "Enter the targets set"),
                          ({"next_review": "2026-11-20"}, "The next review must be after the meeting"),
                          ({"meeting_date": "2026-12-30"}, "today or in the past")):
        page = client.post_form(f"{base}/meetings/new", meeting_data(**over))
        assert page.status_code == 422 and message in page.text, over
        assert "Breakfast club" in page.text  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(FirstDayCall)) == 0
    assert db.session.scalar(select(func.count()).select_from(StageMeeting)) == 0


def test_a_correction_is_audited_and_a_stale_one_refused_with_the_newer_values(client, other_client, world):
    pupil = make_pupil(world.school_a)
    client.login(world.user("school_staff"))
    base = f"/pupils/{pupil.id}/school-stages"
    client.post_form(f"{base}/meetings/new", meeting_data())
    meeting = db.session.scalar(select(StageMeeting))
    url = f"{base}/meetings/{meeting.id}"
    assert client.get(url).status_code == 200
    assert client.post_form(url, {**meeting_data(targets="Attend every morning"), "version": "1"}).status_code == 303
    db.session.expire_all()
    assert meeting.targets == "Attend every morning" and meeting.version == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "stage_meeting_corrected"))
    assert "Attend every morning" in str(event.changes)
    stale = client.post_form(url, {**meeting_data(targets="Something else"), "version": "1"})
    assert stale.status_code == 409 and "Attend every morning" in stale.text
    client.post_form(f"{base}/calls/new", call_data())
    call = db.session.scalar(select(FirstDayCall))
    assert client.post_form(f"{base}/calls/{call.id}", {**call_data(outcome="concern"), "version": "1"}) \
        .status_code == 303
    assert _verbs()[-1] == "first_day_call_corrected"


def test_who_sees_and_who_logs(app, client, world):
    pupil = make_pupil(world.school_a)
    client.login(world.user("school_staff"))
    client.post_form(f"/pupils/{pupil.id}/school-stages/calls/new", call_data(note="Seen by the school side"))
    call = db.session.scalar(select(FirstDayCall))
    base = f"/pupils/{pupil.id}/school-stages"
    for key, status in (("ewo", 200), ("la_admin", 200), ("school_staff_b", 404), ("ewo_b", 404),
                        ("police", 403), ("social_care", 403), ("health", 403)):
        reader = app.test_client()
        reader.login(world.user(key))
        page = reader.get(base)
        assert page.status_code == status, key
        assert ("Seen by the school side" in page.text) == (status == 200)
    # the EWO and the LA read, never log or correct
    for key in ("ewo", "la_admin"):
        reader = app.test_client()
        reader.login(world.user(key))
        assert reader.get(f"{base}/calls/new").status_code == 403
        assert reader.post_form(f"{base}/calls/{call.id}", {**call_data(), "version": "1"}).status_code == 403
        assert "Log a first-day call" not in reader.get(base).text
    other = app.test_client()
    other.login(world.user("school_staff_b"))
    assert other.post_form(f"{base}/calls/new", call_data()).status_code == 404
