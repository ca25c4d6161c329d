"""A sweep's "not on roll" child becomes a CME enquiry (from the enquiry queue), carrying the
child's details; a later match of the encounter to a pupil closes it as "found on a roll",
linked to the pupil."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from portal import access
from portal.cme import encounters
from portal.cme.models import CmeEnquiry, EnquiryOutcome, EnquirySource
from portal.extensions import db
from portal.sweeps import service as sweeps
from tests.factories import build_world, make_pupil, make_user
from tests.sweeps.conftest import child


def test_a_not_on_roll_child_becomes_an_enquiry_and_a_later_match_closes_it(app):
    world = build_world()
    police, ewo = world.user("police"), world.user("ewo")
    pupil = make_pupil(world.school_a, "Ivo", "Found", date_of_birth=date(2014, 3, 9))
    officer = make_user(access.EWO, world.service, cme_officer=True)
    db.session.commit()
    sweep = sweeps.create_sweep(police, held_on=date(2026, 11, 20), starts_at=time(9), ends_at=time(12),
                                area="Town centre", lead=police, officers=[ewo], agencies=[])
    encounter = sweeps.record_encounter(police, sweep, child(None, officer_id=police.id, forename="Ivo",
                                                             surname="Fond", location="Market Square"))
    sweeps.mark_not_on_roll(ewo, encounter, encounter.version, "No trace")
    db.session.commit()

    client = app.test_client()
    client.login(officer)
    page = client.get("/cme/enquiries").get_data(as_text=True)
    assert "Ivo Fond" in page and "Market Square" in page
    response = client.post_form(f"/cme/encounters/{encounter.id}/enquiry", {})
    assert response.status_code == 303
    enquiry = db.session.scalars(select(CmeEnquiry)).one()
    assert (enquiry.source, enquiry.encounter_id, enquiry.child_name) == (EnquirySource.sweep, encounter.id,
                                                                           "Ivo Fond")
    assert enquiry.is_open and enquiry.pupil_id is None
    assert encounter not in encounters.waiting_encounters()  # no longer waiting in the queue
    assert client.post_form(f"/cme/encounters/{encounter.id}/enquiry", {}).status_code == 303  # refused: one
    assert len(db.session.scalars(select(CmeEnquiry)).all()) == 1

    sweeps.confirm_match(ewo, encounter, pupil, encounter.version)  # later, in sweeps
    db.session.commit()
    db.session.refresh(enquiry)
    assert not enquiry.is_open and enquiry.outcome == EnquiryOutcome.found_on_roll
    assert enquiry.pupil_id == pupil.id and enquiry.outcome_detail == "School A"
