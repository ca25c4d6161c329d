"""Elective home education: starting a record (`start_ehe`, public: the CME enquiry's "elective
home education" outcome calls it), suitability enquiries, reviews, the end, and the "known to
the LA" line other pages show. Each change writes its audit entry in the caller's transaction
(`portal.transaction`); nothing here commits."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select

from portal import audit
from portal.concurrency import check_version, flush_or_conflict
from portal.ehe.models import EheRecord, EheReview, EheStatus, EndReason, LearntFrom, Suitability, SuitabilityEnquiry
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, User
from portal.pupils.models import Pupil
from portal.timeutil import today, utcnow

NAME_MAX = 100
ADDRESS_MAX = 300
SCHOOL_NAME_MAX = 200
NOTE_MAX = 5000
# What "not suitable" leads to (Education Act 1996, s.437): recorded on the enquiry when the
# officer writes no next step of their own.
SAO_NEXT_STEP = ("Consider a school attendance order: serve a notice under section 437(1) of the Education "
                 "Act 1996 asking the parent to show that suitable education is provided.")
RECORD_FIELDS = ("pupil_id", "forename", "surname", "date_of_birth", "address", "started_on", "learnt_from",
                 "previous_school_id", "previous_school_name", "note", "next_review_on")
END_FIELDS = ("status", "ended_on", "end_reason", "end_school_id", "end_note")


def day_label(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "–"


def _school(school_id: int | None) -> Organisation | None:
    if school_id is None:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.id == school_id,
                                                        Organisation.kind == OrgKind.school))


def current_record_for_pupil(pupil_id: int) -> EheRecord | None:
    return db.session.scalar(select(EheRecord).where(EheRecord.pupil_id == pupil_id,
                                                     EheRecord.status == EheStatus.current))


def _text(data: dict[str, Any], name: str) -> str:
    return (data.get(name) or "").strip()


def _check_start(data: dict[str, Any]) -> tuple[Pupil | None, Organisation | None, dict[str, str]]:
    problems: dict[str, str] = {}
    pupil = None
    if data.get("pupil_id") is not None:
        pupil = db.session.get(Pupil, data["pupil_id"])
        if pupil is None:
            problems["pupil_id"] = "No pupil has that record"
        elif current_record_for_pupil(pupil.id) is not None:
            problems["pupil_id"] = "This child is already recorded as home educated"
    else:
        for name, label in (("forename", "first name"), ("surname", "last name")):
            if not _text(data, name):
                problems[name] = f"Enter the child's {label}"
            elif len(_text(data, name)) > NAME_MAX:
                problems[name] = f"The child's {label} must be {NAME_MAX} characters or fewer"
        born = data.get("date_of_birth")
        if born is None:
            problems["date_of_birth"] = "Enter the child's date of birth"
        elif born >= today():
            problems["date_of_birth"] = "The date of birth must be in the past"
        if len(_text(data, "address")) > ADDRESS_MAX:
            problems["address"] = f"The address must be {ADDRESS_MAX} characters or fewer"
    started = data.get("started_on")
    if started is None:
        problems["started_on"] = "Enter the date home education started"
    elif started > today():
        problems["started_on"] = "The date home education started must be today or in the past"
    if LearntFrom.get(data.get("learnt_from")) is None:
        problems["learnt_from"] = "Select how the LA learnt of it"
    school = _school(data.get("previous_school_id"))
    if data.get("previous_school_id") is not None and school is None:
        problems["previous_school_id"] = "Select a school of the partnership, or write the school's name"
    if len(_text(data, "previous_school_name")) > SCHOOL_NAME_MAX:
        problems["previous_school_name"] = f"The school's name must be {SCHOOL_NAME_MAX} characters or fewer"
    if len(_text(data, "note")) > NOTE_MAX:
        problems["note"] = f"The note must be {NOTE_MAX} characters or fewer"
    review = data.get("next_review_on")
    if review is not None and started is not None and review <= started:
        problems["next_review_on"] = "The next review must be after home education started"
    return pupil, school, problems


def start_ehe(actor: User, data: dict[str, Any]) -> EheRecord:
    """Record that a child known to the LA is educated at home, and return the new record.

    `data` (a dict; unknown keys are ignored):
      - `pupil_id`: the pupil record, when the child was on a roll here; the child's name and date
        of birth are then the pupil's, and the previous school defaults to the pupil's school.
        Otherwise `forename`, `surname`, `date_of_birth` (a date) and `address` (optional).
      - `started_on` (a date, today or past), `learnt_from` (a `LearntFrom` value: "school_deletion",
        "parent", "other_la", "sweep", "other").
      - `previous_school_id` (a school of the partnership) or `previous_school_name` (free text).
      - `note` (optional), `next_review_on` (optional date, after `started_on`).
    Raises `portal.errors.Refused` (with field problems) on bad data, or when the pupil already
    has a current record. Flushes and audits in the caller's transaction; never commits."""
    pupil, school, problems = _check_start(data)
    if problems:
        raise Refused(problems=problems)
    record = EheRecord(created_by_id=actor.id, started_on=data["started_on"],
                       learnt_from=LearntFrom(data["learnt_from"]), note=_text(data, "note"),
                       next_review_on=data.get("next_review_on"), address=_text(data, "address"))
    if pupil is not None:
        record.pupil_id = pupil.id
        record.forename, record.surname = pupil.legal_forename, pupil.legal_surname
        record.date_of_birth = pupil.date_of_birth
        record.address = record.address or " ".join(p for p in (pupil.address, pupil.postcode) if p)
        if school is None and not _text(data, "previous_school_name"):
            school = pupil.school
    else:
        record.forename, record.surname = _text(data, "forename"), _text(data, "surname")
        record.date_of_birth = data["date_of_birth"]
    record.previous_school_id = school.id if school is not None else None
    record.previous_school_name = "" if school is not None else _text(data, "previous_school_name")
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "ehe_started", record,
                 summary=f"EHE #{record.id}" + (f", pupil #{pupil.id}" if pupil else "")
                 + f": since {day_label(record.started_on)}, {record.learnt_from.label}")
    return record


# ----- suitability enquiries ------------------------------------------------------------------

def record_enquiry(actor: User, record: EheRecord, data: dict[str, Any],
                   expected_version: int | None) -> SuitabilityEnquiry:
    """A dated suitability enquiry: what was asked, the response, the outcome. "Not suitable"
    records the next step (a school attendance order consideration) when none is written."""
    check_version(record, expected_version)
    problems: dict[str, str] = {}
    asked = data.get("asked_on")
    if asked is None:
        problems["asked_on"] = "Enter the date of the enquiry"
    elif asked > today():
        problems["asked_on"] = "The date of the enquiry must be today or in the past"
    if not _text(data, "question"):
        problems["question"] = "Enter what was asked"
    outcome = Suitability.get(data.get("outcome"))
    if outcome is None:
        problems["outcome"] = "Select the outcome"
    for name, label in (("question", "What was asked"), ("response", "The response"), ("next_step", "The next step")):
        if len(_text(data, name)) > NOTE_MAX:
            problems[name] = f"{label} must be {NOTE_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)
    assert outcome is not None
    next_step = _text(data, "next_step")
    if outcome == Suitability.not_suitable and not next_step:
        next_step = SAO_NEXT_STEP
    enquiry = SuitabilityEnquiry(record_id=record.id, asked_on=asked, question=_text(data, "question"),
                                 response=_text(data, "response"), outcome=outcome, next_step=next_step,
                                 recorded_by_id=actor.id)
    db.session.add(enquiry)
    record.suitability = outcome  # the latest outcome
    record.updated_at = utcnow()  # the record's version moves: no lost update
    flush_or_conflict(record)
    audit.record(actor, "ehe_enquiry_recorded", enquiry,
                 summary=f"EHE #{record.id}: {day_label(asked)}, {outcome.label}")
    return enquiry


# ----- reviews --------------------------------------------------------------------------------

def record_review(actor: User, record: EheRecord, data: dict[str, Any], expected_version: int | None) -> EheReview:
    """A review held (date and notes), and the date of the next one."""
    check_version(record, expected_version)
    problems: dict[str, str] = {}
    held = data.get("reviewed_on")
    if held is None:
        problems["reviewed_on"] = "Enter the date of the review"
    elif held > today():
        problems["reviewed_on"] = "The date of the review must be today or in the past"
    elif held < record.started_on:
        problems["reviewed_on"] = "The review must be on or after the date home education started"
    if not _text(data, "note"):
        problems["note"] = "Enter the notes of the review"
    elif len(_text(data, "note")) > NOTE_MAX:
        problems["note"] = f"The notes must be {NOTE_MAX} characters or fewer"
    following = data.get("next_review_on")
    if following is not None and held is not None and following <= held:
        problems["next_review_on"] = "The next review must be after this one"
    if problems:
        raise Refused(problems=problems)
    review = EheReview(record_id=record.id, reviewed_on=held, note=_text(data, "note"), recorded_by_id=actor.id)
    db.session.add(review)
    before = audit.snapshot(record, ("next_review_on",))
    record.next_review_on = following
    record.updated_at = utcnow()
    flush_or_conflict(record)
    audit.record(actor, "ehe_review_recorded", review,
                 summary=f"EHE #{record.id}: reviewed {day_label(held)}, next {day_label(following)}",
                 changes=audit.diff(before, audit.snapshot(record, ("next_review_on",))))
    return review


# ----- the end --------------------------------------------------------------------------------

def end_ehe(actor: User, record: EheRecord, data: dict[str, Any], expected_version: int | None) -> EheRecord:
    """Home education ended: returned to school (which school of the partnership, and the date),
    moved away, reached the end of compulsory school age, or other."""
    check_version(record, expected_version)
    problems: dict[str, str] = {}
    if not record.is_current:
        raise Refused("This record has already ended")
    ended = data.get("ended_on")
    if ended is None:
        problems["ended_on"] = "Enter the date home education ended"
    elif ended > today():
        problems["ended_on"] = "The date home education ended must be today or in the past"
    elif ended < record.started_on:
        problems["ended_on"] = "Home education cannot end before it started"
    reason = EndReason.get(data.get("end_reason"))
    school = _school(data.get("end_school_id"))
    if reason is None:
        problems["end_reason"] = "Select why home education ended"
    elif reason == EndReason.returned_to_school and school is None:
        problems["end_school_id"] = "Select the school the child returned to"
    if len(_text(data, "end_note")) > NOTE_MAX:
        problems["end_note"] = f"The note must be {NOTE_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)
    before = audit.snapshot(record, END_FIELDS)
    record.status = EheStatus.ended
    record.ended_on = ended
    record.end_reason = reason
    record.end_school_id = school.id if reason == EndReason.returned_to_school and school is not None else None
    record.end_note = _text(data, "end_note")
    record.updated_at = utcnow()
    flush_or_conflict(record)
    audit.record(actor, "ehe_ended", record, changes=audit.diff(before, audit.snapshot(record, END_FIELDS)))
    return record


# ----- reading --------------------------------------------------------------------------------

def known_since(pupil_ids: Iterable[int]) -> dict[int, date]:
    """Pupil id -> the date home education started, for the pupils with a current EHE record
    (one query): the "home educated, known to the LA since ..." line."""
    ids = list(pupil_ids)
    if not ids:
        return {}
    return {int(pid or 0): started for pid, started in db.session.execute(
        select(EheRecord.pupil_id, EheRecord.started_on)
        .where(EheRecord.pupil_id.in_(ids), EheRecord.status == EheStatus.current))}


def known_child_since(forename: str, surname: str, date_of_birth: date | None,
                      pupil_id: int | None = None) -> date | None:
    """When a child looked at (a sweep's encounter) has a current EHE record, the date it started:
    by the pupil matched, or by the name given and date of birth (case and spaces ignored)."""
    conditions = []
    if pupil_id is not None:
        conditions.append(EheRecord.pupil_id == pupil_id)
    if date_of_birth is not None and forename.strip() and surname.strip():
        conditions.append(and_(EheRecord.date_of_birth == date_of_birth,
                               func.lower(EheRecord.forename) == forename.strip().lower(),
                               func.lower(EheRecord.surname) == surname.strip().lower()))
    if not conditions:
        return None
    return db.session.scalar(select(func.min(EheRecord.started_on))
                             .where(EheRecord.status == EheStatus.current, or_(*conditions)))


def partnership_schools() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school,
                                                              Organisation.active.is_(True))
                                   .order_by(Organisation.name)))
