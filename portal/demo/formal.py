"""Demo notices to improve and penalty notices (issue 15), made through the real services:
- a notice to improve in its improvement period, and one that ended as improved;
- a case with two liable parents, each with a penalty notice for a term-time holiday: one paid
  within 21 days, one unpaid past the 28 days (on the LA's overdue list); a third parent's
  notice due within the week (the due-soon list);
- a parent with two notices in three years and a withdrawn one between them (a third is refused);
- two schools' requests for a notice to improve waiting in the LA's queue.
Idempotent: nothing is added when any notice exists."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from portal.cases import referrals, service
from portal.cases.models import Case, Referral
from portal.extensions import db
from portal.formal import notices, penalties
from portal.formal.models import NoticeToImprove, PenaltyNotice
from portal.orgs.models import Organisation, OrgKind, User
from portal.pupils import service as pupils_service
from portal.pupils.models import Contact, Pupil
from portal.timeutil import LONDON

HOLIDAY = ("Ten school days of unauthorised term-time holiday in October: the family had asked and the school "
           "refused. Support is not what this absence needs.")
BASE = {"stage_reached": 4, "consent": "given", "lawful_basis": "", "urgency": "routine",
        "safeguarding_concern": False}


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour)).replace(tzinfo=LONDON).astimezone(timezone.utc)


def _free_pupils(school: Organisation, n: int) -> list[Pupil]:
    """Pupils of the school with a liable parent, no referral and no case yet."""
    taken = select(Referral.pupil_id).union(select(Case.pupil_id))
    with_parent = select(Contact.pupil_id).where(Contact.parental_responsibility.is_(True))
    return list(db.session.scalars(select(Pupil).where(Pupil.school_id == school.id, Pupil.id.not_in(taken),
                                                       Pupil.id.in_(with_parent))
                                   .order_by(Pupil.id.desc()).limit(n)))


def _case(staff: User, pupil: Pupil, barriers: dict, text: str, today: date) -> Case:
    """A case opened from the school's referral, sent about 16 weeks ago and triaged days later
    (before the notices the demo dates in the autumn)."""
    from portal.demo.cases import backdate_referral

    referral = referrals.save_draft(staff, pupil, {**BASE, "barriers": barriers, "school_actions": text})
    referrals.submit(staff, referral, referral.version)
    lead = pupil.school.named_ewo
    assert lead is not None, "every demo school has a named EWO"
    case = referrals.accept(lead, referral, lead, referral.version)
    backdate_referral(referral, today, submitted=115, triaged=110)
    return case


def _support(case: Case, today: date, holiday: bool = False) -> int:
    lead = case.lead
    if holiday:
        entry = service.add_entry(lead, case, "support_not_appropriate", _at(today - timedelta(days=60)), HOLIDAY,
                                  not_appropriate_reason="term_time_holiday")
    else:
        entry = service.add_entry(lead, case, "support_plan", _at(today - timedelta(days=90)),
                                  "Weekly mentoring and a breakfast club place, agreed with mum.",
                                  support_name="Weekly mentoring and a breakfast club place",
                                  review_on=today - timedelta(days=40))
    return entry.id


def _issue(lead: User, case: Case, parent: Contact, day: date, reason: str = "term_time_holiday",
           served_by: str = "hand") -> PenaltyNotice:
    notice, = penalties.draft_notices(lead, case, parent_ids=[parent.id], reason=reason, skip_reason=HOLIDAY)
    notice.created_at = _at(day, 9)  # drafted on the day it was served
    penalties.issue(lead, notice, day, served_by, notice.version)
    return notice


def seed_formal(today: date) -> int:
    """Returns the number of notices (and requests) created."""
    if db.session.scalar(select(NoticeToImprove.id).limit(1)) is not None or \
            db.session.scalar(select(PenaltyNotice.id).limit(1)) is not None:
        return 0
    staff, staff2 = _user("school@demo.test"), _user("school2@demo.test")
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)
                                 .order_by(Organisation.id)).all()
    if staff is None or staff2 is None or len(schools) < 2:
        return 0
    first, second = _free_pupils(schools[0], 4), _free_pupils(schools[1], 3)
    if len(first) < 4 or len(second) < 3:
        return 0
    made = 0
    # a notice to improve in its improvement period (6 school weeks from last week)
    case = _case(staff, first[0], {"parental_attitude": "Parents do not see the need for daily attendance"},
                 "Letters home, two attendance meetings, mentoring offered.", today)
    cited = _support(case, today)
    parent = notices.liable_parents(case.pupil)[0]
    notices.raise_nti(case.lead, case, issued_on=today - timedelta(days=7), weeks=6, parent_ids=[parent.id],
                      support_ids=[cited])
    # one that ended as improved
    case = _case(staff, first[1], {"family": "Separation; mornings chaotic"}, "Breakfast club place; tutor calls.",
                 today)
    cited = _support(case, today)
    parent = notices.liable_parents(case.pupil)[0]
    nti = notices.raise_nti(case.lead, case, issued_on=today - timedelta(days=84), weeks=3, parent_ids=[parent.id],
                            support_ids=[cited])
    notices.record_outcome(case.lead, nti, True, "No unauthorised absence since the notice; mum thanked the school.",
                           nti.version)
    made += 2
    # two liable parents, a term-time holiday: one paid within 21 days, one unpaid past 28 days
    case = _case(staff2, second[0], {"holiday": "Two weeks in Spain in October, leave refused"},
                 "Leave refused in writing; the family went anyway.", today)
    _support(case, today, holiday=True)
    mum = notices.liable_parents(case.pupil)[0]
    dad = pupils_service.add_contact(staff2, case.pupil, {"name": f"David {case.pupil.legal_surname}",
                                                         "relationship_to_pupil": "Father",
                                                         "parental_responsibility": True})
    paid = _issue(case.lead, case, mum, today - timedelta(days=45))
    penalties.record_payment(case.lead, paid, today - timedelta(days=35), 80, paid.version)
    _issue(case.lead, case, dad, today - timedelta(days=45), served_by="post")
    # a notice due within the week (the reduced amount)
    case = _case(staff2, second[1], {"holiday": "A week in Turkey before half-term"}, "Leave refused in writing.",
                 today)
    _support(case, today, holiday=True)
    _issue(case.lead, case, notices.liable_parents(case.pupil)[0], today - timedelta(days=17))
    made += 3
    # a parent with two notices in three years and a withdrawn one between them: a third is refused
    case = _case(staff, first[2], {"holiday": "A term-time holiday each year"}, "Leave refused each time.", today)
    _support(case, today, holiday=True)
    parent = notices.liable_parents(case.pupil)[0]
    earlier = _issue(case.lead, case, parent, today - timedelta(days=700))
    penalties.record_payment(case.lead, earlier, today - timedelta(days=690), 80, earlier.version)
    wrong = _issue(case.lead, case, parent, today - timedelta(days=400), served_by="post")
    penalties.withdraw(case.lead, wrong, "Served at an old address: the family had moved.", wrong.version)
    later = _issue(case.lead, case, parent, today - timedelta(days=200), reason="other_unauthorised")
    penalties.record_payment(case.lead, later, today - timedelta(days=190), 160, later.version)
    made += 3
    # two schools' requests waiting in the LA's queue
    case = _case(staff, first[3], {"parental_attitude": "Mum keeps her home to help with a younger sibling"},
                 "Mentoring since September; two attendance meetings.", today)
    notices.request_nti(staff, case, "18 unauthorised sessions since half-term. Mentoring since September and two "
                                     "attendance meetings with mum (3 and 17 November) have not changed it.")
    case = _case(staff2, second[2], {"other": "Late most days"}, "Late gate checks; letters home.", today)
    notices.request_nti(staff2, case, "Arrives after the register closes three days a week (code U): 14 sessions "
                                      "in 6 weeks. Two letters and a meeting on 12 November.")
    made += 2
    db.session.commit()
    return made
