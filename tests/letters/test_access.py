"""Who sees letters: schools their own pupils' (and write their stage letters, case or not),
partners only the sent letters of cases shared with them and never a penalty notice letter
(`may_see_penalty_detail`), the police none: 404."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import access
from portal.cases.models import CaseShare
from portal.extensions import db
from portal.letters import service
from portal.letters.fields import sample_fields
from portal.letters.models import Letter
from tests.letters.helpers import case_for, draft, period_form, pupil_with_parents, template


def _share(case, org, by):
    db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="test", shared_by_id=by.id))
    db.session.commit()


@pytest.fixture
def sent_letters(world):
    """A case of school A shared with social care and the police: a sent early concern letter,
    a sent penalty notice letter and a draft."""
    case = case_for(world)
    ewo = world.user("ewo")
    _share(case, world.social_care_org, ewo)
    _share(case, world.police_org, ewo)
    concern = draft(ewo, case, contact_ids=[service.liable_parents(case.pupil)[0].id])[0]
    penalty = draft(ewo, case, "penalty_notice", contact_ids=[service.liable_parents(case.pupil)[0].id],
                    extra={"penalty": {**sample_fields().extra["penalty"], "number": "PN-1"}})[0]
    service.mark_sent(ewo, concern, None)
    service.mark_sent(ewo, penalty, None)
    drafted = draft(ewo, case, "attendance_meeting", contact_ids=[service.liable_parents(case.pupil)[0].id])[0]
    db.session.commit()
    assert "PN-1" in penalty.text and "£80" in penalty.text
    return case, concern, penalty, drafted


def _status(client, letter):
    return client.get(f"/letters/{letter.id}").status_code


def test_the_school_sees_its_pupils_letters_and_another_school_does_not(client, other_client, world, sent_letters):
    case, concern, penalty, drafted = sent_letters
    client.login(world.user("school_staff"))
    assert [_status(client, x) for x in (concern, penalty, drafted)] == [200, 200, 200]
    assert client.post_form(f"/letters/{drafted.id}/send", {"confirm": "sent"}).status_code == 403  # the LA's
    other_client.login(world.user("school_staff_b"))
    assert [_status(other_client, x) for x in (concern, penalty, drafted)] == [404, 404, 404]
    assert other_client.get(f"/letters/{concern.id}/letter.pdf").status_code == 404
    assert other_client.get(f"/pupils/{case.pupil_id}/letters/new").status_code == 404


def test_a_partner_sees_sent_letters_of_shared_cases_but_not_penalty_notices(client, other_client, world,
                                                                            sent_letters):
    case, concern, penalty, drafted = sent_letters
    social_worker = world.user("social_care")
    assert not access.may_see_penalty_detail(social_worker, case)
    assert access.may_see_penalty_detail(world.user("ewo"), case)
    client.login(social_worker)
    assert [_status(client, x) for x in (concern, penalty, drafted)] == [200, 404, 404]
    assert client.get(f"/letters/{penalty.id}/letter.pdf").status_code == 404
    # nor the frozen penalty notice among the case's documents and chronology
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Early concern letter to Maria Lettered" in page and "Penalty notice" not in page
    assert client.get(f"/cases/{case.id}/documents/{concern.document_id}").status_code == 200
    assert client.get(f"/cases/{case.id}/documents/{penalty.document_id}").status_code == 404
    other_client.login(world.user("ewo"))
    page = other_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Penalty notice to Maria Lettered" in page
    assert other_client.get(f"/cases/{case.id}/documents/{penalty.document_id}").status_code == 200
    early_help = client.application.test_client()
    early_help.login(world.user("early_help"))  # not shared with early help
    assert [_status(early_help, x) for x in (concern, penalty, drafted)] == [404, 404, 404]


def test_the_police_see_no_letters(client, world, sent_letters):
    case, concern, penalty, drafted = sent_letters
    client.login(world.user("police"))
    assert [_status(client, x) for x in (concern, penalty, drafted)] == [404, 404, 404]
    assert client.get(f"/letters/{concern.id}/letter.pdf").status_code == 404
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and 'id="letters"' not in page.get_data(as_text=True)


def test_a_partner_lead_writes_letters_but_never_penalty_notices(client, world):
    lead = world.user("early_help")
    case = case_for(world, lead=lead)
    client.login(lead)
    form = client.get(f"/cases/{case.id}/letters/new")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "Early concern letter" in html and "Penalty notice" not in html
    refused = client.post_form(f"/cases/{case.id}/letters/new", {
        "template_id": str(template("penalty_notice").id),
        "contact_ids": [str(c.id) for c in service.liable_parents(case.pupil)], **period_form()})
    assert refused.status_code == 422
    assert db.session.scalar(select(Letter.id)) is None


def test_a_school_writes_its_stage_letter_for_a_pupil_without_a_case(client, world):
    pupil = pupil_with_parents(world.school_a, "Noah", "Nocase")
    db.session.commit()
    client.login(world.user("school_staff"))
    page = client.get(f"/pupils/{pupil.id}")
    assert 'id="letters"' in page.get_data(as_text=True)
    form = client.get(f"/pupils/{pupil.id}/letters/new").get_data(as_text=True)
    assert "School stage 2: tutor meeting" in form and "Early concern letter" not in form  # the school's own only
    refused = client.post_form(f"/pupils/{pupil.id}/letters/new", {
        "template_id": str(template("early_concern").id),  # an LA letter: not the school's
        "contact_ids": [str(c.id) for c in service.liable_parents(pupil)], **period_form()})
    assert refused.status_code == 422
    parent = service.liable_parents(pupil)[1]
    response = client.post_form(f"/pupils/{pupil.id}/letters/new", {
        "template_id": str(template("school_stage_2").id), "contact_ids": [str(parent.id)], **period_form()})
    assert response.status_code == 303
    letter = db.session.scalar(select(Letter))
    assert letter.case_id is None and letter.recipient == "Tom Lettered"
    assert letter.text.startswith("Dear Tom Lettered,") and "School A" in letter.text
    sent = client.post_form(f"/letters/{letter.id}/send", {"version": str(letter.version), "confirm": "sent"})
    assert sent.status_code == 303
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.is_sent and letter.pdf.startswith(b"%PDF") and letter.document_id is None  # kept on the letter
    assert client.get(f"/letters/{letter.id}/letter.pdf").data == letter.pdf
    # another school's staff never see it, nor the pupil
    other = client.application.test_client()
    other.login(world.user("school_staff_b"))
    assert _status(other, letter) == 404


def test_a_school_letter_for_a_pupil_with_a_case_is_also_a_case_document(client, world):
    case = case_for(world)
    client.login(world.user("school_staff"))
    parent = service.liable_parents(case.pupil)[0]
    response = client.post_form(f"/pupils/{case.pupil_id}/letters/new", {
        "template_id": str(template("school_stage_3").id), "contact_ids": [str(parent.id)], **period_form()})
    assert response.status_code == 303
    letter = db.session.scalar(select(Letter))
    assert letter.case_id == case.id
    assert client.post_form(f"/letters/{letter.id}/send", {"version": str(letter.version),
                                                            "confirm": "sent"}).status_code == 303
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.document is not None and letter.document.case_id == case.id
    assert letter.document.entry.police_text is None


def test_only_the_lead_side_writes_letters_on_a_case(client, other_client, world):
    case = case_for(world)
    client.login(world.user("ewo_b"))  # another school's EWO: the case is not theirs
    assert client.get(f"/cases/{case.id}/letters/new").status_code == 404
    other_client.login(world.user("school_staff"))
    assert other_client.get(f"/cases/{case.id}/letters/new").status_code == 403


def test_the_chronology_statement_built_once_reads_what_chronology_for_reads(world, sent_letters):
    """The case page reads the chronology with `access.chronology_statement` (built once per role
    and lead side, the case a parameter): for every user it gives exactly `chronology_for`'s
    rows, the penalty notice's line hidden from those who may not see it, on another case too."""
    from portal.cases.models import ChronologyEntry
    from portal.cases.service import add_entry, strike_entry
    from portal.timeutil import utcnow

    case = sent_letters[0]
    other = case_for(world)
    lead_side = world.user("ewo")
    first = db.session.scalars(select(ChronologyEntry).where(ChronologyEntry.case_id == case.id)
                               .order_by(ChronologyEntry.id)).first()
    strike_entry(lead_side, first, "Wrong child")  # seen by the lead side and the LA only
    add_entry(lead_side, other, "note", utcnow(), "A note on the other case")
    db.session.commit()
    seen = {}
    for key, user in world.users.items():
        for c in (case, other, case):
            stmt, params = access.chronology_statement(user, c)
            memoised = set(db.session.scalars(stmt, params))
            assert memoised == set(db.session.scalars(access.chronology_for(user, c))), (key, c.id)
            seen[key, c.id] = {e.id for e in memoised}
    assert first.id in seen["ewo", case.id] and first.id not in seen["social_care", case.id]
    assert len(seen["ewo", case.id]) > len(seen["social_care", case.id])
    assert seen["ewo", other.id] and not seen["ewo", other.id] & seen["ewo", case.id]
