"""Amendments (the 2024 registration regulations): a file that changes a mark already held needs
a reason; each amended mark keeps the original and the amended entry, the reason, the date and
the name and position of the person who made it; the pupil's register shows them."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.attendance.models import AttendanceMark, MarkChange
from portal.audit import AuditEvent
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY, counts, latest_job, marks_csv, upload
from tests.factories import make_pupil


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def _monday_tuesday(pupil, mon_am="/", tue_am="/"):
    return [(pupil.upn, "2026-11-16", "AM", mon_am), (pupil.upn, "2026-11-16", "PM", "\\"),
            (pupil.upn, "2026-11-17", "AM", tue_am), (pupil.upn, "2026-11-17", "PM", "\\")]


@pytest.fixture
def imported(client, world):
    """School A's pupil with four marks (Mon 16 and Tue 17 Nov 2026), imported by school staff."""
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv(_monday_tuesday(pupil)))
    assert latest_job().added == 4
    return pupil


def test_a_file_that_changes_marks_without_a_reason_fails_whole(client, world, imported):
    before = counts()
    # one mark changed (Tue AM / -> I), one added (Wed AM): nothing is written
    rows = _monday_tuesday(imported, tue_am="I") + [(imported.upn, "2026-11-18", "AM", "/")]
    upload(client, marks_csv(rows))
    job = latest_job()
    assert job.status == "failed" and job.error_count == 1
    assert job.errors == [[4, "code", "Changes the AM mark of 2026-11-17 from / to I: an amendment needs a reason "
                                      "– choose one when you upload the file (--reason on the command line)"]]
    assert "no reason was given" in job.message and "Nothing was imported" in job.message
    assert counts() == before
    assert db.session.get(AttendanceMark, (imported.id, date(2026, 11, 17), "AM")).code == "/"
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "upload it again with the reason for the amendment" in page


def test_a_file_that_only_adds_marks_needs_no_reason(client, world, imported):
    # the same four marks again (unchanged) and two new ones
    upload(client, marks_csv(_monday_tuesday(imported) + [(imported.upn, "2026-11-18", "AM", "/"),
                                                           (imported.upn, "2026-11-18", "PM", "N")]))
    job = latest_job()
    assert (job.status, job.added, job.changed, job.unchanged) == ("done", 2, 0, 4)


def test_an_amendment_keeps_the_original_the_reason_the_date_and_who_made_it(client, world, imported):
    staff = world.user("school_staff")
    upload(client, marks_csv(_monday_tuesday(imported, tue_am="I")), reason="late_illness")
    job = latest_job()
    assert (job.status, job.changed, job.reason) == ("done", 1, "Late evidence of illness")
    change = db.session.scalars(select(MarkChange)).one()
    assert (change.date, change.session, change.old_code, change.new_code) == (date(2026, 11, 17), "AM", "/", "I")
    assert change.reason == "Late evidence of illness"
    assert (change.changed_by_id, change.changed_by_name) == (staff.id, staff.name)
    assert change.changed_by_position == "School staff, School A"
    assert change.changed_at.date() == TODAY  # the date of the amendment
    # the position is a snapshot: a later change of role does not rewrite the register
    staff.name = "Someone Else"
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(select(MarkChange)).one().changed_by_name != "Someone Else"
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "attendance_imported")
                               .order_by(AuditEvent.id.desc())).first()
    assert "reason: Late evidence of illness" in entry.summary
    assert entry.changes["reason"] == {"from": None, "to": "Late evidence of illness"}


def test_other_needs_its_text(client, world, imported):
    response = upload(client, marks_csv(_monday_tuesday(imported, tue_am="I")), reason="other")
    assert response.status_code == 422
    assert "Enter the reason for changing the marks" in response.get_data(as_text=True)
    upload(client, marks_csv(_monday_tuesday(imported, tue_am="I")), reason="other",
           reason_other="Parent phoned: hospital appointment")
    assert latest_job().status == "done"
    assert db.session.scalars(select(MarkChange.reason)).one() == "Parent phoned: hospital appointment"


def test_the_pupils_register_shows_an_amended_mark_and_its_history(client, world, imported):
    upload(client, marks_csv(_monday_tuesday(imported, tue_am="I")), reason="late_illness")
    upload(client, marks_csv(_monday_tuesday(imported, tue_am="M")), reason="other",
           reason_other="Dental appointment letter seen")
    html = client.get(f"/pupils/{imported.id}").get_data(as_text=True)
    # the cell says it in words (not only a colour), and links to the history
    assert 'href="#amended-2026-11-17-AM"' in html and "amended: see its history" in html
    assert 'id="amended-2026-11-17-AM"' in html
    history = html[html.index('id="amended-marks"'):]
    first, second = history.index("/ (Present (AM)"), history.index("I (Illness")
    assert first < second
    assert "Late evidence of illness" in history and "Dental appointment letter seen" in history
    assert world.user("school_staff").name in history and "School staff, School A" in history
    # unamended sessions carry no marker
    assert 'href="#amended-2026-11-16-AM"' not in html


def test_the_command_line_takes_a_reason_and_the_user(app, world, tmp_path):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    path = tmp_path / "marks.csv"
    admin = world.user("la_admin")
    path.write_text(marks_csv(_monday_tuesday(pupil)))
    result = app.test_cli_runner().invoke(args=["import-attendance", str(path), "--as", admin.email])
    assert result.exit_code == 0, result.output
    path.write_text(marks_csv(_monday_tuesday(pupil, mon_am="N")))
    refused = app.test_cli_runner().invoke(args=["import-attendance", str(path), "--as", admin.email])
    assert refused.exit_code != 0 and "an amendment needs a reason" in refused.output
    done = app.test_cli_runner().invoke(args=["import-attendance", str(path), "--as", admin.email,
                                              "--reason", "Register taken in error"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    change = db.session.scalars(select(MarkChange)).one()
    assert (change.reason, change.changed_by_name, change.changed_by_position) == (
        "Register taken in error", admin.name, "LA administrator, Attendance Service")
