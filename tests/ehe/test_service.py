"""Recording a home-educated child, the suitability enquiries, the reviews (overdue ones
flagged) and the end; each change audited and versioned (a stale change is a Conflict)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.ehe import service
from portal.ehe.models import EheStatus, EndReason, LearntFrom, Suitability
from portal.errors import Conflict, Refused
from portal.extensions import db
from tests.ehe.conftest import TODAY, child, start
from tests.factories import make_pupil


def _verbs() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.verb).order_by(AuditEvent.id)))


def test_a_child_never_on_a_roll_here_is_recorded_with_their_details(world):
    record = start(world)
    assert (record.child_name, record.date_of_birth, record.pupil_id) == ("Ellis Marsh", date(2015, 3, 14), None)
    assert record.learnt_from == LearntFrom.parent and record.status == EheStatus.current
    assert record.previous_school_label == "St Anne's, Northshire"
    assert record.suitability == Suitability.not_yet_known
    assert "ehe_started" in _verbs()


def test_a_pupil_who_left_a_school_here_links_to_the_pupil_and_their_school(world):
    pupil = make_pupil(world.school_a, "Noor", "Haddad")
    record = service.start_ehe(world.user("la_admin"), {"pupil_id": pupil.id, "started_on": date(2026, 11, 2),
                                                         "learnt_from": "school_deletion"})
    db.session.commit()
    assert record.pupil_id == pupil.id and record.child_name == "Noor Haddad"
    assert record.date_of_birth == pupil.date_of_birth
    assert record.previous_school_id == world.school_a.id
    assert service.known_since([pupil.id]) == {pupil.id: date(2026, 11, 2)}
    with pytest.raises(Refused) as refused:  # one current record per pupil
        service.start_ehe(world.user("la_admin"), {"pupil_id": pupil.id, "started_on": date(2026, 11, 2),
                                                   "learnt_from": "parent"})
    assert "pupil_id" in refused.value.problems


@pytest.mark.parametrize("over,field", [
    ({"forename": ""}, "forename"),
    ({"date_of_birth": None}, "date_of_birth"),
    ({"started_on": None}, "started_on"),
    ({"started_on": date(2026, 12, 1)}, "started_on"),  # in the future
    ({"learnt_from": "rumour"}, "learnt_from"),
    ({"previous_school_id": 999999}, "previous_school_id"),
    ({"next_review_on": date(2026, 9, 1)}, "next_review_on"),  # before it started
])
def test_bad_details_are_refused_field_by_field(world, over, field):
    with pytest.raises(Refused) as refused:
        service.start_ehe(world.user("la_admin"), child(**over))
    assert field in refused.value.problems


def test_suitability_enquiries_are_dated_and_the_latest_outcome_is_the_records(world):
    record = start(world)
    admin = world.user("la_admin")
    service.record_enquiry(admin, record, {"asked_on": date(2026, 10, 5), "question": "A description of the "
                                           "education, please", "outcome": "not_yet_known"}, record.version)
    db.session.commit()
    enquiry = service.record_enquiry(admin, record, {"asked_on": date(2026, 11, 10), "question": "Home visit",
                                                     "response": "Declined", "outcome": "not_suitable"},
                                     record.version)
    db.session.commit()
    assert record.suitability == Suitability.not_suitable
    assert "school attendance order" in enquiry.next_step  # the next step, recorded
    assert [e.asked_on for e in record.enquiries] == [date(2026, 11, 10), date(2026, 10, 5)]
    assert _verbs().count("ehe_enquiry_recorded") == 2
    own = service.record_enquiry(admin, record, {"asked_on": TODAY, "question": "Q", "outcome": "suitable",
                                                 "next_step": "Annual review"}, record.version)
    assert own.next_step == "Annual review" and record.suitability == Suitability.suitable


def test_an_enquiry_on_a_stale_version_is_a_conflict(world):
    record = start(world)
    stale = record.version
    service.record_review(world.user("la_admin"), record, {"reviewed_on": date(2026, 11, 1), "note": "Seen",
                                                           "next_review_on": date(2027, 2, 1)}, stale)
    db.session.commit()
    with pytest.raises(Conflict):
        service.record_enquiry(world.user("la_admin"), record, {"asked_on": TODAY, "question": "Q",
                                                                "outcome": "suitable"}, stale)


def test_reviews_set_the_next_date_and_an_overdue_review_is_flagged(world):
    record = start(world, next_review_on=date(2026, 11, 1))
    assert record.review_overdue(TODAY)
    service.record_review(world.user("la_admin"), record, {"reviewed_on": date(2026, 11, 20), "note": "Visit held",
                                                           "next_review_on": date(2027, 5, 20)}, record.version)
    db.session.commit()
    assert not record.review_overdue(TODAY) and record.next_review_on == date(2027, 5, 20)
    assert [r.note for r in record.reviews] == ["Visit held"]
    with pytest.raises(Refused) as refused:
        service.record_review(world.user("la_admin"), record, {"reviewed_on": date(2026, 11, 21), "note": "",
                                                               "next_review_on": date(2026, 11, 1)}, record.version)
    assert set(refused.value.problems) == {"note", "next_review_on"}


def test_returned_to_school_ends_the_record_and_links_the_school(world):
    record = start(world)
    with pytest.raises(Refused) as refused:  # which school?
        service.end_ehe(world.user("la_admin"), record, {"ended_on": TODAY, "end_reason": "returned_school"},
                        record.version)
    assert "end_school_id" in refused.value.problems
    service.end_ehe(world.user("la_admin"), record, {"ended_on": date(2026, 11, 16), "end_reason": "returned_school",
                                                     "end_school_id": world.school_b.id}, record.version)
    db.session.commit()
    assert record.status == EheStatus.ended and record.end_reason == EndReason.returned_to_school
    assert record.end_school.id == world.school_b.id and record.ended_on == date(2026, 11, 16)
    assert "ehe_ended" in _verbs()
    with pytest.raises(Refused):
        service.end_ehe(world.user("la_admin"), record, {"ended_on": TODAY, "end_reason": "moved_away"},
                        record.version)


@pytest.mark.parametrize("reason", ["moved_away", "end_school_age", "other"])
def test_the_other_ends_keep_no_school(world, reason):
    record = start(world)
    service.end_ehe(world.user("la_admin"), record, {"ended_on": TODAY, "end_reason": reason,
                                                     "end_school_id": world.school_b.id, "end_note": "Told"},
                    record.version)
    db.session.commit()
    assert record.end_reason == EndReason(reason) and record.end_school_id is None and record.end_note == "Told"


def test_an_end_before_the_start_is_refused(world):
    record = start(world)
    with pytest.raises(Refused) as refused:
        service.end_ehe(world.user("la_admin"), record, {"ended_on": date(2026, 9, 1), "end_reason": "moved_away"},
                        record.version)
    assert "ended_on" in refused.value.problems


def test_known_to_the_la_by_name_and_date_of_birth_or_by_pupil_while_current(world):
    record = start(world)
    assert service.known_child_since(" ellis ", "MARSH", date(2015, 3, 14)) == date(2026, 10, 1)
    assert service.known_child_since("Ellis", "Marsh", None) is None
    assert service.known_child_since("Ellis", "Marsh", date(2015, 3, 15)) is None
    service.end_ehe(world.user("la_admin"), record, {"ended_on": TODAY, "end_reason": "moved_away"}, record.version)
    db.session.commit()
    assert service.known_child_since("Ellis", "Marsh", date(2015, 3, 14)) is None
