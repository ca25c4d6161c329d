"""Sharing a CME enquiry with children's social care or the police: a reason is needed; the
agency sees the enquiry at once and loses it at once on withdrawal; the police see a restricted
view; every other agency, school and the panel chair see none of it; every share, withdrawal and
view is audited."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import access
from portal.audit import AuditEvent
from portal.cme import service, sharing
from portal.cme.models import CmeEnquiry, CmeShare
from portal.extensions import db
from portal.orgs.models import OrgKind
from tests.factories import build_world, make_org, make_pupil, make_user


@pytest.fixture
def scene(app):
    """An enquiry about a pupil of school A (its steps with notes), opened by the LA admin."""
    world = build_world()
    admin = world.user("la_admin")
    pupil = make_pupil(world.school_a, "Kai", "Rowe", date_of_birth=date(2014, 6, 3))
    enquiry = service.open_enquiry(admin, {"source": "professional", "child_name": "Kai Rowe",
                                           "date_of_birth": date(2014, 6, 3), "address": "12 Mill Lane",
                                           "family_contact": "Aunt, 07700 900456"})
    enquiry.pupil_id = pupil.id
    step = service.steps_for(enquiry.id)[0]
    service.record_step(admin, enquiry, step, {"due_date": step.due_date, "done_on": date(2026, 11, 24),
                                               "outcome": "No answer at the door",
                                               "notes": "Neighbour says the family left for Leeds"},
                        step.version)
    db.session.commit()
    return world, enquiry, pupil


def _client(app, user):
    client = app.test_client()
    client.login(user)
    return client


def _share(client, enquiry, org, reason="Not seen since October; family may be at risk"):
    return client.post_form(f"/cme/enquiries/{enquiry.id}/shares", {"organisation_id": str(org.id), "reason": reason})


def _audits(verb, enquiry) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.verb == verb,
                                                            AuditEvent.object_id == enquiry.id)))


def test_a_share_needs_a_reason_and_a_partner_agency(app, scene):
    world, enquiry, _ = scene
    admin = _client(app, world.user("la_admin"))
    response = _share(admin, enquiry, world.social_care_org, reason="  ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter why the enquiry is shared" in page and "govuk-error-summary" in page
    response = _share(admin, enquiry, world.early_help_org)  # only social care or the police
    assert response.status_code == 422 and "Select children&#39;s social care or the police" in \
        response.get_data(as_text=True)
    response = admin.post_form(f"/cme/enquiries/{enquiry.id}/shares", {"organisation_id": "99999999999999999999",
                                                                        "reason": "x"})
    assert response.status_code == 422
    assert db.session.scalars(select(CmeShare)).all() == []


def test_social_care_sees_a_shared_enquiry_in_full_and_not_an_unshared_one(app, scene):
    world, enquiry, _ = scene
    other = service.open_enquiry(world.user("la_admin"), {"source": "other_la", "child_name": "Lee Unshared"})
    db.session.commit()
    admin = _client(app, world.user("la_admin"))
    assert _share(admin, enquiry, world.social_care_org).status_code == 303
    assert [a.summary for a in _audits("cme_enquiry_shared", enquiry)] == [
        "Not seen since October; family may be at risk"]
    sc = _client(app, world.user(access.SOCIAL_CARE))
    listing = sc.get("/cme/shared").get_data(as_text=True)
    assert "Kai Rowe" in listing and "Lee Unshared" not in listing
    page = sc.get(f"/cme/shared/{enquiry.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Neighbour says the family left for Leeds" in text and "12 Mill Lane" in text
    assert "Not seen since October" in text
    assert sc.get(f"/cme/shared/{other.id}").status_code == 404
    assert sc.get(f"/cme/enquiries/{enquiry.id}").status_code == 403  # the LA's page stays the LA's
    assert len(_audits("cme_shared_enquiry_viewed", enquiry)) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "cme_shared_enquiries_viewed"))


def test_the_police_see_only_the_restricted_view(app, scene):
    world, enquiry, pupil = scene
    admin = _client(app, world.user("la_admin"))
    assert _share(admin, enquiry, world.police_org, reason="Possible trafficking concern").status_code == 303
    police = _client(app, world.user(access.POLICE))
    response = police.get(f"/cme/shared/{enquiry.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = page[page.index("<main"):page.index("</main>")]
    for shown in ("Kai Rowe", "12 Mill Lane", "Aunt, 07700 900456", "Possible trafficking concern",
                  "The local authority is making enquiries"):
        assert shown in text, shown
    for absent in (pupil.upn, "3 Jun 2014", "Date of birth", world.school_a.name,
                   "Neighbour says the family left for Leeds", "No answer at the door", "Home visit", "%",
                   "Attendance:", "Source", "A professional"):
        assert absent not in text, absent
    assert len(_audits("cme_shared_enquiry_viewed", enquiry)) == 1


def test_withdrawal_removes_access_at_once_and_stays_in_the_history(app, scene):
    world, enquiry, _ = scene
    admin = _client(app, world.user("la_admin"))
    assert _share(admin, enquiry, world.social_care_org).status_code == 303
    item = db.session.scalar(select(CmeShare))
    sc = _client(app, world.user(access.SOCIAL_CARE))
    assert sc.get(f"/cme/shared/{enquiry.id}").status_code == 200
    url = f"/cme/enquiries/{enquiry.id}/shares/{item.id}/withdraw"
    response = admin.post_form(url, {"reason": "", "version": str(item.version)})
    assert response.status_code == 422 and "Enter why the share is withdrawn" in response.get_data(as_text=True)
    response = admin.post_form(url, {"reason": "Child found in Leeds", "version": str(item.version)})
    assert response.status_code == 303
    assert sc.get(f"/cme/shared/{enquiry.id}").status_code == 404
    assert "Kai Rowe" not in sc.get("/cme/shared").get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.scalar(select(CmeShare))
    assert kept is not None and not kept.active and kept.withdraw_reason == "Child found in Leeds"
    assert [a.summary for a in _audits("cme_share_withdrawn", enquiry)] == ["Child found in Leeds"]
    page = admin.get(f"/cme/enquiries/{enquiry.id}").get_data(as_text=True)
    assert "Withdrawn" in page and "Child found in Leeds" in page
    # a second withdrawal, or one from a stale page, changes nothing
    assert admin.post_form(url, {"reason": "Again", "version": str(kept.version)}).status_code == 422
    assert admin.post_form(url, {"reason": "Again", "version": str(kept.version - 1)}).status_code == 409


def test_another_agency_of_the_same_kind_and_every_other_role_see_nothing(app, scene):
    world, enquiry, _ = scene
    admin = _client(app, world.user("la_admin"))
    assert _share(admin, enquiry, world.social_care_org).status_code == 303
    assert _share(admin, enquiry, world.police_org).status_code == 303
    other_sc = make_user(access.SOCIAL_CARE, make_org(OrgKind.social_care, "Another Social Care"))
    db.session.commit()
    client = _client(app, other_sc)
    assert client.get(f"/cme/shared/{enquiry.id}").status_code == 404
    assert "Kai Rowe" not in client.get("/cme/shared").get_data(as_text=True)
    for key in (access.EARLY_HELP, access.HEALTH, access.SCHOOL_STAFF, access.PANEL_CHAIR, access.EWO):
        client = _client(app, world.user(key))
        assert client.get(f"/cme/shared/{enquiry.id}").status_code in (403, 404), key
        assert client.get("/cme/shared").status_code == 403, key
        assert client.get(f"/cme/enquiries/{enquiry.id}").status_code in (403, 404), key
    assert len(_audits("cme_shared_enquiry_viewed", enquiry)) == 0


def test_the_same_agency_twice_is_refused_and_a_partner_cannot_share(app, scene):
    world, enquiry, _ = scene
    admin = _client(app, world.user("la_admin"))
    assert _share(admin, enquiry, world.police_org).status_code == 303
    response = _share(admin, enquiry, world.police_org)
    assert response.status_code == 422 and "already shared" in response.get_data(as_text=True)
    police = _client(app, world.user(access.POLICE))
    assert _share(police, enquiry, world.police_org).status_code == 403
    assert len(db.session.scalars(select(CmeShare)).all()) == 1


def test_the_scope_follows_the_share(app, scene):
    world, enquiry, _ = scene
    sc = world.user(access.SOCIAL_CARE)
    assert db.session.scalars(access.shared_enquiries_for(sc)).all() == []
    item = sharing.share(world.user("la_admin"), enquiry, world.social_care_org, "Reason")
    assert [e.id for e in db.session.scalars(access.shared_enquiries_for(sc))] == [enquiry.id]
    sharing.withdraw(world.user("la_admin"), item, "Done", item.version)
    assert db.session.scalars(access.shared_enquiries_for(sc)).all() == []
    assert isinstance(db.session.get(CmeEnquiry, enquiry.id), CmeEnquiry)
