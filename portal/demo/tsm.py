"""Demo Targeting Support Meetings, this term (autumn 2026/27 in the demo):
- Riverside Primary School: held three weeks ago (or at the start of term), with pupil and
  cohort items, some actions done; its summer meeting before it (so the meeting shows the
  previous actions and their status), Early Help invited to both;
- Oakfield Academy: booked for next week (or the term's last school day before it);
- every other school: missing.
Idempotent: nothing is added when any meeting exists."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.attendance.models import Term
from portal.attendance.summaries import apply_filters, school_context, school_rows_stmt
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.pupils.models import Pupil
from portal.timeutil import LONDON
from portal.tsm import service
from portal.tsm.models import NextStep, SupportMeeting


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour)).replace(tzinfo=LONDON)


def _persistent(school: Organisation, as_of: date, n: int) -> list[Pupil]:
    ctx = school_context(school.id, as_of)
    stmt, band, pct, unauth10 = school_rows_stmt(ctx)
    from portal.cases.models import Case, Referral

    known = select(Referral.pupil_id).union(select(Case.pupil_id))  # the first is the one to refer
    rows = db.session.execute(apply_filters(stmt, ctx, band, unauth10, group="persistent")
                              .order_by(Pupil.id.in_(known), pct.is_(None), pct, Pupil.id).limit(n)).all()
    if len(rows) < n:  # a quiet school: its lowest attendance
        rows = db.session.execute(stmt.order_by(pct.is_(None), pct, Pupil.id).limit(n)).all()
    return [r.Pupil for r in rows]


def seed_tsm(today: date) -> int:
    """Returns the number of meetings created."""
    if db.session.scalar(select(SupportMeeting.id).limit(1)) is not None:
        return 0
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    ewo = db.session.scalar(select(User).where(User.email == "ewo@demo.test"))
    lead = db.session.scalar(select(User).where(User.email == "school@demo.test"))
    lead2 = db.session.scalar(select(User).where(User.email == "school2@demo.test"))
    early_help = db.session.scalar(select(Organisation).where(Organisation.name == "Demo Borough Early Help"))
    term = service.term_of(today) or service.current_term(today)
    if admin is None or ewo is None or lead is None or lead2 is None or term is None:
        return 0
    made = _seed(today, admin, ewo, lead, lead2, early_help, term)
    db.session.commit()
    return made


def _seed(today: date, admin: User, ewo: User, lead: User, lead2: User, early_help: Organisation | None,
          term: Term) -> int:
    held_school, booked_school = lead.organisation, lead2.organisation
    made = 0
    partners = [early_help] if early_help else []
    # the summer meeting before it
    summer = db.session.scalar(select(Term).where(Term.end_date < term.start_date)
                               .order_by(Term.start_date.desc()).limit(1))
    pupils = _persistent(held_school, today, 4)
    if summer is not None and len(pupils) >= 4:
        day = _weekday_on_or_before(summer.end_date - timedelta(days=21))
        before = service.book(admin, held_school, _at(day, 10), ewo=ewo, school_lead=lead, partners=partners,
                              place="Riverside Primary School, meeting room")
        done = service.record_item(ewo, before, {"pupil_id": pupils[3].id, "discussed": True,
                                                 "next_step": NextStep.school_support, "owner_user_id": lead.id,
                                                 "due_date": day + timedelta(days=14),
                                                 "note": "Morning check-in with a key adult; review at the next "
                                                         "meeting."}, {})
        service.record_item(ewo, before, {"cohort": "fsm", "discussed": True, "next_step": NextStep.school_support,
                                          "owner_org_id": held_school.id, "due_date": day + timedelta(days=28),
                                          "note": "Breakfast club places offered to families eligible for free "
                                                  "school meals."}, _cohorts())
        service.complete_action(lead, done, done.version)
        service.mark_held(ewo, before, before.version)
        made += 1
    # this term's meeting, held
    day = _weekday_on_or_before(max(term.start_date + timedelta(days=7), today - timedelta(days=21)))
    if day <= today:
        held = service.book(admin, held_school, _at(day, 9), ewo=ewo, school_lead=lead, partners=partners,
                            place="Riverside Primary School, meeting room")
        items = []
        if len(pupils) >= 3:
            items.append(service.record_item(ewo, held, {
                "pupil_id": pupils[0].id, "discussed": True, "next_step": NextStep.ewo_referral,
                "owner_org_id": held_school.id, "due_date": day + timedelta(days=7),
                "note": "Anxiety about school since the move up; mother reports morning refusal. Attendance has "
                        "fallen below 85% this half-term."}, {}))
            items.append(service.record_item(ewo, held, {
                "pupil_id": pupils[1].id, "discussed": True, "next_step": NextStep.whole_family,
                "owner_user_id": ewo.id, "due_date": day + timedelta(days=21),
                "note": "Younger siblings also late most days; housing move pending."}, {}))
            items.append(service.record_item(ewo, held, {
                "pupil_id": pupils[2].id, "discussed": True, "next_step": NextStep.school_support,
                "owner_user_id": lead.id, "due_date": day + timedelta(days=10),
                "note": "Attendance improving since the support plan; keep the weekly review."}, {}))
        cohort = {"cohort": "persistent", "discussed": True, "next_step": NextStep.early_help,
                  "due_date": day + timedelta(days=28),
                  "note": "Offer early help assessments to the families of pupils in persistent absence "
                          "without a plan."}
        if early_help is not None:
            cohort["owner_org_id"] = early_help.id
        else:
            cohort["owner_user_id"] = ewo.id
        items.append(service.record_item(ewo, held, cohort, _cohorts()))
        service.save_notes(ewo, held, "Persistent absence is down on last term; the Year 5 cohort is the focus. "
                                      "Illness remains the main authorised reason.",
                           "Weekly attendance letters home; attendance assembly each half-term; first-day calls "
                           "by 9:30.", held.version)
        for item in items[2:3]:
            service.complete_action(lead, item, item.version)
        service.mark_held(ewo, held, held.version)
        made += 1
    # this term's meeting, booked
    next_day = _weekday_on_or_before(min(today + timedelta(days=8), term.end_date))
    if next_day > today and service.term_of(next_day) is not None:
        service.book(admin, booked_school, _at(next_day, 14), ewo=booked_school.named_ewo or ewo,
                     school_lead=lead2, partners=partners, place="Oakfield Academy")
        made += 1
    return made


def _cohorts() -> dict[str, str]:
    from portal.tsm.prepare import cohort_choices

    return cohort_choices()

