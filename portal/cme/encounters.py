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
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
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
    enquiry.pupil_id = pupil.id
    enquiry.status = EnquiryStatus.closed
    enquiry.outcome = EnquiryOutcome.found_on_roll
    enquiry.outcome_detail = (pupil.school.name if pupil.school else "")[:TEXT_MAX]
    enquiry.outcome_date = today()
    enquiry.outcome_note = "Matched to the pupil in the truancy sweep"
    enquiry.closed_by_id = actor.id
    enquiry.closed_at = utcnow()
    db.session.flush()
    audit.record(actor, "cme_enquiry_closed", enquiry, summary=EnquiryOutcome.found_on_roll.label,
                 changes={"outcome": {"new": EnquiryOutcome.found_on_roll.value}, "pupil_id": {"new": pupil.id}})
    return enquiry
