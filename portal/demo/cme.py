"""The demo's children missing education (issue 18), built through the services: Erin Walsh
(ewo@demo.test) is the CME officer; Riverside Primary (the demo school user's) has notified a
deletion to a known school (new), a deletion the LA acknowledged, a deletion with the
destination not known (an enquiry opened at once), and a joiner; the LA has an enquiry opened
from another LA's report, one closed as "moved to another local authority", and one from a
sweep's not-on-roll encounter. Leo Marsh's enquiry is shared with the police (police@demo.test),
the one opened from the unknown destination with children's social care (socialcare@demo.test),
each with its reason. Idempotent: nothing is added when any notification exists."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import audit
from portal.cme import encounters, service, sharing
from portal.cme.models import CmeEnquiry, CmeNotification
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, User
from portal.pupils.models import Pupil
from portal.sweeps.models import Encounter, MatchStatus


def _share(officer: User, enquiry: CmeEnquiry, kind: OrgKind, reason: str) -> None:
    org = db.session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.active.is_(True))
                            .order_by(Organisation.id).limit(1))
    if org is not None:
        sharing.share(officer, enquiry, org, reason)


def seed_cme(today: date) -> int:
    """Returns the number of notifications added (0 when the demo already has them)."""
    if db.session.scalar(select(CmeNotification.id).limit(1)) is not None:
        return 0
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    officer = db.session.scalar(select(User).where(User.email == "ewo@demo.test"))
    staff = db.session.scalar(select(User).where(User.email == "school@demo.test"))
    if admin is None or officer is None or staff is None:
        return 0
    if not officer.cme_officer:
        officer.cme_officer = True
        audit.record(admin, "user_updated", officer, changes={"cme_officer": {"from": False, "to": True}},
                     summary=officer.email)
    pupils = list(db.session.scalars(select(Pupil).where(Pupil.school_id == staff.organisation_id)
                                     .order_by(Pupil.id.desc()).limit(4)))
    if len(pupils) < 4:
        db.session.commit()
        return 0
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    service.notify(staff, pupils[0], {"kind": "deletion", "ground": "other_school", "event_date": ago(2),
                                      "destination": "St Mary's Primary, Northshire"})
    known = service.notify(staff, pupils[1], {"kind": "deletion", "ground": "moving_away", "event_date": ago(9),
                                              "destination": "12 Harbour Road, Portsea"})
    service.acknowledge(officer, known, None)
    service.notify(staff, pupils[2], {"kind": "deletion", "ground": "moving_away", "event_date": ago(4),
                                      "destination": "", "note": "The family left without a forwarding address"})
    service.notify(staff, pupils[3], {"kind": "joining", "event_date": ago(6),
                                      "previous_school": "Greenfield Primary, Eastborough"})
    leo = service.open_enquiry(officer, {"source": "other_la", "child_name": "Leo Marsh",
                                         "date_of_birth": date(2016, 5, 2), "address": "Flat 3, 40 Canal Street",
                                         "family_contact": "Mother, Jade Marsh"})
    moved = service.open_enquiry(admin, {"source": "professional", "child_name": "Ruby Fenton",
                                         "date_of_birth": date(2014, 9, 18), "address": "7 Mill Lane",
                                         "family_contact": "", "lead_id": officer.id})
    service.close_enquiry(officer, moved, {"outcome": "other_la", "outcome_detail": "Northshire County Council",
                                           "outcome_date": ago(1)}, None)
    seen = db.session.scalar(select(Encounter).where(Encounter.match_status == MatchStatus.no_match)
                             .order_by(Encounter.id).limit(1))
    if seen is not None:
        encounters.open_from_encounter(officer, seen)
    _share(officer, leo, OrgKind.police, "Mother's former partner has a history of violence; the police are asked "
                                         "to check the last known address and their own records")
    unknown = db.session.scalar(select(CmeEnquiry).where(CmeEnquiry.notification_id.is_not(None)).limit(1))
    if unknown is not None:
        _share(officer, unknown, OrgKind.social_care, "Left without a forwarding address; the family was known "
                                                      "to children's social care last year")
    db.session.commit()
    return 4
