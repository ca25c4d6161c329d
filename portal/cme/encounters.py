"""Sweeps and CME (issue 18): a sweep's encounters marked "not on roll" wait in the LA's queue
until a CME enquiry is opened from one (carrying the child's details as the sweep recorded
them); when such a child is later matched to a pupil (in sweeps), the enquiry closes as "found
on a roll" with the link to the pupil."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.cme.models import CmeEnquiry, EnquiryOutcome, EnquirySource, EnquiryStatus
from portal.cme.service import NAME_MAX, TEXT_MAX, add_steps
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.pupils import upn as upn_rules
from portal.pupils.models import Pupil
from portal.sweeps.models import Encounter, MatchStatus
from portal.timeutil import today, utcnow


def waiting_encounters(limit: int = 100) -> list[Encounter]:
    """The encounters marked not on roll that no enquiry was opened from yet, oldest first."""
    opened = select(CmeEnquiry.encounter_id).where(CmeEnquiry.encounter_id.is_not(None))
    return list(db.session.scalars(select(Encounter).where(Encounter.match_status == MatchStatus.no_match,
                                                           Encounter.id.not_in(opened))
                                   .options(selectinload(Encounter.sweep))
                                   .order_by(Encounter.seen_at, Encounter.id).limit(limit)))


def open_from_encounter(actor: User, encounter: Encounter) -> CmeEnquiry:
    """A CME enquiry about the child a sweep found on no roll."""
    if encounter.match_status != MatchStatus.no_match:
        raise Refused("Only an encounter marked not on roll opens a CME enquiry")
    if db.session.scalar(select(CmeEnquiry.id).where(CmeEnquiry.encounter_id == encounter.id)) is not None:
        raise Refused("An enquiry is already open for this encounter")
    where = f"Seen in a truancy sweep at {encounter.location}"
    enquiry = CmeEnquiry(source=EnquirySource.sweep, encounter_id=encounter.id, opened_by_id=actor.id,
                         lead_id=actor.id,
                         child_name=f"{encounter.forename} {encounter.surname}".strip()[:NAME_MAX] or "Not known",
                         date_of_birth=encounter.date_of_birth, address=where[:TEXT_MAX])
    db.session.add(enquiry)
    db.session.flush()
    add_steps(enquiry, None)
    audit.record(actor, "cme_enquiry_opened", enquiry, summary=f"From sweep encounter #{encounter.id}")
    return enquiry


def close_on_match(actor: User, encounter: Encounter, pupil: Pupil) -> CmeEnquiry | None:
    """The encounter's child is this pupil: its open enquiry closes as found on a roll, linked."""
    enquiry = db.session.scalar(select(CmeEnquiry).where(CmeEnquiry.encounter_id == encounter.id,
                                                         CmeEnquiry.status == EnquiryStatus.open))
    if enquiry is None:
        return None
    return _found(actor, enquiry, pupil, "Matched to the pupil in the truancy sweep")


def link_pupil(actor: User, enquiry: CmeEnquiry, upn: str, expected_version: int | None) -> CmeEnquiry:
    """The child is on a roll after all: link the enquiry to the pupil (found by UPN, anywhere in
    the LA) and close it as found on a roll."""
    check_version(enquiry, expected_version)
    if not enquiry.is_open:
        raise Refused("This enquiry is closed: reopen it first")
    key = upn_rules.normalise(upn or "")
    pupil = db.session.scalar(select(Pupil).where(Pupil.upn == key)) if key else None
    if pupil is None or pupil.school_id is None:
        raise Refused(problems={"upn": "Enter the UPN of a pupil on a roll in the borough"})
    return _found(actor, enquiry, pupil, "Linked to the pupil record")


def _found(actor: User, enquiry: CmeEnquiry, pupil: Pupil, note: str) -> CmeEnquiry:
    enquiry.pupil_id = pupil.id
    enquiry.status = EnquiryStatus.closed
    enquiry.outcome = EnquiryOutcome.found_on_roll
    enquiry.outcome_detail = (pupil.school.name if pupil.school else "")[:TEXT_MAX]
    enquiry.outcome_date = today()
    enquiry.outcome_note = note
    enquiry.closed_by_id = actor.id
    enquiry.closed_at = utcnow()
    flush_or_conflict(enquiry)
    audit.record(actor, "cme_enquiry_closed", enquiry, summary=EnquiryOutcome.found_on_roll.label,
                 changes={"outcome": {"new": EnquiryOutcome.found_on_roll.value}, "pupil_id": {"new": pupil.id}})
    return enquiry
