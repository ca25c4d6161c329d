"""The attendance picture's outputs (issue 13): the pupils behind a figure (page and CSV),
every table as CSV, and the governors' summary (page and PDF), on the hand-worked example of
test_figures: their counts equal the figures, their scope is the user's, their cells are
formula-safe, and the governors' summary names no pupil."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import delete, event, select

from portal.attendance.models import PupilFlag
from portal.audit import AuditEvent
from portal.dashboard import figures
from portal.extensions import db
from tests import clock
from tests.dashboard.test_figures import AS_OF, WEEK, _marks, example  # noqa: F401 - the fixture
from tests.factories import make_pupil

HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def _heading(response) -> str:
    return " ".join(HEADING.search(response.get_data(as_text=True)).group(1).split())


def _count(response) -> int:
    return int(re.search(r"– (\d+) pupils?$", _heading(response)).group(1))


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture(autouse=True)
def _on_the_examples_day(time_machine):
    """The whole test on the example's day, the clock ticking (one travel: going back in time
    between sign-in and a request would make the session cookie's timestamp lie in the future)."""
    time_machine.move_to(clock.noon(AS_OF))


def _login(client, user):
    """A fresh browser signed in as `user`."""
    client = client.application.test_client()
    response = client.login(user)
    assert response.status_code == 302 and not response.headers["Location"].startswith("/login"), \
        response.headers["Location"]
    return client


def _get(client, url):
    return client.get(url)


def _figures(fn):
    """Run `fn` inside a request (the figures memoise per request)."""
    from flask import current_app

    with current_app.test_request_context():
        return fn(figures.period_for("term", AS_OF))


# ----- the pupils behind a figure -------------------------------------------------------------------

@pytest.mark.parametrize("measure", list(figures.DRILL_MEASURES))
def test_the_heading_counts_the_figure_for_every_measure_and_filter(client, example, measure):
    world, p = example
    client = _login(client, world.user("la_admin"))
    a, b = world.school_a.id, world.school_b.id

    def expected(period):
        key = {"all": "pupils", "pa": "pa", "sa": "sa", "at_ambition": "at_ambition", "crossed": "crossed"}
        la = figures.Scope.la()

        def of(m):
            return m.pupils - m.at_ambition if measure == "below_ambition" else getattr(m, key[measure])

        out = {"": of(figures.headline(la, period))}
        out.update({f"school={s.key}": of(s.measures) for s in figures.by_school(la, period)})
        out.update({f"phase={s.key}": of(s.measures) for s in figures.by_phase(la, period)})
        out.update({f"year={s.key}": of(s.measures) for s in figures.by_year_group(la, period)})
        for c in figures.cohorts(la, period):
            out[f"cohort={c.key}"] = of(c.measures)
            out[f"cohort={c.key}&without=1"] = of(c.without)
        return out

    wanted = _figures(expected)
    assert wanted[f"school={a}"] + wanted[f"school={b}"] == wanted[""]
    for query, count in wanted.items():
        response = _get(client, f"/attendance-picture/pupils?measure={measure}&{query}")
        assert response.status_code == 200, (query, response.headers.get("Location"))
        assert _count(response) == count, f"{measure} {query}"
        rows = _csv(_get(client, f"/attendance-picture/pupils.csv?measure={measure}&{query}"))
        assert len(rows) - 1 == count, f"CSV {measure} {query}"


def test_the_heading_says_what_the_list_is(client, example):
    world, _ = example
    client = _login(client, world.user("la_admin"))
    response = _get(client, f"/attendance-picture/pupils?measure=pa&year=9&school={world.school_b.id}")
    assert _heading(response) == "Persistent absence, Autumn term 2026/27, Year 9, School B – 1 pupil"
    response = _get(client, "/attendance-picture/pupils?measure=sa&cohort=fsm&without=1&phase=primary")
    assert _heading(response) == ("Severe absence, Autumn term 2026/27, not free school meals eligible, Primary "
                                  "– 1 pupil")


def test_the_list_shows_each_pupils_figures_and_their_case_or_referral(client, example):
    from portal.cases.models import Case, Referral

    world, p = example
    db.session.add_all([
        Case(pupil_id=p["a3"].id, status="open", lead_id=world.user("ewo").id),
        Referral(pupil_id=p["a1"].id, school_id=world.school_a.id, status="submitted",
                 created_by_id=world.user("school_staff").id, barriers={"illness": ""}),
        Referral(pupil_id=p["a3"].id, school_id=world.school_a.id, status="accepted",
                 created_by_id=world.user("school_staff").id, barriers={"illness": ""}),
    ])
    db.session.commit()
    client = _login(client, world.user("school_staff"))
    html = _get(client, "/attendance-picture/pupils?measure=pa").get_data(as_text=True)
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S)[1:]
    text = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]
    # lowest attendance first: Cat 4/10, Ann 9/10 (persistent at exactly 90%)
    assert text[0].startswith(f"{p['a3'].legal_surname}, Cat Year 6 School A 40.0% 6 Open case")
    assert text[1].startswith(f"{p['a1'].legal_surname}, Ann Year 5 School A 90.0% 0 Referral awaiting triage")
    assert f'href="/pupils/{p["a3"].id}"' in html
    rows = _csv(_get(client, "/attendance-picture/pupils.csv?measure=pa"))
    assert rows[0][:3] == ["upn", "legal_forename", "legal_surname"]
    assert rows[1][1:] == ["Cat", p["a3"].legal_surname, "Year 6", "School A", "40.0", "10", "4", "0", "6",
                           "Open case"]


def test_the_list_makes_a_fixed_number_of_queries(client, example, app):
    world, p = example
    client = _login(client, world.user("la_admin"))
    for query in ("measure=sa", "measure=all"):   # the figures cached under the data version, as the pages run
        assert _get(client, f"/attendance-picture/pupils?{query}").status_code == 200
    counts = []

    def count(*_):
        counts[-1] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for query in ("measure=sa", "measure=all"):   # 1 pupil, then 5
            counts.append(0)
            assert _get(client, f"/attendance-picture/pupils?{query}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert counts[0] == counts[1]


def test_a_statutory_flag_lists_the_pupils_it_counts(client, example):
    world, p = example
    for pupil in (p["a1"], p["b1"]):
        db.session.add(PupilFlag(pupil_id=pupil.id, flag="unauthorised_10_weeks", from_date=date(2026, 9, 7),
                                 to_date=AS_OF, figure=10))
    db.session.commit()
    client = _login(client, world.user("la_admin"))
    counts = _figures(lambda period: figures.flag_counts(figures.Scope.la()))
    response = _get(client, "/attendance-picture/pupils?flag=unauthorised_10_weeks")
    assert _count(response) == counts["unauthorised_10_weeks"] == 2
    assert _heading(response).startswith("10+ unauthorised in 10 school weeks, this academic year")
    client = _login(client, world.user("school_staff"))
    response = _get(client, "/attendance-picture/pupils?flag=unauthorised_10_weeks")
    assert _count(response) == 1 and p["b1"].legal_surname not in response.get_data(as_text=True)


FILTERS = ["", "measure=pa", "measure=sa", "measure=crossed", "measure=below_ambition", "year=9", "phase=secondary",
           "cohort=fsm", "cohort=fsm&without=1", "flag=unauthorised_10_weeks", "period=ytd", "period=last4",
           "period=year:2025/26", "period=half_term"]


@pytest.mark.parametrize(("role", "own", "other"), [("school_staff", "a", "b"), ("ewo", "a", "b"),
                                                    ("school_staff_b", "b", "a"), ("ewo_b", "b", "a")])
def test_no_drill_down_or_csv_shows_another_schools_pupils(client, example, role, own, other):
    world, p = example
    db.session.add(PupilFlag(pupil_id=p[f"{other}1"].id, flag="unauthorised_10_weeks", from_date=date(2026, 9, 7),
                             to_date=AS_OF, figure=10))
    db.session.commit()
    theirs = [pp.legal_surname for k, pp in p.items() if k.startswith(other)]
    mine = [pp.legal_surname for k, pp in p.items() if k.startswith(own)]
    other_school = getattr(world, f"school_{other}")
    client = _login(client, world.user(role))
    seen = set()
    for query in FILTERS:
        for path in ("/attendance-picture/pupils", "/attendance-picture/pupils.csv"):
            response = _get(client, f"{path}?{query}")
            assert response.status_code == 200, f"{path}?{query}"
            body = response.get_data(as_text=True)
            assert not [name for name in theirs if name in body], f"{role} {path}?{query}"
            seen.update(name for name in mine if name in body)
        for path in ("/attendance-picture/pupils", "/attendance-picture/pupils.csv"):
            assert _get(client, f"{path}?{query}&school={other_school.id}").status_code == 404
    assert seen, "the user saw none of their own pupils: the test would prove nothing"
    for table in ("headline", "schools", "cohorts", "flags"):
        assert _get(client, f"/attendance-picture/{table}.csv?school={other_school.id}").status_code == 404


def test_the_panel_chair_and_partners_never_see_the_pupils(client, example):
    world, _ = example
    for role in ("panel_chair", "police", "social_care", "early_help"):
        client = _login(client, world.user(role))
        assert _get(client, "/attendance-picture/pupils?measure=pa").status_code == 403
        assert _get(client, "/attendance-picture/pupils.csv?measure=pa").status_code == 403


@pytest.mark.parametrize(("query", "status"), [
    ("measure=nonsense", 404), ("flag=nonsense", 404), ("phase=nursery", 404), ("cohort=left_handed", 404),
    ("without=1", 404), ("cohort=fsm&without=yes", 404), ("period=nonsense", 404), ("period=year:1999/00", 404),
    ("school=2147483647", 404),   # no such school
    # numbers the parser cannot use: 400 (portal/params.py; never a quietly wider list)
    ("school=abc", 400), ("school=-1", 400), ("school=99999999999", 400), ("year=abc", 400), ("year=99", 400)])
def test_bad_parameters_are_refused(client, example, query, status):
    world, _ = example
    client = _login(client, world.user("la_admin"))
    client.checks_pages = False
    assert _get(client, f"/attendance-picture/pupils?{query}").status_code == status
    assert _get(client, f"/attendance-picture/pupils.csv?{query}").status_code == status


def test_a_school_that_is_not_a_school_is_a_404(client, example):
    world, _ = example
    client = _login(client, world.user("la_admin"))
    client.checks_pages = False
    assert _get(client, f"/attendance-picture/pupils?school={world.service.id}").status_code == 404
    assert _get(client, f"/attendance-picture/headline.csv?school={world.police_org.id}").status_code == 404


def test_the_drill_down_and_its_csv_are_audited_with_their_filters(client, example):
    world, _ = example
    user = world.user("ewo")
    client = _login(client, user)
    school = world.school_a.id
    _get(client, f"/attendance-picture/pupils?measure=pa&school={school}")
    _get(client, f"/attendance-picture/pupils.csv?measure=pa&school={school}")
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()[::-1]
    assert [(e.verb, e.actor_id, e.object_type, e.object_id) for e in entries] == [
        ("picture_pupils_viewed", user.id, "Organisation", school),
        ("picture_pupils_exported", user.id, "Organisation", school)]
    assert entries[0].summary == f"measure=pa; school={school}"
    assert entries[1].summary == f"2 pupils; measure=pa; school={school}"


def test_the_pupils_csv_is_formula_safe(client, example):
    world, _ = example
    pupil = make_pupil(world.school_a, "@SUM(A1)", "=HYPERLINK(\"http://x\")", nc_year=5)
    _marks(pupil, WEEK, ["/", "\\"] * 5)
    db.session.commit()
    from tests.dashboard.test_figures import _refresh

    with clock.on(AS_OF):
        _refresh()
    client = _login(client, world.user("school_staff"))
    rows = _csv(_get(client, "/attendance-picture/pupils.csv?year=5"))
    row = next(r for r in rows if "HYPERLINK" in r[2])
    assert row[1] == "'@SUM(A1)" and row[2] == "'=HYPERLINK(\"http://x\")"


# ----- every table as CSV -------------------------------------------------------------------------

def _table(client, name, query=""):
    rows = _csv(_get(client, f"/attendance-picture/{name}.csv?{query}"))
    return rows[0], rows[1:]


def test_each_table_equals_the_figures(client, example):
    world, _ = example
    client = _login(client, world.user("la_admin"))
    header, rows = _table(client, "headline")
    by = {r[0]: r for r in rows}
    assert by["Overall attendance"][1:] == ["81.6%", "", "50.0%", "31.6", "", "", ""]
    assert by["Overall absence"][1] == "18.4%" and by["Unauthorised absence"][1] == "14.3%"
    # the seeded national figures (all schools, autumn term 2024/25): absence 6.5%, PA 19.2%
    assert by["Overall absence"][5:7] == ["6.5%", "11.9"]                 # 18.37 - 6.5
    assert by["Overall absence"][7].startswith("National, autumn term 2024/25: ")
    assert by["Persistent absence (missing 10% or more)"][5:7] == ["19.2%", "40.8"]
    assert by["Authorised absence"][5:] == ["", "", "No national figure for the autumn term, all schools"]
    assert by["Persistent absence (missing 10% or more)"][1:3] == ["60.0%", "3"]
    assert by["Severe absence (missing 50% or more)"][1:3] == ["20.0%", "1"]
    assert by["At or above the ambition (95%)"][1:3] == ["40.0%", "2"]
    assert by["Crossed the penalty-notice threshold"][2] == "1"
    _, rows = _table(client, "schools")
    schools = {r[0]: r for r in rows}
    assert schools["School A"][2:7] == ["Primary", world.user("ewo").name, "3", "76.7%", "23.3%"]
    assert schools["School A"][-1] == "26.7" and schools["School B"][-1] == ""     # change on last year
    _, rows = _table(client, "phases")
    assert {r[0]: r[2] for r in rows} == {"Primary": "76.7%", "Secondary": "89.5%"}
    _, rows = _table(client, "year-groups")
    assert {r[0]: r[1] for r in rows} == {"Year 5": "2", "Year 6": "1", "Year 9": "2"}
    header, rows = _table(client, "cohorts")
    fsm = next(r for r in rows if r[0] == "Free school meals eligible")
    assert fsm == ["Free school meals eligible", "2", "85.0%", "100.0%", "3", "79.3%", "33.3%", "5.7"]
    ehcp = next(r for r in rows if r[0] == "EHC plan")
    assert ehcp[1:3] == ["0", "–"] and ehcp[-1] == ""
    header, rows = _table(client, "trend")
    assert header == ["school_week", "week_beginning", "attendance_2026/27", "week_beginning_last_year",
                      "attendance_2025/26"]
    assert rows == [["1", "2026-11-16", "81.6%", "2025-11-17", "50.0%"]]
    _, rows = _table(client, "reasons")
    reasons = {r[0]: r for r in rows}
    assert reasons["Illness"][2:] == ["1", "11.1%", "2.0%"]          # 1 of 9 absences, 1 of 49 sessions
    assert reasons["Reason not yet provided, or other unauthorised"][2] == "6"
    _, rows = _table(client, "flags")
    assert len(rows) == 5 and all(r[1] == "0" for r in rows)


def test_a_table_for_one_school_and_the_roles_that_may_download_it(client, example):
    world, _ = example
    client = _login(client, world.user("school_staff"))
    assert _get(client, "/attendance-picture/headline.csv").status_code == 403   # the LA picture: not theirs
    _, rows = _table(client, "headline", f"school={world.school_a.id}")
    assert rows[1][:2] == ["Overall attendance", "76.7%"]
    _, rows = _table(client, "schools", f"school={world.school_a.id}")
    assert [r[0] for r in rows] == ["School A"]
    client = _login(client, world.user("ewo"))
    _, rows = _table(client, "schools")
    assert [r[0] for r in rows] == ["School A"]                               # the EWO's schools only
    client = _login(client, world.user("panel_chair"))
    _, rows = _table(client, "schools")
    assert [r[0] for r in rows] == ["School A", "School B"]
    assert _get(client, f"/attendance-picture/headline.csv?school={world.school_a.id}").status_code == 403
    client = _login(client, world.user("police"))
    assert _get(client, "/attendance-picture/headline.csv").status_code == 403


def test_an_unknown_table_is_a_404(client, example):
    world, _ = example
    client = _login(client, world.user("la_admin"))
    client.checks_pages = False
    for name in ("pupils-all", "nonsense", "HEADLINE"):
        assert _get(client, f"/attendance-picture/{name}.csv").status_code == 404


def test_table_cells_are_formula_safe(client, example):
    world, _ = example
    world.school_b.name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    client = _login(client, world.user("la_admin"))
    _, rows = _table(client, "schools")
    assert "'=HYPERLINK(\"http://evil\")" in [r[0] for r in rows]


# ----- the governors' summary ---------------------------------------------------------------------

@pytest.fixture
def governors_example(example):
    """Ten more pupils at school A: five FSM pupils in year 5, every session present (the FSM
    cohort reaches 6), and five in year 6 without FSM, each ill for 2 of 10 sessions."""
    world, p = example
    for n in range(5):
        pupil = make_pupil(world.school_a, f"Gov{n}", f"Governorson{n}", fsm=True, nc_year=5)
        _marks(pupil, WEEK, ["/", "\\"] * 5)
        p[f"a{4 + n}"] = pupil
        pupil = make_pupil(world.school_a, f"Ill{n}", f"Illingworth{n}", nc_year=6)
        _marks(pupil, WEEK, ["/", "\\"] * 4 + ["I", "I"])
        p[f"a{9 + n}"] = pupil
    db.session.commit()
    from tests.dashboard.test_figures import _refresh

    with clock.on(AS_OF):
        _refresh()
    return world, p


@pytest.fixture
def primary_figure(world):
    """A national figure for primary schools (reference data outlives a test: removed after)."""
    from portal.attendance import reference
    from portal.attendance.models import ReferenceFigure

    figure = reference.add(world.user("la_admin"), {
        "kind": "national", "academic_year": "2025/26", "period": "autumn", "phase": "primary", "cohort": "all",
        "measure": "overall_absence", "value": "5.5", "source": "Test release", "published_on": date(2026, 3, 1)})
    db.session.commit()
    yield figure
    db.session.rollback()
    db.session.execute(delete(ReferenceFigure).where(ReferenceFigure.id == figure.id))
    db.session.commit()


def test_the_governors_summary_compares_with_the_national_figure_for_its_phase(client, governors_example,
                                                                              primary_figure):
    world, _ = governors_example
    client = _login(client, world.user("school_staff"))
    text = " ".join(re.sub(r"<[^>]+>", " ", _get(client, f"/schools/{world.school_a.id}/governors-summary")
                           .get_data(as_text=True)).split())
    # school A: 17 of 130 sessions missed = 13.1%; the LA 19 of 149 = 12.8%; primary, autumn 2025/26: 5.5%
    assert "Overall absence 13.1% 12.8% 5.5% +7.6 points" in text
    assert ("No national figure for the autumn term, primary schools (authorised absence, unauthorised absence, "
            "persistent absence, severe absence).") in text
    assert "National figures: National, autumn term 2025/26: Test release." in text
    rows = {r[0]: r for r in _csv(_get(client, f"/attendance-picture/headline.csv?school={world.school_a.id}"))}
    assert rows["Overall absence"][5:] == ["5.5%", "7.6", "National, autumn term 2025/26: Test release"]
    # a secondary school: the all-schools figure is not taken for its phase
    rows = {r[0]: r for r in _csv(_get(_login(client, world.user("school_staff_b")),
                                       f"/attendance-picture/headline.csv?school={world.school_b.id}"))}
    assert rows["Overall absence"][5:] == ["", "", "No national figure for the autumn term, secondary schools"]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_governors_summary_shows_the_hand_worked_figures_and_no_pupil(client, governors_example):
    world, p = governors_example
    client = _login(client, world.user("school_staff"))
    response = _get(client, f"/schools/{world.school_a.id}/governors-summary")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    # school A: 23 + 50 + 40 of 30 + 50 + 50 = 113/130 = 86.9%; the LA: 130/149 = 87.2%
    assert "Attendance 86.9%" in text and "Local authority attendance 87.2%" in text
    assert "Against the 95% ambition -8.1 points" in text            # 86.92 - 95
    assert "Pupils at or above the ambition 46.2%" in text           # 6 of 13
    assert "Attendance against the same period last year +36.9 points" in text   # 86.92 - 50
    # FSM: Ann 9/10 and five at 10/10 = 59/60 = 98.3%, 1 of 6 persistent; without: Ben, Cat and
    # five at 8/10 = 54/70 = 77.1%; the gap 98.33 - 77.14 = +21.2 points
    assert "Free school meals eligible 6 98.3% 16.7% 77.1% +21.2" in text
    assert "SEN support fewer than 5 not shown not shown not shown not shown" in text   # Cat alone
    assert "Year 5 7 98.6% 14.3%" in text                           # 69/70; Ann persistent
    assert "Year 6 6 73.3% 100.0%" in text                          # 44/60; all six persistent
    assert "No national figure for the autumn term, primary schools." in text   # none held in the example
    pdf = client.get(f"/schools/{world.school_a.id}/governors-summary.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment; filename=")
    pdf_text = " ".join(_pdf_text(pdf.get_data()).split())
    assert "86.9%" in pdf_text and "87.2%" in pdf_text and "+21.2" in pdf_text
    for pupil in p.values():
        for name in (pupil.legal_surname, pupil.legal_forename, pupil.upn):
            assert name not in html, name
            assert name not in pdf_text, name


def test_the_governors_summary_is_audited_and_scoped(client, governors_example):
    world, _ = governors_example
    user = world.user("ewo")
    client = _login(client, user)
    assert _get(client, f"/schools/{world.school_a.id}/governors-summary").status_code == 200
    assert _get(client, f"/schools/{world.school_a.id}/governors-summary.pdf").status_code == 200
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()[::-1]
    assert [(e.verb, e.actor_id, e.object_id, e.summary) for e in entries] == [
        ("governors_summary_viewed", user.id, world.school_a.id, "2026/27 autumn"),
        ("governors_summary_downloaded", user.id, world.school_a.id, "2026/27 autumn")]
    # a past academic year: its own weekly trend (school A's one week of last year: Ben, 5 of 10)
    text = " ".join(re.sub(r"<[^>]+>", " ", _get(client, f"/schools/{world.school_a.id}/governors-summary"
                                                  "?period=year:2025/26").get_data(as_text=True)).split())
    assert "1 school week with marks in 2025/26. Latest school week (beginning 17 November 2025): 50.0%." in text
    client.checks_pages = False
    assert _get(client, f"/schools/{world.school_b.id}/governors-summary").status_code == 404
    assert _get(client, f"/schools/{world.school_b.id}/governors-summary.pdf").status_code == 404
    client = _login(client, world.user("panel_chair"))
    assert _get(client, f"/schools/{world.school_a.id}/governors-summary").status_code == 403
