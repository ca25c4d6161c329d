"""Imports: who and from where (web, worker, command line), the uploaded files' short and
private life, and no answer that tells a school about another school's UPNs."""
from __future__ import annotations

import csv
import io
import os
import stat
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.attendance import imports
from portal.audit import AuditEvent
from portal.extensions import db
from portal.pupils.imports import PUPIL_HEADER
from portal.pupils.upn import make_upn
from portal.timeutil import utcnow
from tests import clock
from tests.attendance.helpers import TODAY, latest_job, marks_csv, upload
from tests.factories import make_pupil


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def _entries(*verbs) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.verb.in_(verbs)).order_by(AuditEvent.id)))


def _pupils_row(upn: str, urn: str = "", surname: str = "Adebayo") -> str:
    flags = ["N"] * 7
    return ",".join([upn, "Oluwaseun", surname, "", "", "2017-03-14", "4", urn, "2026-11-02", "12 Orchard Grove",
                     "DB3 4PQ", *flags, "Funmi Adebayo", "Mother", "07700 900123", "funmi@example.org", "Y"])


def _private(path: str) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) == 0o600


# ----- who and from where --------------------------------------------------------------------------

def test_a_web_import_records_the_uploader_and_their_address(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    user = world.user("school_staff")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"  # request.remote_addr (after ProxyFix, if any)
    client.login(user)
    upload(client, marks_csv([(pupil.upn, "2026-11-16", "AM", "/")]))
    job = latest_job()
    assert (job.status, job.uploaded_by_id, job.uploaded_from) == ("done", user.id, "203.0.113.7")
    entries = _entries("import_uploaded", "attendance_imported")
    assert [(e.verb, e.actor_id, e.ip) for e in entries] == [
        ("import_uploaded", user.id, "203.0.113.7"), ("attendance_imported", user.id, "203.0.113.7")]
    assert entries[1].actor_label == f"{user.name} <{user.email}>"
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert f"by {user.name} from 203.0.113.7" in page


def test_a_pupils_import_names_the_uploader_on_every_entry(client, world):
    pupil = make_pupil(world.school_a, surname="Before")
    db.session.commit()
    user = world.user("school_staff")
    client.login(user)
    header = ",".join(PUPIL_HEADER)
    upload(client, f"{header}\n{_pupils_row(pupil.upn, surname='After')}\n", kind="pupils", filename="p.csv")
    assert latest_job().status == "done", latest_job().errors
    entries = _entries("pupils_imported", "pupil_updated")
    assert {(e.verb, e.actor_id, e.actor_label, e.ip) for e in entries} == {
        ("pupils_imported", user.id, f"{user.name} <{user.email}>", "127.0.0.1"),
        ("pupil_updated", user.id, f"{user.name} <{user.email}>", "127.0.0.1")}


def test_a_failed_import_is_audited_with_who_and_from_where(client, world):
    user = world.user("school_staff")
    client.login(user)
    upload(client, marks_csv([("N999999999999", "2026-11-16", "AM", "/")]))
    [entry] = _entries("attendance_import_failed")
    assert (entry.actor_id, entry.ip, entry.object_id) == (user.id, "127.0.0.1", latest_job().id)
    assert "1 problem" in entry.summary


def test_a_worker_writes_the_uploaders_name_and_address(app, world, tmp_path):
    """A job run outside any request (a thread or an RQ worker) takes who and where from the job."""
    from portal.attendance import jobs
    from portal.attendance.models import ImportJob

    pupil = make_pupil(world.school_a)
    user = world.user("la_admin")
    path = tmp_path / "marks.csv"
    path.write_text(marks_csv([(pupil.upn, "2026-11-16", "AM", "/")]))
    job = ImportJob(kind="marks", school_id=None, uploaded_by_id=user.id, uploaded_from="198.51.100.4",
                    filename="marks.csv", path=str(path), size_bytes=path.stat().st_size)
    db.session.add(job)
    db.session.commit()
    jobs.run(job.id)  # no request context here
    [entry] = _entries("attendance_imported")
    assert (entry.actor_id, entry.actor_label, entry.ip) == (user.id, f"{user.name} <{user.email}>", "198.51.100.4")
    assert not path.exists()  # and the upload is gone


def test_the_command_line_import_needs_a_user_and_records_them(app, world, tmp_path):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    path = tmp_path / "marks.csv"
    path.write_text(marks_csv([(pupil.upn, "2026-11-16", "AM", "/")]))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-attendance", str(path)])
    assert refused.exit_code != 0 and "--as EMAIL" in refused.output
    assert runner.invoke(args=["import-attendance", str(path), "--as", "nobody@test.example"]).exit_code != 0
    police = runner.invoke(args=["import-attendance", str(path), "--as", world.user("police").email])
    assert police.exit_code != 0 and "may not import" in police.output
    other = runner.invoke(args=["import-attendance", str(path), "--as", world.user("school_staff").email,
                                "--school", world.school_b.urn])
    assert other.exit_code != 0 and "only for their own school" in other.output
    assert latest_job() is None  # nothing was started

    user = world.user("school_staff")
    result = runner.invoke(args=["import-attendance", str(path), "--as", user.email.upper()])
    assert result.exit_code == 0, result.output
    job = latest_job()
    assert (job.uploaded_by_id, job.school_id) == (user.id, world.school_a.id)
    assert job.uploaded_from.startswith("command line (")
    entries = _entries("import_uploaded", "attendance_imported")
    assert [(e.verb, e.actor_id, e.ip) for e in entries] == [
        ("import_uploaded", user.id, job.uploaded_from), ("attendance_imported", user.id, job.uploaded_from)]
    assert not os.path.exists(job.path)  # the copy under instance/imports is gone
    assert path.exists()  # the operator's own file is theirs


# ----- the uploaded files ----------------------------------------------------------------------------

def test_an_upload_is_private_and_deleted_when_its_job_is_done(app, client, world, monkeypatch):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    seen = {}
    real = imports.import_marks

    def spy(job, **kwargs):
        seen["mode"] = stat.S_IMODE(os.stat(job.path).st_mode)
        seen["folder"] = os.path.dirname(job.path)
        return real(job, **kwargs)

    monkeypatch.setattr(imports, "import_marks", spy)
    client.login(world.user("school_staff"))
    upload(client, marks_csv([(pupil.upn, "2026-11-16", "AM", "/")]))
    job = latest_job()
    assert job.status == "done"
    assert seen == {"mode": 0o600, "folder": os.path.join(app.instance_path, "imports")}
    assert not os.path.exists(job.path)
    assert not os.path.exists(imports.errors_path(job))


def test_a_failed_job_keeps_only_its_private_error_report_for_a_while(app, client, world, monkeypatch):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, marks_csv([(pupil.upn, "2026-11-16", "AM", "??")]))
    job = latest_job()
    assert job.status == "failed"
    assert not os.path.exists(job.path)
    report = imports.errors_path(job)
    assert _private(report)
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "The uploaded file has been deleted" in page and "can be downloaded until" in page
    assert client.get(f"/imports/{job.id}/errors.csv").status_code == 200
    # After IMPORT_ERRORS_DAYS the report is gone, even before a restart sweeps it.
    monkeypatch.setitem(app.config, "IMPORT_ERRORS_DAYS", 0)
    assert client.get(f"/imports/{job.id}/errors.csv").status_code == 404
    assert not os.path.exists(report)
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "can be downloaded until" not in page and "was deleted" in page and "Unknown register code" in page


def test_a_job_that_crashes_still_deletes_its_upload(app, world, tmp_path, monkeypatch):
    from portal.attendance import jobs
    from portal.attendance.models import ImportJob

    def boom(job, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "import_marks", boom)
    path = tmp_path / "marks.csv"
    path.write_text("upn,date,session,code\n")
    user = world.user("school_staff")
    job = ImportJob(kind="marks", school_id=world.school_a.id, uploaded_by_id=user.id, uploaded_from="192.0.2.9",
                    filename="marks.csv", path=str(path), size_bytes=1)
    db.session.add(job)
    db.session.commit()
    jobs.run(job.id)
    assert latest_job().status == "failed" and not path.exists()
    [entry] = _entries("attendance_import_failed")
    assert (entry.actor_id, entry.ip) == (user.id, "192.0.2.9")


def test_the_command_line_copy_is_private(app, world, tmp_path, monkeypatch):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    path = tmp_path / "marks.csv"
    path.write_text(marks_csv([(pupil.upn, "2026-11-16", "AM", "/")]))
    os.chmod(path, 0o644)
    seen = {}
    real = imports.import_marks

    def spy(job, **kwargs):
        seen["mode"] = stat.S_IMODE(os.stat(job.path).st_mode)
        return real(job, **kwargs)

    monkeypatch.setattr(imports, "import_marks", spy)
    result = app.test_cli_runner().invoke(args=["import-attendance", str(path), "--as", world.user("la_admin").email])
    assert result.exit_code == 0, result.output
    assert seen == {"mode": 0o600}


def test_start_up_sweeps_old_uploads_and_expired_error_reports(app, tmp_path, monkeypatch):
    from portal import create_app
    from portal.attendance import uploads

    folder = tmp_path / "imports"
    folder.mkdir()
    now = time.time()
    ages = {"old-upload.csv": 25, "new-upload.csv": 23, "x.csv.1.errors.csv": 24 * 6,
            "y.csv.2.errors.csv": 24 * 8, "notes.txt": 24 * 30}
    for name, hours in ages.items():
        (folder / name).write_text("x")
        os.utime(folder / name, (now - hours * 3600, now - hours * 3600))
    os.chmod(folder, 0o755)  # as older versions left it
    assert uploads.sweep(str(folder), errors_days=7, now=now) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["new-upload.csv", "notes.txt", "x.csv.1.errors.csv"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    # ...and every start of the app (web, worker, command) runs it on instance/imports.
    calls = []
    monkeypatch.setattr(uploads, "sweep", lambda path, errors_days: calls.append((path, errors_days)))
    started = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "IMPORT_ERRORS_DAYS": 3})
    assert calls == [(os.path.join(started.instance_path, "imports"), 3)]


# ----- no oracle for other schools' UPNs -------------------------------------------------------------

def test_a_school_cannot_tell_another_schools_upn_from_an_unknown_one(client, world):
    mine = make_pupil(world.school_a)
    theirs = make_pupil(world.school_b)
    db.session.commit()
    unknown = make_upn("9999", 19, 1)  # a valid UPN nobody has
    client.login(world.user("school_staff"))
    upload(client, marks_csv([(mine.upn, "2026-11-16", "AM", "/"), (theirs.upn, "2026-11-16", "AM", "/"),
                              (unknown, "2026-11-16", "AM", "/")]))
    job = latest_job()
    assert job.status == "failed" and job.error_count == 2
    first, second = (m.replace(theirs.upn, "<UPN>").replace(unknown, "<UPN>") for _, _, m in job.errors)
    assert first == second == "<UPN> is not a pupil of your school – import the pupil first if they have joined it"
    report = client.get(f"/imports/{job.id}/errors.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(report)))[1:]
    assert [m.replace(theirs.upn, "<UPN>").replace(unknown, "<UPN>") for _, _, m in rows] == [first, first]
    assert "another school" not in report and "Unknown" not in report


def test_a_school_importing_pupils_is_not_told_whose_pupil_a_upn_is(client, world):
    theirs = make_pupil(world.school_b)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, f"{','.join(PUPIL_HEADER)}\n{_pupils_row(theirs.upn)}\n", kind="pupils", filename="p.csv")
    job = latest_job()
    [(_, field, message)] = job.errors
    assert field == "upn" and message.startswith(f"{theirs.upn} is not a pupil of your school")
    report = client.get(f"/imports/{job.id}/errors.csv").get_data(as_text=True)
    assert "another school" not in report and "roll" not in report


def test_the_la_keeps_the_precise_answer(client, world):
    theirs = make_pupil(world.school_b)
    db.session.commit()
    unknown = make_upn("9999", 19, 1)
    client.login(world.user("la_admin"))
    upload(client, marks_csv([(theirs.upn, "2026-11-16", "AM", "/"), (unknown, "2026-11-16", "AM", "/")]),
           school_id=world.school_a.id)
    job = latest_job()
    assert [m for _, _, m in job.errors] == [f"{theirs.upn} is a pupil of another school",
                                             f"Unknown UPN {unknown} – import the pupil first"]
    upload(client, f"{','.join(PUPIL_HEADER)}\n{_pupils_row(theirs.upn)}\n", kind="pupils", filename="p.csv",
           school_id=world.school_a.id)
    assert "another school's roll" in latest_job().errors[0][2]


def test_the_error_report_is_kept_for_import_errors_days(app, world):
    from portal.attendance import uploads
    from tests.factories import make_import_job

    job = make_import_job(world.user("school_staff"), world.school_a, status="failed")
    job.finished_at = utcnow() - timedelta(days=6)
    db.session.commit()
    assert not uploads.errors_expired(job.finished_at)
    assert uploads.errors_kept_until(job.finished_at) > utcnow()
    job.finished_at = utcnow() - timedelta(days=7, minutes=1)
    assert uploads.errors_expired(job.finished_at)
