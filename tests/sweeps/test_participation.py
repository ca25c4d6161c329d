"""Taking part in a sweep is by named officer (its lead and officers), for the attendance
service and the police alike: an agency listed on a sweep gives its other staff nothing. What
an EWO's sweep figures count follows what they may open."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, time

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from portal import access
from portal.extensions import db
from portal.sweeps import service
from tests.factories import make_pupil, make_user
from tests.sweeps.conftest import SWEEP_DAY, record


def _ids(stmt):
    return {x.id for x in db.session.scalars(stmt)}


def test_an_ewo_of_the_service_takes_part_only_when_named(scene):
    """The scene's sweep lists the attendance service as an agency (its EWO is an officer)."""
    ewo_b = scene.world.user("ewo_b")
    assert scene.world.service.id in {a.organisation_id for a in scene.sweep.agencies}
    matched = record(scene, scene.pupil_a)
    service.confirm_match(scene.ewo, matched, scene.pupil_a, matched.version)
    assert access.takes_part(scene.ewo, scene.sweep) and not access.takes_part(ewo_b, scene.sweep)
    assert _ids(access.sweeps_for(ewo_b)) == set()
    with pytest.raises(NotFound):
        access.get_sweep_or_404(ewo_b, scene.sweep.id)
    # a child still to match brings the sweep into view for every EWO, but not the recording
    record(scene)
    assert access.get_sweep_or_404(ewo_b, scene.sweep.id) is scene.sweep
    with pytest.raises(Forbidden):
        access.get_sweep_or_404(ewo_b, scene.sweep.id, need="record")
    assert not access.can(ewo_b, "record_sweeps", scene.sweep)


def test_a_police_officer_takes_part_only_when_named(world):
    ewo = world.user("ewo")
    named, colleague = world.user("police"), make_user("police", world.police_org)
    sweep = service.create_sweep(ewo, held_on=SWEEP_DAY, starts_at=time(9), ends_at=time(12), area="Park",
                                 lead=ewo, officers=[named], agencies=[world.police_org])
    pupil = make_pupil(world.school_a, "Amir", "Khan", date_of_birth=date(2014, 3, 9))
    encounter = service.record_encounter(named, sweep, {
        "seen_time": time(10), "location": "Park", "officer_id": named.id, "forename": "Amir", "surname": "Khan",
        "date_of_birth": pupil.date_of_birth, "age": None, "school_status": "school", "school_id": world.school_a.id,
        "accompanied": "alone", "outcome": "returned_to_school"})
    assert _ids(access.sweeps_for(named)) == {sweep.id} and _ids(access.encounters_for(named)) == {encounter.id}
    # the force is an agency of the sweep; a colleague not named on it sees none of it
    assert _ids(access.sweeps_for(colleague)) == set() and _ids(access.encounters_for(colleague)) == set()
    with pytest.raises(NotFound):
        access.get_encounter_or_404(colleague, encounter.id)


def test_the_sweep_pages_for_someone_not_named(client, scene):
    record(scene, scene.pupil_a)
    colleague = make_user("police", scene.world.police_org)
    db.session.commit()
    client.login(colleague)
    assert "There are no sweeps for you yet" in client.get("/sweeps").text
    assert client.get(f"/sweeps/{scene.sweep.id}").status_code == 404
    assert client.get(f"/sweeps/{scene.sweep.id}/encounters/new").status_code == 404
    report = client.get("/sweeps/reports.csv?from=2026-09-01&to=2026-12-31")
    assert list(csv.reader(io.StringIO(report.text)))[-1][:2] == ["Total", "0 sweeps"]


def _report_total(client) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(client.get("/sweeps/reports.csv?from=2026-09-01&to=2026-12-31").text)))
    return dict(zip(rows[0], rows[-1], strict=True))


def test_an_ewos_figures_count_only_the_children_and_follow_ups_they_may_open(app, client, scene):
    """School A's EWO (named on the sweep) sees their own pupil's encounter, the child still to
    match and the one they matched to school B's pupil, not school B's other match; of the
    follow-ups, only school A's."""
    ewo_b = scene.world.user("ewo_b")
    mine = record(scene, scene.pupil_a)
    service.confirm_match(scene.ewo, mine, scene.pupil_a, mine.version)
    theirs = record(scene, scene.pupil_b)
    done = service.confirm_match(ewo_b, theirs, scene.pupil_b, theirs.version)
    service.record_follow_up(ewo_b, done, "spoke", "Spoke to dad", done.version)
    other_b = make_pupil(scene.world.school_b, "Cara", "Lewis", date_of_birth=date(2013, 9, 9))
    db.session.commit()
    crossed = record(scene, other_b)
    crossed_up = service.confirm_match(scene.ewo, crossed, other_b, crossed.version)
    service.record_follow_up(ewo_b, crossed_up, "spoke", "Spoke to mum", crossed_up.version)
    record(scene)  # still to match

    client.login(scene.ewo)
    total = _report_total(client)
    assert (total["Encounters"], total["Matched"], total["Awaiting a match"]) == ("3", "2", "1")
    assert (total["Follow-ups done"], total["Follow-ups open"]) == ("0", "1")
    assert "The figures count the children you can open" in client.get("/sweeps/reports").text
    page = client.get(f"/sweeps/{scene.sweep.id}")
    assert re.search(r"Encounters\s*</dt>\s*<dd[^>]*>\s*3\s*</dd>", page.text)
    assert "Cara" in page.text and "Bella" not in page.text
    assert "Follow-up <strong" not in page.text.split("Cara", 1)[1].split("</li>", 1)[0]

    admin, police = app.test_client(), app.test_client()
    admin.login(scene.world.user("la_admin"))
    total = _report_total(admin)
    assert (total["Encounters"], total["Matched"], total["Follow-ups done"]) == ("4", "3", "2")
    police.login(scene.police)  # the lead: the sweep, its figures under 5 suppressed
    assert _report_total(police)["Area or route"] == "1 sweeps"
