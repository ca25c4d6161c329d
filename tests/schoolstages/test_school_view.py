"""The school view shows each pupil's school stage and, as a key group, who has reached a stage
without its call or meeting logged ("Stage meeting due"), in the same number of queries
whatever the number of pupils and records."""
from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.schoolstages.models import FirstDayCall, StageMeeting
from tests.crawl import queries
from tests.factories import make_pupil
from tests.schoolstages.conftest import missing


def _pupils(world, n: int, start: int = 0) -> list:
    staff = world.user("school_staff")
    made = []
    for i in range(start, start + n):
        pupil = make_pupil(world.school_a, f"P{i:03d}", f"Surname{i:03d}")
        missing(pupil, 1 + (i % 20))
        if i % 3 == 0:
            db.session.add(FirstDayCall(pupil_id=pupil.id, school_id=world.school_a.id, call_date=date(2026, 11, 24),
                                        outcome="no_answer", recorded_by_id=staff.id))
        if i % 4 == 0:
            db.session.add(StageMeeting(pupil_id=pupil.id, school_id=world.school_a.id, stage=2,
                                        meeting_date=date(2026, 11, 24), attendees="Tutor", targets="T",
                                        recorded_by_id=staff.id))
        made.append(pupil)
    db.session.commit()
    return made


def test_the_meeting_due_group_lists_who_reached_a_stage_without_its_record(client, world):
    staff = world.user("school_staff")
    due, called, calm = (make_pupil(world.school_a, n, f"{n}son") for n in ("Dora", "Cole", "Cara"))
    missing(due, 8)  # stage 2, no meeting
    missing(called, 1)  # stage 1, called
    db.session.add(FirstDayCall(pupil_id=called.id, school_id=world.school_a.id, call_date=date(2026, 11, 24),
                                outcome="reason_given", recorded_by_id=staff.id))
    db.session.commit()
    client.login(staff)
    page = client.get(f"/schools/{world.school_a.id}/attendance?group=stage_due").text
    assert "Dorason" in page and "Coleson" not in page and "Carason" not in page
    assert "Stage meeting due" in page and "Meeting due" in page
    everyone = client.get(f"/schools/{world.school_a.id}/attendance").text
    row = everyone[everyone.index("Coleson"):]
    assert "Stage 1" in row[:row.index("</tr>")] and "due" not in row[:row.index("</tr>")]
    csv = client.get(f"/schools/{world.school_a.id}/attendance.csv?group=stage_due").text
    assert "Dorason" in csv and "Coleson" not in csv and csv.splitlines()[0].endswith("school_stage,stage_meeting_due")


def test_the_school_view_asks_the_same_queries_whatever_the_number_of_pupils(client, world):
    _pupils(world, 4)
    client.login(world.user("school_staff"))
    urls = [f"/schools/{world.school_a.id}/attendance", f"/schools/{world.school_a.id}/attendance?group=stage_due"]
    small = [len(queries(client, url)) for url in urls]
    _pupils(world, 60, start=4)
    assert [len(queries(client, url)) for url in urls] == small
