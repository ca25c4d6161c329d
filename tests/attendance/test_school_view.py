"""The school attendance view, key groups, export, and need-to-know on pupils."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from portal import pagecache
from portal.attendance import summaries
from portal.audit import AuditEvent
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import latest_job, marks_csv, upload
from tests.factories import make_pupil

# Saturday after the last marks (16-20 Nov): the rolling window comes from the calendar, and on
# a school day (Monday 23 Nov) the window would already hold that week, dropping 7 Sep.
TODAY = date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def _weeks(pupil, absent_per_week: int, code="N", weeks=10, last_code="/"):
    """Ten school weeks ending 16-20 Nov 2026, skipping half-term (26-30 Oct)."""
    rows = []
    monday = date(2026, 11, 16)
    done = 0
    while done < weeks:
        if monday != date(2026, 10, 26):
            missed = 0
            for d in range(5):
                day = monday + timedelta(days=d)
                for session in ("AM", "PM"):
                    mark = code if missed < absent_per_week else ("/" if session == "AM" else "\\")
                    if day == date(2026, 11, 20) and session == "AM":
                        mark = last_code
                    missed += mark == code
                    rows.append((pupil.upn, day.isoformat(), session, mark))
            done += 1
        monday -= timedelta(days=7)
    return rows


@pytest.fixture
def school_a_data(app, client, world):
    good = make_pupil(world.school_a, "Greta", "Good", fsm=True)
    risky = make_pupil(world.school_a, "Ravi", "Risky", nc_year=5)          # 1 of 10 a week: 90% -> PA
    at_risk = make_pupil(world.school_a, "Ada", "Atrisk", nc_year=5)
    absent = make_pupil(world.school_a, "Sol", "Severe", looked_after=True)  # 6 of 10: 40%
    other = make_pupil(world.school_b, "Bea", "Otherschool")
    db.session.commit()
    rows = (_weeks(good, 0) + _weeks(risky, 1) + _weeks(absent, 6) + _weeks(other, 0)
            + _weeks(at_risk, 0, last_code="L"))
    # at_risk: 7 sessions of illness over ten weeks -> 93%
    rows = [r if not (r[0] == at_risk.upn and r[2] == "PM" and r[1] in
                      {"2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-09",
                       "2026-11-10"})
            else (r[0], r[1], r[2], "I") for r in rows]
    admin = app.test_client()
    admin.login(world.user("la_admin"))
    upload(admin, marks_csv(rows))
    assert latest_job().status == "done", latest_job().errors
    client.login(world.user("la_admin"))
    return {"good": good, "risky": risky, "at_risk": at_risk, "severe": absent, "other": other}


def test_key_groups_and_bands(client, world, school_a_data):
    ctx = summaries.school_context(world.school_a.id)
    assert ctx.last_day == date(2026, 11, 20)
    counts = summaries.key_group_counts(ctx)
    # risky: 10 unauthorised in 10 school weeks -> threshold reached; severe: 60
    assert {k: counts[k] for k in ("at_risk", "persistent", "over_threshold", "absent_last_day", "all")} == {
        "at_risk": 1, "persistent": 2, "over_threshold": 2, "absent_last_day": 1, "all": 4}
    page = client.get(f"/schools/{world.school_a.id}/attendance").get_data(as_text=True)
    assert "Otherschool" not in page
    for name in ("Good", "Risky", "Atrisk", "Severe"):
        assert name in page
    persistent = _rows(client, f"/schools/{world.school_a.id}/attendance?group=persistent")
    assert "Risky" in persistent and "Severe, Sol" in persistent and "Good" not in persistent
    threshold = _rows(client, f"/schools/{world.school_a.id}/attendance?group=over_threshold")
    assert "Risky" in threshold and "Atrisk" not in threshold
    last_day = _rows(client, f"/schools/{world.school_a.id}/attendance?group=absent_last_day")
    assert "Atrisk" in last_day and "Good" not in last_day  # late (L) counts


def _rows(client, url):
    return client.get(url).get_data(as_text=True).split('id="school-rows"')[1]


def test_filters_and_sort(client, world, school_a_data):
    url = f"/schools/{world.school_a.id}/attendance"
    assert "Greta" not in _rows(client, url + "?band=severe")
    assert "Sol" in _rows(client, url + "?band=severe")
    year5 = _rows(client, url + "?year=5")
    assert "Risky" in year5 and "Severe, Sol" not in year5
    cla = _rows(client, url + "?cohort=looked_after")
    assert "Severe, Sol" in cla and "Good" not in cla
    by_attendance = _rows(client, url + "?sort=attendance")
    assert by_attendance.index("Severe, Sol") < by_attendance.index("Risky") < by_attendance.index("Good")
    bad = client.get(url + "?year=abc")
    assert bad.status_code == 422


def test_filter_via_htmx_returns_only_the_rows(client, world, school_a_data):
    response = client.get(f"/schools/{world.school_a.id}/attendance?band=severe",
                          headers={"HX-Request": "true", "HX-Target": "school-rows"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="school-rows"') and "<html" not in html
    assert "Severe, Sol" in html and "Good" not in html


def test_export_is_scoped_safe_and_audited(client, world, school_a_data):
    p = school_a_data["good"]
    p = db.session.get(type(p), p.id)
    p.legal_forename = "=HYPERLINK(\"x\")"
    db.session.commit()
    response = client.get(f"/schools/{world.school_a.id}/attendance.csv?group=persistent")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "upn" and len(rows) == 3
    everyone = list(csv.reader(io.StringIO(client.get(f"/schools/{world.school_a.id}/attendance.csv")
                                            .get_data(as_text=True))))
    assert any(r[1] == "'=HYPERLINK(\"x\")" for r in everyone)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "attendance_exported")) is not None


def test_school_user_sees_only_own_school(other_client, world, school_a_data):
    client = other_client
    client.login(world.user("school_staff_b"))
    other_pupil = school_a_data["risky"]
    assert client.get(f"/pupils/{other_pupil.id}").status_code == 404
    assert client.get(f"/schools/{world.school_a.id}/attendance").status_code == 404
    assert client.get(f"/schools/{world.school_a.id}/attendance.csv").status_code == 404
    found = client.get("/pupils?q=risky").get_data(as_text=True)
    assert "Risky" not in found and "No pupils match" in found
    assert "Otherschool" in client.get("/pupils?q=otherschool").get_data(as_text=True)


def test_named_ewo_sees_the_schools_they_serve(other_client, world, school_a_data):
    client = other_client
    client.login(world.user("ewo"))
    assert client.get(f"/pupils/{school_a_data['risky'].id}").status_code == 200
    assert client.get(f"/pupils/{school_a_data['other'].id}").status_code == 404
    assert client.get(f"/schools/{world.school_b.id}/attendance").status_code == 404


@pytest.mark.parametrize("role", ["police", "social_care", "early_help", "panel_chair"])
def test_agencies_see_no_pupils_yet(other_client, world, school_a_data, role):
    client = other_client
    client.login(world.user(role))
    assert client.get("/pupils?q=risky").status_code == 403
    assert client.get(f"/pupils/{school_a_data['risky'].id}").status_code in (403, 404)
    assert client.get(f"/schools/{world.school_a.id}/attendance").status_code in (403, 404)


def test_pupil_page_shows_summary_threshold_and_register(client, world, school_a_data):
    pupil = school_a_data["risky"]
    response = client.get(f"/pupils/{pupil.id}")
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "90.0%" in html and "Persistent absence" in html
    assert "The national threshold of 10 unauthorised sessions" in html
    assert '<svg viewBox' in html and 'id="weekly-table"' in html and "app-register" in html
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "pupil_viewed"))
    assert viewed.object_id == pupil.id and viewed.actor_id == world.user("la_admin").id


def test_rolling_window_skips_half_term(world, school_a_data):
    """Ten school weeks back from 20 Nov reach 7 Sep: half-term (26 Oct) is not a school week."""
    assert summaries.school_window_start(world.school_a.id, TODAY) == date(2026, 9, 7)
    summary = summaries.pupil_summary(school_a_data["risky"], TODAY)
    assert summary.unauthorised_in_window == 10 and summary.threshold_reached


def _count_queries(client, url):
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


def test_pages_make_the_same_number_of_queries_whatever_the_data(client, world):
    client.login(world.user("la_admin"))
    first = make_pupil(world.school_a)
    db.session.commit()

    def add(n, weeks):
        pupils = [make_pupil(world.school_a, fsm=i % 2 == 0, ehc_plan=i % 3 == 0) for i in range(n)]
        db.session.commit()
        rows = [r for p in pupils for r in _weeks(p, 1, weeks=2)]
        rows += [r for r in _weeks(first, 1, weeks=weeks) if r[1] < "2026-11-16" or weeks == 1]
        upload(client, marks_csv(rows))
        assert latest_job().status == "done", latest_job().errors

    add(10, 1)
    small = _count_queries(client, f"/schools/{world.school_a.id}/attendance")
    small_pupil = _count_queries(client, f"/pupils/{first.id}")
    add(90, 10)  # ten times the pupils, and nine more weeks for the first one
    assert _count_queries(client, f"/schools/{world.school_a.id}/attendance") == small
    assert _count_queries(client, f"/pupils/{first.id}") == small_pupil


def test_pages_count_every_pupil_and_a_page_past_the_end_shows_the_last(client, world, school_a_data):
    """One query gives a page and the total (count over the window); past the end: the last page."""
    for n in range(52):  # 4 with marks + 52 without: two pages of 50
        make_pupil(world.school_a, f"Extra{n:02d}", "Zpaged")
    db.session.commit()
    url = f"/schools/{world.school_a.id}/attendance"
    first = client.get(url).get_data(as_text=True)
    assert "56 pupils" in first or "of 56" in first
    second = _rows(client, url + "?page=2")
    assert second.count("Zpaged") == 6
    past = client.get(url + "?page=9")
    assert past.status_code == 200
    assert re.findall(r"Extra\d\d", _rows(client, url + "?page=9")) == re.findall(r"Extra\d\d", second)
    filtered = client.get(url + "?band=severe&page=3").get_data(as_text=True)
    assert "Severe, Sol" in filtered.split('id="school-rows"')[1]
