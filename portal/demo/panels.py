"""Demo panel meetings, chaired by panelchair@demo.test, with the lead EWO and Early Help
invited:
- a past meeting, held halfway through the term's marks (so the overview can compare the
  weeks before and after), with a decision and agreed actions on each case (some done, some
  overdue) and the attendance recorded;
- a meeting a fortnight ahead, its agenda built from the cases due (topped up with open
  cases) and published.
Idempotent: nothing is added when any meeting exists."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.cases import service as case_service
from portal.cases.models import ACTIVE_CASE_STATES, Action, Case, ChronologyEntry
from portal.demo.pupils import seed_term_range
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.panels import service
from portal.panels.models import PanelDecision, PanelMeeting
from portal.timeutil import LONDON, utcnow

MIN_ITEMS = 3


def seed_panels(today: date) -> int:
    """Returns the number of meetings created (0 or 2)."""
    if db.session.scalar(select(PanelMeeting.id).limit(1)) is not None:
        return 0
    chair = db.session.scalar(select(User).where(User.email == "panelchair@demo.test"))
    if chair is None:
        return 0
    _past_meeting(chair, today)
    _next_meeting(chair, today)
    return 2


def _invite(chair: User, meeting: PanelMeeting) -> None:
    ewo = db.session.scalar(select(User).where(User.email == "ewo@demo.test"))
    if ewo is not None:
        service.invite_user(chair, meeting, ewo)
    early_help = db.session.scalar(select(Organisation).where(Organisation.name == "Demo Borough Early Help"))
    if early_help is not None:
        service.invite_agency(chair, meeting, early_help)


def _review_by(case: Case, day: date) -> None:
    """The lead sets the case's review on or before the panel's day (demo: so the chair may list
    it, as the access rule for agendas asks)."""
    if case.next_review is None or case.next_review > day:
        case_service.set_review(case.lead, case, day, case.version)


def _past_day(today: date) -> date:
    """A Wednesday halfway through the term's marks, at least three weeks ago."""
    _, start, end = seed_term_range(today)
    day = min(start + (end - start) / 2, today - timedelta(days=21))
    while day.weekday() != 2:
        day -= timedelta(days=1)
    return day


# (decision, rationale, weeks to the next review, actions: (owner, description, days due, done))
PAST_DECISIONS = (
    ("continue_support", "Attendance is improving slowly since the family support plan began. Keep the "
     "current plan and review in six weeks.", 6,
     (("school", "Daily check-in with the form tutor for four weeks", 7, True),
      ("agency", "Family support worker to visit weekly and review the morning routine", 14, False))),
    ("early_help", "Barriers at home are beyond what school and the EWO can address: the family agreed to an "
     "early help assessment.", 6,
     (("lead", "Complete the early help referral with the family", 5, True),
      ("school", "Share the attendance plan with the early help worker", 10, False))),
    ("escalate_stage", "No improvement after two support plans and low engagement: move to formal support "
     "planning, support continuing.", 4,
     (("lead", "Home visit to explain the attendance contract and agree its terms", 7, False),)),
)


def _past_meeting(chair: User, today: date) -> PanelMeeting | None:
    cases = db.session.scalars(select(Case).where(Case.status.in_(ACTIVE_CASE_STATES)).order_by(Case.id)
                               .limit(len(PAST_DECISIONS))).all()
    if not cases:
        return None
    day = _past_day(today)
    # Scheduled (the service only schedules ahead), listed, published; then moved to its real day.
    meeting = service.schedule_meeting(chair, utcnow() + timedelta(days=1), place="Civic Centre, Committee Room 2",
                                       notes="Held in person.")
    for case in cases:
        _review_by(case, service.meeting_date(meeting))  # a chair lists cases due (or referred) only
        service.add_item(chair, meeting, case, "Review due: support since the referral has not yet improved "
                                               "attendance")
    _invite(chair, meeting)
    service.publish(chair, meeting)
    held_at = datetime.combine(day, time(10, 0), tzinfo=LONDON)
    meeting.held_at = held_at.astimezone(utcnow().tzinfo)
    meeting.published_at = datetime.combine(day - timedelta(days=3), time(16, 0), tzinfo=LONDON)
    db.session.commit()
    service.record_attendance(chair, meeting, {m.id: ("present" if n == 0 else "apologies")
                                               for n, m in enumerate(meeting.members)})
    for item, (decision, rationale, weeks, actions) in zip(service.active_items(meeting), PAST_DECISIONS, strict=False):
        case = item.case
        agency = next((s.organisation for s in case.shares if s.withdrawn_at is None), None)
        specs = []
        for owner, description, days, _ in actions:
            spec = {"description": description, "due": day + timedelta(days=days), "owner_user": None,
                    "owner_org": None}
            if owner == "school":
                spec["owner_org"] = case.pupil.school
            elif owner == "agency" and agency is not None:
                spec["owner_org"] = agency
            else:
                spec["owner_user"] = case.lead
            specs.append(spec)
        if decision in ("formal_support", "eso_application") and not case_service.support_evidence(case):
            decision = "continue_support"
        last_entry = db.session.scalar(select(func.max(ChronologyEntry.id))) or 0
        record = service.record_decision(chair, item, decision, rationale, day + timedelta(weeks=weeks), specs)
        _backdate(record, held_at, item.position, last_entry)
        for (_, _, _, done), action in zip(actions, record.actions, strict=False):
            if done:
                case_service.complete_action(action.owner_user or case.lead, action,
                                             "Done as agreed at the panel.", action.version)
    service.mark_held(chair, meeting)
    return meeting


def _backdate(record: PanelDecision, held_at: datetime, position: int, after_entry: int) -> None:
    """Demo data only: the decision and the chronology entries it wrote carry the meeting's time."""
    when = held_at + timedelta(minutes=15 * position)
    record.decided_at = when
    for entry in db.session.scalars(select(ChronologyEntry).where(ChronologyEntry.case_id == record.case_id,
                                                                  ChronologyEntry.id > after_entry)):
        entry.occurred_at = when
    for action in db.session.scalars(select(Action).where(Action.panel_decision_id == record.id)):
        action.created_at = when
    db.session.commit()


def _next_meeting(chair: User, today: date) -> PanelMeeting:
    day = today + timedelta(days=14)
    while day.weekday() != 2:  # panels meet on Wednesdays
        day += timedelta(days=1)
    meeting = service.schedule_meeting(chair, datetime.combine(day, time(10, 0), tzinfo=LONDON),
                                       place="Civic Centre, Committee Room 2",
                                       online_link="https://meet.demo.test/attendance-panel",
                                       notes="Please read the case summary packs before the meeting.")
    items = service.build_agenda(chair, meeting)
    listed = {i.case_id for i in service.active_items(meeting)}
    if len(items) < MIN_ITEMS:
        extra = db.session.scalars(select(Case).where(Case.status.in_(ACTIVE_CASE_STATES),
                                                      Case.id.not_in(listed or {0}))
                                   .order_by(Case.id).limit(MIN_ITEMS - len(items))).all()
        for case in extra:
            _review_by(case, day)  # the lead brings the review forward to the panel
            service.add_item(chair, meeting, case, "Listed by the chair: no improvement since the last review")
    _invite(chair, meeting)
    if service.active_items(meeting):
        service.publish(chair, meeting)
    return meeting
