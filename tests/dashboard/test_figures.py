"""The attendance picture's measures against a hand-worked example (issue 13): two schools
(primary and secondary), cohorts, a phase split, an empty cohort, last year's comparison,
crossings in and out of the period, and drill-down lists equal to the counts."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from portal.attendance import aggregates, flags
from portal.attendance.imports import recompute_weeks
from portal.attendance.models import AttendanceMark, PupilPeriod, ThresholdCrossing
from portal.dashboard import figures
from portal.extensions import db
from portal.orgs.models import SchoolPhase
from tests import clock
from tests.factories import make_pupil

AS_OF = date(2026, 11, 20)           # a Friday in the autumn term 2026/27
WEEK = [date(2026, 11, 16) + timedelta(days=i) for i in range(5)]
LAST_YEAR_WEEK = [date(2025, 11, 17) + timedelta(days=i) for i in range(5)]


def _marks(pupil, days, codes: list[str]):
    """codes: one per session, AM then PM, day by day."""
    sessions = [(day, s) for day in days for s in ("AM", "PM")]
    db.session.execute(insert(AttendanceMark), [
        {"pupil_id": pupil.id, "date": day, "session": s, "code": c}
        for (day, s), c in zip(sessions, codes, strict=True)])


def _refresh():
    conn = db.session.connection()
    recompute_weeks(conn, conn.dialect.name, "SELECT id FROM pupils", date(2025, 1, 1), date(2028, 1, 1))
    flags.refresh(conn, AS_OF)
    aggregates.refresh(conn, AS_OF)
    db.session.commit()


@pytest.fixture
def example(world):
    a, b = world.school_a, world.school_b
    a.phase, b.phase = SchoolPhase.primary, SchoolPhase.secondary
    p = {
        "a1": make_pupil(a, "Ann", fsm=True, nc_year=5),          # 9 of 10: exactly 90% -> persistent
        "a2": make_pupil(a, "Ben", nc_year=5),                    # 10 of 10
        "a3": make_pupil(a, "Cat", sen_support=True, nc_year=6),  # 4 of 10, 6 unauthorised -> severe
        "b1": make_pupil(b, "Dan", fsm=True, nc_year=9),          # 8 of 10: 1 M, 1 G
        "b2": make_pupil(b, "Eve", nc_year=9),                    # 9 of 9 (one X: not possible)
        "b3": make_pupil(b, "Fin", nc_year=9),                    # no marks in the period
    }
    present = ["/", "\\"] * 5
    _marks(p["a1"], WEEK, present[:9] + ["I"])
    _marks(p["a2"], WEEK, present)
    _marks(p["a3"], WEEK, present[:4] + ["O"] * 6)
    _marks(p["b1"], WEEK, present[:8] + ["M", "G"])
    _marks(p["b2"], WEEK, present[:9] + ["X"])
    _marks(p["a2"], LAST_YEAR_WEEK, present[:5] + ["N"] * 5)  # last year: 50%
    with clock.on(AS_OF):
        _refresh()
    # crossings as the flags refresh would store them (it rebuilds them from marks, so after it)
    db.session.add_all([
        ThresholdCrossing(pupil_id=p["a3"].id, window_start=date(2026, 9, 7), window_end=AS_OF, unauthorised=12),
        ThresholdCrossing(pupil_id=p["b1"].id, window_start=date(2025, 9, 8), window_end=date(2025, 11, 7),
                          unauthorised=10),
    ])
    db.session.commit()
    return world, p


def _term():
    return figures.period_for("term", AS_OF)


def test_headline_by_hand(app, example):
    with app.test_request_context():
        period = _term()
        assert period.key == "2026/27 autumn"
        # the term in progress compares with last year's same term up to the same day (52 weeks back)
        assert (period.comparison.key, period.comparison.start, period.comparison.end) == \
            ("term-prev", date(2025, 9, 1), date(2025, 11, 21))
        m = figures.headline(figures.Scope.la(), period)
        assert (m.pupils, m.possible, m.attended, m.authorised, m.unauthorised) == (5, 49, 40, 2, 7)
        assert m.attendance_text == "81.6%"      # 40/49 = 81.63%
        assert m.absence_text == "18.4%"         # 9/49
        assert m.authorised_text == "4.1%"       # 2/49 = 4.08%
        assert m.unauthorised_text == "14.3%"    # 7/49 = 14.29%
        assert (m.pa, m.sa, m.at_ambition, m.crossed) == (3, 1, 2, 1)
        assert (m.pa_text, m.sa_text, m.at_ambition_text) == ("60.0%", "20.0%", "40.0%")


def test_phase_split_and_year_groups_add_up(app, example):
    with app.test_request_context():
        period = _term()
        phases = {s.key: s.measures for s in figures.by_phase(figures.Scope.la(), period)}
        assert phases["primary"].attendance_text == "76.7%"     # 23/30
        assert phases["primary"].pa_text == "66.7%"             # 2 of 3
        assert phases["secondary"].attendance_text == "89.5%"   # 17/19, persistent absence band
        assert phases["secondary"].pa_text == "50.0%"
        years = {s.key: s.measures.pupils for s in figures.by_year_group(figures.Scope.la(), period)}
        assert years == {"5": 2, "6": 1, "9": 2}


def test_cohort_gap_and_an_empty_cohort(app, example):
    figures.forget()  # (the tests' one application context keeps g between these blocks)
    with app.test_request_context():
        rows = {c.key: c for c in figures.cohorts(figures.Scope.la(), _term())}
        fsm = rows["fsm"]
        assert (fsm.measures.attended, fsm.measures.possible) == (17, 20)   # 85.0%
        assert (fsm.without.attended, fsm.without.possible) == (23, 29)     # 79.3%
        assert fsm.gap == Decimal("5.7")  # 85 - 79.31 = +5.69 points
        ehcp = rows["ehc_plan"]
        assert ehcp.measures.pupils == 0 and ehcp.measures.attendance_text == "–"
        assert ehcp.gap is None


def test_school_scope_counts_only_its_pupils(app, example):
    world, _ = example
    with app.test_request_context():
        m = figures.headline(figures.Scope.school(world.school_b.id), _term())
        assert (m.pupils, m.possible, m.attended, m.pa, m.crossed) == (2, 19, 17, 1, 0)
        assert figures.headline(figures.Scope.schools([]), _term()).pupils == 0


def test_comparison_with_the_same_term_last_year(app, example):
    world, _ = example
    with app.test_request_context():
        period = _term()
        scope = figures.Scope.school(world.school_a.id)
        before = figures.comparison(scope, period)
        assert (before.attended, before.possible) == (5, 10)
        now = figures.headline(scope, period)
        assert now.attendance_change(before) == Decimal("26.7")   # 76.67 - 50
        schools = {s.key: s for s in figures.by_school(figures.Scope.la(), period)}
        assert schools[str(world.school_a.id)].change == Decimal("26.7")
        assert schools[str(world.school_b.id)].change is None     # no marks last year


@pytest.mark.parametrize("measure", ["all", "pa", "sa", "at_ambition", "below_ambition", "crossed"])
def test_drill_down_lists_equal_the_counts(app, example, measure):
    world, _ = example
    with app.test_request_context():
        period = _term()
        for scope in (figures.Scope.la(), figures.Scope.school(world.school_a.id),
                      figures.Scope.school(world.school_b.id)):
            m = figures.headline(scope, period)
            expected = {"all": m.pupils, "pa": m.pa, "sa": m.sa, "at_ambition": m.at_ambition,
                        "below_ambition": m.pupils - m.at_ambition, "crossed": m.crossed}[measure]
            listed = db.session.execute(figures.pupils_behind(scope, period, measure)).all()
            assert len(listed) == expected
        for cohort in figures.cohorts(figures.Scope.la(), period):
            stmt = figures.pupils_behind(figures.Scope.la(), period, "pa", cohort=cohort.key)
            listed = db.session.execute(stmt).all()
            assert len(listed) == cohort.measures.pa


def test_reasons_and_weekly_trend(app, example):
    with app.test_request_context():
        period = _term()
        reasons = {r.key: r.sessions for r in figures.reasons(figures.Scope.la(), period)}
        assert reasons == {"illness": 1, "medical": 1, "leave_authorised": 0, "holiday_unauthorised": 1,
                           "exclusion": 0, "other_authorised": 0, "no_reason": 6, "late": 0}
        trend = figures.trend(figures.Scope.la(), AS_OF)
        assert [(w.week_start, w.attended, w.possible) for w in trend.this_year] == [(WEEK[0], 40, 49)]
        assert [(w.week_start, w.attended, w.possible) for w in trend.last_year] == [(LAST_YEAR_WEEK[0], 5, 10)]


def test_periods_offered(app, example):
    with app.test_request_context():
        half = figures.period_for("half_term", AS_OF)
        assert half.key == "2026/27 autumn 2" and half.start == date(2026, 11, 2)
        assert (half.comparison.key, half.comparison.start) == ("half-prev", date(2025, 11, 3))
        ytd = figures.period_for("ytd", AS_OF)
        assert ytd.key == "2026/27" and ytd.comparison.key == "ytd-prev"
        assert ytd.comparison.end == AS_OF - timedelta(weeks=52)
        last4 = figures.period_for("last4", AS_OF)
        assert last4.start == date(2026, 10, 19) and last4.end == AS_OF   # half-term week skipped
        assert figures.period_for("year:2025/26", AS_OF).key == "2025/26"
        offered = dict(figures.choices(AS_OF))
        assert "year:2025/26" in offered and "year:2027/28" not in offered   # not a year still to come
        assert figures.period_for("year:1999/00", AS_OF) is None
        assert figures.period_for("nonsense", AS_OF) is None


def test_an_import_refreshes_the_aggregates_of_its_pupils(app, example):
    world, p = example
    with app.test_request_context():
        rows = db.session.scalar(select(func.count()).select_from(PupilPeriod)
                                 .where(PupilPeriod.pupil_id == p["a1"].id))
        assert rows >= 4   # year, term, half-term, last 4 weeks


def test_a_pupils_new_cohort_flag_and_the_ambition_change_the_figures_at_once(app, example):
    """The cells are rebuilt when a pupil's flags change (at the commit) and when the ambition does."""
    from portal.attendance import settings
    from portal.pupils import service
    from portal.pupils.service import EDITABLE

    world, p = example
    admin = world.user("la_admin")
    with app.test_request_context():
        pupil = p["a2"]  # 10 of 10, no flags
        data = {f: getattr(pupil, f) for f in EDITABLE}
        data["ehc_plan"] = True
        assert service.update_pupil(admin, pupil, data, pupil.version)
        db.session.commit()
    figures.forget()  # (the tests' one application context keeps g between these blocks)
    with app.test_request_context():
        rows = {c.key: c for c in figures.cohorts(figures.Scope.la(), _term())}
        assert (rows["ehc_plan"].measures.pupils, rows["ehc_plan"].measures.attendance_text) == (1, "100.0%")
    gus = make_pupil(world.school_a, "Gus", nc_year=5)   # 19 of 20: exactly 95%
    _marks(gus, [d - timedelta(days=7) for d in WEEK] + WEEK, ["/", "\\"] * 4 + ["/", "O"] + ["/", "\\"] * 5)
    with clock.on(AS_OF):
        _refresh()
    figures.forget()
    with app.test_request_context():
        assert figures.headline(figures.Scope.la(), _term()).at_ambition == 3   # 95% is at the ambition
        settings.update(admin, 96, None)
        db.session.commit()
    figures.forget()
    with app.test_request_context():
        assert figures.headline(figures.Scope.la(), _term()).at_ambition == 2   # not at 96%
        settings.update(admin, 95, settings.current().version)
        db.session.rollback()   # a change rolled back rebuilds nothing
    figures.forget()
    with app.test_request_context():
        assert figures.headline(figures.Scope.la(), _term()).at_ambition == 2


def test_a_pupil_moving_school_moves_their_figures(app, example):
    from portal.pupils import service
    from portal.pupils.service import PUPIL_FIELDS

    world, p = example
    with app.test_request_context():
        pupil = p["a3"]  # severe absence, school A
        record = {f: getattr(pupil, f) for f in PUPIL_FIELDS}
        record["school_id"] = world.school_b.id
        assert service.upsert_from_import(pupil, record, actor=world.user("la_admin")) == "changed"
        db.session.commit()
    figures.forget()
    with app.test_request_context():
        schools = {s.key: s.measures for s in figures.by_school(figures.Scope.la(), _term())}
        assert (schools[str(world.school_a.id)].pupils, schools[str(world.school_a.id)].sa) == (2, 0)
        assert (schools[str(world.school_b.id)].pupils, schools[str(world.school_b.id)].sa) == (3, 1)


def test_whether_crossings_were_recorded_by_a_day(app, example):
    """Last year's crossings count as 0 only where crossings were being recorded then."""
    with app.test_request_context():
        assert figures.crossings_recorded_by(date(2025, 11, 7)) is True    # Dan's crossing ended that day
        assert figures.crossings_recorded_by(date(2025, 11, 6)) is False
        assert figures.crossings_recorded_by(None) is False
