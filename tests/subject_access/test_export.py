"""Subject access export (issue 16): an LA admin downloads one ZIP with everything held about a
pupil, as HTML and JSON, with the letters' PDFs, the documents' files and the third parties for
redaction review; nothing of another child; the export audited with its request reference."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from portal.attendance.models import AttendanceMark, MarkChange, PupilWeek
from portal.audit import AuditEvent
from portal.cases import documents, family
from portal.cases.models import Action, Case, ChronologyEntry, Referral, ReferralAddition
from portal.extensions import db
from portal.formal.models import NoticeToImprove, NtiParent, PenaltyNotice
from portal.formal_steps.models import FormalStep
from portal.panels import service as panels
from portal.panels.models import PanelDecision
from portal.pupils.models import Contact
from portal.sweeps import service as sweeps
from portal.timeutil import utcnow
from tests.factories import make_import_job, make_pupil
from tests.letters.helpers import draft

URL = "/pupils/{}/subject-access-export"
REFERENCE = "SAR-2026-014"


def _seed(world):
    """Ruby, with a record of every kind; Zack, her half-brother (a shared parent), in a
    whole-family case with her; Olga, of school B, on the same panel agenda and the same sweep."""
    ewo, chair, police, staff = (world.user("ewo"), world.user("panel_chair"), world.user("police"),
                                 world.user("school_staff"))
    ruby = make_pupil(world.school_a, "Ruby", "Subjectson", address="1 Oak Road", postcode="AB1 2CD")
    ruby.contacts.append(Contact(name="Maria Parentson", relationship_to_pupil="Mother", email="maria@example.org",
                                 parental_responsibility=True))
    zack = make_pupil(world.school_a, "Zack", "Zibling")
    zack.contacts.append(Contact(name="Maria Parentson", relationship_to_pupil="Mother", email="maria@example.org"))
    olga = make_pupil(world.school_b, "Olga", "Otherchild")
    db.session.flush()
    # attendance: marks, a week, an amended mark
    for day, code in ((date(2026, 11, 2), "/"), (date(2026, 11, 3), "O")):
        db.session.add(AttendanceMark(pupil_id=ruby.id, date=day, session="AM", code=code))
    db.session.add(PupilWeek(pupil_id=ruby.id, week_start=date(2026, 11, 2), possible=2, attended=1,
                             unauthorised=1, open_sessions=2, last_date=date(2026, 11, 3)))
    job = make_import_job(staff, world.school_a)
    db.session.add(MarkChange(pupil_id=ruby.id, date=date(2026, 11, 3), session="AM", old_code="N", new_code="O",
                              import_job_id=job.id, reason="Parent confirmed no reason", changed_by_name="Alan Amender",
                              changed_by_position="Attendance officer"))
    # a referral with an addition, and her own case from it
    referral = Referral(pupil_id=ruby.id, school_id=world.school_a.id, status="accepted", created_by_id=staff.id,
                        barriers={"ebsa": "Anxious on Monday mornings"}, school_actions="Mentor meetings weekly")
    db.session.add(referral)
    db.session.flush()
    db.session.add(ReferralAddition(referral_id=referral.id, author_id=staff.id, text="Attendance dipped again"))
    case = Case(pupil_id=ruby.id, referral_id=referral.id, status="open", lead_id=ewo.id,
                next_review=date(2026, 11, 1))  # due: the chair may list it
    zack_case = Case(pupil_id=zack.id, status="open", lead_id=ewo.id)
    olga_case = Case(pupil_id=olga.id, status="open", lead_id=world.user("ewo_b").id, next_review=date(2026, 11, 1))
    db.session.add_all([case, zack_case, olga_case])
    db.session.flush()
    db.session.add_all([
        ChronologyEntry(case_id=case.id, kind="phone_call", occurred_at=utcnow(), author_id=ewo.id,
                        text="Rang Maria Parentson about Ruby's mornings; Zack Zibling was unwell too"),
        ChronologyEntry(case_id=zack_case.id, kind="home_visit", occurred_at=utcnow(), author_id=ewo.id,
                        text="Home visit: Zack and Ruby both at home, Zack in bed"),
        ChronologyEntry(case_id=olga_case.id, kind="note", occurred_at=utcnow(), author_id=ewo.id,
                        text="Olga's own note, never in Ruby's export"),
        Action(case_id=case.id, description="Morning check-in with the mentor", due_date=date(2026, 12, 1),
               owner_user_id=ewo.id, created_by_id=ewo.id),
    ])
    db.session.commit()
    # Zack's case becomes a whole-family case covering Ruby (it writes chronology naming both)
    family.add_child(ewo, zack_case, ruby)
    db.session.commit()
    documents.add_document(ewo, case, data=b"%PDF-1.4 Ruby's signed attendance agreement", filename="agreement.pdf",
                           title="Signed agreement", category="contract", police_shareable=False)
    documents.add_document(ewo, zack_case, data=b"%PDF-1.4 Zack Zibling's medical note", filename="zack.pdf",
                           title="A medical note", category="medical", police_shareable=False)
    letter, = draft(ewo, case, pupil=ruby)
    from portal.letters import service as letters

    letters.mark_sent(ewo, letter, None)
    db.session.commit()
    # a panel meeting with Ruby's case and Olga's on its agenda, a decision on Ruby's
    meeting = panels.schedule_meeting(chair, utcnow() + timedelta(days=10), place="Civic Centre")
    item = panels.add_item(chair, meeting, case, "Attendance not improving")
    panels.add_item(chair, meeting, olga_case, "Olga Otherchild listed by the chair")
    db.session.add(PanelDecision(agenda_item_id=item.id, case_id=case.id, decision="formal_support",
                                 rationale="Support offered for six weeks without change", decided_by_id=chair.id,
                                 next_review=date(2027, 1, 15)))
    # formal: a notice to improve, a penalty notice, an attendance contract
    day = date(2026, 11, 2)
    nti = NoticeToImprove(case_id=case.id, pupil_id=ruby.id, issued_on=day, qualifying_start=day - timedelta(weeks=10),
                          qualifying_end=day, unauthorised_sessions=12, period_weeks=3, period_start=day,
                          period_end=day + timedelta(weeks=3), raised_by_id=ewo.id)
    db.session.add(nti)
    db.session.flush()
    db.session.add(NtiParent(nti_id=nti.id, parent_name="Maria Parentson"))
    db.session.add(PenaltyNotice(number="PN-2026-0099", case_id=case.id, pupil_id=ruby.id,
                                 parent_name="Maria Parentson", reason="other_unauthorised", status="drafted",
                                 drafted_by_id=ewo.id))
    plan = ChronologyEntry(case_id=case.id, kind="support_plan", occurred_at=utcnow(), text="Mentoring plan",
                           support_name="Weekly mentoring sessions", review_on=date(2026, 12, 1), author_id=ewo.id)
    db.session.add(plan)
    db.session.flush()
    db.session.add(FormalStep(case_id=case.id, kind="attendance_contract", status="signed", evidence_entry_id=plan.id,
                              parent_commitments="Maria brings Ruby to the gate by 8:40", created_by_id=ewo.id,
                              reviews=[], extensions=[], further_hearings=[]))
    db.session.commit()
    # a sweep: Ruby and Olga met, each matched
    sweep = sweeps.create_sweep(police, held_on=date(2026, 11, 20), starts_at=time(9), ends_at=time(12),
                                area="Town centre", lead=police, officers=[ewo], agencies=[])
    child = {"seen_time": time(10), "location": "High Street", "officer_id": police.id, "age": None,
             "school_status": "school", "accompanied": "group", "outcome": "returned_to_school"}
    met_ruby = sweeps.record_encounter(police, sweep, {**child, "forename": "Ruby", "surname": "Subjectson",
                                                       "date_of_birth": ruby.date_of_birth,
                                                       "school_id": world.school_a.id})
    met_olga = sweeps.record_encounter(police, sweep, {**child, "forename": "Olga", "surname": "Otherchild",
                                                       "date_of_birth": olga.date_of_birth,
                                                       "school_id": world.school_b.id})
    sweeps.confirm_match(ewo, met_ruby, ruby, met_ruby.version)
    sweeps.confirm_match(world.user("ewo_b"), met_olga, olga, met_olga.version)
    db.session.commit()
    return ruby, zack, olga


def _export(client, pupil_id, reference=REFERENCE):
    return client.post_form(URL.format(pupil_id), {"reference": reference, "confirm": "y"})


def _open(response) -> dict[str, bytes]:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture
def seeded(world):
    return _seed(world)


def test_the_zip_holds_every_kind_of_record_as_html_and_json(client, world, seeded):
    ruby, _, _ = seeded
    client.login(world.user("la_admin"))
    files = _open(_export(client, ruby.id))

    def section(key):
        data = json.loads(files[f"json/{key}.json"])
        assert data["reference"] == REFERENCE and data["pupil_id"] == ruby.id
        return data["records"], files[f"sections/{key}.html"].decode()

    expected = {  # section -> a text its JSON and its HTML must both show
        "pupil": ruby.upn, "contacts": "maria@example.org", "enrolments": "School A",
        "attendance_summary": "2026-11-02", "attendance_marks": "Absent in other or unknown",
        "attendance_amendments": "Parent confirmed no reason", "referrals": "Anxious on Monday mornings",
        "cases": "whole-family", "chronology": "Rang Maria Parentson about Ruby", "actions": "Morning check-in",
        "panels": "Support offered for six weeks without change", "formal_notices": "PN-2026-0099",
        "formal_steps": "by 8:40", "letters": "Maria", "sweeps": "High Street", "documents": "Signed agreement",
        "notifications": "Truancy sweep follow-up: Ruby Subjectson (School A)",
    }
    for key, text in expected.items():
        records, html = section(key)
        assert records, f"{key}: no records"
        assert text.lower() in json.dumps(records, ensure_ascii=False).lower(), key
        assert text.lower() in html.lower(), key
    index = files["index.html"].decode()
    for key in expected:
        assert f"sections/{key}.html" in index and f"json/{key}.json" in index
    # the whole-family case led for Zack is there (Ruby's part), as well as Ruby's own
    cases, _ = section("cases")
    assert len(cases) == 2
    assert any(c["this_pupils_part"].startswith("Covered by a whole-family case") for c in cases)
    # the frozen letter PDF and the document's file
    letters, _ = section("letters")
    assert files[letters[0]["pdf"]].startswith(b"%PDF")
    docs, _ = section("documents")
    ruby_doc = next(d for d in docs if d["title"] == "Signed agreement")
    assert files[ruby_doc["file"]] == b"%PDF-1.4 Ruby's signed attendance agreement"
    zack_doc = next(d for d in docs if d["title"] == "A medical note")
    assert zack_doc["file"] is None and "another child" in zack_doc["file_note"]
    # third parties for redaction review: staff, other professionals, parents
    third = files["third_parties.csv"].decode()
    assert third.splitlines()[0] == "name,kind,role_or_relationship,organisation,sections"
    for name in ("Maria Parentson", world.user("ewo").name, world.user("police").name, "Alan Amender",
                 world.user("panel_chair").name):
        assert name in third, name
    assert "[another child]" in third


def test_nothing_of_another_child_is_in_the_zip(client, world, seeded):
    ruby, zack, olga = seeded
    client.login(world.user("la_admin"))
    files = _open(_export(client, ruby.id))
    assert any(name.startswith("documents/") for name in files)
    for name, data in files.items():
        text = data.decode("utf-8", errors="replace")
        for other in (zack, olga):
            for trace in (other.upn, other.legal_forename, other.legal_surname):
                assert trace not in text, f"{trace} in {name}"
    chronology = files["sections/chronology.html"].decode()
    assert "[another child] was unwell too" in chronology
    assert "Olga's own note" not in chronology


def test_the_reference_is_required_and_checked(client, world, seeded):
    ruby, _, _ = seeded
    client.login(world.user("la_admin"))
    for reference, message in (("", "Enter the request reference"),
                               ("S" * 41, "40 characters or fewer"),
                               ("<script>", "must start with a letter or digit")):
        response = _export(client, ruby.id, reference)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "govuk-error-summary" in page and message in page
    response = client.post_form(URL.format(ruby.id), {"reference": REFERENCE})  # not confirmed
    assert response.status_code == 422
    assert "Confirm that the identity has been checked" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "subject_access_exported")) is None


def test_the_export_is_audited_with_its_reference_never_its_content(client, world, seeded):
    ruby, _, _ = seeded
    admin = world.user("la_admin")
    client.login(admin)
    _open(_export(client, ruby.id))
    db.session.expire_all()
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "subject_access_exported"))
    assert entry is not None
    assert (entry.actor_id, entry.object_type, entry.object_id) == (admin.id, "Pupil", ruby.id)
    assert REFERENCE in entry.summary and entry.changes["reference"] == REFERENCE
    assert entry.changes["pupil_id"] == ruby.id
    logged = entry.summary + json.dumps(entry.changes)
    for content in ("Maria", "Rang", ruby.upn, "Subjectson", "Anxious"):
        assert content not in logged


def test_only_la_admins_see_the_link_and_reach_the_export(client, world, seeded):
    ruby, _, _ = seeded
    client.login(world.user("la_admin"))
    assert "Subject access export" in client.get(f"/pupils/{ruby.id}").get_data(as_text=True)
    form = client.get(URL.format(ruby.id))
    assert form.status_code == 200 and "Request reference" in form.get_data(as_text=True)
    assert client.get(URL.format(999999)).status_code == 404
    assert _export(client, 999999).status_code == 404
    for role in ("school_staff", "ewo"):
        other = client.application.test_client()
        other.login(world.user(role))
        assert "Subject access export" not in other.get(f"/pupils/{ruby.id}").get_data(as_text=True)
        assert other.get(URL.format(ruby.id)).status_code == 403
        assert _export(other, ruby.id).status_code == 403


def test_a_pupil_with_nothing_recorded_gets_empty_sections(client, world):
    pupil = make_pupil(world.school_b, "Nadia", "Nothing")
    db.session.commit()
    client.login(world.user("la_admin"))
    files = _open(_export(client, pupil.id, "sar 7/2026_b.1"))
    assert json.loads(files["json/pupil.json"])["records"][0]["upn"] == pupil.upn
    assert json.loads(files["json/cases.json"])["records"] == []
    assert "Nothing recorded." in files["sections/letters.html"].decode()
    assert not any(name.startswith(("letters/", "documents/")) for name in files)
