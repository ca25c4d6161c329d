"""The match page is not a pupil directory: a search needs a name with a date of birth or an age
(never a UPN, never a name alone), every showing of the page is audited with its terms, results
carry only what confirms a match, and a match to a pupil of a school the EWO does not serve
goes to that school and its EWO without showing the matching EWO the pupil or the case."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from portal import access
from portal.audit import AuditEvent
from portal.cases.models import Case, ChronologyEntry
from portal.extensions import db
from portal.notifications.models import Notification
from portal.sweeps.models import FollowUp
from tests.sweeps.conftest import record


def _searches(encounter) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "encounter_match_search",
                                                       AuditEvent.object_id == encounter.id)
                              .order_by(AuditEvent.id)).all()


def _url(encounter, **params) -> str:
    return f"/encounters/{encounter.id}/match?" + urlencode(params, doseq=True)


@pytest.fixture
def stranger(scene):
    """A child met in the sweep who gave a name and a date of birth no pupil has; the EWO of
    school A will look for school B's Bella Moore."""
    scene.pupil_b.address = "12 Canal Row"
    db.session.commit()
    return record(scene, forename="Bel", surname="Smith", date_of_birth=date(2012, 2, 2), age=None)


def test_a_upn_or_a_name_alone_is_refused_and_still_audited(client, scene, stranger):
    client.login(scene.ewo)
    bella = scene.pupil_b
    by_upn = client.get(_url(stranger, name=bella.upn, age="13"))
    assert by_upn.status_code == 422
    assert "not by a UPN" in by_upn.text and "Bella" not in by_upn.text
    by_name = client.get(_url(stranger, name="Bella Moore"))
    assert by_name.status_code == 422
    assert "Enter the date of birth or the age, as well as the name" in by_name.text
    assert "Bella" not in by_name.text.replace('value="Bella Moore"', "")
    # the old free-text parameter finds nobody any more
    old = client.get(_url(stranger, q=bella.upn))
    assert old.status_code == 200 and "Bella" not in old.text and bella.upn not in old.text
    summaries = [a.summary for a in _searches(stranger)]
    assert summaries == [f"name “{bella.upn}”, age 13 (refused)", "name “Bella Moore” (refused)",
                         "suggestions only"]


def test_a_search_by_name_and_date_of_birth_shows_only_what_confirms_the_match(client, scene, stranger):
    client.login(scene.ewo)
    bella = scene.pupil_b
    page = client.get(_url(stranger, name="Bella Moore", born=["1", "7", "2013"]))
    assert page.status_code == 200
    assert "Bella Moore" in page.text and "School B" in page.text and "Year 6" in page.text
    assert "born 1 Jul 2013" in page.text
    assert bella.upn not in page.text and "Canal Row" not in page.text and "%" not in page.text
    assert [a.summary for a in _searches(stranger)] == ["name “Bella Moore”, born 2013-07-01"]
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == stranger.id,
                                                           AuditEvent.verb.like("encounter_%"))).all()) == 2


def test_an_ewo_who_matches_a_pupil_of_another_school_sees_only_that_school(client, scene, stranger):
    world = scene.world
    ewo_b = world.user("ewo_b")
    case = Case(pupil_id=scene.pupil_b.id, lead_id=ewo_b.id)
    db.session.add(case)
    db.session.commit()
    client.login(scene.ewo)  # school A's EWO
    done = client.post_form(f"/encounters/{stranger.id}/match", {
        "version": str(stranger.version), "choice": f"pupil:{scene.pupil_b.id}",
        "name": "Bella Moore", "born": ["1", "7", "2013"], "age": ""}, follow_redirects=True)
    assert done.status_code == 200
    assert "matched to a pupil of School B" in done.text and "Bella" not in done.text
    # the follow-up went to the pupil's own school and its named EWO, who were told
    follow_up = db.session.scalar(select(FollowUp))
    assert (follow_up.school_id, follow_up.ewo_id) == (world.school_b.id, ewo_b.id)
    told = set(db.session.scalars(select(Notification.user_id)))
    assert {world.user("school_staff_b").id, ewo_b.id} <= told and scene.ewo.id not in told
    # the encounter lands on the case, whose lead is told; the matching EWO sees none of it
    assert db.session.scalar(select(func.count()).select_from(ChronologyEntry)
                             .where(ChronologyEntry.case_id == case.id)) == 1
    page = client.get(f"/encounters/{stranger.id}")
    assert page.status_code == 200
    assert "Matched to a pupil of <strong>School B</strong>" in page.text
    for hidden in ("Bella", "Moore", "/cases/", "/follow-ups/", "/pupils/", "chronology"):
        assert hidden not in page.text, hidden
    listing = client.get("/encounters?status=matched")
    assert "Matched to a pupil of School B" in listing.text and "Bella" not in listing.text
    assert client.get(f"/follow-ups/{follow_up.id}").status_code == 404
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert access.visible_open_case(scene.ewo, scene.pupil_b.id) is None
    # school B's EWO sees the pupil and the follow-up
    assert access.can(ewo_b, "see_matched_pupil", stranger)
    assert access.can(ewo_b, "follow_up_encounters", follow_up)
    assert not access.can(scene.ewo, "follow_up_encounters", follow_up)


@pytest.mark.parametrize("age", ["twelve", "²", "1" * 25, "-3"])
def test_an_age_that_is_not_a_number_is_refused_not_a_500(client, scene, stranger, age):
    client.login(scene.ewo)
    response = client.get(_url(stranger, name="Bella Moore", age=age))
    assert response.status_code == 422 and "Enter the age as a number, like 12" in response.text
