"""Importing marks: all or nothing, row errors, re-imports, scope, file checks."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.attendance import calc
from portal.attendance.models import AttendanceMark, MarkChange, PupilWeek
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY, counts, latest_job, marks_csv, upload
from tests.factories import make_pupil


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def _week(pupil, start="2026-11-16", codes=("/", "\\") * 5):
    day = date.fromisoformat(start)
    rows = []
    for i in range(0, len(codes), 2):
        d = (day + timedelta(days=i // 2)).isoformat()
        rows.append((pupil.upn, d, "AM", codes[i]))
        rows.append((pupil.upn, d, "PM", codes[i + 1]))
    return rows


def test_a_valid_file_imports_and_keeps_the_weekly_summary(client, world):
    pupil = make_pupil(world.school_a)
    codes = ("/", "\\", "N", "N", "I", "\\", "L", "U", "#", "#")
    db.session.commit()
    client.login(world.user("school_staff"))
    response = upload(client, marks_csv(_week(pupil, codes=codes)))
    assert response.status_code == 303
    job = latest_job()
    assert (job.status, job.rows, job.added, job.changed, job.unchanged) == ("done", 10, 10, 0, 0)
    week = db.session.get(PupilWeek, (pupil.id, date(2026, 11, 16)))
    categories = {c: cat for c, _, cat in __import__("portal.attendance.codes", fromlist=["CODES"]).CODES}
    expected = calc.totals_for_codes(codes, categories)
    assert (week.possible, week.attended, week.authorised, week.unauthorised, week.late, week.open_sessions) == \
        (expected.possible, expected.attended, expected.authorised, expected.unauthorised, expected.late,
         expected.open_sessions) == (8, 4, 1, 3, 2, 8)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "10 marks imported" in page


@pytest.mark.parametrize("row,field,message", [
    (("{other}", "2026-11-16", "AM", "/"), "upn", "is not a pupil of your school"),
    (("N999999999999", "2026-11-16", "AM", "/"), "upn", "is not a pupil of your school"),
    (("{upn}", "2026-02-30", "AM", "/"), "date", "must be a real date"),
    (("{upn}", "16/11/2026", "AM", "/"), "date", "must be a real date"),
    (("{upn}", "2026-12-01", "AM", "/"), "date", "is in the future"),
    (("{upn}", "2026-11-16", "XX", "/"), "session", "Session must be AM or PM"),
    (("{upn}", "2026-11-16", "AM", "ZZ"), "code", "Unknown register code"),
    (("{upn}", "2026-11-17", "AM"), "row", "Expected 4 values"),
    (("{upn}", "2026-11-16", "AM", "\\"), "row", "Duplicate of row 2"),
])
def test_any_bad_row_rejects_the_whole_file(client, world, row, field, message):
    pupil = make_pupil(world.school_a)
    other = make_pupil(world.school_b)
    db.session.commit()
    client.login(world.user("school_staff"))
    good = (pupil.upn, "2026-11-16", "AM", "/")
    before = counts()
    bad = tuple(v.format(upn=pupil.upn, other=other.upn) for v in row)
    upload(client, marks_csv([good, (pupil.upn, "2026-11-18", "PM", "\\"), bad]))
    job = latest_job()
    assert job.status == "failed" and job.error_count == 1
    assert job.errors[0][0] == 4 and job.errors[0][1] == field and message in job.errors[0][2]
    assert counts() == before
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Nothing was imported" in page and message.split("{")[0].replace("'", "&#39;") in page


def test_every_error_is_listed_and_downloadable(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    rows = [(pupil.upn, "2026-11-16", "AM", "=HYPERLINK(1)")] + \
           [(pupil.upn, "2026-11-16", "PM", f"Q{i}") for i in range(150)]
    upload(client, marks_csv(rows))
    job = latest_job()
    assert job.error_count == 151 and len(job.errors) == 100
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "The first 100 of 151 problems" in page
    download = client.get(f"/imports/{job.id}/errors.csv")
    assert download.headers["Content-Disposition"].startswith("attachment")
    lines = download.get_data(as_text=True).strip().splitlines()
    assert lines[0] == "row,field,message" and len(lines) == 152
    assert all(not cell.startswith("=") for line in lines for cell in line.split(","))


def test_reimport_replaces_marks_and_counts_changed_and_unchanged(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv(_week(pupil)))
    assert latest_job().added == 10
    corrected = _week(pupil)
    corrected[2] = (pupil.upn, "2026-11-17", "AM", "N")
    corrected[3] = (pupil.upn, "2026-11-17", "PM", "I")
    corrected.append((pupil.upn, "2026-11-13", "AM", "/"))
    upload(client, marks_csv(corrected), reason="corrected_after_enquiry")
    job = latest_job()
    assert (job.added, job.changed, job.unchanged) == (1, 2, 8)
    mark = db.session.get(AttendanceMark, (pupil.id, date(2026, 11, 17), "AM"))
    assert mark.code == "N"
    changes = db.session.scalars(select(MarkChange).order_by(MarkChange.id)).all()
    assert [(c.old_code, c.new_code, c.changed_by_id) for c in changes] == \
        [("/", "N", world.user("school_staff").id), ("\\", "I", world.user("school_staff").id)]
    week = db.session.get(PupilWeek, (pupil.id, date(2026, 11, 16)))
    assert (week.attended, week.authorised, week.unauthorised) == (8, 1, 1)
    assert db.session.get(PupilWeek, (pupil.id, date(2026, 11, 9))).possible == 1


def test_school_user_cannot_import_for_another_schools_pupil(client, world):
    other = make_pupil(world.school_b)
    db.session.commit()
    client.login(world.user("school_staff"))
    before = counts()
    upload(client, marks_csv([(other.upn, "2026-11-16", "AM", "/")]))
    job = latest_job()
    assert job.status == "failed" and "is not a pupil of your school" in job.errors[0][2]
    assert counts() == before


def test_admin_imports_for_any_school(client, world):
    a, b = make_pupil(world.school_a), make_pupil(world.school_b)
    db.session.commit()
    client.login(world.user("la_admin"))
    upload(client, marks_csv([(a.upn, "2026-11-16", "AM", "/"), (b.upn, "2026-11-16", "AM", "/")]))
    assert latest_job().status == "done" and latest_job().added == 2


def test_upns_are_matched_trimmed_and_upper_cased(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv([(f" {pupil.upn.lower()} ", "2026-11-16", "am", "/")]))
    assert latest_job().status == "done"


@pytest.mark.parametrize("filename,text,message", [
    ("marks.xlsx", "upn,date,session,code\n", "must be a CSV file"),
    ("marks.csv", "pupil,day,code\nx,y,z\n", "first line of the file must be the column names"),
    ("marks.csv", "", "first line of the file must be the column names"),
])
def test_files_that_are_not_our_csv_are_refused_on_the_page(client, world, filename, text, message):
    client.login(world.user("school_staff"))
    response = upload(client, text, filename=filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert latest_job() is None


def test_binary_file_is_refused(client, world):
    import io

    client.login(world.user("school_staff"))
    client.get("/imports")
    response = client.post("/imports", data={
        "kind": "marks", "csrf_token": client.token(),
        "file": (io.BytesIO(b"PK\x03\x04\x00\x00binary\xff\xfe"), "marks.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The file must be a CSV file saved as text (UTF-8), not a spreadsheet" in response.get_data(as_text=True)
    assert latest_job() is None


def test_too_large_file_gets_413(app, client, world):
    client.login(world.user("school_staff"))
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = upload(client, marks_csv([("X" * 13, "2026-11-16", "AM", "/")] * 200))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_import_is_audited_with_who_and_what(client, world):
    from portal.audit import AuditEvent

    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv(_week(pupil)))
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "attendance_imported"))
    assert entry.actor_id == world.user("school_staff").id
    assert entry.changes["added"]["to"] == 10


def test_someone_elses_import_is_404(client, other_client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv(_week(pupil)))
    job = latest_job()
    other_client.login(world.user("school_staff_b"))
    assert other_client.get(f"/imports/{job.id}").status_code == 404
    assert other_client.get(f"/imports/{job.id}/progress").status_code == 404


def test_progress_fragment_polls_until_finished(client, world):
    from tests.factories import make_import_job

    job = make_import_job(world.user("school_staff"), world.school_a, status="running")
    job.progress, job.phase = 40, "Checking rows"
    db.session.commit()
    client.login(world.user("school_staff"))
    fragment = client.get(f"/imports/{job.id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:700ms"' in fragment and 'value="40"' in fragment
    job.status = "done"
    db.session.commit()
    fragment = client.get(f"/imports/{job.id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in fragment and "imported" in fragment


def test_cli_import(app, world, tmp_path):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    path = tmp_path / "marks.csv"
    path.write_text(marks_csv(_week(pupil)))
    admin = world.user("la_admin").email
    result = app.test_cli_runner().invoke(args=["import-attendance", str(path), "--school", world.school_a.urn,
                                                "--as", admin])
    assert result.exit_code == 0, result.output
    assert "10 added" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(marks_csv([(pupil.upn, "2026-11-16", "AM", "??")]))
    result = app.test_cli_runner().invoke(args=["import-attendance", str(bad), "--as", admin])
    assert result.exit_code != 0 and "Unknown register code" in result.output


def test_a_second_file_for_the_same_week_keeps_the_whole_week(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv([(pupil.upn, "2026-11-16", "AM", "/"), (pupil.upn, "2026-11-16", "PM", "N")]))
    upload(client, marks_csv([(pupil.upn, "2026-11-17", "AM", "I"), (pupil.upn, "2026-11-17", "PM", "\\")]))
    assert latest_job().added == 2
    week = db.session.get(PupilWeek, (pupil.id, date(2026, 11, 16)))
    assert (week.possible, week.attended, week.authorised, week.unauthorised, week.last_date) == \
        (4, 2, 1, 1, date(2026, 11, 17))
