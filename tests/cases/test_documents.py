"""Issue 14, point 10: documents on a case. A file is taken by its content (never its name or
the browser's Content-Type), up to MAX_DOCUMENT_BYTES; it is stored outside the web root under
a random name with mode 0600; it is shown in the chronology and downloaded only through an
access-checked, audited answer (attachment, no-store, nosniff); the police see and download it
only when it was chosen for them; a removal (with a reason, audited) deletes the file."""
from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.cases import documents, service
from portal.cases.filetypes import sniff
from portal.cases.models import CaseDocument, ChronologyEntry, DocumentStatus, FileType
from portal.extensions import db
from tests.cases.test_views import case, pupil, signed_in, text_of  # noqa: F401 - fixtures

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le") + b"\x00" * 40


def zipped(files: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(first, files.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"}, first="mimetype")
DOCM = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
               "word/vbaProject.bin": b"macro"})
PLAIN_ZIP = zipped({"notes.txt": b"hello"})


def upload(client, case_id: int, data: bytes, name: str = "letter.pdf", content_type: str = "application/pdf",
           **fields):
    form = {"file": (io.BytesIO(data), name, content_type), "category": "letter", **fields}
    return client.post_form(f"/cases/{case_id}/documents", form, content_type="multipart/form-data")


def stored_files(app) -> set[str]:
    return set(os.listdir(app.config["DOCUMENTS_DIR"]))


def documents_of(case_id: int) -> list[CaseDocument]:
    db.session.expire_all()
    return list(db.session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id)))


def audit_verbs() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.verb).order_by(AuditEvent.id)))


def test_a_real_pdf_is_kept_under_a_random_name_with_mode_0600_and_shown_in_the_chronology(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    before = stored_files(app)
    response = upload(ewo, case.id, PDF, name="Attendance contract.pdf", title="Contract signed by mum",
                      category="contract")
    assert response.status_code == 303
    [document] = documents_of(case.id)
    assert document.file_type == FileType.pdf and document.size == len(PDF) and not document.police_shareable
    [new] = stored_files(app) - before
    assert new == document.stored_name and "contract" not in new.lower() and len(new) == 48
    path = Path(app.config["DOCUMENTS_DIR"]) / new
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == PDF
    assert "document_added" in audit_verbs()
    page = text_of(ewo.get(f"/cases/{case.id}"))
    assert "Document added: Contract signed by mum" in page and "Download Attendance contract.pdf" in page


def test_an_exe_renamed_pdf_is_refused_whatever_its_name_and_content_type(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    before = stored_files(app)
    response = upload(ewo, case.id, EXE, name="letter.pdf", content_type="application/pdf", title="From school")
    assert response.status_code == 422  # the page checks the error summary
    html = response.get_data(as_text=True)
    assert "The file must be a PDF, a PNG or JPEG image, or a Word, Excel or OpenDocument file" in html
    assert 'value="From school"' in html  # what was typed is kept
    assert documents_of(case.id) == [] and stored_files(app) == before
    assert not db.session.scalars(select(ChronologyEntry).where(ChronologyEntry.kind == "document")).all()


@pytest.mark.parametrize(("data", "expected"), [
    (PDF, FileType.pdf), (PNG, FileType.png), (JPEG, FileType.jpeg), (DOCX, FileType.docx), (XLSX, FileType.xlsx),
    (ODT, FileType.odt), (DOC, FileType.doc),
    (EXE, None), (DOCM, None), (PLAIN_ZIP, None), (b"<html><script>alert(1)</script></html>", None),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, None),  # a compound file that is not Word
    (b"PK\x03\x04 broken", None), (b"", None),
])
def test_the_type_comes_from_the_content(data, expected):
    assert sniff(data) == expected


def test_a_word_file_is_accepted_and_downloaded_with_its_real_extension(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    assert upload(ewo, case.id, DOCX, name="letter", content_type="application/octet-stream").status_code == 303
    [document] = documents_of(case.id)
    assert document.file_type == FileType.docx and document.filename == "letter.docx"


def test_the_size_limit_comes_from_the_config_and_is_said_in_the_page(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    app.config["MAX_DOCUMENT_BYTES"] = 2048
    try:
        big = PDF + b"0" * (2049 - len(PDF))
        response = upload(ewo, case.id, big)
        assert response.status_code == 422
        assert "The file must be 2 KB or smaller" in text_of(response)
        assert documents_of(case.id) == []
        exact = PDF + b"0" * (2048 - len(PDF))
        assert upload(ewo, case.id, exact).status_code == 303
    finally:
        app.config["MAX_DOCUMENT_BYTES"] = 10 * 1024 * 1024


def test_a_request_larger_than_any_upload_is_a_413_page(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    ewo.token()
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        response = upload(ewo, case.id, PDF + b"0" * 8192)
        assert response.status_code == 413
        assert "The file is too large" in text_of(response)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert documents_of(case.id) == []


def test_the_download_is_an_audited_attachment_never_cached_or_sniffed(app, world, case):
    document = documents.add_document(world.user("ewo"), case, data=PDF, filename="letter.pdf", title="Letter",
                                      category="letter")
    db.session.commit()
    staff = signed_in(app, world.user("school_staff"))
    response = staff.get(f"/cases/{case.id}/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "letter.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "case_document_downloaded")).one()
    assert event.actor_id == world.user("school_staff").id and f"document #{document.id}" in event.summary


def test_the_police_see_and_download_only_the_documents_chosen_for_them(app, world, case):
    ewo = world.user("ewo")
    service.share(ewo, case, world.police_org, "Sightings in town")
    kept_back = documents.add_document(ewo, case, data=PDF, filename="school-letter.pdf", title="School letter",
                                       category="letter")
    chosen = documents.add_document(ewo, case, data=PNG, filename="signed.png", title="Signed form",
                                    category="signed_form", police_shareable=True)
    db.session.commit()
    police = signed_in(app, world.user("police"))
    page = text_of(police.get(f"/cases/{case.id}"))
    assert "Signed form" in page and "Download signed.png" in page
    assert "School letter" not in page and "school-letter" not in page
    assert police.get(f"/cases/{case.id}/documents/{kept_back.id}").status_code == 404
    response = police.get(f"/cases/{case.id}/documents/{chosen.id}")
    assert response.status_code == 200 and response.data == PNG


def test_sharing_with_the_police_is_unticked_by_default_and_medical_evidence_never_shared(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    form = ewo.get(f"/cases/{case.id}/documents").get_data(as_text=True)
    assert 'name="police_shareable"' in form
    assert "checked" not in form.split('name="police_shareable"')[1].split(">")[0]
    response = upload(ewo, case.id, PDF, category="medical", police_shareable="y")
    assert response.status_code == 422
    assert "Medical evidence is never shared with the police" in text_of(response)
    assert upload(ewo, case.id, PDF, category="medical").status_code == 303
    [document] = documents_of(case.id)
    assert document.health and not document.police_shareable and document.entry.police_text is None


def test_the_uploader_or_the_lead_removes_a_document_and_its_file_goes(app, world, case):
    document = documents.add_document(world.user("school_staff"), case, data=PDF, filename="letter.pdf",
                                      title="Letter", category="letter")
    db.session.commit()
    path = documents.path_of(document)
    assert path.exists()
    other_school_user = signed_in(app, world.user("early_help"))  # sees the case? not shared: 404
    assert other_school_user.get(f"/cases/{case.id}/documents/{document.id}/remove").status_code == 404
    service.share(world.user("ewo"), case, world.early_help_org, "Family support")
    db.session.commit()
    assert other_school_user.get(f"/cases/{case.id}/documents/{document.id}/remove").status_code == 403
    ewo = signed_in(app, world.user("ewo"))  # the lead
    assert ewo.post_form(f"/cases/{case.id}/documents/{document.id}/remove", {"reason": " "}).status_code == 422
    assert path.exists() and documents_of(case.id)[0].status == DocumentStatus.kept
    response = ewo.post_form(f"/cases/{case.id}/documents/{document.id}/remove",
                             {"reason": "Letter about another child"})
    assert response.status_code == 303
    [removed] = documents_of(case.id)
    assert removed.status == DocumentStatus.removed and removed.remove_reason == "Letter about another child"
    assert removed.entry.struck_at is not None and not path.exists()
    assert "document_removed" in audit_verbs()
    assert ewo.get(f"/cases/{case.id}/documents/{document.id}").status_code == 404
    page = text_of(ewo.get(f"/cases/{case.id}"))
    assert "Document removed: Letter about another child" in page and "Download letter.pdf" not in page


def test_the_school_may_attach_a_document_to_its_pupils_case(app, world, case):
    staff = signed_in(app, world.user("school_staff"))
    assert staff.get(f"/cases/{case.id}").get_data(as_text=True).count(f"/cases/{case.id}/documents") == 1
    assert upload(staff, case.id, JPEG, name="photo.jpg", content_type="image/jpeg",
                  category="signed_form").status_code == 303
    assert documents_of(case.id)[0].uploaded_by_id == world.user("school_staff").id
