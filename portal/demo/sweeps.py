"""Two past truancy sweeps with encounters in every state (awaiting a match, matched with the
follow-up due, overdue and done, not on roll, with a safeguarding concern), made through the
real services."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from portal.attendance import calendar
from portal.cases.models import Case, CaseStatus, Referral
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, User
from portal.pupils.models import Pupil
from portal.sweeps import service
from portal.sweeps.models import Sweep


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None, f"demo user {email} is seeded before the sweeps"
    return user


def _school_days_before(today: date, n: int) -> date:
    """The n-th school day before today."""
    cal = calendar.for_la()
    day = today
    for _ in range(n):
        day -= timedelta(days=1)
        while not cal.is_open(day):
            day -= timedelta(days=1)
    return day


def _plain_pupils(school_id: int, n: int) -> list[Pupil]:
    """Pupils of a school with no referral or case, in a stable order."""
    referred = select(Referral.pupil_id)
    return list(db.session.scalars(select(Pupil).where(Pupil.school_id == school_id, Pupil.id.not_in(referred))
                                   .order_by(Pupil.id).offset(30).limit(n)).all())


def _child(pupil: Pupil, **overrides) -> dict:
    data = {"forename": pupil.legal_forename, "surname": pupil.legal_surname, "date_of_birth": pupil.date_of_birth,
            "age": None, "school_status": "school", "school_id": pupil.school_id}
    data.update(overrides)
    return data


def _encounter(actor, sweep, officer, at: time, location: str, child: dict, **kw):
    data = {"seen_time": at, "location": location, "officer_id": officer.id, "school_given": "",
            "exclusion": "unknown", "accompanied": "alone", "reason": "", "reason_accepted": False,
            "outcome": "returned_to_school", "outcome_note": "", "concern": False, "concern_note": "", **child, **kw}
    return service.record_encounter(actor, sweep, data)


def seed_sweeps(today: date) -> int:
    if db.session.scalar(select(Sweep.id).limit(1)) is not None:
        return 0
    police, ewo, ewo2 = _user("police@demo.test"), _user("ewo@demo.test"), _user("ewo2@demo.test")
    if police is None or ewo is None:
        return 0
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)
                                 .order_by(Organisation.urn)).all()
    riverside, oakfield = schools[0], schools[1]
    service_org = ewo.organisation
    r_pupils, o_pupils = _plain_pupils(riverside.id, 3), _plain_pupils(oakfield.id, 2)
    case = db.session.scalars(select(Case).join(Pupil, Pupil.id == Case.pupil_id)
                              .where(Pupil.school_id == riverside.id, Case.status != CaseStatus.closed)
                              .order_by(Case.id)).all()
    case_pupil = case[1].pupil if len(case) > 1 else (case[0].pupil if case else None)

    # 1. About two school weeks ago: everything matched or found not on roll.
    older = service.create_sweep(police, held_on=_school_days_before(today, 8), starts_at=time(9, 30),
                                 ends_at=time(12, 30), area="Town centre: High Street, the bus station and the "
                                 "retail park", lead=police, officers=[ewo], agencies=[service_org],
                                 notes="Briefing 09:15 at the neighbourhood office. Designated place: the "
                                       "Civic Centre family room.")
    done = _encounter(police, older, police, time(9, 50), "Bus station, stand C", _child(r_pupils[0]),
                      accompanied="group", reason="Said school had a staff training day")
    overdue = _encounter(police, older, ewo, time(10, 20), "Retail park, outside the cinema",
                         _child(o_pupils[0], forename=o_pupils[0].legal_forename[:-1] or o_pupils[0].legal_forename,
                                date_of_birth=None, age=12),
                         accompanied="other_adult", reason="Going to the dentist, no letter", outcome="taken_home")
    concern = _encounter(police, older, police, time(11, 5), "High Street, by the bank", _child(r_pupils[1]),
                         reason="Would not say", outcome="designated_place", concern=True,
                         concern_note="With two older young people not known to the officers; one was "
                                      "carrying a large amount of cash.")
    cme = _encounter(ewo, older, ewo, time(11, 40), "High Street, by the bank",
                     {"forename": "Tyler", "surname": "Brennan", "date_of_birth": None, "age": 13,
                      "school_status": "not_at_school", "school_id": None},
                     reason="Said he moved here in the summer and has no school place", outcome="taken_home")
    accepted = _encounter(police, older, ewo, time(12, 10), "Retail park, outside the cinema", _child(o_pupils[1]),
                          accompanied="parent", reason="Hospital appointment; showed the appointment letter",
                          reason_accepted=True, outcome="no_action")
    for encounter, pupil in ((done, r_pupils[0]), (overdue, o_pupils[0]), (concern, r_pupils[1]),
                             (accepted, o_pupils[1])):
        service.confirm_match(pupil.school.named_ewo or ewo, encounter, pupil, encounter.version)
    service.mark_not_on_roll(ewo, cme, cme.version, "No pupil of that name and age on any roll in the borough; "
                                                    "CME enquiries started with the admissions team.")
    service.record_follow_up(_user("school@demo.test"), done.follow_up, "spoke",
                             "Spoke to mum the same afternoon: there was no training day. Register code O "
                             "confirmed; attendance to be monitored for four weeks.", done.follow_up.version)
    service.record_follow_up(accepted.follow_up.ewo or ewo, accepted.follow_up, "spoke",
                             "Appointment confirmed with the hospital; absence authorised (code M).",
                             accepted.follow_up.version)

    # 2. The last school day: some matched (follow-ups due), some still to match. Both EWOs take
    # part (taking part is by named officer: being in the attendance service is not enough).
    recent = service.create_sweep(ewo, held_on=_school_days_before(today, 1), starts_at=time(10, 0),
                                  ends_at=time(13, 0), area="Riverside Park and the canal towpath", lead=ewo,
                                  officers=[police] + ([ewo2] if ewo2 is not None else []),
                                  agencies=[police.organisation])
    if case_pupil is not None:
        on_case = _encounter(police, recent, police, time(10, 25), "Riverside Park, skate park",
                             _child(case_pupil), reason="Felt sick this morning", outcome="taken_home",
                             accompanied="alone")
        service.confirm_match(ewo, on_case, case_pupil, on_case.version)
    due = _encounter(police, recent, police, time(10, 40), "Riverside Park, skate park",
                     _child(r_pupils[2], surname=r_pupils[2].legal_surname + "e"), accompanied="group",
                     reason="Free period", outcome="returned_to_school")
    service.confirm_match(ewo, due, r_pupils[2], due.version)
    _encounter(police, recent, police, time(11, 15), "Canal towpath by the lock",
               {"forename": "Kayden", "surname": "Marsh", "date_of_birth": date(today.year - 14, 3, 14), "age": None,
                "school_status": "other_school", "school_id": None, "school_given": "Hillview High"},
               accompanied="group", reason="Said he was suspended", exclusion="suspended", outcome="taken_home",
               concern=True, concern_note="Smelled strongly of cannabis and would not give an address at first.")
    _encounter(ewo, recent, ewo, time(12, 5), "Canal towpath by the lock",
               {"forename": "Maisie", "surname": "Cole", "date_of_birth": None, "age": 10,
                "school_status": "home_educated", "school_id": None},
               accompanied="parent", reason="Home-educated: a nature walk with her mother", reason_accepted=True,
               outcome="no_action")
    db.session.commit()  # like every other part of the seed: nothing is left for the caller to commit
    return 2
