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
    figures = dict(zip(header, total, strict=True))
    assert figures["Encounters"] == "6" and figures["Awaiting a match"] == "5" and figures["No accepted reason"] == "5"
    for column in ("With a parent or carer", "Matched", "Follow-ups done", "Follow-ups open",
                   "Follow-ups overdue", "Not on roll", "Safeguarding concerns"):
        assert figures[column] == disclosure.FEWER_THAN, column

    admin = app.test_client()
    admin.login(scene.world.user("la_admin"))
    text = " ".join(re.sub(r"<[^>]+>", " ", admin.get(f"/sweeps/{scene.sweep.id}").text).split())
    assert "Matched / awaiting / not on roll 1 / 5 / 0" in text and "16.7%" in text
    rows = list(csv.reader(io.StringIO(admin.get(f"/sweeps/reports.csv?{period}").text)))
    assert dict(zip(rows[0], rows[-1], strict=True))["Follow-ups open"] == "1"


def test_small_counts_are_suppressed_for_partners_only():
    from portal import disclosure

    assert [disclosure.count(n, exact=False) for n in (0, 1, 4, 5, 12)] == ["fewer than 5"] * 3 + [5, 12]
    assert [disclosure.count(n, exact=True) for n in (0, 1, 4, 5)] == [0, 1, 4, 5]


def _seen_time_value(html: str) -> str:
    import re

    tag = re.search(r'<input[^>]*name="seen_time"[^>]*>', html)
    assert tag is not None, html
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def test_the_encounter_time_defaults_within_the_window_and_warns_outside_it(client, scene, time_machine):
    """Issue 14.18: 23:26 for a 09:00–12:00 sweep no more. Before or after the window the form
    starts at the window's start; inside it, now. A time typed outside the window is saved, with
    a GOV.UK warning; "reason accepted" is not chosen for the officer."""
    import re
    from datetime import datetime

    from portal.timeutil import LONDON
    from tests.sweeps.conftest import SWEEP_DAY

    url = f"/sweeps/{scene.sweep.id}/encounters/new"
    time_machine.move_to(datetime.combine(SWEEP_DAY, datetime.min.time(), tzinfo=LONDON).replace(hour=23, minute=26))
    client.login(scene.police)
    page = client.get(url)
    assert _seen_time_value(page.text) == "09:00"
    radios = re.findall(r'<input[^>]*name="reason_accepted"[^>]*>', page.text)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    time_machine.move_to(datetime.combine(SWEEP_DAY, datetime.min.time(), tzinfo=LONDON).replace(hour=10, minute=17))
    client.login(scene.police)
    assert _seen_time_value(client.get(url).text) == "10:17"
    data = dict(ENCOUNTER, officer_id=str(scene.ewo.id), school=f"school:{scene.world.school_a.id}")
    # Not chosen: refused, with the time warning shown beside the kept answers.
    unchosen = {k: v for k, v in data.items() if k != "reason_accepted"}
    refused = client.post_form(url, dict(unchosen, seen_time="14:05"))
    assert refused.status_code == 422 and "Select whether the reason is accepted" in refused.text
    assert "govuk-warning-text" in refused.text and "outside the sweep" in refused.text
    assert _count(Encounter) == 0
    saved = client.post_form(url, dict(data, seen_time="14:05"), follow_redirects=True)
    assert saved.status_code == 200 and _count(Encounter) == 1
    assert "govuk-warning-text" in saved.text and "14:05 is outside the sweep" in saved.text
    encounter = db.session.scalar(select(Encounter))
    page = client.get(f"/encounters/{encounter.id}")
    assert "govuk-warning-text" in page.text and "outside the sweep" in page.text
    inside = client.post_form(url, dict(data, seen_time="10:20", forename="Bo"), follow_redirects=True)
    assert inside.status_code == 200 and "outside the sweep" not in inside.text


def test_the_lead_edits_the_sweep_versioned_and_others_may_not(client, app, scene):
    """Issue 14.18: the lead changes the window, area and team; a stale form is a 409 showing
    the newer values; an officer taking part who does not lead gets a 403; once children are
    recorded the date stays."""
    from portal.audit import AuditEvent

    url = f"/sweeps/{scene.sweep.id}/edit"
    ewo = app.test_client()
    ewo.login(scene.ewo)
    assert ewo.get(url).status_code == 403
    client.login(scene.police)
    page = client.get(url)
    assert page.status_code == 200 and 'value="Town centre"' in page.text
    version = scene.sweep.version
    data = {"held_on": date_boxes("2026-11-19"), "starts_at": "10:00", "ends_at": "13:30", "area": "Retail park",
            "lead_id": str(scene.police.id), "officers": [], "agencies": [], "notes": "", "version": str(version)}
    saved = client.post_form(url, data)
    assert saved.status_code == 303
    db.session.expire_all()
    sweep = db.session.get(Sweep, scene.sweep.id)
    assert (sweep.window, sweep.area, str(sweep.held_on)) == ("10:00–13:30", "Retail park", "2026-11-19")
    assert [o.user_id for o in sweep.officers] == [scene.police.id] and sweep.version > version
    changes = select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == "sweep_changed")
    assert db.session.scalar(changes) == 1
    stale = client.post_form(url, dict(data, area="Bus station"))
    assert stale.status_code == 409 and "Retail park" in stale.text
    bad = client.post_form(url, dict(data, ends_at="09:00", version=str(sweep.version)))
    assert bad.status_code == 422 and "The end time must be after the start time" in bad.text
    record(scene, scene.pupil_a)
    db.session.commit()
    db.session.expire_all()
    moved = client.post_form(url, dict(data, held_on=date_boxes("2026-11-18"),
                                       version=str(db.session.get(Sweep, sweep.id).version)))
    assert moved.status_code == 422 and "its date cannot change" in moved.text


def test_an_ewo_undoes_a_wrong_match_with_a_reason(client, app, scene):
    """Issue 14.18: a wrong match is undone (a reason, audited): the child waits for a match
    again, the follow-up is cancelled (kept, the school told) and the case entry struck
    through; the child can then be matched to the right pupil, with a new follow-up."""
    from portal.audit import AuditEvent
    from portal.cases.models import Case, ChronologyEntry
    from portal.notifications.models import Notification
    from portal.sweeps.models import FollowUpStatus, MatchStatus

    case = Case(pupil_id=scene.pupil_a.id, lead_id=scene.ewo.id, status="open")
    db.session.add(case)
    encounter = record(scene, scene.pupil_a)
    db.session.commit()
    wrong = service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    db.session.commit()
    client.login(scene.ewo)
    page = client.get(f"/encounters/{encounter.id}")
    assert "Undo this match" in page.text
    url = f"/encounters/{encounter.id}/undo-match"
    assert client.get(url).status_code == 200
    version = db.session.get(Encounter, encounter.id).version
    missing = client.post_form(url, {"reason": "", "version": str(version)})
    assert missing.status_code == 422 and "Enter why the match was wrong" in missing.text
    notes_before = _count(Notification)
    done = client.post_form(url, {"reason": "Wrong Amir: the school saw him in class", "version": str(version)})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/encounters/{encounter.id}/match")
    db.session.expire_all()
    encounter = db.session.get(Encounter, encounter.id)
    assert encounter.match_status == MatchStatus.unmatched and encounter.pupil_id is None
    cancelled = db.session.get(FollowUp, wrong.id)
    assert cancelled.status == FollowUpStatus.cancelled and "saw him in class" in cancelled.cancelled_reason
    entry = db.session.scalar(select(ChronologyEntry).where(ChronologyEntry.case_id == case.id,
                                                            ChronologyEntry.kind == "sweep"))
    assert entry.struck_at is not None and "saw him in class" in entry.strike_reason
    verbs = set(db.session.scalars(select(AuditEvent.verb)))
    assert {"encounter_match_undone", "follow_up_cancelled", "chronology_entry_struck"} <= verbs
    assert _count(Notification) > notes_before
    stale = client.post_form(url, {"reason": "again", "version": str(version)})
    assert stale.status_code in (303, 409)  # nothing to undo any more
    # Matched again, to the right pupil: a new follow-up beside the cancelled one.
    right = service.confirm_match(scene.ewo, encounter, scene.pupil_b, encounter.version)
    db.session.commit()
    assert right.id != wrong.id and db.session.get(Encounter, encounter.id).follow_up.id == right.id
    school = app.test_client()
    school.login(scene.world.user("school_staff"))
    page = school.get(f"/follow-ups/{wrong.id}")
    assert page.status_code == 200 and "Cancelled" in page.text and 'name="contact_outcome"' not in page.text
    # The police cannot undo.
    police = app.test_client()
    police.login(scene.police)
    assert police.get(url).status_code == 403
