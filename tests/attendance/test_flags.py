"""Rolling windows across school years, school weeks from the calendar, every threshold
crossing, and the statutory flags at their exact edges (issue 12). Marks are written straight
to the database (as a direct insert or an old import would have left them), then the weekly
summaries and the flags are recomputed through the import's own functions."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from portal.attendance import calendar, flags, summaries
from portal.attendance.imports import recompute_weeks
from portal.attendance.models import AttendanceMark, PupilFlag, ThresholdCrossing
from portal.extensions import db
from tests import clock
from tests.factories import make_pupil

d = date.fromisoformat


def write(pupil, marks: dict[tuple[date, str], str], as_of: date, fill: tuple[date, date] | None = None):
    """Write marks for a pupil; `fill` first marks every school day in the range present."""
    rows: dict[tuple[date, str], str] = {}
    if fill:
        for day in calendar.for_school(pupil.school_id).school_days(*fill):
            rows[(day, "AM")], rows[(day, "PM")] = "/", "\\"
    rows.update(marks)
    db.session.execute(insert(AttendanceMark), [
        {"pupil_id": pupil.id, "date": day, "session": s, "code": c} for (day, s), c in rows.items()])
    refresh(as_of)


def refresh(as_of: date):
    conn = db.session.connection()
    recompute_weeks(conn, conn.dialect.name, "SELECT id FROM pupils", date(2025, 1, 1), date(2028, 1, 1))
    flags.refresh(conn, as_of)
    db.session.commit()


def days(first: str, last: str, school_id) -> list[date]:
    return calendar.for_school(school_id).school_days(d(first), d(last))


def both(dates, code) -> dict[tuple[date, str], str]:
    return {(day, s): code for day in dates for s in ("AM", "PM")}


def pupil_flags(pupil, flag=None) -> list[PupilFlag]:
    stmt = select(PupilFlag).where(PupilFlag.pupil_id == pupil.id)
    if flag:
        stmt = stmt.where(PupilFlag.flag == flag)
    return list(db.session.scalars(stmt.order_by(PupilFlag.from_date)))


# ----- defect 1: the rolling window across school years, the same everywhere ------------------

def _cross_year_pupil(world):
    """2 unauthorised sessions in the week of 20 July 2026, then 1 a week from 7 September."""
    pupil = make_pupil(world.school_a, "Cross", "Year")
    other = make_pupil(world.school_a, "Never", "Absent")
    db.session.commit()
    marks = {(d("2026-07-20"), "AM"): "N", (d("2026-07-21"), "PM"): "O"}
    for monday in calendar.for_school(world.school_a.id).school_weeks(d("2026-09-07"), d("2026-11-06")):
        marks[(monday + timedelta(days=1), "AM")] = "N"  # Tuesdays
    with clock.on(d("2026-11-06")):
        write(other, {}, d("2026-11-06"), fill=(d("2026-07-13"), d("2026-11-06")))
        write(pupil, marks, d("2026-11-06"), fill=(d("2026-07-13"), d("2026-11-06")))
    return pupil


def _school_view(client, school_id, pupil, query=""):
    html = client.get(f"/schools/{school_id}/attendance{query}").get_data(as_text=True)
    rows = html.split('id="school-rows"')[1]
    return html, rows


def _csv_row(client, school_id, pupil, query=""):
    response = client.get(f"/schools/{school_id}/attendance.csv{query}")
    return next((r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True))) if r["upn"] == pupil.upn),
                None)


def test_window_reaches_back_into_last_school_year_everywhere_on_6_november(client, world):
    pupil = _cross_year_pupil(world)
    with clock.on(d("2026-11-06")):
        client.login(world.user("la_admin"))
        weeks = summaries.window_weeks(world.school_a.id, d("2026-11-06"))
        assert weeks[0] == d("2026-07-20") and d("2026-10-26") not in weeks and len(weeks) == 10
        assert summaries.pupil_summary(pupil).unauthorised_in_window == 10
        page = client.get(f"/pupils/{pupil.id}").get_data(as_text=True)
        assert ">10</span> unauthorised sessions in the last 10 school weeks (since 20 Jul 2026)" in page
        assert _csv_row(client, world.school_a.id, pupil)["unauthorised_last_10_school_weeks"] == "10"
        _, group = _school_view(client, world.school_a.id, pupil, "?group=over_threshold")
        assert "Year, Cross" in group and "Absent, Never" not in group
        html, rows = _school_view(client, world.school_a.id, pupil, "?sort=unauthorised")
        assert "<strong>10</strong>" in rows
        ctx = summaries.school_context(world.school_a.id)
        assert summaries.key_group_counts(ctx)["over_threshold"] == 1


def test_window_on_4_september_is_mostly_last_year(client, world):
    """On Fri 4 Sep 2026 the window is 3-4 Sep and the last 9 school weeks of summer 2026
    (back to 18 May, over the May half-term); one unauthorised session in each makes 10."""
    pupil = make_pupil(world.school_a, "Early", "September")
    db.session.commit()
    school_weeks = calendar.for_school(world.school_a.id).last_school_weeks(d("2026-09-04"), 10)
    assert school_weeks[0] == d("2026-08-31") and school_weeks[-1] == d("2026-05-18")
    marks = {}
    for monday in school_weeks:
        first_day = days(monday.isoformat(), (monday + timedelta(days=4)).isoformat(), world.school_a.id)[0]
        marks[(first_day, "AM")] = "G"
    with clock.on(d("2026-09-04")):
        write(pupil, marks, d("2026-09-04"), fill=(d("2026-05-11"), d("2026-09-04")))
        client.login(world.user("la_admin"))
        assert summaries.pupil_summary(pupil).unauthorised_in_window == 10
        assert _csv_row(client, world.school_a.id, pupil)["unauthorised_last_10_school_weeks"] == "10"
        _, group = _school_view(client, world.school_a.id, pupil, "?group=over_threshold")
        assert "September, Early" in group


# ----- defect 2: school weeks from the calendar, not the marks ---------------------------------

def test_a_holiday_week_with_stray_marks_is_not_a_school_week(client, world):
    pupil = _cross_year_pupil(world)
    stray = make_pupil(world.school_a, "Stray", "Marks")
    db.session.commit()
    # X and # marks on the half-term Wednesday and Thursday, and on the Saturday before
    write(stray, {(d("2026-10-28"), "AM"): "X", (d("2026-10-28"), "PM"): "X", (d("2026-10-29"), "AM"): "#",
                  (d("2026-10-24"), "AM"): "X"}, d("2026-11-06"))
    with clock.on(d("2026-11-06")):
        weeks = summaries.window_weeks(world.school_a.id, d("2026-11-06"))
        assert d("2026-10-26") not in weeks and weeks[0] == d("2026-07-20")
        assert summaries.pupil_summary(pupil).unauthorised_in_window == 10
        ctx = summaries.school_context(world.school_a.id)
        assert ctx.window_start == d("2026-07-20")


def test_an_unauthorised_mark_in_a_holiday_week_does_not_count_in_the_window(world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    write(pupil, {(d("2026-10-27"), "AM"): "N"}, d("2026-11-06"))  # half-term Tuesday, written directly
    assert summaries.pupil_summary(pupil, d("2026-11-06")).unauthorised_in_window == 0


# ----- defect 3: every crossing kept ------------------------------------------------------------

def test_an_earlier_window_that_crossed_is_kept_when_the_current_one_has_not(client, world):
    pupil = make_pupil(world.school_a, "Early", "Crosser")
    db.session.commit()
    marks = {(day, "AM"): "N" for day in days("2026-09-07", "2026-09-18", world.school_a.id)}  # 10 sessions
    with clock.on(d("2026-12-04")):
        write(pupil, marks, d("2026-12-04"), fill=(d("2026-09-03"), d("2026-12-04")))
        assert summaries.pupil_summary(pupil).unauthorised_in_window == 0  # the current window
        crossing, = db.session.scalars(select(ThresholdCrossing)).all()
        # the window ending in the week of 14 Sep: back 10 school weeks, over the summer, to 8 Jun
        assert (crossing.pupil_id, crossing.window_start, crossing.window_end, crossing.unauthorised) == (
            pupil.id, d("2026-06-08"), d("2026-09-18"), 10)
        flag, = pupil_flags(pupil, flags.UNAUTHORISED_WINDOW)
        assert (flag.from_date, flag.to_date, flag.figure) == (d("2026-06-08"), d("2026-09-18"), 10)
        client.login(world.user("la_admin"))
        page = client.get(f"/pupils/{pupil.id}").get_data(as_text=True)
        assert "Threshold crossings" in page and "8 Jun 2026 to 18 Sep 2026" in page
        _, group = _school_view(client, world.school_a.id, pupil, f"?group={flags.UNAUTHORISED_WINDOW}")
        assert "Crosser, Early" in group
        _, group = _school_view(client, world.school_a.id, pupil, "?group=over_threshold")
        assert "Crosser, Early" not in group


def test_a_window_staying_over_is_one_episode_and_rising_again_is_another(world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    marks = {(day, "AM"): "N" for day in days("2026-09-07", "2026-09-25", world.school_a.id)}  # 15 over 3 weeks
    write(pupil, marks, d("2026-10-09"), fill=(d("2026-09-03"), d("2026-10-09")))
    assert len(db.session.scalars(select(ThresholdCrossing)).all()) == 1  # 10 on 14 Sep week, still 15 after
    detected = db.session.scalar(select(ThresholdCrossing.detected_at))
    # weeks go by: the window drops below 10 once 7-11 Sep leaves it (late November) ...
    more = {(day, "PM"): "U" for day in days("2027-01-11", "2027-01-22", world.school_a.id)}
    write(pupil, more, d("2027-01-22"), fill=None)
    crossings = db.session.scalars(select(ThresholdCrossing).order_by(ThresholdCrossing.window_start)).all()
    assert [(c.window_start, c.window_end, c.unauthorised) for c in crossings] == [
        (d("2026-06-08"), d("2026-09-18"), 10), (d("2026-11-02"), d("2027-01-22"), 10)]
    assert crossings[0].detected_at == detected  # kept, not re-detected
    assert [f.from_date for f in pupil_flags(pupil, flags.UNAUTHORISED_WINDOW)] == [d("2026-06-08"), d("2026-11-02")]


def test_a_pupil_over_the_threshold_since_before_the_weeks_looked_at_is_flagged_and_dated(world):
    """The first refresh over imported history: a pupil absent (N) every Monday and Tuesday since
    January has stayed over the threshold, so no window this year crosses it. The earliest window
    looked at is dated as the crossing, and the pupil is flagged this year all the same."""
    pupil = make_pupil(world.school_a, "Always", "Away")
    db.session.commit()
    absent = [day for day in days("2026-01-05", "2026-11-27", world.school_a.id) if day.weekday() < 2]
    with clock.on(d("2026-11-27")):
        write(pupil, both(absent, "N"), d("2026-11-27"), fill=(d("2026-01-05"), d("2026-11-27")))
    crossing, = db.session.scalars(select(ThresholdCrossing)).all()
    cal = calendar.for_school(world.school_a.id)
    first_weeks = cal.last_school_weeks(d("2026-08-31"), 2 * 10)  # the 20 school weeks before the year
    assert crossing.window_start == min(first_weeks) and crossing.unauthorised >= 10
    flag, = pupil_flags(pupil, flags.UNAUTHORISED_WINDOW)
    assert flag.from_date > crossing.window_start and flag.to_date >= d("2026-09-03") and flag.figure >= 10
    # the next refresh finds the same: nothing added, nothing removed
    with clock.on(d("2026-11-27")):
        refresh(d("2026-11-27"))
    assert len(db.session.scalars(select(ThresholdCrossing)).all()) == 1
    assert len(pupil_flags(pupil, flags.UNAUTHORISED_WINDOW)) == 1


def test_no_boundary_crossing_when_an_earlier_refresh_dated_the_episode(world):
    """A crossing stored last spring (an earlier refresh saw the episode start) is the episode's
    date: the earliest window looked at adds none, but the flag holds this year."""
    pupil = make_pupil(world.school_a, "Dated", "Before")
    db.session.add(ThresholdCrossing(pupil_id=pupil.id, window_start=d("2026-01-05"), window_end=d("2026-03-13"),
                                     unauthorised=10))
    db.session.commit()
    absent = [day for day in days("2026-01-05", "2026-11-27", world.school_a.id) if day.weekday() < 2]
    with clock.on(d("2026-11-27")):
        write(pupil, both(absent, "N"), d("2026-11-27"), fill=(d("2026-01-05"), d("2026-11-27")))
    assert [c.window_start for c in db.session.scalars(select(ThresholdCrossing))] == [d("2026-01-05")]
    assert len(pupil_flags(pupil, flags.UNAUTHORISED_WINDOW)) == 1


def test_a_crossing_that_an_amendment_undoes_is_removed(world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    marks = {(day, "AM"): "N" for day in days("2026-09-07", "2026-09-18", world.school_a.id)}
    write(pupil, marks, d("2026-10-02"), fill=(d("2026-09-03"), d("2026-10-02")))
    assert db.session.scalars(select(ThresholdCrossing)).all()
    db.session.execute(AttendanceMark.__table__.update().where(  # type: ignore[attr-defined]
        AttendanceMark.pupil_id == pupil.id, AttendanceMark.date == d("2026-09-18")).values(code="M"))
    refresh(d("2026-10-02"))
    assert db.session.scalars(select(ThresholdCrossing)).all() == []
    assert pupil_flags(pupil) == []


# ----- the flags at their edges ------------------------------------------------------------------

@pytest.mark.parametrize("first, count, flagged", [("2026-10-19", 10, True), ("2026-10-20", 9, False)])
def test_ten_school_days_of_unauthorised_absence_run_over_half_term(world, first, count, flagged):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    run = days(first, "2026-11-06", world.school_a.id)
    assert len(run) == count
    write(pupil, both(run, "O"), d("2026-11-13"), fill=(d("2026-09-03"), d("2026-11-13")))
    found = pupil_flags(pupil, flags.UNAUTHORISED_RUN)
    assert [(f.from_date, f.to_date, f.figure) for f in found] == (
        [(d(first), d("2026-11-06"), 10)] if flagged else [])


def test_a_day_with_no_possible_session_neither_breaks_nor_extends_a_run(world):
    pupil, unmarked = make_pupil(world.school_a), make_pupil(world.school_a)
    db.session.commit()
    run = days("2026-10-19", "2026-11-06", world.school_a.id)
    marks = {**both(run, "N"), **both([d("2026-11-02")], "X")}  # 9 days of N around an X day
    write(pupil, marks, d("2026-11-06"), fill=(d("2026-09-03"), d("2026-11-06")))
    assert pupil_flags(pupil, flags.UNAUTHORISED_RUN) == []
    db.session.execute(AttendanceMark.__table__.update().where(  # type: ignore[attr-defined]
        AttendanceMark.pupil_id == pupil.id, AttendanceMark.date == d("2026-10-16")).values(code="N"))
    refresh(d("2026-11-06"))
    flag, = pupil_flags(pupil, flags.UNAUTHORISED_RUN)
    assert (flag.from_date, flag.to_date, flag.figure) == (d("2026-10-16"), d("2026-11-06"), 10)
    # a school day with no mark yet breaks the run
    write(unmarked, {k: v for k, v in both(run + [d("2026-10-16")], "N").items() if k[0] != d("2026-10-22")},
          d("2026-11-06"))
    assert pupil_flags(unmarked, flags.UNAUTHORISED_RUN) == []


@pytest.mark.parametrize("count, flagged", [(19, False), (20, True)])
def test_twenty_school_days_of_continuous_absence_authorised_or_not(world, count, flagged):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    run = days("2026-10-05", "2026-12-04", world.school_a.id)[:count]
    marks = {**both(run, "I"), **both(run[::3], "N"), **{(run[1], "PM"): "M"}}
    write(pupil, marks, d("2026-12-04"), fill=(d("2026-09-03"), d("2026-12-04")))
    found = [(f.from_date, f.figure) for f in pupil_flags(pupil, flags.ABSENCE_RUN)]
    assert found == ([(d("2026-10-05"), 20)] if flagged else [])
    assert pupil_flags(pupil, flags.UNAUTHORISED_RUN) == []  # mixed with illness: not unauthorised days


@pytest.mark.parametrize("sessions, flagged", [(29, False), (30, True)])
def test_fifteen_school_days_of_illness_cumulative(world, sessions, flagged):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    school_days = days("2026-09-07", "2026-12-04", world.school_a.id)[::2]  # every other school day
    slots = [(day, s) for day in school_days for s in ("AM", "PM")][:sessions]
    write(pupil, {slot: "I" for slot in slots}, d("2026-12-04"), fill=(d("2026-09-03"), d("2026-12-04")))
    found = pupil_flags(pupil, flags.ILLNESS)
    assert [f.figure for f in found] == ([30] if flagged else [])
    assert pupil_flags(pupil, flags.ABSENCE_RUN) == []


def test_falling_attendance_edge_is_exact():
    # 379/399 = 94.99% this year, 36/40 = 90% in the last 4 weeks: 4.99 points, not flagged
    assert flags.falling(379, 399, 36, 40) is None
    # 380/400 = 95% against 90%: exactly 5.0 points, flagged
    assert flags.falling(380, 400, 36, 40) == 50
    assert flags.falling(0, 0, 0, 0) is None and flags.falling(36, 40, 36, 40) is None


@pytest.mark.parametrize("x_sessions, flagged", [(4, True), (5, False)])
def test_falling_attendance_over_the_last_four_school_weeks(world, x_sessions, flagged):
    """As of Fri 9 Oct 2026 the last 4 school weeks are 14 Sep - 9 Oct (40 sessions, 10 absent:
    75%). Before them, 3-11 Sep: 14 sessions, x of them X (not possible), the rest present.
    4 X: year 40/50 = 80%, a drop of exactly 5.0 points; 5 X: 39/49 = 79.6%, 4.6 points."""
    pupil = make_pupil(world.school_a)
    db.session.commit()
    early = [(day, s) for day in days("2026-09-03", "2026-09-11", world.school_a.id) for s in ("AM", "PM")]
    recent = days("2026-09-14", "2026-10-09", world.school_a.id)
    marks = {**{slot: "X" for slot in early[:x_sessions]}, **{(day, "AM"): "O" for day in recent[:10]}}
    write(pupil, marks, d("2026-10-09"), fill=(d("2026-09-03"), d("2026-10-09")))
    found = pupil_flags(pupil, flags.FALLING)
    assert [(f.from_date, f.to_date, f.figure) for f in found] == (
        [(d("2026-09-14"), d("2026-10-09"), 50)] if flagged else [])


# ----- recomputed by the import and by the daily command ------------------------------------------

def test_an_import_recomputes_the_flags_of_its_pupils(client, world):
    from tests.attendance.helpers import latest_job, marks_csv, upload

    pupil = make_pupil(world.school_a)
    db.session.commit()
    rows = [(pupil.upn, day.isoformat(), s, "O") for day in days("2026-10-19", "2026-11-06", world.school_a.id)
            for s in ("AM", "PM")]
    with clock.on(d("2026-11-09")):
        client.login(world.user("la_admin"))
        upload(client, marks_csv(rows))
        assert latest_job().status == "done", latest_job().errors
    assert {f.flag for f in pupil_flags(pupil)} == {flags.UNAUTHORISED_RUN, flags.UNAUTHORISED_WINDOW}


def test_the_daily_command_refreshes_everyone(app, world):
    from portal.audit import AuditEvent

    pupil = make_pupil(world.school_a)
    db.session.commit()
    db.session.execute(insert(AttendanceMark), [
        {"pupil_id": pupil.id, "date": day, "session": s, "code": "I"}
        for day in days("2026-09-07", "2026-09-25", world.school_a.id) for s in ("AM", "PM")])
    conn = db.session.connection()
    recompute_weeks(conn, conn.dialect.name, "SELECT id FROM pupils", date(2026, 9, 1), date(2026, 10, 1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["attendance", "refresh-flags", "--as-of", "2026-10-02"])
    assert result.exit_code == 0, result.output
    assert "1 pupils: 1 flags" in result.output
    db.session.expire_all()
    assert [f.flag for f in pupil_flags(pupil)] == [flags.ILLNESS]
    assert db.session.scalar(select(AuditEvent.verb).where(AuditEvent.verb == "attendance_flags_refreshed"))
    bad = app.test_cli_runner().invoke(args=["attendance", "refresh-flags", "--as-of", "2026-13-01"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


# ----- defect 4 and the pages ------------------------------------------------------------------------

def test_an_all_x_pupil_has_no_possible_sessions_not_no_marks(client, world):
    pupil, blank = make_pupil(world.school_a, "All", "Xmarks"), make_pupil(world.school_a, "No", "Marks")
    db.session.commit()
    write(pupil, both(days("2026-09-03", "2026-11-20", world.school_a.id), "X"), d("2026-11-20"))
    with clock.on(d("2026-11-21")):
        client.login(world.user("la_admin"))
        page = client.get(f"/pupils/{pupil.id}").get_data(as_text=True)
        assert "No possible sessions were recorded for this pupil this year" in page
        assert "No attendance marks have been imported" not in page
        assert "No attendance marks have been imported" in client.get(f"/pupils/{blank.id}").get_data(as_text=True)


def test_each_flag_is_a_key_group_with_its_count_and_on_the_pupil_page(client, world):
    pupil, other = make_pupil(world.school_a, "Ill", "Often"), make_pupil(world.school_a, "Well", "Always")
    db.session.commit()
    write(pupil, both(days("2026-09-07", "2026-10-02", world.school_a.id), "I"), d("2026-10-02"),
          fill=(d("2026-09-03"), d("2026-10-02")))
    write(other, {}, d("2026-10-02"), fill=(d("2026-09-03"), d("2026-10-02")))
    with clock.on(d("2026-10-03")):
        client.login(world.user("la_admin"))
        counts = summaries.key_group_counts(summaries.school_context(world.school_a.id))
        assert (counts[flags.ILLNESS], counts[flags.ABSENCE_RUN], counts[flags.UNAUTHORISED_RUN]) == (1, 1, 0)
        html, rows = _school_view(client, world.school_a.id, pupil, f"?group={flags.ILLNESS}")
        assert "Often, Ill" in rows and "Always, Well" not in rows
        assert "15 school days of illness this year" in html
        page = client.get(f"/pupils/{pupil.id}").get_data(as_text=True)
        assert "Statutory flags" in page and "40 sessions of illness (20 school days)" in page
        assert "7 Sep 2026 to 2 Oct 2026" in page and "section 19" in page
        assert "None this academic year." in client.get(f"/pupils/{other.id}").get_data(as_text=True)
