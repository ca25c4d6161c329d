"""Letters on a case: one per liable parent, previewed as a page and an A4 PDF, marked sent
(frozen: a case document and a chronology line, audited), drafts discarded."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.cases import documents
from portal.cases.models import CaseDocument, ChronologyEntry
from portal.extensions import db
from portal.letters import service
from portal.letters.models import Letter, LetterStatus
from tests.letters.helpers import case_for, draft, period_form, template


def _text_of(pdf: bytes) -> str:
    """The text drawn on the pages (the letters' PDFs are not compressed)."""
    return " ".join(part.decode("latin-1") for part in re.findall(rb"\((.*?)\) Tj", pdf, re.S))


def test_one_letter_for_each_liable_parent(client, world):
    case = case_for(world)
    ewo = world.user("ewo")
    client.login(ewo)
    page = client.get(f"/cases/{case.id}/letters/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Maria Lettered" in html and "Tom Lettered" in html and "Gran Lettered" not in html  # no PR
    parents = service.liable_parents(case.pupil)
    response = client.post_form(f"/cases/{case.id}/letters/new", {
        "template_id": str(template("early_concern").id), "contact_ids": [str(p.id) for p in parents],
        **period_form()})
    assert response.status_code == 303
    letters = db.session.scalars(select(Letter).order_by(Letter.id)).all()
    assert [(x.recipient, x.status) for x in letters] == [("Maria Lettered", LetterStatus.draft),
                                                          ("Tom Lettered", LetterStatus.draft)]
    assert letters[0].text.startswith("Dear Maria Lettered,") and letters[1].text.startswith("Dear Tom Lettered,")
    assert "Ava Lettered" in letters[0].text
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.verb == "letter_drafted")) is not None
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="letters"' in case_page and "Early concern letter to Tom Lettered" in case_page


def test_a_contact_without_parental_responsibility_is_refused(world):
    case = case_for(world)
    gran = next(c for c in case.pupil.contacts if not c.parental_responsibility)
    import pytest

    from portal.errors import Refused

    with pytest.raises(Refused) as refused:
        draft(world.user("ewo"), case, contact_ids=[gran.id])
    assert "contact_ids" in refused.value.problems


def test_preview_page_and_pdf(client, world):
    case = case_for(world)
    letter = draft(world.user("ewo"), case)[0]
    db.session.commit()
    client.login(world.user("ewo"))
    page = client.get(f"/letters/{letter.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Dear Maria Lettered," in html and "css/letters.css" in html and "Mark as sent" in html
    pdf = client.get(f"/letters/{letter.id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    text = _text_of(pdf.data)
    assert "Ava Lettered" in text and "DRAFT" in text
    assert pdf.headers["Content-Disposition"].startswith("attachment")


def test_marking_sent_freezes_the_pdf_as_a_case_document(client, world):
    case = case_for(world)
    letter = draft(world.user("ewo"), case)[0]
    db.session.commit()
    client.login(world.user("ewo"))
    refused = client.post_form(f"/letters/{letter.id}/send", {"version": str(letter.version)})  # not confirmed
    assert refused.status_code == 422
    response = client.post_form(f"/letters/{letter.id}/send", {"version": str(letter.version), "confirm": "sent"})
    assert response.status_code == 303
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.status == LetterStatus.sent and letter.sent_by_id == world.user("ewo").id
    assert letter.pdf.startswith(b"%PDF") and "DRAFT" not in _text_of(letter.pdf)
    document = db.session.get(CaseDocument, letter.document_id)
    assert document.case_id == case.id and document.category == "letter"
    assert documents.path_of(document).read_bytes() == letter.pdf
    assert oct(documents.path_of(document).stat().st_mode & 0o777) == "0o600"
    entry = document.entry
    assert entry.kind == "letter" and entry.police_text is None
    assert entry.text.startswith("Letter sent to Maria Lettered: Early concern letter")
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.verb == "letter_sent",
                                                         AuditEvent.object_id == letter.id)) is not None
    # sent once: a second time is refused, and the download is the frozen PDF
    again = client.post_form(f"/letters/{letter.id}/send", {"version": str(letter.version), "confirm": "sent"})
    assert again.status_code == 403
    assert client.get(f"/letters/{letter.id}/letter.pdf").data == letter.pdf


def test_a_sent_letter_never_changes_when_its_template_changes(client, other_client, world):
    case = case_for(world)
    ewo, admin = world.user("ewo"), world.user("la_admin")
    letter, waiting = draft(ewo, case)
    service.mark_sent(ewo, letter, None)
    db.session.commit()
    waiting_text = waiting.text
    pdf, text, version_id = letter.pdf, letter.text, letter.template_version_id
    stored = documents.path_of(letter.document).read_bytes()
    chosen = template("early_concern")
    client.login(admin)
    response = client.post_form(f"/letter-templates/{chosen.id}", {
        "version": str(chosen.version), "subject": "A new heading for {{ pupil.name }}",
        "body": "Dear {{ parent.name }},\n\nAn entirely new text."})
    assert response.status_code == 303
    db.session.expire_all()
    chosen = template("early_concern")
    assert chosen.current.number == 2 and chosen.current.body.endswith("An entirely new text.")
    letter = db.session.get(Letter, letter.id)
    assert (letter.pdf, letter.text, letter.template_version_id) == (pdf, text, version_id)
    assert documents.path_of(letter.document).read_bytes() == stored == pdf
    other_client.login(ewo)
    assert other_client.get(f"/letters/{letter.id}/letter.pdf").data == pdf
    # a draft keeps the text merged when it was drafted; a new letter takes the new version
    assert db.session.get(Letter, waiting.id).text == waiting_text
    new = draft(ewo, case)[0]
    assert "An entirely new text." in new.text


def test_discarding_a_draft_asks_first(client, world):
    case = case_for(world)
    letter = draft(world.user("ewo"), case)[0]
    db.session.commit()
    client.login(world.user("ewo"))
    assert client.get(f"/letters/{letter.id}/discard").status_code == 200
    assert client.post_form(f"/letters/{letter.id}/discard", {"version": str(letter.version)}).status_code == 422
    response = client.post_form(f"/letters/{letter.id}/discard", {"version": str(letter.version),
                                                                  "confirm": "discard"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).status == LetterStatus.discarded
    assert client.get(f"/letters/{letter.id}").status_code == 404  # gone from view
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.verb == "letter_discarded")) is not None


def test_the_letter_form_keeps_what_was_typed_and_never_500s(client, world):
    case = case_for(world)
    client.login(world.user("ewo"))
    url = f"/cases/{case.id}/letters/new"
    chosen = str(template("attendance_meeting").id)
    for data in ({}, {"template_id": "999999"}, {"template_id": chosen, "contact_ids": ["abc", "-1", "9" * 40]},
                 {"template_id": chosen, "start": ["31", "2", "2026"], "end": ["x", "", ""]},
                 {"template_id": chosen, "start": ["1", "1", "2020"], "end": ["1", "1", "2026"]},
                 {"template_id": "\x00", "contact_ids": "\u0661", "start": ["\u0661", "1", "2026"]}):
        response = client.post_form(url, data)
        assert response.status_code == 422, data
        assert "govuk-error-summary" in response.get_data(as_text=True)
    kept = client.post_form(url, {"template_id": chosen, "start": ["1", "2", "2099"], "end": ["", "", ""]})
    html = kept.get_data(as_text=True)
    assert kept.status_code == 422 and 'value="2099"' in html and f'value="{chosen}" checked' in html.replace(
        'checked="checked"', "checked").replace(" checked", " checked")
    assert db.session.scalar(select(Letter.id)) is None


def test_no_letter_on_a_closed_case(client, world):
    case = case_for(world)
    case.status = "closed"
    db.session.commit()
    client.login(world.user("ewo"))
    assert client.get(f"/cases/{case.id}/letters/new").status_code == 403


def test_the_chronology_line_is_not_in_the_police_view(world):
    case = case_for(world)
    letter = draft(world.user("ewo"), case)[0]
    service.mark_sent(world.user("ewo"), letter, None)
    entries = db.session.scalars(select(ChronologyEntry).where(ChronologyEntry.case_id == case.id)).all()
    assert entries and all(e.police_text is None for e in entries)


def test_the_database_rows_of_a_sent_letter_and_a_template_version_cannot_be_changed(world):
    import pytest

    case = case_for(world)
    letter = draft(world.user("ewo"), case)[0]
    service.mark_sent(world.user("ewo"), letter, None)
    db.session.commit()
    letter.text = "Something else"
    with pytest.raises(ValueError, match="frozen"):
        db.session.flush()
    db.session.rollback()
    version = letter.template_version
    version.body = "Changed in place"
    with pytest.raises(ValueError, match="never changed"):
        db.session.flush()
    db.session.rollback()


def test_a_notice_letter_is_never_drafted_with_gaps(client, world):
    """The notice to improve and penalty notice letters are written from their notice
    (`sources.extra_for`): without its details the letter is refused, not sent with blanks."""
    import pytest

    from portal.errors import Refused
    from portal.letters.fields import sample_fields

    case = case_for(world)
    with pytest.raises(Refused) as refused:
        draft(world.user("ewo"), case, "notice_to_improve")
    assert "a notice to improve" in refused.value.message
    partial = {"penalty": {**sample_fields().extra["penalty"], "amount_full": " "}}
    with pytest.raises(Refused):
        draft(world.user("ewo"), case, "penalty_notice", extra=partial)
    letters = draft(world.user("ewo"), case, "notice_to_improve", extra={"nti": sample_fields().extra["nti"]})
    assert "issued on 1 November 2026" in letters[0].text and letters[0].extra["nti"]["period_end"]
    client.login(world.user("ewo"))
    response = client.post_form(f"/cases/{case.id}/letters/new", {
        "template_id": str(template("penalty_notice").id),
        "contact_ids": [str(c.id) for c in service.liable_parents(case.pupil)], **period_form()})
    assert response.status_code == 422 and "written from a penalty notice" in response.get_data(as_text=True)


def test_sending_from_a_stale_page_is_a_conflict(client, world):
    case = case_for(world)
    letter = draft(world.user("ewo"), case)[0]
    db.session.commit()
    client.login(world.user("ewo"))
    stale = client.post_form(f"/letters/{letter.id}/send", {"version": str(letter.version + 5), "confirm": "sent"})
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).is_draft
    assert db.session.scalar(select(CaseDocument.id)) is None
