"""A case with two liable parents (and a grandparent without parental responsibility), led by
school A's EWO, with a support plan in its chronology."""
from __future__ import annotations

from datetime import date, datetime, timezone

from portal.attendance.models import AttendanceMark
from portal.cases.models import Case, ChronologyEntry
from portal.extensions import db
from portal.pupils.models import Contact
from tests.factories import make_pupil


def make_formal_case(world, *, support: bool = True, school=None, lead=None):
    school = school or world.school_a
    pupil = make_pupil(school, "Ava", "Notice")
    mum = Contact(pupil=pupil, name="Maria Notice", relationship_to_pupil="Mother", parental_responsibility=True)
    dad = Contact(pupil=pupil, name="Dan Notice", relationship_to_pupil="Father", parental_responsibility=True)
    gran = Contact(pupil=pupil, name="Gina Notice", relationship_to_pupil="Grandmother")
    db.session.add_all([mum, dad, gran])
    case = Case(pupil_id=pupil.id, status="open", lead_id=(lead or school.named_ewo).id)
    db.session.add(case)
    db.session.flush()
    if support:
        db.session.add(ChronologyEntry(case_id=case.id, kind="support_plan", author_id=case.lead_id,
                                       occurred_at=datetime(2026, 9, 10, 12, tzinfo=timezone.utc),
                                       text="Mentoring", support_name="Weekly mentoring and a breakfast club place",
                                       review_on=date(2026, 10, 10)))
    db.session.commit()
    return case, mum, dad, gran


def mark(pupil, day: date, code: str, sessions=("AM", "PM")) -> None:
    for session in sessions:
        db.session.add(AttendanceMark(pupil_id=pupil.id, date=day, session=session, code=code))
    db.session.flush()
