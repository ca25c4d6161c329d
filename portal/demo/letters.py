"""Demo letters (issue 15), written through the real services on the demo's open cases:
- the first case (two parents with parental responsibility): an early concern letter to each,
  an invitation to an attendance meeting and an attendance contract, all sent (frozen PDFs);
- the second: a notice to improve, sent;
- the third (listed for the panel): a penalty notice, sent, and a warning of prosecution still
  a draft;
- Riverside Primary School's own stage 2 letter for a pupil without a case, sent.
Idempotent: nothing is added when any letter exists."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.cases.models import Case, CaseStatus
from portal.extensions import db
from portal.letters import service
from portal.letters.models import Letter, LetterTemplate
from portal.orgs.models import User
from portal.pupils.models import Contact, Pupil


def _template(key: str) -> LetterTemplate:
    template = db.session.scalar(select(LetterTemplate).where(LetterTemplate.key == key))
    assert template is not None, f"the default template {key} exists"
    return template


def _liable(pupil: Pupil, second: str | None = None) -> list[int]:
    """The pupil's liable parents (the first contact made one when none is), and a second one."""
    parents = service.liable_parents(pupil)
    if not parents and pupil.contacts:
        pupil.contacts[0].parental_responsibility = True
        parents = [pupil.contacts[0]]
    if second and len(parents) < 2:
        contact = Contact(name=f"{second} {pupil.legal_surname}", relationship_to_pupil="Father", phone="07700 900999",
                          parental_responsibility=True)
        pupil.contacts.append(contact)
        db.session.flush()
        parents.append(contact)
    return [p.id for p in parents]


def _letters(author: User, case: Case | None, pupil: Pupil, key: str, contact_ids: list[int], today,
             extra: dict | None = None, send: bool = True) -> list[Letter]:
    template = _template(key)
    letters = service.draft_letters(author, pupil=pupil, case=case, template=template, contact_ids=contact_ids,
                                    start=today - timedelta(days=70), end=today, extra=extra,
                                    audiences=(template.audience,))
    if send:
        for letter in letters:
            service.mark_sent(author, letter, None)
    return letters


def seed_letters(today) -> int:
    if db.session.scalar(select(Letter.id).limit(1)) is not None:
        return 0
    service.ensure_default_templates()
    cases = db.session.scalars(select(Case).where(Case.status != CaseStatus.closed).order_by(Case.id).limit(3)).all()
    if len(cases) < 3:
        db.session.commit()
        return 0
    c1, c2, c3 = cases
    day = lambda n: (today + timedelta(days=n)).strftime("%-d %B %Y")  # noqa: E731
    made = []
    made += _letters(c1.lead, c1, c1.pupil, "early_concern", _liable(c1.pupil, "Daniel"), today)
    made += _letters(c1.lead, c1, c1.pupil, "attendance_meeting", _liable(c1.pupil)[:1], today)
    made += _letters(c1.lead, c1, c1.pupil, "attendance_contract", _liable(c1.pupil)[:1], today)
    made += _letters(c2.lead, c2, c2.pupil, "notice_to_improve", _liable(c2.pupil), today, extra={"nti": {
        "issued_on": day(-7), "period_start": day(-6), "period_end": day(29), "improvement": "no unauthorised absence",
        "unauthorised_sessions": "12", "qualifying_period": "the 10 school weeks to " + day(-8)}})
    made += _letters(c3.lead, c3, c3.pupil, "penalty_notice", _liable(c3.pupil)[:1], today, extra={"penalty": {
        "number": f"PN-{today.year}-0001", "issued_on": day(-2), "served_by": "first-class post",
        "deemed_served_on": day(0), "amount_first": "£80", "pay_first_by": day(19), "amount_full": "£160",
        "pay_full_by": day(26), "reason": "Unauthorised absence (not a term-time holiday)"}})
    made += _letters(c3.lead, c3, c3.pupil, "prosecution_warning", _liable(c3.pupil)[:1], today, send=False)
    # a school's own stage letter, for a pupil of Riverside without a case
    staff = db.session.scalar(select(User).where(User.email == "school@demo.test"))
    assert staff is not None, "the demo's school user exists"
    with_case = select(Case.pupil_id)
    pupil: Pupil | None = db.session.scalars(select(Pupil).where(Pupil.school_id == staff.organisation_id,
                                                                 Pupil.id.not_in(with_case), Pupil.contacts.any())
                                             .order_by(Pupil.legal_surname, Pupil.id).limit(1)).first()
    if pupil is not None:
        made += _letters(staff, None, pupil, "school_stage_2", _liable(pupil)[:1], today)
    db.session.commit()
    return len(made)
