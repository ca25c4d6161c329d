"""Who sees which sweeps, encounters and follow-ups (portal.access, no HTTP)."""
from __future__ import annotations

from datetime import date, time

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from portal import access
from portal.extensions import db
from portal.orgs.models import OrgKind
from portal.sweeps import service
from tests.factories import make_org, make_user
from tests.sweeps.conftest import child, record


def _ids(stmt):
    return {x.id for x in db.session.scalars(stmt)}


@pytest.fixture
def two_sweeps(scene):
    """The scene's sweep (our police force and school A's EWO) and one run by another force
    with school B's EWO."""
    other_force = make_org(OrgKind.police, "Other Force")
    scene.other_police = make_user("police", other_force)
    scene.other = service.create_sweep(scene.other_police, held_on=date(2026, 11, 20), starts_at=time(9),
                                       ends_at=time(11), area="Station", lead=scene.other_police,
                                       officers=[scene.world.user("ewo_b")], agencies=[])
    scene.mine = record(scene, scene.pupil_a)
    scene.theirs = service.record_encounter(scene.other_police, scene.other, {
        **child(scene.pupil_b),
        "officer_id": scene.other_police.id})
    return scene


def test_police_see_only_their_own_sweeps_encounters(two_sweeps):
    s = two_sweeps
    assert _ids(access.sweeps_for(s.police)) == {s.sweep.id}
    assert _ids(access.encounters_for(s.police)) == {s.mine.id}
    with pytest.raises(NotFound):
        access.get_encounter_or_404(s.police, s.theirs.id)
    with pytest.raises(NotFound):
        access.get_sweep_or_404(s.police, s.other.id)
    with pytest.raises(Forbidden):
        access.get_encounter_or_404(s.police, s.mine.id, need="match")


def test_police_never_get_attendance_or_follow_ups(two_sweeps):
    s = two_sweeps
    assert not access.can(s.police, "view_pupils")
    assert not access.can(s.police, "view_school_attendance")
    assert not access.can(s.police, "follow_up_encounters")
    assert _ids(access.followups_for(s.police)) == set()
    assert access.encounter_view(s.police) == "police"


def test_ewos_see_what_is_to_match_and_what_is_matched_to_their_schools(two_sweeps):
    s = two_sweeps
    ewo_a, ewo_b = s.ewo, s.world.user("ewo_b")
    # unmatched: every EWO may match it
    assert {s.mine.id, s.theirs.id} <= _ids(access.encounters_for(ewo_a))
    service.confirm_match(ewo_b, s.theirs, s.pupil_b, s.theirs.version)  # school B's pupil
    service.confirm_match(ewo_a, s.mine, s.pupil_a, s.mine.version)      # school A's pupil
    assert _ids(access.encounters_for(ewo_a)) == {s.mine.id}
    assert _ids(access.encounters_for(ewo_b)) == {s.theirs.id}
    with pytest.raises(NotFound):
        access.get_encounter_or_404(ewo_a, s.theirs.id)
    assert {f.pupil_id for f in db.session.scalars(access.followups_for(ewo_a))} == {s.pupil_a.id}


def test_a_school_sees_only_follow_ups_for_its_own_pupils(two_sweeps):
    s = two_sweeps
    fa = service.confirm_match(s.ewo, s.mine, s.pupil_a, s.mine.version)
    fb = service.confirm_match(s.world.user("ewo_b"), s.theirs, s.pupil_b, s.theirs.version)
    school_a = s.world.user("school_staff")
    assert _ids(access.followups_for(school_a)) == {fa.id}
    with pytest.raises(NotFound):
        access.get_followup_or_404(school_a, fb.id)
    assert _ids(access.sweeps_for(school_a)) == set()
    assert _ids(access.encounters_for(school_a)) == {s.mine.id}


def test_the_la_sees_everything_and_other_agencies_nothing(two_sweeps):
    s = two_sweeps
    admin = s.world.user("la_admin")
    assert _ids(access.sweeps_for(admin)) == {s.sweep.id, s.other.id}
    for role in ("social_care", "early_help", "panel_chair"):
        user = s.world.user(role)
        assert _ids(access.sweeps_for(user)) == set()
        assert _ids(access.encounters_for(user)) == set()
        assert _ids(access.followups_for(user)) == set()


def test_recording_needs_taking_part(two_sweeps):
    s = two_sweeps
    assert access.get_sweep_or_404(s.ewo, s.sweep.id, need="record") is s.sweep
    # taking part is by named officer: school B's EWO, of the same attendance service (an agency
    # of the sweep), sees it for the child still to match but may not record in it
    assert access.get_sweep_or_404(s.world.user("ewo_b"), s.sweep.id) is s.sweep
    with pytest.raises(Forbidden):
        access.get_sweep_or_404(s.world.user("ewo_b"), s.sweep.id, need="record")
    # an EWO of another service sees the sweep (a child to match) but does not take part in it
    outsider = make_user("ewo", make_org(OrgKind.attendance_service, "Neighbouring Service"))
    assert access.get_sweep_or_404(outsider, s.sweep.id) is s.sweep
    with pytest.raises(Forbidden):
        access.get_sweep_or_404(outsider, s.sweep.id, need="record")
