"""Sweep use cases against the real database: one transaction each, audited."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.cases.models import Case, ChronologyEntry
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.notifications.models import Notification
from portal.sweeps import service
from portal.sweeps.match_search import MatchSearch
from portal.sweeps.models import Encounter, FollowUp, SweepAgency, SweepOfficer
from tests.factories import make_pupil
from tests.sweeps.conftest import record


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_sweep_includes_the_lead_the_creator_and_their_agencies(scene):
    officers = {o.user_id for o in db.session.scalars(
        select(SweepOfficer).where(SweepOfficer.sweep_id == scene.sweep.id))}
    agencies = {a.organisation_id for a in db.session.scalars(select(SweepAgency))}
    assert officers == {scene.police.id, scene.ewo.id}
    assert agencies == {scene.world.police_org.id, scene.world.service.id}
    assert db.session.scalar(select(AuditEvent.verb).where(AuditEvent.verb == "sweep_created")) is not None


def test_a_sweep_needs_a_window_an_area_and_a_lead(world):
    with pytest.raises(Refused) as exc:
        service.create_sweep(world.user("police"), held_on=date(2026, 11, 20), starts_at=time(12), ends_at=time(9),
                             area=" ", lead=world.user("school_staff"), officers=[], agencies=[])
    assert set(exc.value.problems) == {"ends_at", "area", "lead_id"}


def test_a_refused_encounter_writes_nothing(scene):
    before = (_count(Encounter), _count(AuditEvent))
    with pytest.raises(Refused) as exc:
        record(scene, date_of_birth=None, age=None, outcome="other", concern=True,
               officer_id=scene.world.user("la_admin").id)
    fields = set(exc.value.problems)
    assert {"date_of_birth", "outcome_note", "concern_note", "officer_id"} <= fields
    db.session.rollback()
    assert (_count(Encounter), _count(AuditEvent)) == before


def test_the_form_defaults_come_from_the_last_encounter_by_the_same_user(scene):
    assert service.previous_defaults(scene.police, scene.sweep) == {"location": "", "officer_id": scene.police.id}
    record(scene, location="Bus station", officer_id=scene.ewo.id)
    assert service.previous_defaults(scene.police, scene.sweep) == {"location": "Bus station",
                                                                     "officer_id": scene.ewo.id}
    assert service.previous_defaults(scene.ewo, scene.sweep)["location"] == ""


def test_a_confirmed_match_creates_a_follow_up_due_the_next_school_day(scene):
    encounter = record(scene, scene.pupil_a)  # Friday 20 Nov 2026
    follow_up = service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    assert follow_up.due_on == date(2026, 11, 23)  # the Monday
    assert follow_up.school_id == scene.world.school_a.id and follow_up.ewo_id == scene.ewo.id
    assert encounter.match_status == "matched" and encounter.pupil_id == scene.pupil_a.id
    assert follow_up.overdue(date(2026, 11, 24)) and not follow_up.overdue(date(2026, 11, 23))
    # the school's staff and the named EWO are told
    told = set(db.session.scalars(select(Notification.user_id)))
    assert {scene.world.user("school_staff").id, scene.ewo.id} <= told


def test_the_deadline_skips_half_term(scene):
    scene.sweep.held_on = date(2026, 10, 23)
    db.session.commit()
    encounter = record(scene, scene.pupil_a)
    follow_up = service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    assert follow_up.due_on == date(2026, 11, 2)


def _due_after(scene, held_on):
    scene.sweep.held_on = held_on
    db.session.commit()
    encounter = record(scene, scene.pupil_a)
    return service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version).due_on


def test_the_deadline_skips_a_bank_holiday(scene):
    # Friday 1 May 2026: Monday 4 May is the early May bank holiday
    assert _due_after(scene, date(2026, 5, 1)) == date(2026, 5, 5)


def test_the_deadline_skips_the_schools_own_inset_day(scene):
    from portal.attendance.models import SchoolClosure

    db.session.add(SchoolClosure(school_id=scene.world.school_a.id, date=date(2026, 11, 23), kind="inset"))
    db.session.commit()
    # Friday 20 Nov 2026; Monday 23 is school A's INSET day: due Tuesday 24
    assert _due_after(scene, date(2026, 11, 20)) == date(2026, 11, 24)


def test_another_schools_inset_day_does_not_move_the_deadline(scene):
    from portal.attendance.models import SchoolClosure

    db.session.add(SchoolClosure(school_id=scene.world.school_b.id, date=date(2026, 11, 23), kind="inset"))
    db.session.commit()
    assert _due_after(scene, date(2026, 11, 20)) == date(2026, 11, 23)


def test_the_deadline_after_the_last_day_of_the_summer_term_is_in_september(scene):
    # Wednesday 21 July 2027, the last day of 2026/27: the next school day is the first of the
    # autumn term 2027 (Thursday 2 September), not Thursday 22 July in the holidays
    assert _due_after(scene, date(2027, 7, 21)) == date(2027, 9, 2)


def test_an_open_case_gets_the_encounter_in_its_chronology(scene):
    case = Case(pupil_id=scene.pupil_a.id, lead_id=scene.ewo.id)
    db.session.add(case)
    db.session.commit()
    encounter = record(scene, scene.pupil_a, concern=True, concern_note="With older youths")
    follow_up = service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    entry = db.session.scalar(select(ChronologyEntry).where(ChronologyEntry.case_id == case.id))
    # matched by an EWO: nobody chose to share it with the police (issue 14, point 8)
    assert entry.kind == "sweep" and not entry.police_shareable
    assert "truancy sweep" in entry.text and "With older youths" in entry.text
    assert service.refer_prompt(follow_up) == []  # there is a case already
    service.record_follow_up(scene.world.user("school_staff"), follow_up, "spoke", "Mum called back",
                             follow_up.version)
    texts = db.session.scalars(select(ChronologyEntry.text).where(ChronologyEntry.case_id == case.id)).all()
    assert any("Follow-up" in t and "Mum called back" in t for t in texts)


def test_without_a_case_a_concern_prompts_the_school_to_refer(scene):
    encounter = record(scene, scene.pupil_a, concern=True, concern_note="Carrying cash")
    follow_up = service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    assert service.refer_prompt(follow_up) == ["the encounter raised a safeguarding concern"]
    quiet = record(scene, scene.pupil_b)
    assert service.refer_prompt(service.confirm_match(scene.ewo, quiet, scene.pupil_b, quiet.version)) == []


def test_two_matches_of_one_encounter_one_wins(scene):
    encounter = record(scene, scene.pupil_a)
    stale = encounter.version
    service.confirm_match(scene.ewo, encounter, scene.pupil_a, stale)
    with pytest.raises(Conflict):
        service.confirm_match(scene.world.user("la_admin"), encounter, scene.pupil_b, stale)
    assert _count(FollowUp) == 1


def test_not_on_roll_is_listed_and_can_be_matched_later(scene):
    encounter = record(scene)
    service.mark_not_on_roll(scene.ewo, encounter, encounter.version, "No trace")
    assert encounter.match_status == "no_match" and encounter.match_note == "No trace"
    assert _count(FollowUp) == 0
    service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    assert encounter.match_status == "matched"


def test_a_follow_up_needs_an_outcome_and_is_done_once(scene):
    encounter = record(scene, scene.pupil_a)
    follow_up = service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    with pytest.raises(Refused) as exc:
        service.record_follow_up(scene.ewo, follow_up, "nonsense", " ", follow_up.version)
    assert set(exc.value.problems) == {"contact_outcome", "outcome"}
    db.session.rollback()
    version = follow_up.version
    service.record_follow_up(scene.ewo, follow_up, "message", "Voicemail left", version)
    assert follow_up.status == "done" and follow_up.completed_by_id == scene.ewo.id
    with pytest.raises(Conflict):
        service.record_follow_up(scene.ewo, follow_up, "spoke", "Again", follow_up.version)


def test_suggestions_search_the_whole_borough(scene):
    twin = make_pupil(scene.world.school_a, "Aisha", "Khan", date_of_birth=date(2014, 3, 9))
    db.session.commit()
    encounter = record(scene, scene.pupil_a, school_id=scene.world.school_b.id)
    ranked = service.suggestions(encounter)
    assert [p.id for _, p in ranked[:2]] == [scene.pupil_a.id, twin.id]
    assert any(r.startswith("Different school") for r in ranked[0][0].reasons)
    found = service.suggestions(encounter, MatchSearch("bella", date(2013, 7, 1)))
    assert scene.pupil_b.id in [p.id for _, p in found]


def test_the_pool_cap_never_drops_the_pupil_born_on_the_day_given(scene, monkeypatch):
    # Pupils created before Amir, born near his date of birth, fill a pool capped at three.
    for n in range(4):
        make_pupil(scene.world.school_b, f"Near{n}", "Kaur", date_of_birth=date(2014, 3, 1 + n))
    late = make_pupil(scene.world.school_b, "Amir", "Khan", date_of_birth=date(2014, 3, 9))
    db.session.commit()
    monkeypatch.setattr(service, "POOL_LIMIT", 3)
    encounter = record(scene, late)
    pool, _ = service.candidate_pool(encounter)
    assert len(pool) == 3 and {scene.pupil_a.id, late.id} <= {p.id for p in pool}
