"""The whole family (issue 14.11): siblings found by a shared contact or home, shown on the case
page only as far as the viewer may see; whole-family cases (add and remove siblings, one lead
professional); any practitioner as lead; "stepped up to social care" keeps the case open."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.cases import family
from portal.cases.models import Case, CaseChild, CaseShare, CaseStatus, ChronologyEntry
from portal.extensions import db
from portal.pupils.models import Contact
from tests import clock
from tests.attendance.helpers import TODAY
from tests.factories import make_pupil, make_user


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


class Family:
    """Ava (school A) and Ben (school B) share their mother's e-mail and phone; Cara (school A)
    lives at Ava's address; Dan (school A) is no relation. Ava and Ben each have an open case."""


@pytest.fixture
def fam(world):
    f = Family()
    f.world = world
    f.ava = make_pupil(world.school_a, "Ava", "Fielding", address="12 Oak Road, Demo Borough", postcode="DB1 2AB")
    f.ben = make_pupil(world.school_b, "Ben", "Fielding", address="40 Elm Street", postcode="DB9 9ZZ")
    f.cara = make_pupil(world.school_a, "Cara", "Moss", address="12, oak road", postcode="db12ab")
    f.dan = make_pupil(world.school_a, "Dan", "Other", address="14 Oak Road", postcode="DB1 2AB")
    f.ava.contacts.append(Contact(name="Mia Fielding", email="Mia.Fielding@example.org", phone="07700 900123"))
    f.ben.contacts.append(Contact(name="Mia Fielding", email=" mia.fielding@EXAMPLE.org ", phone="+44 7700 900123"))
    f.dan.contacts.append(Contact(name="Olly Other", email="olly@example.org", phone="07700 900999"))
    f.case_a = Case(pupil_id=f.ava.id, status=CaseStatus.open, lead_id=world.user("ewo").id)
    f.case_b = Case(pupil_id=f.ben.id, status=CaseStatus.open, lead_id=world.user("ewo_b").id)
    db.session.add_all([f.case_a, f.case_b])
    db.session.commit()
    return f


def share(case, org, by):
    db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="Working with the family",
                             shared_by_id=by.id))
    db.session.commit()


def case_page(client, user, case):
    client.login(user)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def family_section(page: str) -> str:
    return page[page.index('id="family"'):page.index('id="sharing"')]


# ----- finding siblings -----------------------------------------------------------------------

def test_siblings_share_a_contact_email_or_phone_or_a_home(fam):
    assert family.sibling_ids(fam.ava) == {fam.ben.id, fam.cara.id}  # e-mail and phone; the same home
    assert family.sibling_ids(fam.ben) == {fam.ava.id}
    assert family.sibling_ids(fam.cara) == {fam.ava.id}
    assert family.sibling_ids(fam.dan) == set()  # the same postcode, another house


def test_the_same_phone_alone_links_siblings_whatever_its_format(fam):
    eve = make_pupil(fam.world.school_b, "Eve", "Phone")
    eve.contacts.append(Contact(name="Mia", phone="07700-900-123"))
    db.session.commit()
    assert fam.ava.id in family.sibling_ids(eve)


# ----- who sees which sibling -------------------------------------------------------------------

def test_a_school_sees_siblings_at_its_own_school_only(client, fam):
    section = family_section(case_page(client, fam.world.user("school_staff"), fam.case_a))
    assert "Cara Moss" in section
    assert "Ben Fielding" not in section and "School B" not in section


def test_a_school_of_another_school_sees_nothing_of_the_sibling(client, fam):
    section = family_section(case_page(client, fam.world.user("school_staff_b"), fam.case_b))
    assert "Ava" not in section and "School A" not in section
    assert "No brothers or sisters to show" in section


def test_the_ewo_and_the_la_see_the_siblings_with_their_attendance_and_cases(client, other_client, fam):
    section = family_section(case_page(client, fam.world.user("ewo"), fam.case_a))
    assert "Cara Moss" in section and "Ben Fielding" not in section  # school B is not theirs
    section = family_section(case_page(other_client, fam.world.user("la_admin"), fam.case_a))
    assert "Cara Moss" in section and "Ben Fielding" in section and "Attendance now" in section
    assert f'href="/cases/{fam.case_b.id}"' in section


def test_a_partner_sees_only_siblings_whose_case_is_shared_with_them(client, fam):
    w = fam.world
    share(fam.case_a, w.early_help_org, w.user("ewo"))
    section = family_section(case_page(client, w.user("early_help"), fam.case_a))
    assert "Ben Fielding" not in section and "Cara Moss" not in section
    share(fam.case_b, w.early_help_org, w.user("ewo_b"))
    section = family_section(client.get(f"/cases/{fam.case_a.id}").get_data(as_text=True))
    assert "Ben Fielding" in section and f'href="/cases/{fam.case_b.id}"' in section
    assert "Cara Moss" not in section


def test_the_police_see_no_sibling_unless_the_siblings_case_is_shared_with_police(client, fam):
    w = fam.world
    share(fam.case_a, w.police_org, w.user("ewo"))
    section = family_section(case_page(client, w.user("police"), fam.case_a))
    assert "Ben Fielding" not in section and "Cara Moss" not in section
    share(fam.case_b, w.police_org, w.user("ewo_b"))
    section = family_section(client.get(f"/cases/{fam.case_a.id}").get_data(as_text=True))
    assert "Ben Fielding" in section and "Cara Moss" not in section
    assert "Attendance now" not in section  # no attendance figures in the police view


# ----- whole-family cases -------------------------------------------------------------------------

def test_the_lead_adds_and_removes_a_sibling_of_a_whole_family_case(client, other_client, fam):
    w = fam.world
    client.login(w.user("ewo"))
    response = client.post_form(f"/cases/{fam.case_a.id}/family", {"pupil_id": fam.cara.id})
    assert response.status_code == 303
    page = client.get(f"/cases/{fam.case_a.id}").get_data(as_text=True)
    assert "Whole-family case" in family_section(page) and "In this whole-family case" in page
    child = db.session.scalar(select(CaseChild).where(CaseChild.case_id == fam.case_a.id))
    assert child.pupil_id == fam.cara.id and child.removed_at is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "case_child_added",
                                                      AuditEvent.object_id == fam.case_a.id)) is not None
    # a sibling the EWO cannot see (school B), a child who is no sibling, the same child twice
    for pupil in (fam.ben, fam.dan, fam.cara):
        response = client.post_form(f"/cases/{fam.case_a.id}/family", {"pupil_id": pupil.id})
        assert response.status_code == 422
        assert "There is a problem" in response.get_data(as_text=True)
    # only the lead side changes it
    other_client.login(w.user("school_staff"))
    assert other_client.post_form(f"/cases/{fam.case_a.id}/family", {"pupil_id": fam.cara.id}).status_code == 403
    # removing needs a reason, then ends the row (kept) and is audited
    assert client.post_form(f"/cases/{fam.case_a.id}/family/remove",
                            {"pupil_id": fam.cara.id}).status_code == 422
    response = client.post_form(f"/cases/{fam.case_a.id}/family/remove",
                                {"pupil_id": fam.cara.id, "reason": "Cara lives with her father now"})
    assert response.status_code == 303
    db.session.refresh(child)
    assert child.removed_at is not None
    assert "Whole-family case" not in family_section(client.get(f"/cases/{fam.case_a.id}").get_data(as_text=True))
    verbs = set(db.session.scalars(select(AuditEvent.verb).where(AuditEvent.object_id == fam.case_a.id)))
    assert {"case_child_added", "case_child_removed"} <= verbs


def test_a_whole_family_case_shows_on_each_childs_case_page(client, other_client, fam):
    w = fam.world
    client.login(w.user("la_admin"))
    assert client.post_form(f"/cases/{fam.case_a.id}/family", {"pupil_id": fam.ben.id}).status_code == 303
    # Ben's own case (school B) says it is part of a whole-family case and who leads it, without
    # naming a sibling school B cannot see
    section = family_section(case_page(other_client, w.user("school_staff_b"), fam.case_b))
    assert "Part of a whole-family case" in section and w.user("ewo").name in section
    assert "Ava" not in section
    # school A reads Ava's case as a whole-family case without learning of Ben (school B)
    third = client.application.test_client()
    section = family_section(case_page(third, w.user("school_staff"), fam.case_a))
    assert "Whole-family case" in section and "Ben" not in section and "School B" not in section
    section = family_section(client.get(f"/cases/{fam.case_a.id}").get_data(as_text=True))
    assert "This case also covers Ben Fielding" in section  # the LA sees him
    notes = db.session.scalars(select(ChronologyEntry.text).where(ChronologyEntry.case_id == fam.case_b.id)).all()
    assert any("whole-family case" in n for n in notes)


# ----- any practitioner leads ---------------------------------------------------------------------

def test_a_lead_from_early_help_sees_and_edits_the_case(client, other_client, fam):
    w = fam.world
    early_help = w.user("early_help")
    other_client.login(early_help)
    assert other_client.get(f"/cases/{fam.case_a.id}").status_code == 404  # not shared, not the lead
    client.login(w.user("ewo"))
    form = client.get(f"/cases/{fam.case_a.id}/lead").get_data(as_text=True)
    assert early_help.name in form and w.user("social_care").name in form and w.user("police").name not in form
    response = client.post_form(f"/cases/{fam.case_a.id}/lead",
                                {"lead_id": early_help.id, "version": fam.case_a.version})
    assert response.status_code == 303
    db.session.refresh(fam.case_a)
    assert fam.case_a.lead_id == early_help.id
    assert other_client.get(f"/cases/{fam.case_a.id}").status_code == 200
    response = other_client.post_form(f"/cases/{fam.case_a.id}/update",
                                      {"case-status": "monitoring", "case-version": fam.case_a.version})
    assert response.status_code == 303
    db.session.refresh(fam.case_a)
    assert fam.case_a.status == CaseStatus.monitoring
    assert other_client.get(f"/cases/{fam.case_a.id}/close").status_code == 200
    # another early help worker is not the lead: the case is not theirs to see
    colleague = make_user("early_help", w.early_help_org)
    db.session.commit()
    third = other_client.application.test_client()
    third.login(colleague)
    assert third.get(f"/cases/{fam.case_a.id}").status_code == 404


def test_the_police_cannot_be_made_the_lead(client, fam):
    client.login(fam.world.user("ewo"))
    response = client.post_form(f"/cases/{fam.case_a.id}/lead",
                                {"lead_id": fam.world.user("police").id, "version": fam.case_a.version})
    assert response.status_code == 422
    db.session.refresh(fam.case_a)
    assert fam.case_a.lead_id == fam.world.user("ewo").id


# ----- stepped up to social care ------------------------------------------------------------------

def test_stepped_up_to_social_care_keeps_the_case_open_with_social_care_as_lead(client, other_client, fam):
    w = fam.world
    social_worker = w.user("social_care")
    client.login(w.user("ewo"))
    assert social_worker.name in client.get(f"/cases/{fam.case_a.id}/close").get_data(as_text=True)
    # without the social worker: refused, nothing changed
    response = client.post_form(f"/cases/{fam.case_a.id}/close",
                                {"reason": "social_care_lead", "version": fam.case_a.version})
    assert response.status_code == 422
    db.session.refresh(fam.case_a)
    assert fam.case_a.lead_id == w.user("ewo").id and fam.case_a.status == CaseStatus.open
    response = client.post_form(f"/cases/{fam.case_a.id}/close",
                                {"reason": "social_care_lead", "lead_id": social_worker.id,
                                 "text": "Child protection enquiry opened", "version": fam.case_a.version})
    assert response.status_code == 303
    db.session.refresh(fam.case_a)
    assert fam.case_a.status == CaseStatus.open and fam.case_a.closed_at is None
    assert fam.case_a.lead_id == social_worker.id
    texts = db.session.scalars(select(ChronologyEntry).where(ChronologyEntry.case_id == fam.case_a.id)).all()
    stepped = [e for e in texts if e.text.startswith("Stepped up to children's social care")]
    assert stepped and stepped[0].police_text is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "case_stepped_up",
                                                      AuditEvent.object_id == fam.case_a.id)) is not None
    # the social worker leads it: sees and edits it
    other_client.login(social_worker)
    assert other_client.get(f"/cases/{fam.case_a.id}/close").status_code == 200
    page = other_client.get(f"/cases/{fam.case_a.id}").get_data(as_text=True)
    assert "Change the lead professional" in page


def test_triage_offers_every_practitioner_and_opens_a_case_led_by_early_help(app, world):
    """Issue 14.11: the lead professional may be any practitioner, chosen at triage too (it
    offered EWOs only); a school user or the police cannot be the lead."""
    from portal.cases import referrals
    from tests.cases.test_views import GOOD, id_from, signed_in

    staff = world.user("school_staff")
    referral = referrals.save_draft(staff, make_pupil(world.school_a, "Tia", "Triage"), dict(GOOD))
    referrals.submit(staff, referral, referral.version)
    db.session.commit()
    ewo = signed_in(app, world.user("ewo"))
    page = ewo.get(f"/referrals/{referral.id}/triage").get_data(as_text=True)
    early_help = world.user("early_help")
    assert f'<option value="{early_help.id}">{early_help.name} – Early help' in page
    assert f'value="{world.user("police").id}"' not in page and f'value="{staff.id}"' not in page
    refused = ewo.post_form(f"/referrals/{referral.id}/triage", {
        "decision": "accept", "lead_id": str(staff.id), "message": "", "version": str(referral.version)})
    assert refused.status_code == 422 and db.session.scalar(select(func.count(Case.id))) == 0
    response = ewo.post_form(f"/referrals/{referral.id}/triage", {
        "decision": "accept", "lead_id": str(early_help.id), "message": "", "version": str(referral.version)})
    case = db.session.get(Case, id_from(response, "/cases/"))
    assert case.lead_id == early_help.id
