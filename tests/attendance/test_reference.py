"""The reference figures as data and the one lookup the dashboards use: the national figure
for exactly the period, phase and cohort asked for, from the latest academic year up to the
one asked for; none (never another phase's or cohort's figure) when it is missing."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from portal.attendance import reference
from portal.attendance.models import ReferenceFigure
from portal.extensions import db
from tests.attendance.reference_helpers import keep_figures  # noqa: F401

pytestmark = pytest.mark.usefixtures("keep_figures")


def _figure(measure="overall_absence", value="5.0", year="2025/26", period="autumn", phase="all", cohort="all",
            kind="national") -> ReferenceFigure:
    figure = ReferenceFigure(kind=kind, academic_year=year, period=period, phase=phase, cohort=cohort,
                             measure=measure, value=Decimal(value), source="Test release",
                             published_on=date(2026, 3, 1))
    db.session.add(figure)
    db.session.commit()
    reference.forget()
    return figure


def test_the_migration_seeds_the_dfe_figures_with_their_source():
    seeded = {(f.period.value, f.cohort.value, f.measure.value): f.value
              for f in db.session.scalars(select(ReferenceFigure).where(ReferenceFigure.academic_year == "2024/25"))}
    assert seeded == {
        ("year", "all", "overall_absence"): Decimal("6.90"), ("year", "all", "persistent_absence"): Decimal("18.70"),
        ("autumn", "all", "overall_absence"): Decimal("6.50"),
        ("autumn", "all", "persistent_absence"): Decimal("19.20"),
        ("autumn", "fsm", "overall_absence"): Decimal("10.00"),
        ("autumn", "fsm", "persistent_absence"): Decimal("31.70"),
        ("autumn", "not_fsm", "overall_absence"): Decimal("5.20"),
        ("autumn", "not_fsm", "persistent_absence"): Decimal("14.40"),
        ("autumn", "ehc_plan", "overall_absence"): Decimal("13.10"),
        ("autumn", "ehc_plan", "persistent_absence"): Decimal("35.10"),
        ("autumn", "sen_support", "overall_absence"): Decimal("10.10"),
        ("autumn", "sen_support", "persistent_absence"): Decimal("29.00"),
        ("autumn", "no_sen", "overall_absence"): Decimal("5.80"),
        ("autumn", "no_sen", "persistent_absence"): Decimal("17.00"),
    }
    figure = db.session.scalars(select(ReferenceFigure)).first()
    assert figure.source == 'DfE "Pupil attendance in schools", official statistics in development'
    assert figure.published_on == date(2025, 12, 11)
    assert {f.kind.value for f in db.session.scalars(select(ReferenceFigure))} == {"national"}


def test_the_national_figure_for_exactly_the_period_asked():
    autumn = reference.lookup("overall_absence", period="autumn", academic_year="2026/27")
    year = reference.lookup("overall_absence", period="year", academic_year="2026/27")
    assert (autumn.value, autumn.period.value, autumn.academic_year) == (Decimal("6.50"), "autumn", "2024/25")
    assert autumn.label == "National, autumn term 2024/25" and autumn.value_text == "6.5%"
    assert autumn.source.startswith('DfE "Pupil attendance in schools"') and autumn.published_on == date(2025, 12, 11)
    assert (year.value, year.label) == (Decimal("6.90"), "National, academic year 2024/25")
    # no spring figure is held: none, never the autumn's or the year's
    assert reference.lookup("overall_absence", period="spring", academic_year="2026/27") is None


def test_a_cohort_gets_its_own_figure_and_a_missing_cohort_none():
    fsm = reference.lookup("persistent_absence", period="autumn", academic_year="2024/25", cohort="fsm")
    assert fsm.value == Decimal("31.70") and fsm.cohort.value == "fsm"
    assert reference.lookup("persistent_absence", period="autumn", academic_year="2024/25",
                            cohort="looked_after") is None
    assert reference.lookup("persistent_absence", period="year", academic_year="2024/25", cohort="fsm") is None
    assert reference.lookup("overall_absence", period="autumn", academic_year="2024/25", cohort="nonsense") is None


def test_a_phase_gets_its_own_figure_and_a_missing_phase_none():
    _figure(value="4.9", year="2024/25", phase="primary")
    _figure(value="3.3", year="2024/25", phase="ap", cohort="fsm")
    primary = reference.lookup("overall_absence", period="autumn", academic_year="2025/26", phase="primary")
    assert (primary.value, primary.phase.value) == (Decimal("4.90"), "primary")
    # no secondary figure: none, never the all-schools figure
    assert reference.lookup("overall_absence", period="autumn", academic_year="2025/26", phase="secondary") is None
    # a school's phase named as the organisations name it
    assert reference.lookup("overall_absence", period="autumn", academic_year="2025/26",
                            phase="alternative_provision", cohort="fsm").value == Decimal("3.30")
    assert reference.lookup("overall_absence", period="autumn", academic_year="2025/26", phase="all_through") is None


def test_the_latest_year_up_to_the_one_asked_is_preferred():
    _figure(value="6.1", year="2025/26")
    _figure(value="5.7", year="2027/28")  # a later year than asked: not used
    assert reference.lookup("overall_absence", period="autumn", academic_year="2026/27").academic_year == "2025/26"
    assert reference.lookup("overall_absence", period="autumn", academic_year="2026/27").value == Decimal("6.10")
    assert reference.lookup("overall_absence", period="autumn", academic_year="2025/26").value == Decimal("6.10")
    assert reference.lookup("overall_absence", period="autumn", academic_year="2024/25").value == Decimal("6.50")
    assert reference.lookup("overall_absence", period="autumn", academic_year="2023/24") is None
    assert reference.lookup("overall_absence", period="autumn", academic_year="2028/29").value == Decimal("5.70")


def test_local_figures_are_not_national_ones():
    _figure(value="4.4", year="2025/26", kind="local", cohort="looked_after")
    assert reference.lookup("overall_absence", period="autumn", academic_year="2025/26",
                            cohort="looked_after") is None


def test_an_unknown_measure_is_a_programming_error():
    with pytest.raises(ValueError):
        reference.lookup("attendance", period="autumn", academic_year="2025/26")


def test_one_query_for_all_the_lookups_of_a_request(app):
    with app.test_request_context():
        statements = []

        def count(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for cohort in ("all", "fsm", "not_fsm", "ehc_plan", "looked_after"):
                for measure in ("overall_absence", "persistent_absence"):
                    reference.lookup(measure, period="autumn", academic_year="2026/27", cohort=cohort)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len([s for s in statements if "reference_figures" in s]) == 1


def test_the_database_refuses_a_second_figure_for_the_same_key_and_a_value_out_of_range():
    with pytest.raises(IntegrityError):
        _figure(value="7.0", year="2024/25", period="year", measure="overall_absence")
    db.session.rollback()
    with pytest.raises(IntegrityError):
        _figure(value="100.5", year="2030/31")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReferenceFigure)) == 14


def test_the_vocabularies_are_enforced_by_the_database():
    with pytest.raises(IntegrityError):
        db.session.execute(ReferenceFigure.__table__.insert().values(
            kind="national", academic_year="2030/31", period="winter", phase="all", cohort="all",
            measure="overall_absence", value=Decimal(1), source="x", published_on=date(2026, 1, 1), version=1))
    db.session.rollback()
