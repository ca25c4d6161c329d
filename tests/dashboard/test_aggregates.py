"""The dashboards' aggregates after an import equal a full rebuild: a first load (the weekly
code counts grow), a second file for other pupils of the same school in the same weeks, and an
amendment (recounted from the marks)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.attendance import aggregates
from portal.attendance.models import PeriodCell, PupilPeriod, ReportPeriod, SchoolWeekCode
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY, latest_job, marks_csv, upload
from tests.factories import make_pupil


def _week(pupil, start: str, codes):
    day = date.fromisoformat(start)
    return [(pupil.upn, (day + timedelta(days=i // 2)).isoformat(), ("AM", "PM")[i % 2], c)
            for i, c in enumerate(codes)]


def _snapshot():
    db.session.expire_all()
    return (sorted((p.period_key, p.pupil_id, p.possible, p.attended, p.authorised, p.unauthorised)
                   for p in db.session.scalars(select(PupilPeriod))),
            sorted((c.school_id, str(c.week_start), c.code, c.sessions)
                   for c in db.session.scalars(select(SchoolWeekCode))),
            sorted((p.key, str(p.first_week), str(p.last_day)) for p in db.session.scalars(select(ReportPeriod))),
            sorted((c.period_key, c.school_id, c.nc_year, c.cohorts, c.pupils, c.possible, c.attended, c.pa, c.sa,
                    c.at_ambition) for c in db.session.scalars(select(PeriodCell))))


def _equals_a_rebuild():
    after_import = _snapshot()
    aggregates.refresh_all(TODAY)
    db.session.commit()
    assert _snapshot() == after_import
    return after_import


def test_imports_keep_the_aggregates_equal_to_a_rebuild(client, world):
    one, two = make_pupil(world.school_a), make_pupil(world.school_a)
    db.session.commit()
    with clock.on(TODAY):
        client.login(world.user("school_staff"))
        upload(client, marks_csv(_week(one, "2026-11-16", ["/", "\\", "N", "N", "I", "\\", "/", "\\", "/", "\\"])))
        assert latest_job().status == "done"
        periods, codes, _, cells = _equals_a_rebuild()
        assert cells, "the import built the dashboard's cells"
        assert ("2026/27 autumn", one.id, 10, 7, 1, 2) in periods
        assert (world.school_a.id, "2026-11-16", "N", 2) in codes
        # another file, other pupil of the same school, the same week: the counts grow
        upload(client, marks_csv(_week(two, "2026-11-16", ["N", "N"] + ["/", "\\"] * 4)))
        assert latest_job().status == "done"
        _, codes, _, _ = _equals_a_rebuild()
        assert (world.school_a.id, "2026-11-16", "N", 4) in codes
        # an amendment: recounted from the marks
        upload(client, marks_csv(_week(one, "2026-11-16", ["/", "\\", "O", "O", "I", "\\", "/", "\\", "/", "\\"])),
               reason="corrected_after_enquiry")
        assert latest_job().status == "done"
        _, codes, _, _ = _equals_a_rebuild()
        assert (world.school_a.id, "2026-11-16", "N", 2) in codes
        assert (world.school_a.id, "2026-11-16", "O", 2) in codes


def test_a_new_day_redefines_the_rolling_periods_for_everyone(app, client, world):
    one, two = make_pupil(world.school_a), make_pupil(world.school_b)
    db.session.commit()
    with clock.on(TODAY):
        client.login(world.user("la_admin"))
        upload(client, marks_csv(_week(one, "2026-11-16", ["/", "\\"] * 5) + _week(two, "2026-11-16", ["N"] * 10)))
        assert latest_job().status == "done"
    later = TODAY + timedelta(days=7)
    with clock.on(later):
        client = app.test_client()  # a week later: a new sign-in
        client.login(world.user("la_admin"))
        response = upload(client, marks_csv(_week(one, "2026-11-23", ["/", "\\"] * 5)))
        assert response.status_code == 303, (response.status_code, response.headers.get("Location"))
        assert latest_job().status == "done" and latest_job().rows == 10  # (and expires the session's objects)
        last4 = db.session.get(ReportPeriod, "last4")
        assert last4.as_of == later
        # the other school's pupil, not in the file, is counted in the moved period too
        assert db.session.get(PupilPeriod, ("last4", two.id)).possible == 10
        after = _snapshot()
        aggregates.refresh_all(later)
        db.session.commit()
        assert _snapshot() == after
