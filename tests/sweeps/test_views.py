"""Sweeps through the pages, as a signed-in browser would (every page checked by PortalClient)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.sweeps import service
from portal.sweeps.models import Encounter, FollowUp, Sweep
from tests.pages import date_boxes
from tests.sweeps.conftest import record

ENCOUNTER = {"seen_time": "10:45", "location": "Bus station", "forename": "Amir", "surname": "Khan",
             "date_of_birth": ["9", "3", "2014"], "age": "", "school": "", "school_given": "",
             "exclusion": "unknown", "accompanied": "parent", "reason": "Dentist", "reason_accepted": "yes",
             "outcome": "taken_home", "outcome_note": "", "concern_note": ""}


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_police_plan_a_sweep_and_bad_input_is_422(client, world):
    police = world.user("police")
    client.login(police)
    page = client.get("/sweeps/new")
    assert page.status_code == 200
    bad = client.post_form("/sweeps/new", {"held_on": date_boxes("tomorrow"), "starts_at": "12:00", "ends_at": "09:00",
                                           "area": "", "lead_id": str(police.id)})
    assert bad.status_code == 422 and "There is a problem" in bad.text
    assert _count(Sweep) == 0
    ok = client.post_form("/sweeps/new", {"held_on": date_boxes("2026-11-20"), "starts_at": "09:00", "ends_at": "12.30",
                                          "area": "Town centre", "lead_id": str(police.id),
                                          "officers": [str(world.user("ewo").id)]})
    assert ok.status_code == 303
    sweep = db.session.scalar(select(Sweep))
    assert sweep.window == "09:00–12:30"
    assert client.get(ok.headers["Location"]).status_code == 200


def test_the_encounter_form_keeps_location_and_officer_and_refuses_bad_input(client, scene):
    client.login(scene.police)
    url = f"/sweeps/{scene.sweep.id}/encounters/new"
    data = dict(ENCOUNTER, officer_id=str(scene.ewo.id), school=f"school:{scene.world.school_a.id}")
    response = client.post_form(url, data)
    assert response.status_code == 303, response.text
    again = client.get(url)
    assert 'value="Bus station"' in again.text
    assert f'<option value="{scene.ewo.id}" selected' in again.text
    bad = client.post_form(url, dict(data, date_of_birth=["", "", ""], outcome="other", concern="y",
                                     school="other_school"))
    assert bad.status_code == 422
    for message in ("Enter the date of birth or the child", "Say what happened", "Describe the safeguarding concern",
                    "Enter the name of the school"):
        assert message in bad.text
    assert _count(Encounter) == 1
    encounter = db.session.scalar(select(Encounter))
    assert encounter.reason_accepted and encounter.officer_id == scene.ewo.id
    assert encounter.school_id == scene.world.school_a.id


def test_a_concern_reminds_the_officer_of_their_procedure(client, scene):
    client.login(scene.police)
    url = f"/sweeps/{scene.sweep.id}/encounters/new"
    response = client.post_form(url, dict(ENCOUNTER, officer_id=str(scene.police.id), school="unknown", concern="y",
                                          concern_note="Bruising"), follow_redirects=True)
    assert "follow your own safeguarding procedure" in response.text


def test_ewo_matches_then_the_school_records_the_follow_up(client, other_client, scene):
    encounter = record(scene, scene.pupil_a)
    client.login(scene.ewo)
    page = client.get(f"/encounters/{encounter.id}/match")
    assert "Score 100" in page.text and "Date of birth matches" in page.text
    missing = client.post_form(f"/encounters/{encounter.id}/match", {"version": str(encounter.version)})
    assert missing.status_code == 422
    done = client.post_form(f"/encounters/{encounter.id}/match", {"version": str(encounter.version),
                                                                  "choice": f"pupil:{scene.pupil_a.id}"})
    assert done.status_code == 303
    follow_up = db.session.scalar(select(FollowUp))
    other_client.login(scene.world.user("school_staff"))
    listing = other_client.get("/follow-ups")
    assert "Amir Khan" in listing.text
    bad = other_client.post_form(f"/follow-ups/{follow_up.id}/outcome", {"version": str(follow_up.version)})
    assert bad.status_code == 422
    ok = other_client.post_form(f"/follow-ups/{follow_up.id}/outcome", {
        "version": str(follow_up.version), "contact_outcome": "spoke", "outcome": "Mum will bring him in"})
    assert ok.status_code == 303
    assert "Mum will bring him in" in other_client.get(ok.headers["Location"]).text
    # a second, stale submission does not overwrite
    stale = other_client.post_form(f"/follow-ups/{follow_up.id}/outcome", {
        "version": str(follow_up.version), "contact_outcome": "message", "outcome": "Overwrite"})
    assert stale.status_code == 409


def test_no_match_lists_the_child_for_the_la(client, scene):
    encounter = record(scene)
    client.login(scene.world.user("la_admin"))
    response = client.post_form(f"/encounters/{encounter.id}/match", {"version": str(encounter.version),
                                                                      "choice": "no_match", "note": "No trace"})
    assert response.status_code == 303
    assert "Unknown Child" in client.get("/encounters?status=no_match").text


def test_police_see_the_match_but_no_pupil_link_or_attendance(client, scene):
    encounter = record(scene, scene.pupil_a)
    service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    client.login(scene.police)
    page = client.get(f"/encounters/{encounter.id}")
    assert "Matched to a pupil on the roll of" in page.text
    assert f"/pupils/{scene.pupil_a.id}" not in page.text and "follow-ups" not in page.text
    assert client.get(f"/pupils/{scene.pupil_a.id}").status_code == 403
    assert client.get("/follow-ups").status_code == 403


def test_report_and_csv_export(client, scene):
    record(scene, scene.pupil_a, accompanied="parent", reason_accepted=True)
    record(scene)
    client.login(scene.world.user("la_admin"))
    page = client.get("/sweeps/reports?from=2026-09-01&to=2026-12-31")
    assert page.status_code == 200 and "50.0%" in page.text
    assert client.get("/sweeps/reports?from=nonsense").status_code == 422
    export = client.get("/sweeps/reports.csv?from=2026-09-01&to=2026-12-31")
    assert export.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0][0] == "Sweep date" and rows[1][2] == "2" and rows[-1][0] == "Total"


def test_the_police_see_no_small_numbers_and_no_percentages(app, client, scene):
    """Issue 10, point 10: with one child matched, the police read that child's follow-up status
    off the figures ("Follow-ups done / overdue 0 / 1"). Counts under 5 are "fewer than 5" for the
    police (zero too), percentages are not shown to them at all; the LA still sees them exactly."""
    import re

    from portal import disclosure

    encounter = record(scene, scene.pupil_a, accompanied="parent", reason_accepted=True)
    service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    for _ in range(5):
        record(scene)  # five children still to match: a count the police may see
    percent = re.compile(r"\d+(?:\.\d+)?\s*%")
    period = "from=2026-09-01&to=2026-12-31"

    client.login(scene.police)
    pages = {"sweep": client.get(f"/sweeps/{scene.sweep.id}").text, "list": client.get("/sweeps").text,
             "report": client.get(f"/sweeps/reports?{period}").text}
    for name, html in pages.items():
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        assert not percent.search(text), (name, percent.findall(text))
    sweep_text = " ".join(re.sub(r"<[^>]+>", " ", pages["sweep"]).split())
    assert "Encounters 6" in sweep_text and "fewer than 5 / 5 / fewer than 5" in sweep_text  # matched / awaiting
    assert "Follow-ups done / overdue fewer than 5 / fewer than 5" in sweep_text
    assert "6 encounters" in pages["list"]
    rows = list(csv.reader(io.StringIO(client.get(f"/sweeps/reports.csv?{period}").text)))
    header, total = rows[0], rows[-1]
    assert not any("%" in cell for row in rows for cell in row)
    figures = dict(zip(header, total))
    assert figures["Encounters"] == "6" and figures["Awaiting a match"] == "5" and figures["No accepted reason"] == "5"
    for column in ("With a parent or carer", "Matched", "Follow-ups done", "Follow-ups open",
                   "Follow-ups overdue", "Not on roll", "Safeguarding concerns"):
        assert figures[column] == disclosure.FEWER_THAN, column

    admin = app.test_client()
    admin.login(scene.world.user("la_admin"))
    text = " ".join(re.sub(r"<[^>]+>", " ", admin.get(f"/sweeps/{scene.sweep.id}").text).split())
    assert "Matched / awaiting / not on roll 1 / 5 / 0" in text and "16.7%" in text
    rows = list(csv.reader(io.StringIO(admin.get(f"/sweeps/reports.csv?{period}").text)))
    assert dict(zip(rows[0], rows[-1]))["Follow-ups open"] == "1"


def test_small_counts_are_suppressed_for_partners_only():
    from portal import disclosure

    assert [disclosure.count(n, exact=False) for n in (0, 1, 4, 5, 12)] == ["fewer than 5"] * 3 + [5, 12]
    assert [disclosure.count(n, exact=True) for n in (0, 1, 4, 5)] == [0, 1, 4, 5]
