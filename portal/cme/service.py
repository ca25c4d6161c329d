"""Children missing education: a school's notifications (a deletion on a ground, a joiner),
the joint reasonable enquiries the 20-day ground needs, the LA's queue (acknowledge, or turn
into an enquiry; a deletion to an unknown destination opens one at once) and the enquiries with
the outcome that closes them. Each change writes its audit entry in the caller's transaction
(`portal.transaction`); nothing here commits."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.attendance import calendar
from portal.cme.models import (
    STEP_DUE_DAYS,
    CmeEnquiry,
    CmeNotification,
    CmeStep,
    DeletionGround,
    EnquiryOutcome,
    EnquiryParty,
    EnquirySource,
    EnquiryStatus,
    JointEnquiry,
    NotificationKind,
    NotificationStatus,
)
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.pupils.models import Pupil
from portal.timeutil import today, utcnow

TEXT_MAX = 500
NOTE_MAX = 5000
NAME_MAX = 200

# what each outcome needs besides its date: (the detail's question, needed?, the date's question)
OUTCOME_NEEDS: dict[EnquiryOutcome, tuple[str | None, str | None]] = {
    EnquiryOutcome.found_on_roll: ("Enter the school whose roll the child is on", None),
    EnquiryOutcome.other_la: ("Enter the local authority the child moved to",
                              "Enter the date that local authority was notified"),
    EnquiryOutcome.abroad: (None, None),
    EnquiryOutcome.home_education: (None, "Enter the date the LA was told of the elective home education"),
    EnquiryOutcome.missing: ("Enter to whom it was escalated (children's social care, the police)",
                             "Enter the date it was escalated"),
    EnquiryOutcome.other: (None, None),
}


def day_label(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def _text(data: dict[str, Any], name: str) -> str:
    return (data.get(name) or "").strip()


# ----- joint reasonable enquiries --------------------------------------------------------------

def joint_enquiries_for(pupil_id: int) -> list[JointEnquiry]:
    return list(db.session.scalars(select(JointEnquiry).where(JointEnquiry.pupil_id == pupil_id)
                                   .options(selectinload(JointEnquiry.recorded_by))
                                   .order_by(JointEnquiry.done_on, JointEnquiry.id)))


def joint_enquiries_done(pupil_id: int) -> set[str]:
    """The parties whose part of the joint reasonable enquiries is recorded for this pupil."""
    return {str(p) for p in db.session.scalars(select(JointEnquiry.party).distinct()
                                               .where(JointEnquiry.pupil_id == pupil_id))}


def record_joint_enquiry(actor: User, pupil: Pupil, party: str, data: dict[str, Any]) -> JointEnquiry:
    """One side's part of the joint reasonable enquiries (the school's, or the LA's)."""
    problems: dict[str, str] = {}
    if EnquiryParty.get(party) is None:
        raise Refused("Only the pupil's school or the LA records joint reasonable enquiries")
    done_on = data.get("done_on")
    if done_on is None:
        problems["done_on"] = "Enter the date of the enquiries"
    elif done_on > today():
        problems["done_on"] = "The date of the enquiries must be today or in the past"
    what = _text(data, "what_done")
    if not what:
        problems["what_done"] = "Enter what was done"
    elif len(what) > NOTE_MAX:
        problems["what_done"] = f"What was done must be {NOTE_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)
    entry = JointEnquiry(pupil_id=pupil.id, party=EnquiryParty(party), done_on=done_on, what_done=what,
                         recorded_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "cme_joint_enquiry_recorded", entry,
                 summary=f"Pupil #{pupil.id}: {EnquiryParty(party).label}, {day_label(done_on)}")
    return entry


# ----- notifications ---------------------------------------------------------------------------

def notification_problems(pupil: Pupil, data: dict[str, Any]) -> dict[str, str]:
    """What is wrong with a notification about this pupil, by field (empty when nothing): the one
    set of rules for the form and the CSV upload."""
    problems: dict[str, str] = {}
    kind = NotificationKind.get(data.get("kind"))
    if kind is None:
        problems["kind"] = "Select what you are notifying"
    day = data.get("event_date")
    if day is None:
        problems["event_date"] = "Enter the date of deletion or of joining"
    elif day > today():
        problems["event_date"] = "The date must be today or in the past"
    if kind == NotificationKind.deletion:
        ground = DeletionGround.get(data.get("ground"))
        if ground is None:
            problems["ground"] = "Select the ground for the deletion"
        elif ground == DeletionGround.continuous_absence and joint_enquiries_done(pupil.id) != {"school", "la"}:
            problems["ground"] = ("A deletion after 20 consecutive school days of absence needs the joint "
                                  "reasonable enquiries recorded first: the school's and the LA's")
    for name, limit in (("destination", TEXT_MAX), ("previous_school", 300), ("note", NOTE_MAX)):
        if len(_text(data, name)) > limit:
            problems[name] = f"This must be {limit} characters or fewer"
    return problems


def _check_notification(pupil: Pupil, data: dict[str, Any]) -> None:
    problems = notification_problems(pupil, data)
    if problems:
        raise Refused(problems=problems)


def notify(actor: User, pupil: Pupil, data: dict[str, Any]) -> CmeNotification:
    """A school notifies the LA of a deletion from its register or of a joiner. A deletion whose
    destination is not known opens a CME enquiry at once."""
    _check_notification(pupil, data)
    kind = NotificationKind(data["kind"])
    notification = CmeNotification(
        pupil_id=pupil.id, school_id=pupil.school_id, kind=kind, event_date=data["event_date"],
        ground=DeletionGround(data["ground"]) if kind == NotificationKind.deletion else None,
        destination=_text(data, "destination") if kind == NotificationKind.deletion else "",
        previous_school=_text(data, "previous_school") if kind == NotificationKind.joining else "",
        note=_text(data, "note"), notified_by_id=actor.id)
    db.session.add(notification)
    db.session.flush()
    audit.record(actor, "cme_notification_made", notification,
                 summary=f"Pupil #{pupil.id}: {kind.label}, {day_label(notification.event_date)}")
    if kind == NotificationKind.deletion and not notification.destination_known:
        _enquiry_from(actor, notification, automatic=True)
    return notification


def acknowledge(actor: User, notification: CmeNotification, expected_version: int | None) -> CmeNotification:
    check_version(notification, expected_version)
    if notification.status != NotificationStatus.new:
        raise Refused("This notification has already been dealt with")
    notification.status = NotificationStatus.acknowledged
    notification.acknowledged_by_id = actor.id
    notification.acknowledged_at = utcnow()
    flush_or_conflict(notification)
    audit.record(actor, "cme_notification_acknowledged", notification)
    return notification


def open_enquiry_from_notification(actor: User, notification: CmeNotification,
                                   expected_version: int | None) -> CmeEnquiry:
    check_version(notification, expected_version)
    if notification.status == NotificationStatus.enquiry:
        raise Refused("An enquiry is already open for this notification")
    return _enquiry_from(actor, notification, automatic=False)


def _enquiry_from(actor: User, notification: CmeNotification, automatic: bool) -> CmeEnquiry:
    pupil = notification.pupil
    notification.status = NotificationStatus.enquiry
    enquiry = CmeEnquiry(pupil_id=pupil.id, notification_id=notification.id,
                         source=EnquirySource.school_notification, child_name=pupil.legal_name[:NAME_MAX],
                         date_of_birth=pupil.date_of_birth, opened_by_id=actor.id,
                         address=", ".join(p for p in (pupil.address, pupil.postcode) if p)[:TEXT_MAX],
                         lead_id=None if automatic else actor.id)
    db.session.add(enquiry)
    flush_or_conflict(notification)
    add_steps(enquiry, pupil.school_id)
    audit.record(actor, "cme_enquiry_opened", enquiry,
                 summary=f"From notification #{notification.id}" + (" (destination not known)" if automatic else ""))
    return enquiry


# ----- enquiries -------------------------------------------------------------------------------

ENQUIRY_FIELDS = ("child_name", "date_of_birth", "address", "family_contact", "lead_id")


def _check_child(data: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    name = _text(data, "child_name")
    if not name:
        problems["child_name"] = "Enter the child's name"
    elif len(name) > NAME_MAX:
        problems["child_name"] = f"The name must be {NAME_MAX} characters or fewer"
    born = data.get("date_of_birth")
    if born is not None and born > today():
        problems["date_of_birth"] = "The date of birth must be in the past"
    for name in ("address", "family_contact"):
        if len(_text(data, name)) > TEXT_MAX:
            problems[name] = f"This must be {TEXT_MAX} characters or fewer"
    return problems


def open_enquiry(actor: User, data: dict[str, Any]) -> CmeEnquiry:
    """An enquiry opened by hand: a professional's or the public's report, another LA's."""
    problems = _check_child(data)
    source = EnquirySource.get(data.get("source"))
    if source not in (EnquirySource.professional, EnquirySource.other_la):
        problems["source"] = "Select where the report came from"
    if problems or source is None:
        raise Refused(problems=problems)
    enquiry = CmeEnquiry(source=source, child_name=_text(data, "child_name"), date_of_birth=data.get("date_of_birth"),
                         address=_text(data, "address"), family_contact=_text(data, "family_contact"),
                         lead_id=data.get("lead_id") or actor.id, opened_by_id=actor.id)
    db.session.add(enquiry)
    db.session.flush()
    add_steps(enquiry, None)
    audit.record(actor, "cme_enquiry_opened", enquiry, summary=f"Source: {source.label}")
    return enquiry


def close_enquiry(actor: User, enquiry: CmeEnquiry, data: dict[str, Any], expected_version: int | None) -> CmeEnquiry:
    """An outcome closes the enquiry: what each outcome needs is asked for (`OUTCOME_NEEDS`)."""
    check_version(enquiry, expected_version)
    if not enquiry.is_open:
        raise Refused("This enquiry is closed: reopen it first")
    problems: dict[str, str] = {}
    outcome = EnquiryOutcome.get(data.get("outcome"))
    detail, note = _text(data, "outcome_detail"), _text(data, "outcome_note")
    day = data.get("outcome_date")
    if outcome is None:
        problems["outcome"] = "Select the outcome of the enquiry"
    else:
        detail_needed, date_needed = OUTCOME_NEEDS[outcome]
        if detail_needed and not detail:
            problems["outcome_detail"] = detail_needed
        if date_needed and day is None:
            problems["outcome_date"] = date_needed
        if outcome == EnquiryOutcome.other and not note:
            problems["outcome_note"] = "Enter a note saying what the outcome was"
    if day is not None and day > today():
        problems["outcome_date"] = "The date must be today or in the past"
    if len(detail) > TEXT_MAX:
        problems["outcome_detail"] = f"This must be {TEXT_MAX} characters or fewer"
    if len(note) > NOTE_MAX:
        problems["outcome_note"] = f"The note must be {NOTE_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)
    assert outcome is not None
    enquiry.status = EnquiryStatus.closed
    enquiry.outcome = outcome
    enquiry.outcome_detail = detail
    enquiry.outcome_date = day
    enquiry.outcome_note = note
    enquiry.closed_by_id = actor.id
    enquiry.closed_at = utcnow()
    flush_or_conflict(enquiry)
    audit.record(actor, "cme_enquiry_closed", enquiry, summary=outcome.label,
                 changes={"outcome": {"new": outcome.value}, "outcome_date": {"new": str(day) if day else None}})
    if outcome == EnquiryOutcome.home_education:
        start_home_education(actor, enquiry, day)
    return enquiry


def start_home_education(actor: User, enquiry: CmeEnquiry, day: date | None):
    """The EHE outcome starts the child's elective-home-education record (`portal.ehe`), from the
    date the LA was told, in the same transaction. Nothing is started when the child already has a
    current record, or when the enquiry lacks what a record needs (no pupil and no date of birth):
    the CME officer records it under Home education then. Returns the record, or None."""
    from portal.ehe import service as ehe

    learnt = "school_deletion" if enquiry.notification_id else "sweep" if enquiry.encounter_id else "other"
    data: dict[str, Any] = {"started_on": day, "learnt_from": learnt,
                            "note": f"From CME enquiry #{enquiry.id}, closed as elective home education."}
    if enquiry.pupil_id is not None:
        data["pupil_id"] = enquiry.pupil_id
    elif enquiry.date_of_birth is not None:
        forename, _, surname = enquiry.child_name.strip().rpartition(" ")
        data.update(forename=forename or surname, surname=surname, date_of_birth=enquiry.date_of_birth,
                    address=enquiry.address)
    else:
        return None
    try:
        with db.session.begin_nested():
            return ehe.start_ehe(actor, data)
    except Refused:
        return None


def reopen_enquiry(actor: User, enquiry: CmeEnquiry, reason: str, expected_version: int | None) -> CmeEnquiry:
    check_version(enquiry, expected_version)
    if enquiry.is_open:
        raise Refused("This enquiry is open already")
    reason = (reason or "").strip()
    if not reason:
        raise Refused(problems={"reason": "Enter why the enquiry is reopened"})
    if len(reason) > NOTE_MAX:
        raise Refused(problems={"reason": f"The reason must be {NOTE_MAX} characters or fewer"})
    before = enquiry.outcome.value if enquiry.outcome else None
    enquiry.status = EnquiryStatus.open
    enquiry.outcome = None
    enquiry.outcome_detail = ""
    enquiry.outcome_date = None
    enquiry.outcome_note = ""
    enquiry.closed_by_id = None
    enquiry.closed_at = None
    enquiry.reopen_reason = reason
    flush_or_conflict(enquiry)
    audit.record(actor, "cme_enquiry_reopened", enquiry, changes={"outcome": {"old": before, "new": None}})
    return enquiry


# ----- the checklist of steps ------------------------------------------------------------------

def add_steps(enquiry: CmeEnquiry, school_id: int | None) -> None:
    """The checklist, each step due so many school days after today on the child's school's
    calendar (the LA's when the child has no school)."""
    cal = calendar.for_school(school_id)
    opened = today()
    db.session.add_all([CmeStep(enquiry_id=enquiry.id, kind=kind, due_date=cal.add_school_days(opened, days))
                        for kind, days in STEP_DUE_DAYS.items()])
    db.session.flush()


def steps_for(enquiry_id: int) -> list[CmeStep]:
    return list(db.session.scalars(select(CmeStep).where(CmeStep.enquiry_id == enquiry_id).order_by(CmeStep.id)))


STEP_FIELDS = ("due_date", "done_on", "outcome", "notes")


def record_step(actor: User, enquiry: CmeEnquiry, step: CmeStep, data: dict[str, Any],
                expected_version: int | None) -> CmeStep:
    """Record a step: its due date, the date done, its outcome and notes."""
    check_version(step, expected_version)
    problems: dict[str, str] = {}
    if data.get("due_date") is None:
        problems["due_date"] = "Enter the date the step is due"
    done = data.get("done_on")
    if done is not None and done > today():
        problems["done_on"] = "The date done must be today or in the past"
    outcome, notes = _text(data, "outcome"), _text(data, "notes")
    if done is not None and not outcome:
        problems["outcome"] = "Enter the outcome of the step"
    if len(outcome) > TEXT_MAX:
        problems["outcome"] = f"The outcome must be {TEXT_MAX} characters or fewer"
    if len(notes) > NOTE_MAX:
        problems["notes"] = f"The notes must be {NOTE_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)
    before = audit.snapshot(step, STEP_FIELDS)
    step.due_date, step.done_on, step.outcome, step.notes = data["due_date"], done, outcome, notes
    flush_or_conflict(step)
    audit.record(actor, "cme_step_recorded", step, summary=f"Enquiry #{enquiry.id}: {step.kind.label}",
                 changes=audit.diff(before, audit.snapshot(step, STEP_FIELDS)))
    return step


def overdue_counts(enquiry_ids: list[int]) -> dict[int, int]:
    """How many steps of each enquiry are overdue (not done, due date past), in one query."""
    if not enquiry_ids:
        return {}
    rows = db.session.execute(select(CmeStep.enquiry_id, func.count()).where(
        CmeStep.enquiry_id.in_(enquiry_ids), CmeStep.done_on.is_(None), CmeStep.due_date < today())
        .group_by(CmeStep.enquiry_id))
    return {int(e): int(n) for e, n in rows}


# ----- reading ---------------------------------------------------------------------------------

def notifications(scope) -> list[CmeNotification]:
    """The notifications of a scoped select (`access.notifications_for`), newest first."""
    return list(db.session.scalars(scope.options(selectinload(CmeNotification.pupil),
                                                 selectinload(CmeNotification.school),
                                                 selectinload(CmeNotification.notified_by))
                                   .order_by(CmeNotification.notified_at.desc(), CmeNotification.id.desc())
                                   .limit(200)))


def enquiries(scope, status: EnquiryStatus) -> list[CmeEnquiry]:
    return list(db.session.scalars(scope.where(CmeEnquiry.status == status)
                                   .options(selectinload(CmeEnquiry.lead))
                                   .order_by(CmeEnquiry.opened_at.desc(), CmeEnquiry.id.desc()).limit(200)))


def cme_workers() -> list[User]:
    """Who may lead an enquiry: the CME officers."""
    return list(db.session.scalars(select(User).where(User.cme_officer.is_(True), User.active.is_(True))
                                   .order_by(User.name)))
