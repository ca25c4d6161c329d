"""One definition of the attendance percentage and how it is shown (issue 12, defect 5):
one decimal rounded half-up, computed in integers, and never a figure that contradicts its
band (two decimals near an edge). The school view, its CSV, the pupil page and the stored
snapshot all show the same text."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import literal, select

from portal.attendance import calc, settings
from portal.attendance.models import PupilWeek
from portal.attendance.queries import band_case
from portal.cases.referrals import snapshot
from portal.extensions import db
from tests import clock
from tests.factories import make_pupil

TODAY = date(2026, 11, 23)


# --- the shown figure ------------------------------------------------------------------------

@pytest.mark.parametrize(("attended", "possible", "shown", "band"), [
    (379, 399, "94.99", calc.AT_RISK),      # the example: 94.987...% is at risk, not "95.0"
    (345, 400, "86.3", calc.PERSISTENT),    # 86.25 half-up (Python's round() says 86.2)
    (1725, 2000, "86.3", calc.PERSISTENT),  # 86.25 again, a larger year
    (3, 8, "37.5", calc.SEVERE),
    (1, 3, "33.3", calc.SEVERE),
    (2, 3, "66.7", calc.PERSISTENT),
    (0, 10, "0.0", calc.SEVERE),
    (10, 10, "100.0", calc.EXPECTED),
    (189, 200, "94.5", calc.AT_RISK),
    # the 95% ambition edge
    (95, 100, "95.0", calc.EXPECTED),        # exactly 95%: expected, shown as it is
    (1899, 2000, "94.95", calc.AT_RISK),     # 94.95 -> one decimal would be "95.0"
    (18999, 20000, "94.99", calc.AT_RISK),   # 94.995 -> two decimals half-up would be "95.00"
    (9501, 10000, "95.0", calc.EXPECTED),    # 95.01 -> "95.0" is still expected
    # the 90% persistent-absence edge (exactly 90% is persistent)
    (171, 190, "90.0", calc.PERSISTENT),
    (342, 380, "90.0", calc.PERSISTENT),
    (9004, 10000, "90.04", calc.AT_RISK),    # 90.04 -> "90.0" would read as persistent
    (90001, 100000, "90.01", calc.AT_RISK),  # 90.001 -> even "90.00" is on the edge
    (9049, 10000, "90.5", calc.AT_RISK),     # 90.49 -> "90.5": one decimal is enough
    (9050, 10000, "90.5", calc.AT_RISK),
    (8996, 10000, "90.0", calc.PERSISTENT),  # 89.96 rounds up onto 90.0, still persistent
    # the 50% severe-absence edge (exactly 50% is severe)
    (50, 100, "50.0", calc.SEVERE),
    (5004, 10000, "50.04", calc.PERSISTENT),
    (50001, 100000, "50.01", calc.PERSISTENT),
    (4996, 10000, "50.0", calc.SEVERE),
])
def test_shown_figure_rounds_half_up_and_agrees_with_its_band(attended, possible, shown, band):
    assert calc.band(attended, possible) == band
    assert calc.percent_text(attended, possible) == shown
    assert calc.percent_label(attended, possible) == shown + "%"


def test_no_possible_sessions_shows_a_dash():
    assert calc.percent_text(0, 0) is None
    assert calc.percent_label(0, 0) == "–"


def test_every_shown_figure_up_to_400_sessions_is_in_its_own_band():
    """Exhaustive over a year's worth of sessions: the shown text, read as a number, is in the
    same band as the exact value, and within 0.05 of it; at both ambitions."""
    from fractions import Fraction

    for ambition in (95, 96):
        for possible in range(1, 401):
            for attended in range(possible + 1):
                text = calc.percent_text(attended, possible, ambition)
                shown = Fraction(text)
                exact = Fraction(100 * attended, possible)
                assert abs(shown - exact) <= Fraction(1, 20), (attended, possible, text)
                assert calc.band(shown.numerator, shown.denominator * 100, ambition) == \
                    calc.band(attended, possible, ambition), (attended, possible, text)


@pytest.mark.parametrize(("attended", "possible"), [(379, 399), (95, 100), (9004, 10000), (50, 100), (5004, 10000),
                                                    (171, 190), (0, 0), (1899, 2000)])
@pytest.mark.parametrize("ambition", [95, 96])
def test_the_sql_band_is_calc_band(attended, possible, ambition):
    sql = db.session.scalar(select(band_case(literal(attended), literal(possible), ambition)))
    assert sql == calc.band(attended, possible, ambition)


def test_change_in_points_uses_exact_values_half_up():
    # 86.25 -> 90.0: +3.75 points shows +3.8 (half-up), from exact values not the rounded 86.3
    assert str(calc.points(calc.change_points((345, 400), (9, 10)))) == "3.8"
    assert str(calc.points(calc.change_points((9, 10), (345, 400)))) == "-3.8"
    assert calc.change_points((0, 0), (1, 1)) is None


# --- the pages, the CSV and the stored snapshot show the same text ----------------------------

def _weeks(pupil, attended_possible: list[tuple[int, int]]):
    monday = date(2026, 11, 16)
    for i, (attended, possible) in enumerate(attended_possible):
        start = monday - timedelta(weeks=i)
        db.session.add(PupilWeek(pupil_id=pupil.id, week_start=start, possible=possible, attended=attended,
                                 authorised=possible - attended, open_sessions=possible,
                                 last_date=start + timedelta(days=4)))


@pytest.fixture
def figures(world):
    near = make_pupil(world.school_a, "Nia", "Nearedge")
    half = make_pupil(world.school_a, "Hal", "Halfway")
    _weeks(near, [(127, 133), (126, 133), (126, 133)])   # 379 / 399 = 94.99%
    _weeks(half, [(115, 134), (115, 133), (115, 133)])   # 345 / 400 = 86.25%
    db.session.commit()
    return {"near": near, "half": half}


def _row(html: str, name: str) -> str:
    rows = html.split('id="school-rows"')[1]
    return rows[rows.index(name):].split("</tr>")[0]


def test_school_view_csv_pupil_page_and_snapshot_show_the_same_figure(client, world, figures):
    with clock.on(TODAY):
        client.login(world.user("la_admin"))
        page = client.get(f"/schools/{world.school_a.id}/attendance").get_data(as_text=True)
        near = _row(page, "Nearedge")
        assert "94.99%" in near and "At risk" in near and "95.0%" not in near
        assert "86.3%" in _row(page, "Halfway")
        exported = list(csv.DictReader(io.StringIO(
            client.get(f"/schools/{world.school_a.id}/attendance.csv").get_data(as_text=True))))
        by_name = {r["legal_surname"]: r for r in exported}
        assert by_name["Nearedge"]["attendance_percent"] == "94.99"
        assert by_name["Nearedge"]["band"].startswith("At risk")
        assert by_name["Halfway"]["attendance_percent"] == "86.3"
        pupil_page = client.get(f"/pupils/{figures['near'].id}").get_data(as_text=True)
        assert "94.99%" in pupil_page and "95.0%" not in pupil_page
        assert snapshot(figures["near"])["percent"] == "94.99"
        assert snapshot(figures["half"])["percent"] == "86.3"


# --- the ambition is a local setting ----------------------------------------------------------

def test_the_ambition_is_the_las_setting_and_moves_the_at_risk_band(client, world, figures):
    keen = make_pupil(world.school_a, "Kay", "Keen")
    _weeks(keen, [(191, 200)])  # 95.5%: expected at 95, at risk at 96
    db.session.commit()
    admin = world.user("la_admin")
    with clock.on(TODAY):
        client.login(admin)
        page = client.get("/settings/attendance")
        assert page.status_code == 200 and 'value="95"' in page.get_data(as_text=True)
        before = client.get(f"/schools/{world.school_a.id}/attendance").get_data(as_text=True)
        assert "95% or more" in _row(before, "Keen")
        response = client.post_form("/settings/attendance", {"ambition_percent": "96", "version": "0"})
        assert response.status_code == 303
        settings.forget()
        assert settings.ambition_percent() == 96
        after = client.get(f"/schools/{world.school_a.id}/attendance").get_data(as_text=True)
        assert "At risk" in _row(after, "Keen") and "95.5%" in _row(after, "Keen")
        assert "At risk (90–96%)" in after
        exported = {r["legal_surname"]: r for r in csv.DictReader(io.StringIO(
            client.get(f"/schools/{world.school_a.id}/attendance.csv").get_data(as_text=True)))}
        assert exported["Keen"]["band"] == "At risk (90–96%)"
        assert calc.band(191, 200) == calc.AT_RISK
    from portal.audit import AuditEvent

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "local_settings_updated")).one()
    assert event.changes == {"ambition_percent": {"from": 95, "to": 96}}


@pytest.mark.parametrize("value", ["90", "101", "abc", "", "95.5", "-1", "99999999999999999999"])
def test_the_ambition_is_validated(client, world, value):
    client.login(world.user("la_admin"))
    response = client.post_form("/settings/attendance", {"ambition_percent": value, "version": "0"})
    assert response.status_code == 422
    assert "Enter a whole number from 91 to 100" in response.get_data(as_text=True)
    assert settings.current() is None


def test_a_stale_settings_form_is_a_conflict(client, world):
    admin = world.user("la_admin")
    settings.update(admin, 96, None)
    db.session.commit()
    client.login(admin)
    response = client.post_form("/settings/attendance", {"ambition_percent": "97", "version": "0"})
    assert response.status_code == 409
    settings.forget()
    assert settings.ambition_percent() == 96


def test_the_ambition_is_read_once_per_request(app, world):
    from sqlalchemy import event

    settings.update(world.user("la_admin"), 96, None)
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        if "local_settings" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context():
            db.session.expire_all()
            assert [calc.band(191, 200) for _ in range(50)] == [calc.AT_RISK] * 50
            assert calc.percent_text(1919, 2000) == "95.95"  # "96.0" would read as expected at 96
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_school_staff_may_not_change_the_settings(client, world):
    client.login(world.user("school_staff"))
    assert client.get("/settings/attendance").status_code == 403
