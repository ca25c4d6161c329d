"""The LA dashboard and a school's dashboard (issue 13): the hand-worked figures of
test_figures.py on the pages, scope (a school's staff, an EWO, the panel chair without
drill-down links), sorting, the period chooser, empty states, and the same number of queries
whatever the number of pupils and schools."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert

from portal import dataversion, pagecache
from portal.attendance import aggregates
from portal.attendance.models import AttendanceMark
from portal.extensions import db
from portal.orgs.models import OrgKind, SchoolPhase
from tests import clock
from tests.dashboard.test_figures import AS_OF, WEEK, _refresh, example  # noqa: F401 (a fixture)
from tests.factories import make_org, make_pupil

LA = "/attendance-picture"


def _school(world, key="school_a"):
    return f"/schools/{getattr(world, key).id}/attendance-picture"


@pytest.fixture(autouse=True)
def _on_the_example_day(time_machine):
    """One clock for the whole test, ticking from noon on the example's day (a second jump
    back to noon could land before the sign-in)."""
    time_machine.move_to(clock.noon(AS_OF))


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _login(client, world, role):
    client.login(world.user(role))


def _school_rows(html: str) -> list[str]:
    """The school names of the LA dashboard's split, in the order shown."""
    table = html.split('id="schools-caption"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row" class="govuk-table__header">\s*(?:<a [^>]*>)?([^<]+)', table)


def test_la_dashboard_shows_the_hand_worked_figures(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "la_admin")
    html = _get(client, f"{LA}?period=term")
    text = _text(html)
    for figure in ("81.6%", "18.4%", "4.1%", "14.3%", "60.0%", "20.0%", "40.0%"):
        assert figure in text
    assert "3 of 5 pupils" in text            # persistent absence
    assert "Attendance is 13.4 points lower than the 95% ambition" in text  # 81.63 - 95
    # by school: School A 23/30 = 76.7%, up 26.7 points on last year's 50%; School B no marks last year
    assert "76.7%" in text and "89.5%" in text
    assert "Up 26.7 points" in text
    # by phase, the cohort gap (FSM 85.0% beside 79.3% without: 5.7 points higher), an empty cohort
    assert "Primary" in text and "Secondary" in text
    assert "5.7 points higher" in text
    assert "No pupils in this cohort" in text
    # the crossed threshold and reasons for absence
    assert "Crossed the penalty-notice threshold" in text
    assert "Reason not yet provided, or other unauthorised" in text
    # the weekly trend as a chart and a table
    assert "<svg" in html and 'id="trend-table"' in html
    # drill-down links carry the period and the measure
    assert "/attendance-picture/pupils?period=term&amp;measure=pa" in html
    assert f"/attendance-picture/pupils?period=term&amp;measure=pa&amp;school={world.school_a.id}" in html
    assert "/attendance-picture/schools.csv?period=term" in html
    assert "Print this page" in html


def test_national_figures_are_named_or_missing_never_another_periods(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "la_admin")
    text = _text(_get(client, f"{LA}?period=half_term"))
    # no figure is published for a half-term: the page says so rather than compare with the term's
    assert "No national figure for Autumn second half-term 2026/27" in text


def test_national_figures_for_the_right_period_phase_and_cohort(client, example):  # noqa: F811
    """The seeded DfE figures (2024/25, all schools): the autumn term's for the autumn term, the
    year's for the trend, FSM's for the FSM cohort; none for a primary school's phase."""
    world, _ = example
    _login(client, world, "la_admin")
    text = _text(_get(client, f"{LA}?period=term"))
    assert "National, autumn term 2024/25: 93.5% – 11.9 points lower than national" in text   # 81.63 vs 100 - 6.5
    assert "National, autumn term 2024/25: 6.5% – 11.9 points higher than national" in text
    assert "National, autumn term 2024/25: 19.2% – 40.8 points higher than national" in text  # PA 60.0%
    assert "10.0% (National, autumn term 2024/25); here 15.0%" in text    # FSM: 3 of 20 sessions missed
    assert "No national figure for EHC plan, Autumn term 2026/27" not in text
    assert "National, academic year 2024/25: 93.1%" in text               # the trend's flat line
    # a primary school: no primary figure is held, so none is shown (never the all-schools one)
    text = _text(_get(client, _school(world)))
    assert "No national figure for primary schools, Autumn term 2026/27" in text
    assert "National, autumn term 2024/25" not in text


def test_school_dashboard_against_the_la(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "school_staff")
    text = _text(_get(client, _school(world)))
    assert "Attendance picture: School A" in text
    assert "76.7%" in text
    assert "LA: 81.6% – 5.0 points lower than the LA" in text   # 76.67 - 81.63 = -4.97
    assert "Governors' summary" in text
    assert "Key groups" in text
    # another school's dashboard does not exist for school A's staff
    _get(client, _school(world, "school_b"), status=404)


def test_school_dashboard_keeps_the_la_figure_whatever_the_viewers_scope(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "ewo_b")   # serves school B only
    text = _text(_get(client, _school(world, "school_b")))
    assert "89.5%" in text and "LA: 81.6%" in text
    _get(client, _school(world), status=404)


def test_an_ewo_sees_only_their_schools_in_the_split(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "ewo")
    html = _get(client, LA)
    assert [n.strip() for n in _school_rows(html)] == ["School A"]
    text = _text(html)
    assert "The schools you serve" in text
    assert "76.7%" in text and "89.5%" not in text
    assert "3 pupils with marks" in text


def test_the_panel_chair_gets_figures_without_drill_down_links(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "panel_chair")
    html = _get(client, LA)
    assert "81.6%" in _text(html)
    assert "/attendance-picture/pupils" not in html
    assert "/attendance-picture/" in html  # the CSV of each table
    assert f"/schools/{world.school_a.id}/attendance-picture" not in html  # no school dashboards
    assert "Figures only" in _text(html)
    _get(client, _school(world), status=403)


def test_the_school_split_sorts_by_each_column(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "la_admin")
    assert [n.strip() for n in _school_rows(_get(client, LA))] == ["School A", "School B"]
    html = _get(client, f"{LA}?sort=attendance")
    assert [n.strip() for n in _school_rows(html)] == ["School A", "School B"]   # 76.7% first
    assert re.search(r'aria-sort="ascending">\s*<a [^>]*sort=attendance&amp;order=desc', html)
    html = _get(client, f"{LA}?sort=attendance&order=desc")
    assert [n.strip() for n in _school_rows(html)] == ["School B", "School A"]
    assert 'aria-sort="descending"' in html
    html = _get(client, f"{LA}?sort=pa&order=desc")   # A 66.7%, B 50.0%
    assert [n.strip() for n in _school_rows(html)] == ["School A", "School B"]
    # an unknown column is the default order, not an error
    assert [n.strip() for n in _school_rows(_get(client, f"{LA}?sort=nonsense"))] == ["School A", "School B"]


def test_the_period_chooser(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "la_admin")
    html = _get(client, LA)
    for value in ("term", "half_term", "ytd", "last4", "year:2025/26"):
        assert f'value="{value}"' in html
    assert re.search(r'value="term"\s+selected', html)
    text = _text(_get(client, f"{LA}?period=year:2025/26"))
    assert "Academic year 2025/26" in text and "50.0%" in text    # last year: Ben's 5 of 10
    _get(client, f"{LA}?period=nonsense", status=404)
    _get(client, f"{LA}?period=year:1999/00", status=404)
    _get(client, f"{_school(world)}?period=nonsense", status=404)


def test_empty_states(client, world):
    a = world.school_a
    _login(client, world, "la_admin")
    # nothing refreshed yet: no report periods
    assert "There are no figures yet" in _text(_get(client, LA))
    assert "There are no figures yet" in _text(_get(client, _school(world)))
    # periods but no marks
    aggregates.refresh_all(AS_OF)
    db.session.commit()
    assert "No attendance marks are held for Autumn term 2026/27" in _text(_get(client, LA))
    # a school with no pupils
    assert "There are no pupils on this school's roll" in _text(_get(client, _school(world)))
    make_pupil(a, "Gil")
    db.session.commit()
    assert "No attendance marks are held for Autumn term 2026/27 at this school" in _text(_get(client, _school(world)))


def test_navigation_and_home_cards(client, example):  # noqa: F811
    world, _ = example
    _login(client, world, "la_admin")
    html = _get(client, LA)
    nav = html.split('govuk-service-navigation__list', 1)[1].split("</ul>", 1)[0]
    active = re.findall(r'govuk-service-navigation__item--active[^>]*>\s*<a[^>]*>\s*(?:<strong[^>]*>)?\s*([^<]+)', nav)
    assert [a.strip() for a in active] == ["Data"]  # the section, in the header
    sub_nav = html.split('class="app-sub-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'aria-current="page">([^<]+)<', sub_nav) == ["Attendance picture"]  # the page, in the section
    assert LA in _get(client, "/")
    other = client.application.test_client()
    other.login(world.user("school_staff"))
    assert _school(world) in _get(other, "/")
    assert _school(world) in _get(other, f"/schools/{world.school_a.id}/attendance")


def _count_queries(client, url) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    pagecache.clear()  # the page's own work, never a page kept by portal.pagecache
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        _get(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def _add_school(n_pupils: int, phase: SchoolPhase, name: str, ewo=None):
    school = make_org(OrgKind.school, name)
    school.phase = phase
    school.named_ewo = ewo
    pupils = [make_pupil(school, f"P{i}", fsm=i % 2 == 0, nc_year=5 + i % 3) for i in range(n_pupils)]
    db.session.flush()
    codes = ["/", "\\", "/", "I", "/", "\\", "O", "\\", "/", "\\"]
    rows = [{"pupil_id": p.id, "date": day, "session": s, "code": codes[(i + j) % len(codes)]}
            for i, p in enumerate(pupils) for j, (day, s) in enumerate((d, s) for d in WEEK for s in ("AM", "PM"))]
    db.session.execute(insert(AttendanceMark), rows)
    return school


@pytest.mark.parametrize("role", ["la_admin", "ewo"])
def test_the_la_dashboard_makes_the_same_number_of_queries_whatever_the_size(client, world, role):
    ewo = world.user("ewo")
    world.school_a.phase = world.school_b.phase = SchoolPhase.primary
    _add_school(3, SchoolPhase.primary, "Small Primary", ewo)
    db.session.commit()
    _refresh()
    _login(client, world, role)
    _get(client, LA)   # warm: the first request of a client loads what later ones reuse
    dataversion.clear_cache()
    # each page once with the figures to compute (the data just changed), once with them cached
    small = [_count_queries(client, LA), _count_queries(client, LA), _count_queries(client, _school(world))]
    for i in range(4):
        _add_school(30, SchoolPhase.primary if i % 2 else SchoolPhase.secondary, f"Big School {i}", ewo)
    db.session.add_all([make_pupil(world.school_a, f"A{i}") for i in range(20)])
    db.session.commit()
    _refresh()
    assert [_count_queries(client, LA), _count_queries(client, LA), _count_queries(client, _school(world))] == small
    assert small[1] < small[0]


def test_a_change_is_worded_not_only_coloured(app):
    from decimal import Decimal

    from portal.dashboard import picture_page as page

    assert page.change_words(Decimal("1.2")) == "Up 1.2 points"
    assert page.change_words(Decimal("-0.4")) == "Down 0.4 points"
    assert page.change_words(Decimal("0")) == "No change"
    assert page.change_words(Decimal("1.0")) == "Up 1.0 point"
    assert page.gap_words(Decimal("-2.5"), "national") == "2.5 points lower than national"
    assert page.gap_words(Decimal("0"), "the LA") == "the same as the LA"
    from portal.dashboard import figures

    assert figures.attendance_from_absence(Decimal("6.50")) == Decimal("93.50")   # national attendance
    assert page.published_text(Decimal("10.00")) == "10.0%"


def test_the_trend_chart_draws_both_years_and_the_national_line(app):
    from decimal import Decimal

    from portal.dashboard import figures
    from portal.dashboard.charts import trend_chart

    this = [figures.Week(date(2026, 9, 7) + timedelta(weeks=i), 100, 90 + i) for i in range(3)]
    last = [figures.Week(date(2025, 9, 8) + timedelta(weeks=i), 100, 80 + i) for i in range(5)]
    chart = trend_chart(figures.Trend(this, last, "2026/27", "2025/26"), Decimal("93.1"),
                        "National, academic year 2024/25")
    assert len(chart.this_year) == 3 and len(chart.last_year) == 5 and len(chart.rows) == 5
    assert chart.rows[3].this_week is None and chart.rows[3].last_week.text == "83.0%"
    assert chart.national_text == "National, academic year 2024/25: 93.1%"
    assert chart.gridlines[0][1] == "100%" and chart.gridlines[-1][1] == "70%"   # the ten below 80%
    higher, lower = chart.this_year[2], chart.this_year[0]
    assert higher.y < lower.y   # 92% is drawn above 90%
    assert chart.national_y is not None and chart.this_year[0].y > chart.national_y


def test_the_last_tsm_of_each_school(client, example):  # noqa: F811
    """The split's "Last TSM" column: the day of each school's last held meeting."""
    from datetime import datetime, timezone

    from portal.tsm import models as tsm_models
    from portal.tsm import service as tsm

    world, _ = example
    db.session.add(tsm_models.SupportMeeting(
        school_id=world.school_a.id, term_id=tsm.term_of(date(2026, 10, 1)).id,
        held_at=datetime(2026, 10, 1, 9, tzinfo=timezone.utc), ewo_id=world.user("ewo").id,
        status=tsm_models.TsmStatus.held, booked_by_id=world.user("la_admin").id))
    db.session.commit()
    _login(client, world, "la_admin")
    html = _get(client, f"{LA}?sort=tsm")
    assert [n.strip() for n in _school_rows(html)] == ["School A", "School B"]
    text = _text(html)
    assert "Last TSM" in text and "1 Oct 2026" in text and "None held" in text
