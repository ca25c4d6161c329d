"""A demo panel meeting: a fortnight ahead, chaired by panelchair@demo.test, its agenda built
from the cases due (topped up with open cases), the lead EWO and Early Help invited, and the
agenda published. Idempotent: nothing is added when any meeting exists."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.cases.models import Case
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.panels import service
from portal.panels.models import PanelMeeting
from portal.timeutil import LONDON

MIN_ITEMS = 3


def seed_panels(today: date) -> int:
    """Returns the number of meetings created (0 or 1)."""
    if db.session.scalar(select(PanelMeeting.id).limit(1)) is not None:
        return 0
    chair = db.session.scalar(select(User).where(User.email == "panelchair@demo.test"))
    if chair is None:
        return 0
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
        extra = db.session.scalars(select(Case).where(Case.status.in_(("open", "monitoring")),
                                                      Case.id.not_in(listed or {0}))
                                   .order_by(Case.id).limit(MIN_ITEMS - len(items))).all()
        for case in extra:
            service.add_item(chair, meeting, case, "Listed by the chair: no improvement since the last review")
    ewo = db.session.scalar(select(User).where(User.email == "ewo@demo.test"))
    if ewo is not None:
        service.invite_user(chair, meeting, ewo)
    early_help = db.session.scalar(select(Organisation).where(Organisation.name == "Demo Borough Early Help"))
    if early_help is not None:
        service.invite_agency(chair, meeting, early_help)
    if service.active_items(meeting):
        service.publish(chair, meeting)
    return 1
