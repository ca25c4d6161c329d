"""The demo's school stages (issue 17), built through the services: at Riverside Primary (the
demo school user's), first-day calls logged for most pupils who missed a day this term and stage
meetings for some of those beyond stage 1, the others left with their call or meeting due; and
the weekly key-actions list: last week's, with one action done and one allocated but not done,
carried over into this week's."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.attendance import calendar
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.pupils.models import Pupil
from portal.schoolstages import key_actions, service
from portal.schoolstages.models import FirstDayCall

OUTCOMES = ("reason_given", "no_answer", "message_left", "concern")
NOTES = ("Mum says a sickness bug", "", "Voicemail left for dad", "Older sibling answered; says he is caring for mum")
TARGETS = ("In school every day next week, on time", "Attend the morning club three days a week",
           "Full attendance until the review; a daily check-in with the year leader")
SUPPORT = ("Breakfast club place; a named adult to meet him at the gate", "A referral to the school nurse",
           "Early help assessment offered to the family")


def seed_school_stages(today: date) -> int:
    """Returns the number of calls and meetings logged (0 when the demo already has them)."""
    if db.session.scalar(select(FirstDayCall.id).limit(1)) is not None:
        return 0
    staff = db.session.scalar(select(User).where(User.email == "school@demo.test"))
    school = db.session.get(Organisation, staff.organisation_id) if staff is not None else None
    term = service.this_term(today)
    if staff is None or school is None or term is None:
        return 0
    days = calendar.for_school(school.id).school_days(term.start, min(term.end, today))
    if not days:
        return 0
    stages = service.stages_of(school.id, as_of=today)
    reached = sorted(pid for pid, s in stages.items() if s.stage is not None)
    pupils = {p.id: p for p in db.session.scalars(select(Pupil).where(Pupil.id.in_(reached)))}
    made = 0
    # first-day calls are routine: most pupils who missed a day have one logged (one in five has
    # not); every third pupil beyond stage 1 has that stage's meeting, the others keep it due
    for n, pupil_id in enumerate(reached):
        stage, pupil = stages[pupil_id], pupils[pupil_id]
        day = days[-1 - (n % min(len(days), 5))]
        try:
            if n % 5 != 4:
                service.log_call(staff, pupil, {"call_date": day, "outcome": OUTCOMES[n % 4], "note": NOTES[n % 4]})
                made += 1
            if stage.stage and stage.stage > 1 and n % 3 == 0:
                service.log_meeting(staff, pupil, {
                    "stage": stage.stage, "meeting_date": day, "attendees": "Form tutor, the pupil and a parent"
                    if stage.stage == 2 else "Year leader, the pupil and a parent",
                    "targets": TARGETS[n % 3], "support": SUPPORT[n % 3], "next_review": day + timedelta(days=14)})
                made += 1
        except Refused:
            continue
    db.session.flush()
    this_week = key_actions.this_week(today)
    if this_week <= key_actions.this_week():
        last = key_actions.prepare(staff, school, this_week - timedelta(days=7), as_of=today)
        if last:
            done, *rest = last
            key_actions.complete(staff, done, done.version)
            for item in rest[:2]:  # allocated last week, not done yet: carried over
                key_actions.allocate(staff, school, item, {"owner_id": staff.id, "action": item.action,
                                                           "due_date": item.week_start + timedelta(days=4)},
                                     item.version)
            for item in rest[2:]:
                key_actions.complete(staff, item, item.version)
        key_actions.prepare(staff, school, this_week, as_of=today)
    db.session.commit()
    return made
