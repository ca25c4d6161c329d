"""Demo formal steps (issue 15), made through the real services on the demo's open cases: an
attendance contract under review with its agreed actions, a parenting contract signed, an
education supervision order in force and a prosecution file in preparation. Idempotent:
nothing is added when any step exists."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.cases import service as cases
from portal.cases.models import Case, CaseStatus
from portal.extensions import db
from portal.formal_steps import service
from portal.formal_steps.models import FormalStep, StepKind, StepStatus
from portal.orgs.models import User
from portal.timeutil import LONDON


def _at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour)).replace(tzinfo=LONDON)


def _support_first(case: Case, today: date) -> None:
    """Each case the demo takes a step on shows support first."""
    if cases.support_evidence(case):
        return
    cases.add_entry(case.lead, case, "support_plan", _at(today - timedelta(days=60)),
                    "Support plan agreed with the family at a home visit.",
                    support_name="Weekly check-ins with the EWO and a breakfast club place",
                    review_on=today - timedelta(days=30))


def seed_steps(today: date) -> int:
    if db.session.scalar(select(FormalStep.id).limit(1)) is not None:
        return 0
    open_cases = db.session.scalars(select(Case).where(Case.status != CaseStatus.closed).order_by(Case.id)).all()
    if not open_cases:
        return 0
    pick = [open_cases[i % len(open_cases)] for i in range(4)]
    for case in pick:
        _support_first(case, today)
    lead = pick[0].lead
    supervisor = db.session.scalar(select(User).where(User.email == "ewo2@demo.test")) or lead

    # 1. an attendance contract under review, with the actions it agreed
    contract = service.create_step(pick[0].lead, pick[0], StepKind.attendance_contract, {
        "parent_commitments": "Get up at 7:15 and leave by 8:15; tell the school by 9:00 on any day of absence.",
        "service_commitments": "A breakfast club place; a meet-and-greet at the gate; a weekly check-in with the EWO.",
        "starts_on": today - timedelta(days=42), "ends_on": today + timedelta(days=84),
        "next_review": today - timedelta(days=14)})
    service.change_status(lead, contract, StepStatus.signed, contract.version)
    service.change_status(lead, contract, StepStatus.reviewed, contract.version, on=today - timedelta(days=14),
                          note="Attendance up since the contract; breakfast club used most days.")
    service.update_step(lead, contract, {"next_review": today + timedelta(days=28)}, contract.version)
    service.add_agreed_action(lead, contract, "Breakfast club place every school day", today + timedelta(days=7),
                              owner_org=pick[0].pupil.school)
    service.add_agreed_action(lead, contract, "Weekly check-in call with mum", today + timedelta(days=3),
                              owner_user=pick[0].lead)

    # 2. a parenting contract signed
    parenting = service.create_step(pick[1].lead, pick[1], StepKind.parenting_contract, {
        "parent_commitments": "Attend a parenting programme; keep to the agreed morning routine.",
        "service_commitments": "A place on the spring parenting programme; fortnightly EWO visits.",
        "starts_on": today - timedelta(days=10), "ends_on": today + timedelta(days=170),
        "next_review": today + timedelta(days=30)})
    service.change_status(pick[1].lead, parenting, StepStatus.signed, parenting.version)

    # 3. an education supervision order in force
    order = service.create_step(pick[2].lead, pick[2], StepKind.education_supervision_order, {
        "applied_on": today - timedelta(days=120), "hearing_on": today - timedelta(days=80),
        "supervisor_id": supervisor.id, "next_review": today + timedelta(days=20)})
    service.change_status(pick[2].lead, order, StepStatus.hearing_listed, order.version)
    service.change_status(pick[2].lead, order, StepStatus.granted, order.version, on=today - timedelta(days=80),
                          note="Order granted for one year; supervisor named.")
    service.change_status(pick[2].lead, order, StepStatus.in_force, order.version)

    # 4. a prosecution file in preparation
    service.create_step(pick[3].lead, pick[3], StepKind.prosecution, {"section": "444(1)"})
    db.session.commit()
    return 4
