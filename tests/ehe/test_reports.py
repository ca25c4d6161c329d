"""The EHE reports: children home educated now by year group (from the date of birth, on the
English school-year rule) and by previous school; new this term; returns to school this term
and this year."""
from __future__ import annotations

from datetime import date

import pytest

from portal.ehe import reports, service
from portal.extensions import db
from tests.ehe.conftest import start


@pytest.mark.parametrize("born,as_of,expected", [
    (date(2015, 9, 1), date(2026, 11, 25), 6),   # the oldest of the year group
    (date(2016, 8, 31), date(2026, 11, 25), 6),  # the youngest of the same year group
    (date(2016, 9, 1), date(2026, 11, 25), 5),
    (date(2021, 12, 1), date(2026, 11, 25), 0),  # Reception
    (date(2010, 10, 1), date(2027, 7, 1), 11),   # the summer term still belongs to 2026/27
    (date(2010, 10, 1), date(2027, 9, 2), 12),
])
def test_the_year_group_from_the_date_of_birth(born, as_of, expected):
    assert reports.year_group(born, as_of) == expected


def test_the_reports_count_by_year_group_previous_school_new_and_returns(world):
    admin = world.user("la_admin")
    start(world, date_of_birth=date(2015, 10, 1), started_on=date(2026, 6, 1))  # Year 6, last year
    start(world, forename="A", date_of_birth=date(2016, 2, 1), started_on=date(2026, 9, 10),
          previous_school_name="", previous_school_id=world.school_a.id)  # Year 6, new this term
    start(world, forename="B", date_of_birth=date(2012, 1, 1), started_on=date(2026, 10, 1),
          previous_school_name="", previous_school_id=world.school_a.id, next_review_on=date(2026, 11, 1))  # Year 10
    back_term = start(world, forename="C", started_on=date(2026, 5, 1))
    service.end_ehe(admin, back_term, {"ended_on": date(2026, 11, 2), "end_reason": "returned_school",
                                       "end_school_id": world.school_b.id}, back_term.version)
    back_year = start(world, forename="D", started_on=date(2026, 5, 1))
    service.end_ehe(admin, back_year, {"ended_on": date(2026, 5, 20), "end_reason": "returned_school",
                                       "end_school_id": world.school_b.id}, back_year.version)  # last year
    moved = start(world, forename="E", started_on=date(2026, 9, 20))
    service.end_ehe(admin, moved, {"ended_on": date(2026, 11, 3), "end_reason": "moved_away"}, moved.version)
    db.session.commit()

    report = reports.build(date(2026, 11, 25))
    assert report.current == 3
    assert report.by_year_group == [("Year 6", 2), ("Year 10", 1)]
    assert report.by_previous_school == [("School A", 2), ("St Anne's, Northshire", 1)]
    # started this term (E has moved away since)
    assert {r.forename for r in report.new_this_term} == {"A", "B", "E"}
    assert [r.forename for r in report.returned_this_term] == ["C"]
    assert [r.forename for r in report.returned_this_year] == ["C"]  # D returned in 2025/26
    assert report.returned_this_term[0].end_school.name == world.school_b.name
    assert report.overdue_reviews == 1
    rows = reports.csv_rows(report)
    assert ["Currently home educated, by year group", "Year 6", 2] in rows
    assert ["Returned to school this term", "All", 1] in rows
