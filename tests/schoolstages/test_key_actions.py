"""The weekly key-actions list: prepared from the pupils needing action, last week's incomplete
actions carried over (shown as such), allocated to a colleague of the school with a due date,
marked done, reviewed once a week by the leadership link; the school's staff use it, its named
EWO reads it, nobody else."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.schoolstages import key_actions
from portal.schoolstages.models import KeyAction, KeyActionReview, KeyActionStatus
from tests import clock
from tests.factories import make_pupil, make_user
from tests.pages import date_boxes
from tests.schoolstages.conftest import MONDAY, missing

LAST_MONDAY = date(2026, 11, 16)


def _allocation(item, owner, **over) -> dict:
    data = {"owner_id": str(owner.id), "action": "Tutor meeting with mum", "due_date": "2026-11-27",
            "version": str(item.version)}
    data.update(over)
    data["due_date"] = date_boxes(data["due_date"])
    return data


def test_last_weeks_incomplete_actions_are_carried_over_and_new_pupils_added(client, world):
    staff = world.user("school_staff")
    done, carried, new = (make_pupil(world.school_a, n) for n in ("Dana", "Carl", "Nina"))
    with clock.on(date(2026, 11, 18)):  # last week: Dana and Carl need action
        missing(done, 7, LAST_MONDAY)
        missing(carried, 7, LAST_MONDAY)
        added = key_actions.prepare(staff, world.school_a)
        assert sorted(i.pupil_id for i in added) == sorted([done.id, carried.id])
        first = {i.pupil_id: i for i in added}
        key_actions.allocate(staff, world.school_a, first[carried.id],
                             {"owner_id": staff.id, "action": "Tutor meeting", "due_date": date(2026, 11, 20)}, 1)
        key_actions.complete(staff, first[done.id], 1)
        db.session.commit()
    missing(new, 1)  # this week: Nina reaches stage 1
    client.login(staff)
    assert client.post_form(f"/schools/{world.school_a.id}/key-actions/prepare").status_code == 303
    items = {i.pupil_id: i for i in db.session.scalars(select(KeyAction).where(KeyAction.week_start == MONDAY))}
    # Dana's action was done: not carried; Dana still needs a meeting, so she is listed anew
    assert items[carried.id].carried_from_id == first[carried.id].id
    assert (items[carried.id].owner_id, items[carried.id].action) == (staff.id, "Tutor meeting")
    assert items[new.id].carried_from_id is None and items[new.id].stage == 1
    assert items[done.id].carried_from_id is None
    page = client.get(f"/schools/{world.school_a.id}/key-actions").text
    assert "Carried over" in page and "From the week of 16 Nov 2026" in page and "Nina" in page
    assert client.get(f"/schools/{world.school_a.id}/key-actions/{items[carried.id].id}").status_code == 200
    # preparing again adds nobody twice
    client.post_form(f"/schools/{world.school_a.id}/key-actions/prepare")
    assert len(db.session.scalars(select(KeyAction).where(KeyAction.week_start == MONDAY)).all()) == 3


def test_allocation_to_a_colleague_with_a_due_date_then_done(client, world):
    staff = world.user("school_staff")
    pupil = make_pupil(world.school_a, "Ellis")
    missing(pupil, 7)
    item, = key_actions.prepare(staff, world.school_a)
    db.session.commit()
    client.login(staff)
    url = f"/schools/{world.school_a.id}/key-actions/{item.id}"
    # another school's member of staff is not a colleague; the due date comes before the week
    other = world.user("school_staff_b")
    bad = client.post_form(url, _allocation(item, other, due_date="2026-11-02"))
    assert bad.status_code == 422
    assert "Select a member of the school&#39;s staff" in bad.text or "Not a valid choice" in bad.text
    colleague = make_user("school_staff", world.school_a, "tutor@test.example", name="Ms Tutor")
    db.session.commit()
    bad = client.post_form(url, _allocation(item, colleague, due_date="2026-11-02"))
    assert bad.status_code == 422 and "cannot be before the week" in bad.text
    assert client.post_form(url, _allocation(item, colleague)).status_code == 303
    db.session.expire_all()
    assert (item.owner_id, item.due_date, item.action) == (colleague.id, date(2026, 11, 27), "Tutor meeting with mum")
    assert client.post_form(f"{url}/done", {"version": str(item.version)}).status_code == 303
    db.session.expire_all()
    assert item.status == KeyActionStatus.done and item.completed_by_id == staff.id
    assert "Ms Tutor" in client.get(f"/schools/{world.school_a.id}/key-actions").text


def test_the_leadership_link_records_the_weekly_review_once(client, world):
    client.login(world.user("school_staff"))
    url = f"/schools/{world.school_a.id}/key-actions/review"
    assert client.post_form(url, {"week": MONDAY.isoformat(), "note": "Chased Carl's meeting"}).status_code == 303
    review = db.session.scalar(select(KeyActionReview))
    assert (review.week_start, review.reviewed_by_id, review.note) == (MONDAY, world.user("school_staff").id,
                                                                      "Chased Carl's meeting")
    client.post_form(url, {"week": MONDAY.isoformat()})
    assert len(db.session.scalars(select(KeyActionReview)).all()) == 1
    assert "Reviewed by" in client.get(f"/schools/{world.school_a.id}/key-actions").text


def test_the_school_uses_it_its_ewo_reads_it_nobody_else(app, world):
    url = f"/schools/{world.school_a.id}/key-actions"
    for key, status in (("school_staff", 200), ("ewo", 200), ("school_staff_b", 404), ("ewo_b", 404),
                        ("la_admin", 403), ("police", 403), ("early_help", 403)):
        client = app.test_client()
        client.login(world.user(key))
        assert client.get(url).status_code == status, key
    ewo = app.test_client()
    ewo.login(world.user("ewo"))
    assert "Prepare this week" not in ewo.get(url).text
    assert ewo.post_form(f"{url}/prepare").status_code == 403


def test_a_future_or_odd_week_is_refused_without_a_500(client, world):
    client.login(world.user("school_staff"))
    url = f"/schools/{world.school_a.id}/key-actions"
    assert client.get(f"{url}?week=2099-01-05").status_code == 422
    assert client.get(f"{url}?week=nonsense").status_code == 422
    page = client.get(f"{url}?week=2026-11-18")  # a Wednesday: its week
    assert page.status_code == 200 and "week of 16 Nov 2026" in page.text
