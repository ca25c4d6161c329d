"""The EHE reports (LA admins and CME officers): children home educated now, by year group (from
the date of birth, on the English school-year rule) and by the school they left; new EHE
children this term; returns to school this term and this academic year. A fixed number of
queries whatever the number of children."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.attendance.summaries import Period, periods
from portal.ehe.models import EheRecord, EheStatus, EndReason
from portal.extensions import db
from portal.pupils.models import year_label
from portal.timeutil import today


def academic_year_start(day: date) -> int:
    """The calendar year in which the school year holding `day` began (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def year_group(date_of_birth: date, as_of: date) -> int:
    """The national curriculum year of a child born on `date_of_birth` in the school year holding
    `as_of`: children born from 1 September to 31 August are in one year group, and start
    Reception (0) in the September after they turn four."""
    return academic_year_start(as_of) - academic_year_start(date_of_birth) - 5


def year_group_label(nc_year: int) -> str:
    if nc_year < -2:
        return "Below school age"
    if nc_year > 13:
        return "Above school age"
    return year_label(nc_year)


@dataclass(frozen=True)
class Report:
    as_of: date
    term: Period | None
    year: Period | None
    current: int
    by_year_group: list[tuple[str, int]]
    by_previous_school: list[tuple[str, int]]
    new_this_term: list[EheRecord]
    returned_this_term: list[EheRecord]
    returned_this_year: list[EheRecord]
    overdue_reviews: int


def build(as_of: date | None = None) -> Report:
    as_of = as_of or today()
    term, year = periods(as_of)
    current = list(db.session.execute(
        select(EheRecord.date_of_birth, EheRecord.previous_school_id, EheRecord.previous_school_name,
               EheRecord.next_review_on)
        .where(EheRecord.status == EheStatus.current)))
    years = Counter(year_group(born, as_of) for born, _, _, _ in current)
    by_year = [(year_group_label(y), n) for y, n in sorted(years.items())]
    from portal.orgs.models import Organisation

    names = dict(db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({sid for _, sid, _, _ in current if sid is not None}))).all()) if current else {}
    schools = Counter(names.get(sid, "") if sid is not None else (free or "Not known") for _, sid, free, _ in current)
    by_school = sorted(schools.items(), key=lambda item: (-item[1], item[0]))
    overdue = sum(1 for _, _, _, due in current if due is not None and due < as_of)
    options = (selectinload(EheRecord.previous_school), selectinload(EheRecord.end_school))
    new = []
    if term is not None:
        new = list(db.session.scalars(select(EheRecord).options(*options)
                                      .where(EheRecord.started_on >= term.start, EheRecord.started_on <= term.end)
                                      .order_by(EheRecord.started_on.desc(), EheRecord.id.desc())))
    returned_year: list[EheRecord] = []
    if year is not None:
        returned_year = list(db.session.scalars(
            select(EheRecord).options(*options)
            .where(EheRecord.end_reason == EndReason.returned_to_school, EheRecord.ended_on >= year.start,
                   EheRecord.ended_on <= year.end)
            .order_by(EheRecord.ended_on.desc(), EheRecord.id.desc())))
    returned_term = [r for r in returned_year if term is not None and r.ended_on is not None
                     and term.start <= r.ended_on <= term.end]
    return Report(as_of, term, year, len(current), by_year, by_school, new, returned_term, returned_year, overdue)


def csv_rows(report: Report) -> list[list]:
    """The report's figures, one row a line: (measure, group, children)."""
    rows: list[list] = [["Currently home educated", "All", report.current]]
    rows += [["Currently home educated, by year group", label, n] for label, n in report.by_year_group]
    rows += [["Currently home educated, by previous school", label, n] for label, n in report.by_previous_school]
    rows.append([f"New this term ({report.term.label})" if report.term else "New this term", "All",
                 len(report.new_this_term)])
    rows.append(["Returned to school this term", "All", len(report.returned_this_term)])
    rows.append([f"Returned to school this year ({report.year.label})" if report.year else "Returned to school "
                 "this year", "All", len(report.returned_this_year)])
    rows.append(["Reviews overdue", "All", report.overdue_reviews])
    return rows

