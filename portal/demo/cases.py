"""Demo referrals in every state and open cases shared with each agency, with chronologies
and actions (some overdue), made through the real services."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from portal.attendance.summaries import pupil_summary
from portal.cases import referrals, service
from portal.cases.models import ChronologyEntry, Referral, Stage
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, User
from portal.pupils.models import Pupil
from portal.timeutil import LONDON

BASE = {"stage_reached": 3, "consent": "given", "lawful_basis": "", "urgency": "routine",
        "safeguarding_concern": False}


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None, f"demo user {email} is seeded before the cases"
    return user


def _org(kind: OrgKind) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.kind == kind))
    assert org is not None, f"a demo {kind} organisation is seeded before the cases"
    return org


def _lowest_attenders(school_id: int, n: int) -> list[Pupil]:
    pupils = db.session.scalars(select(Pupil).where(Pupil.school_id == school_id).order_by(Pupil.id)).all()
    scored = []
    for p in pupils:
        t = pupil_summary(p).year_totals
        if t.possible:
            scored.append((t.attended / t.possible, p.id, p))
    return [p for _, _, p in sorted(scored)[:n]]


def _at(today, days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, 0), tzinfo=LONDON)


def backdate_referral(referral: Referral, today, submitted: int, triaged: int | None = None) -> None:
    """Dates the referral as a school would have sent it: `submitted` days ago (so the triage
    queue shows its ageing), triaged `triaged` days ago, with the attendance it recorded then.
    A case opened from it opens on the day of triage, its first chronology entries with it."""
    referral.created_at = _at(today, submitted + 1, 15).astimezone(timezone.utc)
    referral.submitted_at = _at(today, submitted, 9).astimezone(timezone.utc)
    referral.snapshot = referrals.snapshot(referral.pupil, today - timedelta(days=submitted))
    if triaged is None:
        return
    referral.triaged_at = _at(today, triaged, 14).astimezone(timezone.utc)
    case = referral.case
    if case is not None:
        case.opened_at = referral.triaged_at
        case.attendance_at_open = referrals.snapshot(referral.pupil, today - timedelta(days=triaged))
        for entry in db.session.scalars(select(ChronologyEntry).where(
                ChronologyEntry.case_id == case.id, ChronologyEntry.kind.in_(("referral", "triage")))):
            entry.occurred_at = referral.submitted_at if entry.kind == "referral" else referral.triaged_at


def seed_cases(today) -> int:
    if db.session.scalar(select(Referral.id).limit(1)) is not None:
        return 0
    school_user, school2_user = _user("school@demo.test"), _user("school2@demo.test")
    ewo, ewo_admin = _user("ewo@demo.test"), _user("admin@demo.test")
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)
                                 .order_by(Organisation.urn)).all()
    first, second = _lowest_attenders(schools[0].id, 8), _lowest_attenders(schools[1].id, 2)
    stages = {s.position: s for s in db.session.scalars(select(Stage))}

    def draft(user, pupil, barriers, actions, **kw):
        return referrals.save_draft(user, pupil, {**BASE, "barriers": barriers, "school_actions": actions, **kw})

    # 1. a draft the school has not sent yet
    draft(school_user, first[5], {"transport": "Bus pass expired in October"}, "Two calls home in November.")
    # 2. awaiting triage (urgent, safeguarding concern)
    r = draft(school_user, first[4], {"safeguarding": "Seen with older young people in school hours",
                                      "ebsa": ""}, "First-day calls; letter 3 Nov; tutor meeting 10 Nov.",
              urgency="urgent", safeguarding_concern=True)
    referrals.submit(school_user, r, r.version)
    backdate_referral(r, today, 1)
    # 3. more information asked for
    r = draft(school_user, first[3], {"illness": "Frequent stomach aches"}, "Calls home on each absence.")
    referrals.submit(school_user, r, r.version)
    referrals.ask_for_information(ewo, r, "Has the family seen the GP? Please add the dates of the letters sent.",
                                  r.version)
    backdate_referral(r, today, 9, 6)
    # 4. declined
    r = draft(school_user, first[2], {"holiday": "Family holiday in term time, 5 days"},
              "Holiday request refused in writing.")
    referrals.submit(school_user, r, r.version)
    referrals.decline(ewo, r, "A single term-time holiday: the school's own process applies first "
                               "(stage 2 meeting). Refer again if absence continues.", r.version)
    backdate_referral(r, today, 16, 13)
    # two more awaiting triage, sent on other days: the queue shows how long each has waited
    for pupil, days, barriers, text in (
        (first[6], 4, {"family": "Parents separating; moving between two homes"},
         "Calls home; letter 10 Nov; meeting with dad 17 Nov."),
        (first[7], 11, {"ebsa": "Panic attacks on the way to school", "illness": ""},
         "Part-time timetable for two weeks; referral to the school counsellor."),
    ):
        r = draft(school_user, pupil, barriers, text)
        referrals.submit(school_user, r, r.version)
        backdate_referral(r, today, days)
    # 5-6. accepted: open cases with chronologies, actions and sharing
    cases = []
    for user, pupil, barriers, text in (
        (school_user, first[0], {"ebsa": "Anxious about the move to Year 6 classes", "bullying": ""},
         "Daily first-day calls; tutor and year leader meetings; part-time timetable offered."),
        (school_user, first[1], {"young_carer": "Cares for mum after her operation", "family": ""},
         "Home visit by the DSL on 6 Nov; breakfast club place offered."),
        (school2_user, second[0], {"send": "Awaiting an EHC needs assessment"},
         "SENCo meeting; reduced timetable for two weeks."),
    ):
        r = draft(user, pupil, barriers, text)
        referrals.submit(user, r, r.version)
        lead = pupil.school.named_ewo
        assert lead is not None, "every demo school has a named EWO"
        cases.append(referrals.accept(ewo if pupil.school.named_ewo_id == ewo.id else ewo_admin, r,
                                      lead, r.version))
        backdate_referral(r, today, 26 - 3 * len(cases), 22 - 3 * len(cases))
    c1, c2, c3 = cases
    lead = c1.lead
    service.add_entry(lead, c1, "phone_call", _at(today, 12), "Spoke to mum: morning anxiety, reluctant to "
                      "get on the bus. Agreed a meet-and-greet at the gate.", police_shareable=False)
    service.add_entry(lead, c1, "support_plan", _at(today, 10), "Offered early help family support and a "
                      "school counsellor referral; mum accepted both.",
                      support_name="Early help family support and a school counsellor referral",
                      review_on=today + timedelta(days=18))
    service.add_entry(lead, c1, "home_visit", _at(today, 6, 16), "Home visit with the school's family worker. "
                      "Bedroom routine discussed; GP appointment booked.", health=True)
    service.share(lead, c1, _org(OrgKind.early_help), "Family support accepted by mum; early help to lead the "
                  "family plan alongside school.")
    service.share(lead, c1, _org(OrgKind.health), "Morning anxiety and a GP appointment booked: the school nurse "
                  "to offer a health review and advice on sleep routines.")
    service.add_action(lead, c1, "Early help assessment and family plan", today + timedelta(days=5),
                       owner_org=_org(OrgKind.early_help))
    service.add_action(lead, c1, "Meet-and-greet at the school gate each morning for two weeks",
                       today - timedelta(days=3), owner_user=_user("school@demo.test"))
    service.set_review(lead, c1, today + timedelta(days=21), c1.version)
    _seed_family(ewo_admin, c1, second[1])

    service.add_entry(lead, c2, "meeting", _at(today, 8), "Met mum and pupil: young carer duties every "
                      "morning. Young carers service details given.", police_shareable=False)
    service.share(lead, c2, _org(OrgKind.social_care), "Young carer with a parent recovering from surgery: "
                  "social care assessing care needs at home.")
    service.add_action(lead, c2, "Carer's needs assessment at home", today - timedelta(days=2),
                       owner_org=_org(OrgKind.social_care))
    service.set_review(lead, c2, today - timedelta(days=1), c2.version)

    service.add_entry(c3.lead, c3, "note", _at(today, 4), "Seen in the town centre during a school day "
                      "by the neighbourhood team; returned to school.", police_shareable=True)
    service.share(c3.lead, c3, _org(OrgKind.police), "Repeated sightings in the town centre in school hours: "
                  "joint working with the neighbourhood team.")
    service.add_action(c3.lead, c3, "Include the pupil in the next town-centre patrol briefing",
                       today + timedelta(days=10), owner_org=_org(OrgKind.police), police_shareable=True)
    service.set_stage(c3.lead, c3, stages[6], c3.version, "Listed for the multi-agency panel",
                      share_with_police=True)
    return 6


def _seed_family(admin: User, case, sibling: Pupil) -> None:
    """The whole family (issue 14.11): the case's child has a brother or sister at another
    school (the same mother, the same home); the case covers both under its one lead."""
    from portal.cases import family
    from portal.pupils.models import Contact

    child = case.pupil
    parent = child.contacts[0]
    sibling.legal_surname = child.legal_surname
    sibling.address, sibling.postcode = child.address, child.postcode
    sibling.refresh_search_text()
    sibling.contacts.append(Contact(name=parent.name, relationship_to_pupil=parent.relationship_to_pupil,
                                    phone=parent.phone, email=parent.email,
                                    parental_responsibility=parent.parental_responsibility))
    db.session.flush()
    family.add_child(admin, case, sibling)
