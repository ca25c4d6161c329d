"""A school's batch of notifications from a CSV file: every row checked by the form's rules
first, then all of it saved (an unknown destination opens an enquiry) or nothing, with every
problem listed by row and column; files that are not UTF-8 CSV, too big or without the header
are refused; only school staff reach it, and only for their own pupils."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import access
from portal.audit import AuditEvent
from portal.cme import upload
from portal.cme.models import CmeEnquiry, CmeNotification, JointEnquiry, NotificationStatus
from portal.extensions import db
from portal.orgs.models import User
from tests.demo import seed_demo
from tests.factories import build_world, make_pupil, make_user

URL = "/cme/notifications/upload"
HEADER = "upn,kind,ground,event_date,destination,previous_school,note\n"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audit(verb: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.verb == verb)))


def _upload(client, text: str | bytes, name: str = "batch.csv"):
    body = text.encode() if isinstance(text, str) else text
    return client.post_form(URL, {"file": (io.BytesIO(body), name)}, content_type="multipart/form-data")


@pytest.fixture
def school(client):
    world = build_world()
    pupils = [make_pupil(world.school_a, "Ada", "Absent"), make_pupil(world.school_a, "Bea", "Gone"),
              make_pupil(world.school_a, "Cal", "New")]
    other = make_pupil(world.school_b, "Dan", "Elsewhere")
    db.session.commit()
    client.login(world.user("school_staff"))
    return world, pupils, other


def test_a_good_batch_saves_every_row_and_opens_an_enquiry_for_an_unknown_destination(client, school):
    _world, (ada, bea, cal), _other = school
    text = (HEADER + f"{ada.upn},deletion,other_school,2026-11-20,Hill Academy,,\n"
            f"{bea.upn.lower()},Deletion,Moving away,20/11/2026,,,Family left without a forwarding address\n"
            f"{cal.upn},joiner,,2026-11-23,,St Mary's,\n\n")
    response = _upload(client, text)
    assert response.status_code == 303 and response.location.endswith("/cme/notifications")
    page = client.get("/cme/notifications").get_data(as_text=True)
    assert "The LA has been notified: 3 notifications made, 1 CME enquiry opened" in page
    by_pupil = {n.pupil_id: n for n in db.session.scalars(select(CmeNotification))}
    assert by_pupil[ada.id].destination == "Hill Academy" and by_pupil[ada.id].status == NotificationStatus.new
    assert by_pupil[bea.id].ground.value == "moving_away" and by_pupil[bea.id].status == NotificationStatus.enquiry
    assert by_pupil[cal.id].kind.value == "joining" and by_pupil[cal.id].previous_school == "St Mary's"
    assert str(by_pupil[bea.id].event_date) == "2026-11-20"
    [enquiry] = db.session.scalars(select(CmeEnquiry))
    assert enquiry.pupil_id == bea.id
    assert len(_audit("cme_notification_made")) == 3 and len(_audit("cme_enquiry_opened")) == 1
    [entry] = _audit("cme_notifications_uploaded")
    assert entry.changes["notified"]["to"] == 3 and entry.changes["enquiries"]["to"] == 1


def test_a_20_day_row_without_the_joint_enquiries_refuses_the_whole_file(client, school):
    _world, (ada, bea, _cal), _other = school
    text = (HEADER + f"{ada.upn},deletion,moving_away,2026-11-20,Leeds,,\n"
            f"{bea.upn},deletion,absence_20_days,2026-11-20,,,\n")
    response = _upload(client, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The file has 1 problem: nothing was notified" in html and "There is a problem" in html
    assert "needs the joint reasonable enquiries recorded first" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in html
    assert _count(CmeNotification) == 0 and _count(CmeEnquiry) == 0
    assert not _audit("cme_notification_made") and not _audit("cme_notifications_uploaded")


def test_the_20_day_row_is_saved_once_both_parts_of_the_joint_enquiries_are_recorded(client, school):
    world, (ada, _bea, _cal), _other = school
    officer = make_user(access.EWO, world.service, cme_officer=True)
    staff = world.user("school_staff")
    for party, who in (("school", staff), ("la", officer)):
        db.session.add(JointEnquiry(pupil_id=ada.id, party=party, done_on=date(2026, 11, 10),
                                    what_done="Calls and a home visit", recorded_by_id=who.id))
    db.session.commit()
    assert _upload(client, HEADER + f"{ada.upn},deletion,absence_20_days,2026-11-20,Hill Academy,,\n"
                   ).status_code == 303
    assert db.session.scalars(select(CmeNotification)).one().ground.value == "absence_20_days"


def test_every_bad_row_is_listed_by_row_and_column_and_nothing_is_saved(client, school):
    _world, (ada, bea, cal), other = school
    text = (HEADER + f"{ada.upn},deletion,other_school,2026-11-20,Hill Academy,,\n"   # good
            "A123,deletion,moving_away,2026-11-20,,,\n"                                 # 3: unknown UPN
            f"{other.upn},deletion,moving_away,2026-11-20,,,\n"                         # 4: another school's
            f"{bea.upn},deletion,moving_away,31/02/2026,,,\n"                           # 5: not a date
            f"{cal.upn},deletion,kidnapped,2026-11-20,,,\n"                             # 6: unknown ground
            f"{cal.upn},transfer,,2026-11-20,,,\n"                                      # 7: unknown kind
            f"{bea.upn},joiner,,2027-01-04,,,\n"                                        # 8: in the future
            f"{ada.upn},deletion,moving_away,2026-11-21,,,\n"                           # 9: ada twice
            f"{cal.upn},deletion,,,,,\n")                                               # 10: no ground, no date
    response = _upload(client, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The file has 9 problems: nothing was notified" in html
    cells = re.findall(r'<td class="govuk-table__cell[^>]*>([^<]*)</td>', html)
    assert [tuple(cells[i:i + 2]) for i in range(0, len(cells), 3)] == [
        ("3", "upn"), ("4", "upn"), ("5", "event_date"), ("6", "ground"), ("7", "kind"), ("8", "event_date"),
        ("9", "upn"), ("10", "ground"), ("10", "event_date")]
    for message in ("No pupil of your school has the UPN &#39;A123&#39;",
                    f"No pupil of your school has the UPN &#39;{other.upn}&#39;",
                    "The date must be a real date written YYYY-MM-DD or DD/MM/YYYY, not &#39;31/02/2026&#39;",
                    "Unknown ground &#39;kidnapped&#39;", "The kind must be deletion or joiner, not &#39;transfer&#39;",
                    "The date must be today or in the past", "The same pupil and kind as row 2",
                    "Select the ground for the deletion", "Enter the date of deletion or of joining"):
        assert message in html, message
    assert other.legal_surname not in html  # another school's pupil is not named
    assert _count(CmeNotification) == 0 and _count(CmeEnquiry) == 0 and not _audit("cme_notification_made")


@pytest.mark.parametrize("body, message", [
    ("upn,kind,date\nX,deletion,2026-11-20\n", "The first line must be the column names upn,kind,ground"),
    (b"\xff\xfe\x00u\x00p\x00n", "The file must be a CSV file (text in UTF-8)"),
    (b"PK\x03\x04\x14\x00\x06\x00", "The file must be a CSV file (text in UTF-8)"),
    (HEADER, "The file has no notifications in it"),
    (HEADER + "X,deletion\n", "Expected 7 values"),
    (HEADER + "X,deletion,,2026-11-20,,,\n" * 2001, "The file has more than 2000 rows: split it"),
    (HEADER + "X,deletion,,2026-11-20,,," + "x" * (1024 * 1024) + "\n", "The file must be smaller than 1 MB"),
])
def test_a_file_that_is_not_a_readable_csv_is_refused(client, school, body, message):
    response = _upload(client, body)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(CmeNotification) == 0


def test_no_file_is_refused_and_the_template_is_the_header_alone(client, school):
    response = client.post_form(URL, {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Select a CSV file" in response.get_data(as_text=True)
    page = client.get(URL).get_data(as_text=True)
    assert "/cme/notifications/upload/template" in page
    template = client.get("/cme/notifications/upload/template")
    assert template.status_code == 200 and "attachment" in template.headers["Content-Disposition"]
    assert template.get_data(as_text=True).strip() == HEADER.strip()
    assert "notify a batch from a CSV file" in client.get("/cme/notifications").get_data(as_text=True)


@pytest.mark.parametrize("role", [access.EWO, access.LA_ADMIN, access.SOCIAL_CARE, access.POLICE])
def test_only_school_staff_upload(client, role):
    world = build_world()
    pupil = make_pupil(world.school_a, "Ada", "Absent")
    if role == access.EWO:
        world.user(role).cme_officer = True  # even the LA's CME officer: only schools notify
    db.session.commit()
    client.login(world.user(role))
    assert client.get(URL).status_code == 403
    assert _upload(client, HEADER + f"{pupil.upn},deletion,moving_away,2026-11-20,,,\n").status_code == 403
    assert client.get("/cme/notifications/upload/template").status_code == 403
    assert _count(CmeNotification) == 0


def test_the_sample_file_is_valid_against_the_demo():
    """samples/cme-notifications.csv loads for Riverside's staff: 3 notified, 1 enquiry opened."""
    seed_demo("attend-demo-2026")
    staff = db.session.scalars(select(User).where(User.email == "school@demo.test")).one()
    with open("samples/cme-notifications.csv", "rb") as f:
        done = upload.upload(staff, f.read(), "cme-notifications.csv")
    assert (done.notified, done.enquiries) == (3, 1)
