"""Formal support and court steps (issue 15): support first, statuses, order dates, a
contract's actions, the evidence pack, the LA picture's counts, access and stale edits."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.attendance.models import AttendanceMark
from portal.audit import AuditEvent
from portal.cases import service as cases
from portal.cases.models import Action, Case, CaseShare, ChronologyEntry
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.formal_steps import pack, rules, service
from portal.formal_steps.models import FormalStep, StepKind, StepStatus
from portal.timeutil import LONDON
from tests import clock
from tests.factories import make_pupil
from tests.pages import date_boxes

TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def _case(world, school=None, *, evidence: bool = True, shared=()) -> Case:
    school = school or world.school_a
    pupil = make_pupil(school, "Robin")
    lead = world.user("ewo") if school is world.school_a else world.user("ewo_b")
    case = Case(pupil_id=pupil.id, status="open", lead_id=lead.id)
    db.session.add(case)
    db.session.flush()
    for org in shared:
        db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="test", shared_by_id=lead.id))
    if evidence:
        cases.add_entry(lead, case, "support_plan", datetime(2026, 10, 5, 10, tzinfo=LONDON),
                        "Mentoring agreed with mum", support_name="Weekly mentoring and a breakfast club place",
                        review_on=date(2026, 11, 16))
    db.session.commit()
    return case


CONTRACT = {"parent_commitments": "Robin is at school by 8:40 every day.",
            "service_commitments": "A breakfast club place; a weekly check-in with the EWO.",
            "starts_on": date(2026, 11, 2), "ends_on": date(2027, 2, 12), "next_review": date(2026, 12, 14)}


def _contract(world, case=None, kind=StepKind.attendance_contract) -> FormalStep:
    step = service.create_step(world.user("ewo"), case or _case(world), kind, dict(CONTRACT))
    db.session.commit()
    return step


# ----- support first --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(StepKind))
def test_a_step_is_refused_without_support_evidence(world, kind):
    case = _case(world, evidence=False)
    with pytest.raises(Refused) as refused:
        service.create_step(world.user("ewo"), case, kind, {"applied_on": TODAY, "section": "444(1)", **CONTRACT})
    assert "support first" in refused.value.message
    assert db.session.scalars(select(FormalStep)).all() == []


def test_a_bare_support_offered_line_is_not_evidence(world):
    case = _case(world, evidence=False)
    cases.add_entry(world.user("ewo"), case, "support_offered", datetime(2026, 11, 1, 10, tzinfo=LONDON),
                    "Offered a mentor")
    with pytest.raises(Refused):
        service.create_step(world.user("ewo"), case, StepKind.attendance_contract, dict(CONTRACT))


def test_a_step_records_the_evidence_it_rests_on_and_is_audited_and_in_the_chronology(world):
    step = _contract(world)
    evidence = db.session.scalar(select(ChronologyEntry).where(ChronologyEntry.kind == "support_plan"))
    assert step.evidence_entry_id == evidence.id
    assert "support plan of 5 Oct 2026" in step.evidence_summary
    assert step.status == StepStatus.proposed
    entry = db.session.scalar(select(ChronologyEntry).where(ChronologyEntry.text.like("Attendance contract%")))
    assert entry.police_text is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "formal_step_added")) is not None


def test_support_not_appropriate_is_evidence_too(world):
    case = _case(world, evidence=False)
    cases.add_entry(world.user("ewo"), case, "support_not_appropriate", datetime(2026, 11, 1, 10, tzinfo=LONDON),
                    "Two weeks' unauthorised holiday in term time: no barrier support could remove.",
                    not_appropriate_reason="term_time_holiday")
    step = service.create_step(world.user("ewo"), case, StepKind.prosecution, {"section": "444(1)"})
    assert step.status == StepStatus.file_in_preparation and "support not appropriate" in step.evidence_summary


# ----- statuses -------------------------------------------------------------------------------

def test_a_contract_moves_through_its_statuses_and_records_reviews(world):
    step = _contract(world)
    ewo = world.user("ewo")
    service.change_status(ewo, step, StepStatus.signed, step.version)
    service.change_status(ewo, step, StepStatus.reviewed, step.version, on=date(2026, 12, 2))
    assert step.reviews == ["2026-12-02"]
    with pytest.raises(Refused):
        service.change_status(ewo, step, StepStatus.granted, step.version)  # not a contract's status
    service.change_status(ewo, step, StepStatus.breached, step.version)
    service.change_status(ewo, step, StepStatus.ended, step.version)
    with pytest.raises(Refused):
        service.change_status(ewo, step, StepStatus.signed, step.version)  # ended is the end
    verbs = db.session.scalars(select(AuditEvent.verb).where(AuditEvent.verb == "formal_step_status_changed")).all()
    assert len(verbs) == 4


def test_the_database_holds_only_a_kinds_own_statuses(world):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    step = _contract(world)
    with pytest.raises(IntegrityError) as refused:
        with db.session.begin_nested():
            db.session.execute(text("UPDATE formal_steps SET status = 'granted' WHERE id = :id"), {"id": step.id})
    assert "ck_formal_steps_kind_status" in str(refused.value)
    db.session.execute(text("UPDATE formal_steps SET status = 'breached' WHERE id = :id"), {"id": step.id})


def test_a_prosecution_moves_from_file_to_court_to_outcome(world):
    ewo = world.user("ewo")
    step = service.create_step(ewo, _case(world), StepKind.prosecution, {"section": "444(1A)"})
    with pytest.raises(Refused):
        service.change_status(ewo, step, StepStatus.listed, step.version)  # the file first
    service.change_status(ewo, step, StepStatus.file_prepared, step.version, on=date(2026, 12, 1))
    assert step.file_prepared_on == date(2026, 12, 1)
    service.change_status(ewo, step, StepStatus.listed, step.version)
    service.change_status(ewo, step, StepStatus.convicted, step.version, note="Conditional discharge, 12 months")
    assert step.outcome == "Conditional discharge, 12 months"


def test_a_fine_beyond_the_sections_maximum_is_refused(world):
    ewo = world.user("ewo")
    step = service.create_step(ewo, _case(world), StepKind.prosecution, {"section": "444(1)"})
    with pytest.raises(Refused) as refused:
        service.update_step(ewo, step, {"fine_pounds": 1500}, step.version)
    assert "fine_pounds" in refused.value.problems
    service.update_step(ewo, step, {"section": "444(1A)", "fine_pounds": 1500}, step.version)
    assert step.fine_pounds == 1500


def test_the_steps_of_a_closed_case_stay_as_they_were(world):
    step = _contract(world)
    step.case.status = "closed"
    with pytest.raises(Refused):
        service.change_status(world.user("ewo"), step, StepStatus.signed, step.version)
    with pytest.raises(Refused):
        service.update_step(world.user("ewo"), step, {"next_review": date(2027, 1, 4)}, step.version)


# ----- education supervision order: one year, extensions of up to three years -------------------

def test_an_order_lasts_one_year_from_its_start():
    assert rules.order_end(date(2027, 1, 4)) == date(2028, 1, 3)
    assert rules.order_end(date(2028, 2, 29)) == date(2029, 2, 27)  # no 29 February in 2029


def test_an_order_granted_starts_then_and_ends_a_year_later_and_is_extended_more_than_once(world):
    ewo = world.user("ewo")
    step = service.create_step(ewo, _case(world), StepKind.education_supervision_order,
                               {"applied_on": date(2026, 9, 14), "hearing_on": date(2026, 10, 12)})
    assert step.status == StepStatus.applied
    service.change_status(ewo, step, StepStatus.granted, step.version, on=date(2026, 10, 12))
    assert (step.starts_on, step.ends_on) == (date(2026, 10, 12), date(2027, 10, 11))
    service.change_status(ewo, step, StepStatus.in_force, step.version)
    with pytest.raises(Refused) as too_long:
        service.extend_order(ewo, step, date(2030, 10, 12), date(2026, 12, 1), step.version)
    assert "on or before 11 October 2030" in too_long.value.message
    with pytest.raises(Refused):
        service.extend_order(ewo, step, date(2027, 10, 11), date(2026, 12, 1), step.version)  # not after the end
    service.extend_order(ewo, step, date(2030, 10, 11), date(2026, 12, 1), step.version)  # exactly 3 years
    service.extend_order(ewo, step, date(2031, 10, 11), date(2026, 12, 2), step.version)  # and again
    assert step.status == StepStatus.extended and step.ends_on == date(2031, 10, 11)
    assert [e["to"] for e in step.extensions] == ["2030-10-11", "2031-10-11"]


def test_an_order_end_beyond_a_year_is_refused_when_typed(world):
    with pytest.raises(Refused) as refused:
        service.create_step(world.user("ewo"), _case(world), StepKind.education_supervision_order,
                            {"applied_on": date(2026, 9, 14), "starts_on": date(2026, 10, 12),
                             "ends_on": date(2027, 12, 1)})
    assert "on or before 11 October 2027" in refused.value.problems["ends_on"]


def test_an_order_start_without_an_end_gets_the_one_year_end(world):
    step = service.create_step(world.user("ewo"), _case(world), StepKind.education_supervision_order,
                               {"applied_on": date(2026, 9, 14), "starts_on": date(2027, 1, 4)})
    assert step.ends_on == date(2028, 1, 3)


# ----- a contract's agreed actions ----------------------------------------------------------------

def test_a_contracts_agreed_actions_are_the_cases_actions_linked_to_it(world, client):
    step = _contract(world)
    action = service.add_agreed_action(world.user("ewo"), step, "Breakfast club place from Monday",
                                       date(2026, 12, 7), owner_org=world.school_a)
    db.session.commit()
    assert action.formal_step_id == step.id and action.case_id == step.case_id
    client.login(world.user("ewo"))
    page = client.get(f"/cases/{step.case_id}/formal-steps/{step.id}").get_data(as_text=True)
    assert "Breakfast club place from Monday" in page and "7 December 2026" in page
    case_page = client.get(f"/cases/{step.case_id}").get_data(as_text=True)
    assert "Breakfast club place from Monday" in case_page  # one of the case's actions


def test_an_agreed_action_through_the_page(world, client):
    step = _contract(world)
    client.login(world.user("ewo"))
    url = f"/cases/{step.case_id}/formal-steps/{step.id}/actions"
    bad = client.post_form(url, {"description": "", "owner": "", "due_date": date_boxes("2026-02-30")})
    assert bad.status_code == 422
    ok = client.post_form(url, {"description": "Weekly check-in", "owner": f"user:{world.user('ewo').id}",
                                "due_date": date_boxes(date(2026, 12, 10))})
    assert ok.status_code == 303
    assert db.session.scalar(select(Action.formal_step_id).where(Action.description == "Weekly check-in")) == step.id


# ----- the evidence pack ----------------------------------------------------------------------------

def test_the_evidence_pack_holds_the_chronology_the_register_extract_documents_and_notices(world, client):
    from portal.cases import documents

    ewo = world.user("ewo")
    case = _case(world)
    step = service.create_step(ewo, case, StepKind.prosecution, {"section": "444(1)"})
    db.session.add_all([AttendanceMark(pupil_id=case.pupil_id, date=date(2026, 11, 23), session="AM", code="G"),
                        AttendanceMark(pupil_id=case.pupil_id, date=date(2026, 11, 23), session="PM", code="/"),
                        AttendanceMark(pupil_id=case.pupil_id, date=date(2026, 9, 1), session="AM", code="O")])
    documents.add_document(ewo, case, data=b"%PDF-1.4 letter", filename="warning.pdf",
                           title="Warning of prosecution", category="letter")
    db.session.commit()
    built = pack.build(step, date(2026, 11, 1), date(2026, 11, 30))
    assert [(r.day, r.am, r.pm) for r in built.extract] == [(date(2026, 11, 23), "G", "/")]
    assert [d.title for d in built.documents] == ["Warning of prosecution"]
    assert any(e.kind == "support_plan" for e in built.chronology)
    assert built.notices == pack.notices_for_pack(case) == []
    client.login(ewo)
    page = client.get(f"/cases/{case.id}/formal-steps/{step.id}/evidence-pack?from=2026-11-01&to=2026-11-30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Mon 23 November 2026" in html and "Warning of prosecution" in html and "Mentoring agreed" in html
    assert "1 September" not in html  # outside the period
    bad = client.get(f"/cases/{case.id}/formal-steps/{step.id}/evidence-pack?from=2026-13-45")
    assert bad.status_code == 422
    pdf = client.get(f"/cases/{case.id}/formal-steps/{step.id}/evidence-pack.pdf?from=2026-11-01&to=2026-11-30")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]


# ----- the LA picture -----------------------------------------------------------------------------

def test_the_la_picture_counts_steps_by_kind_and_status(world):
    from portal.formal_steps.dashboard import counts, headline_rows

    ewo = world.user("ewo")
    contract = _contract(world)
    service.change_status(ewo, contract, StepStatus.signed, contract.version)
    service.create_step(ewo, _case(world), StepKind.prosecution, {"section": "444(1)"})
    order = service.create_step(ewo, _case(world), StepKind.education_supervision_order,
                                {"applied_on": date(2026, 9, 14)})
    service.change_status(ewo, order, StepStatus.granted, order.version, on=date(2026, 10, 1))
    service.change_status(ewo, order, StepStatus.in_force, order.version)
    service.create_step(world.user("ewo_b"), _case(world, world.school_b), StepKind.prosecution,
                        {"section": "444(1)"})
    db.session.commit()
    rows = {label: n for label, n, _ in headline_rows(counts(world.user("la_admin")))}
    assert rows["Contracts signed or under review"] == 1
    assert rows["Education supervision orders in force"] == 1
    assert rows["Prosecutions in preparation"] == 2
    mine = {label: n for label, n, _ in headline_rows(counts(ewo))}
    assert mine["Prosecutions in preparation"] == 1  # the EWO's schools only


def test_the_la_picture_shows_the_counts_with_links_to_the_list(world, client):
    _contract(world)
    client.login(world.user("la_admin"))
    html = client.get("/attendance-picture").get_data(as_text=True)
    assert "Formal support and court steps" in html and "Contracts proposed" in html
    listing = client.get("/formal-steps?kind=attendance_contract&kind=parenting_contract&status=proposed")
    assert listing.status_code == 200 and "Robin" in listing.get_data(as_text=True)


# ----- pages: forms, errors and stale edits ---------------------------------------------------------

def test_adding_a_contract_through_the_pages(world, client):
    case = _case(world)
    client.login(world.user("ewo"))
    assert client.get(f"/cases/{case.id}/formal-steps/new").status_code == 200
    url = f"/cases/{case.id}/formal-steps/new?kind=attendance_contract"
    bad = client.post_form(url, {"parent_commitments": "", "service_commitments": "Support",
                                 "starts_on": date_boxes("2026-11-31"), "ends_on": date_boxes(""),
                                 "next_review": date_boxes("")})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "must be a real date" in html
    ok = client.post_form(url, {"parent_commitments": "At school by 8:40", "service_commitments": "Breakfast club",
                                "starts_on": date_boxes(date(2026, 11, 2)), "ends_on": date_boxes(""),
                                "next_review": date_boxes(date(2026, 12, 14))})
    assert ok.status_code == 303
    assert db.session.scalars(select(FormalStep)).one().case_id == case.id
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Formal support and court steps" in page and "Review: 14 December 2026" in page
    assert "2026-12-14" not in page


def test_a_step_without_support_evidence_is_refused_on_the_page(world, client):
    case = _case(world, evidence=False)
    client.login(world.user("ewo"))
    response = client.post_form(f"/cases/{case.id}/formal-steps/new?kind=prosecution", {"section": "444(1)"})
    assert response.status_code == 422
    assert "support first" in response.get_data(as_text=True)
    assert db.session.scalars(select(FormalStep)).all() == []


@pytest.mark.parametrize("fine", ["lots", "-5", "99999999999999999999", "١٢"])
def test_odd_input_is_422_never_500(world, client, fine):
    step = service.create_step(world.user("ewo"), _case(world), StepKind.prosecution, {"section": "444(1)"})
    db.session.commit()
    client.login(world.user("ewo"))
    response = client.post_form(f"/cases/{step.case_id}/formal-steps/{step.id}/edit",
                                {"section": "444(1)", "fine_pounds": fine, "hearing_on": ["x", "", "99999"],
                                 "further_hearing": date_boxes(""), "parenting_order_on": date_boxes(""),
                                 "version": str(step.version)})
    assert response.status_code == 422


def test_a_stale_edit_is_a_409_with_the_newer_values_and_the_version_survives_a_form_error(world, client):
    step = _contract(world)
    client.login(world.user("ewo"))
    url = f"/cases/{step.case_id}/formal-steps/{step.id}/edit"
    old = step.version
    form = {"parent_commitments": "At school by 8:40", "service_commitments": "Breakfast club",
            "starts_on": date_boxes("2026-11-02"), "ends_on": date_boxes("2027-02-31"),
            "next_review": date_boxes(""), "version": str(old)}
    bad = client.post_form(url, form)
    assert bad.status_code == 422 and f'value="{old}"' in bad.get_data(as_text=True)
    service.change_status(world.user("la_admin"), step, StepStatus.signed, step.version)  # someone else
    db.session.commit()
    stale = client.post_form(url, {**form, "ends_on": date_boxes("2027-02-12")})
    assert stale.status_code == 409
    assert "Signed" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FormalStep, step.id).ends_on == date(2027, 2, 12)  # unchanged by the stale edit


def test_a_stale_status_change_is_refused_in_the_service(world):
    step = _contract(world)
    with pytest.raises(Conflict):
        service.change_status(world.user("ewo"), step, StepStatus.signed, step.version - 1 if step.version > 1 else 99)


# ----- access ------------------------------------------------------------------------------------------

def _step_everyone_may_ask_about(world):
    case = _case(world, shared=(world.social_care_org, world.police_org))
    step = service.create_step(world.user("ewo"), case, StepKind.attendance_contract, dict(CONTRACT))
    db.session.commit()
    return case, step


def test_the_school_sees_its_own_pupils_steps_read_only(world, client):
    case, step = _step_everyone_may_ask_about(world)
    client.login(world.user("school_staff"))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Formal support and court steps" in page and "Add a contract" not in page
    view = client.get(f"/cases/{case.id}/formal-steps/{step.id}")
    assert view.status_code == 200 and "Change the status" not in view.get_data(as_text=True)
    assert client.get(f"/cases/{case.id}/formal-steps/{step.id}/edit").status_code == 403
    assert client.get(f"/cases/{case.id}/formal-steps/new").status_code == 403


def test_another_school_sees_nothing(world, client):
    case, step = _step_everyone_may_ask_about(world)
    client.login(world.user("school_staff_b"))
    assert client.get(f"/cases/{case.id}/formal-steps/{step.id}").status_code == 404


def test_partners_see_steps_only_on_cases_shared_with_them(world, client, other_client):
    case, step = _step_everyone_may_ask_about(world)
    client.login(world.user("social_care"))
    assert client.get(f"/cases/{case.id}/formal-steps/{step.id}").status_code == 200
    assert "Formal support and court steps" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    other_client.login(world.user("early_help"))  # not shared with early help
    assert other_client.get(f"/cases/{case.id}/formal-steps/{step.id}").status_code == 404


def test_the_police_see_no_steps_even_on_a_case_shared_with_them(world, client):
    case, step = _step_everyone_may_ask_about(world)
    client.login(world.user("police"))
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Formal support and court steps" not in html and "Attendance contract" not in html
    assert "formal-steps" not in html
    for suffix in ("", "/edit", "/status", "/evidence-pack"):
        assert client.get(f"/cases/{case.id}/formal-steps/{step.id}{suffix}").status_code == 404
    assert client.get(f"/cases/{case.id}/formal-steps/new").status_code == 404


# ----- the demo ----------------------------------------------------------------------------------------

def test_the_demo_has_each_kind_of_step_once(client):
    from tests.demo import seed_demo

    assert seed_demo("attend-demo-2026") is True
    steps = {s.kind: s for s in db.session.scalars(select(FormalStep))}
    assert steps[StepKind.attendance_contract].status == StepStatus.reviewed
    assert db.session.scalars(select(Action).where(
        Action.formal_step_id == steps[StepKind.attendance_contract].id)).all()
    assert steps[StepKind.parenting_contract].status == StepStatus.signed
    assert steps[StepKind.education_supervision_order].status == StepStatus.in_force
    assert steps[StepKind.prosecution].status == StepStatus.file_in_preparation
    assert seed_demo("attend-demo-2026") is False  # idempotent
    assert len(db.session.scalars(select(FormalStep)).all()) == 4
