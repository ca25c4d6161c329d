"""The meeting's figures from the figures API: the school's headline against the LA and its
cohorts with their gaps; partners see counts only (below 5 suppressed)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from portal.attendance import aggregates, flags
from portal.attendance.imports import recompute_weeks
from portal.attendance.models import AttendanceMark
from portal.extensions import db
from tests.factories import make_pupil
from tests.tsm.conftest import TODAY, book
from tests.tsm.test_scope import pdf_text

WEEK = [date(2026, 11, 16) + timedelta(days=i) for i in range(5)]


def _marks(pupil, codes):
    sessions = [(day, s) for day in WEEK for s in ("AM", "PM")]
    db.session.execute(insert(AttendanceMark), [{"pupil_id": pupil.id, "date": d, "session": s, "code": c}
                                                for (d, s), c in zip(sessions, codes, strict=True)])


def _refresh():
    conn = db.session.connection()
    recompute_weeks(conn, conn.dialect.name, "SELECT id FROM pupils", date(2025, 1, 1), date(2028, 1, 1))
    flags.refresh(conn, TODAY)
    aggregates.refresh(conn, TODAY)
    db.session.commit()


def test_the_meeting_shows_the_schools_headline_against_the_la_and_the_cohort_gaps(app, world):
    present = ["/", "\\"] * 5
    _marks(make_pupil(world.school_a, "Ann", "Able", fsm=True), present[:8] + ["O", "O"])  # 80%
    _marks(make_pupil(world.school_a, "Ben", "Bright"), present)                          # 100%
    _marks(make_pupil(world.school_b, "Dan", "Dale"), present[:6] + ["I"] * 4)            # 60%
    _refresh()
    meeting = book(world, partners=[world.early_help_org])
    ewo = app.test_client()
    ewo.login(world.user("ewo"))
    page = ewo.get(f"/support-meetings/{meeting.id}").text
    figures = page[page.index('id="figures"'):page.index('id="key-groups"')]
    assert "Autumn term 2026/27" in figures
    headline = figures[figures.index("Headline"):figures.index("Cohorts")]
    assert "90.0%" in headline and "80.0%" in headline  # school A 18/20; the LA 24/30
    fsm = figures[figures.index("Free school meals eligible"):]
    fsm = fsm[:fsm.index("</tr>")]
    assert "80.0%" in fsm and "100.0%" in fsm and "-20.0" in fsm
    partner = app.test_client()
    partner.login(world.user("early_help"))
    theirs = partner.get(f"/support-meetings/{meeting.id}").text
    theirs = theirs[theirs.index('id="figures"'):theirs.index('id="key-groups"')]
    assert "fewer than 5" in theirs and "%" not in theirs
    minutes = ewo.get(f"/support-meetings/{meeting.id}/minutes").text
    assert "The school&#39;s figures: Autumn term 2026/27" in minutes or "The school's figures: Autumn" in minutes
    assert "-20.0" in minutes
    pdf = pdf_text(ewo.get(f"/support-meetings/{meeting.id}/minutes/pdf").get_data())
    assert "Free school meals eligible" in pdf and "-20.0" in pdf and "90.0%" in pdf
    partner_pdf = pdf_text(partner.get(f"/support-meetings/{meeting.id}/minutes/pdf").get_data())
    assert "fewer than 5" in partner_pdf and "90.0%" not in partner_pdf


def test_the_national_figure_is_the_schools_phase_and_period_or_none(app, world):
    from decimal import Decimal

    from sqlalchemy import delete

    from portal.attendance import reference
    from portal.attendance.models import ReferenceFigure

    present = ["/", "\\"] * 5
    _marks(make_pupil(world.school_a, "Ann", "Able"), present[:9] + ["O"])
    _refresh()
    figures = [ReferenceFigure(kind="national", academic_year="2025/26", period="autumn", phase=phase, cohort="all",
                               measure=measure, value=Decimal(value), source="TSM test", published_on=date(2026, 3, 1))
               for phase, measure, value in (("secondary", "overall_absence", "7.3"),
                                             ("primary", "persistent_absence", "21.7"))]
    db.session.add_all(figures)
    db.session.commit()
    reference.forget()
    try:
        meeting = book(world)  # school A is a secondary school
        ewo = app.test_client()
        ewo.login(world.user("ewo"))
        page = ewo.get(f"/support-meetings/{meeting.id}").text
        headline = page[page.index("Headline"):page.index("Cohorts")]
        assert "National (Secondary)" in headline
        assert "7.3%" in headline and "National, autumn term 2025/26" in headline
        assert "21.7%" not in headline and "None held" in headline  # the primary figure is not ours
    finally:
        db.session.rollback()
        db.session.execute(delete(ReferenceFigure).where(ReferenceFigure.source == "TSM test"))
        db.session.commit()
        reference.forget()
