"""A prosecution's evidence pack: the case's chronology (the full professionals' view), a
register extract of the pupil's marks for a chosen period, the case's documents (letters land
there) and the notices to improve and penalty notices issued on the case (`notices_for_pack`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from portal.attendance.models import AttendanceMark, RegisterCode
from portal.cases.models import Case, CaseDocument, ChronologyEntry, DocumentStatus
from portal.extensions import db
from portal.formal.models import NoticeToImprove, PenaltyNotice
from portal.formal_steps.models import FormalStep
from portal.timeutil import today

DEFAULT_WEEKS = 12


@dataclass
class PackNotice:
    title: str
    issued_on: date
    status_label: str


def notices_for_pack(case: Case) -> list[PackNotice]:
    """The notices to improve and the issued penalty notices of the case, oldest first."""
    ntis = db.session.scalars(select(NoticeToImprove).where(NoticeToImprove.case_id == case.id))
    notices = db.session.scalars(select(PenaltyNotice).where(
        PenaltyNotice.case_id == case.id, PenaltyNotice.issued_on.is_not(None)))
    found = [PackNotice(f"Notice to improve to {nti.parent_names}", nti.issued_on, nti.status.label) for nti in ntis]
    found += [PackNotice(f"Penalty notice {n.number} to {n.parent_name} ({n.reason.label.lower()})",
                         n.issued_on, n.status.label) for n in notices if n.issued_on]
    return sorted(found, key=lambda n: n.issued_on)


@dataclass
class ExtractDay:
    day: date
    am: str = ""
    pm: str = ""


@dataclass
class Pack:
    step: FormalStep
    case: Case
    period: tuple[date, date]
    chronology: list[ChronologyEntry]
    extract: list[ExtractDay]
    meanings: dict[str, str]
    totals: dict[str, int] = field(default_factory=dict)
    documents: list[CaseDocument] = field(default_factory=list)
    notices: list = field(default_factory=list)


def default_period(as_of: date | None = None) -> tuple[date, date]:
    end = as_of or today()
    return end - timedelta(weeks=DEFAULT_WEEKS), end


def register_extract(pupil_id: int, start: date, end: date) -> tuple[list[ExtractDay], dict[str, str],
                                                                        dict[str, int]]:
    """The pupil's marks from start to end, a row a day (AM and PM), the meanings of the codes
    used, and the sessions counted by category (present, authorised, unauthorised ...)."""
    rows: dict[date, ExtractDay] = {}
    meanings: dict[str, str] = {}
    totals: dict[str, int] = {}
    marks = db.session.execute(
        select(AttendanceMark.date, AttendanceMark.session, AttendanceMark.code, RegisterCode.meaning,
               RegisterCode.category)
        .join(RegisterCode, RegisterCode.code == AttendanceMark.code)
        .where(AttendanceMark.pupil_id == pupil_id, AttendanceMark.date >= start, AttendanceMark.date <= end)
        .order_by(AttendanceMark.date, AttendanceMark.session))
    for day, session, code, meaning, category in marks:
        row = rows.setdefault(day, ExtractDay(day))
        if session.upper() == "AM":
            row.am = code
        else:
            row.pm = code
        meanings[code] = meaning
        totals[category] = totals.get(category, 0) + 1
    return list(rows.values()), dict(sorted(meanings.items())), totals


def build(step: FormalStep, start: date, end: date) -> Pack:
    case = step.case
    chronology = list(db.session.scalars(
        select(ChronologyEntry).where(ChronologyEntry.case_id == case.id, ChronologyEntry.struck_at.is_(None))
        .order_by(ChronologyEntry.occurred_at, ChronologyEntry.id)))
    extract, meanings, totals = register_extract(case.pupil_id, start, end)
    documents = list(db.session.scalars(
        select(CaseDocument).where(CaseDocument.case_id == case.id, CaseDocument.status == DocumentStatus.kept)
        .order_by(CaseDocument.uploaded_at, CaseDocument.id)))
    return Pack(step=step, case=case, period=(start, end), chronology=chronology, extract=extract,
                meanings=meanings, totals=totals, documents=documents, notices=notices_for_pack(case))
