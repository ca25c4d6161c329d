"""Demo elective home education: Erin Walsh (ewo@demo.test) is a children missing education
officer; four home-educated children known to the LA: one a demo pupil who left a demo school
this term, one never on a roll here (another LA told us), one who returned to school this term,
and one whose review is overdue (the education found not suitable). Built through the
services; idempotent: nothing is added when any EHE record exists."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import audit
from portal.attendance.summaries import periods
from portal.ehe import service
from portal.ehe.models import EheRecord
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, User
from portal.pupils.models import Pupil


def _tick_cme_officer(admin: User) -> None:
    officer = db.session.scalar(select(User).where(User.email == "ewo@demo.test"))
    if officer is not None and not officer.cme_officer:
        officer.cme_officer = True
        audit.record(admin, "user_updated", officer, changes={"cme_officer": {"from": False, "to": True}},
                     summary=officer.email)


def seed_ehe(today: date) -> int:
    """Returns the number of EHE records added (0 or 4)."""
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    if admin is None:
        return 0
    _tick_cme_officer(admin)
    if db.session.scalar(select(EheRecord.id).limit(1)) is not None:
        db.session.commit()
        return 0
    schools = list(db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)
                                      .order_by(Organisation.id)))
    pupil = db.session.scalar(select(Pupil).order_by(Pupil.id.desc()).limit(1))
    if not schools or pupil is None:
        db.session.commit()
        return 0
    term = periods(today)[0]
    term_start = term.start if term is not None and term.start <= today else today - timedelta(days=30)
    left_on = max(term_start, today - timedelta(days=20))
    # 1. a demo pupil whose school sent a deletion notice this term
    first = service.start_ehe(admin, {
        "pupil_id": pupil.id, "started_on": left_on, "learnt_from": "school_deletion",
        "next_review_on": left_on + timedelta(days=84),
        "note": "Parents wrote to the school to say they will educate at home; deletion notice received."})
    service.record_enquiry(admin, first, {
        "asked_on": min(today, left_on + timedelta(days=7)),
        "question": "Letter to the parents asking for a description of the education provided.",
        "response": "", "outcome": "not_yet_known"}, first.version)
    # 2. a child never on a roll here: another LA told us the family moved in
    second = service.start_ehe(admin, {
        "forename": "Ellis", "surname": "Marsh", "date_of_birth": date(today.year - 11, 3, 14),
        "address": "4 Quarry Lane, Demo Borough DB4 2QL", "started_on": today - timedelta(days=400),
        "learnt_from": "other_la", "previous_school_name": "St Anne's Primary, Northshire",
        "next_review_on": today - timedelta(days=60)})
    service.record_enquiry(admin, second, {
        "asked_on": today - timedelta(days=380), "question": "Home visit offered to discuss the education provided.",
        "response": "Visit held: a broad curriculum, work seen in English, maths and science.",
        "outcome": "suitable"}, second.version)
    service.record_review(admin, second, {
        "reviewed_on": today - timedelta(days=45), "note": "Annual review: provision remains suitable.",
        "next_review_on": today + timedelta(days=320)}, second.version)
    # 3. returned to school this term
    third = service.start_ehe(admin, {
        "forename": "Kai", "surname": "Okafor", "date_of_birth": date(today.year - 9, 11, 2),
        "started_on": today - timedelta(days=240), "learnt_from": "parent",
        "previous_school_id": schools[0].id, "next_review_on": today - timedelta(days=100)})
    service.end_ehe(admin, third, {
        "ended_on": max(term_start, today - timedelta(days=5)), "end_reason": "returned_school",
        "end_school_id": schools[1 % len(schools)].id, "end_note": "Admitted through in-year admissions."},
        third.version)
    # 4. a review overdue; the education found not suitable
    fourth = service.start_ehe(admin, {
        "forename": "Maya", "surname": "Lindqvist", "date_of_birth": date(today.year - 13, 7, 21),
        "started_on": today - timedelta(days=300), "learnt_from": "sweep",
        "previous_school_id": schools[-1].id, "next_review_on": today - timedelta(days=14)})
    service.record_enquiry(admin, fourth, {
        "asked_on": today - timedelta(days=60), "question": "Asked for evidence of the education provided.",
        "response": "No reply after two letters and a visit card.", "outcome": "not_suitable"}, fourth.version)
    db.session.commit()
    return 4
