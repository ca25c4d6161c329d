"""The formal pages as each role sees them: the EWO manages, the school requests and sees its
own pupils' requests only, partners see the status on cases shared with them and the penalty
details only once shared, the police nothing at all; forms answer 422 with their messages and
keep what was typed; a stale edit is a 409; the figures download as CSV."""
from __future__ import annotations

from datetime import date

from portal.cases.models import CaseShare
from portal.extensions import db
from portal.formal import penalties
from portal.formal.models import NoticeStatus, NtiRequest
from tests.clock import on
from tests.formal.helpers import make_formal_case
from tests.formal.test_penalties import HOLIDAY
from tests.pages import date_boxes


def _notice(world, case, parent, day=date(2026, 11, 16)):
    with on(day):
        notice, = penalties.draft_notices(world.user("ewo"), case, parent_ids=[parent.id],
                                          reason="term_time_holiday", skip_reason=HOLIDAY)
        penalties.issue(world.user("ewo"), notice, day, "hand", notice.version)
        db.session.commit()
    return notice


def _share(world, case, org):
    db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="Working with the family",
                             shared_by_id=world.user("ewo").id))
    db.session.commit()


def test_the_ewo_drafts_per_parent_from_the_consideration_page(client, world):
    case, mum, dad, _gran = make_formal_case(world)
    client.login(world.user("ewo"))
    page = client.get(f"/cases/{case.id}/penalty-notices/new")
    assert page.status_code == 200 and "Maria Notice" in page.text and "Dan Notice" in page.text
    response = client.post_form(f"/cases/{case.id}/penalty-notices/new", {
        "parent_ids": [str(mum.id), str(dad.id)], "reason": "term_time_holiday", "skip_reason": HOLIDAY})
    assert response.status_code == 303
    case_page = client.get(f"/cases/{case.id}")
    assert "PN-2026-0001" in case_page.text and "PN-2026-0002" in case_page.text


def test_bad_input_is_422_with_messages_and_the_values_kept(client, world):
    case, mum, _dad, _gran = make_formal_case(world, support=False)
    client.login(world.user("ewo"))
    response = client.post_form(f"/cases/{case.id}/penalty-notices/new", {
        "parent_ids": [str(mum.id)], "reason": "other_unauthorised", "skip_reason": "Typed by the officer"})
    assert response.status_code == 422
    assert "Support first" in response.text and "Typed by the officer" in response.text
    response = client.post_form(f"/cases/{case.id}/notices-to-improve/new", {
        "issued_on": date_boxes("2026-02-31"), "weeks": "9",
        "improvement": "Attend every day"})
    assert response.status_code == 422
    assert "must be a real date" in response.text and "Attend every day" in response.text
    other, parent, _dad, _gran = make_formal_case(world)
    notice = _notice(world, other, parent)
    response = client.post_form(f"/penalty-notices/{notice.id}/payment", {
        "version": notice.version, "paid_on": date_boxes(date(2026, 11, 20)),
        "amount": "eighty"})
    assert response.status_code == 422 and "whole pounds" in response.text and 'value="eighty"' in response.text


def test_a_stale_withdrawal_is_a_409(client, world):
    case, mum, _dad, _gran = make_formal_case(world)
    notice = _notice(world, case, mum)
    client.login(world.user("ewo"))
    response = client.post_form(f"/penalty-notices/{notice.id}/withdraw", {"version": notice.version - 1,
                                                                           "reason": "Wrong address"})
    assert response.status_code == 409
    page = client.get(f"/penalty-notices/{notice.id}/withdraw")
    assert "Withdraw penalty notice" in page.text  # the confirmation comes first
    response = client.post_form(f"/penalty-notices/{notice.id}/withdraw", {"version": notice.version,
                                                                           "reason": "Wrong address"})
    assert response.status_code == 303
    db.session.refresh(notice)
    assert notice.status == NoticeStatus.withdrawn and notice.withdrawn_by_id == world.user("ewo").id


def test_a_school_requests_and_sees_only_its_own_pupils_requests(app, client, world):
    case, _mum, _dad, _gran = make_formal_case(world)
    other, *_ = make_formal_case(world, school=world.school_b)
    db.session.add(NtiRequest(case_id=other.id, school_id=world.school_b.id, requested_by_id=world.user("ewo_b").id,
                              evidence="School B's evidence"))
    db.session.commit()
    client.login(world.user("school_staff"))
    response = client.post_form(f"/cases/{case.id}/nti-requests/new", {"evidence": "short"})
    assert response.status_code == 422 and "at least 20 characters" in response.text
    response = client.post_form(f"/cases/{case.id}/nti-requests/new", {
        "evidence": "Twelve sessions of holiday in October; mentoring offered since September."})
    assert response.status_code == 303
    listing = client.get("/nti-requests")
    assert "Ava Notice" in listing.text and listing.text.count("Ava Notice") == 1
    other_request = db.session.scalar(db.select(NtiRequest.id).where(NtiRequest.case_id == other.id))
    assert client.get(f"/nti-requests/{other_request}").status_code == 404
    assert client.get(f"/cases/{other.id}/nti-requests/new").status_code == 404
    # the EWO of school A sees the request in the queue, and not school B's
    ewo = app.test_client()
    ewo.login(world.user("ewo"))
    queue = ewo.get("/nti-requests")
    assert "School A" in queue.text and "School B" not in queue.text


def test_partners_see_the_status_only_on_shared_cases_and_the_details_once_shared(app, client, world):
    case, mum, _dad, _gran = make_formal_case(world)
    notice = _notice(world, case, mum)
    client.login(world.user("social_care"))
    assert client.get(f"/penalty-notices/{notice.id}").status_code == 404  # not shared with them
    _share(world, case, world.social_care_org)
    page = client.get(f"/penalty-notices/{notice.id}")
    assert page.status_code == 200 and "Issued" in page.text
    assert "PN-2026-0001" not in page.text and "£80" not in page.text and "£160" not in page.text
    case_page = client.get(f"/cases/{case.id}")
    assert "Penalty notice to Maria Notice" in case_page.text and "PN-2026-0001" not in case_page.text
    assert client.get(f"/penalty-notices/{notice.id}/payment").status_code == 403
    ewo = app.test_client()
    ewo.login(world.user("ewo"))
    assert ewo.post_form(f"/penalty-notices/{notice.id}/sharing", {"version": notice.version,
                                                                   "shared": "y"}).status_code == 303
    page = client.get(f"/penalty-notices/{notice.id}")
    assert "PN-2026-0001" in page.text and "£80" in page.text


def test_the_police_see_none_of_it(client, world):
    case, mum, _dad, _gran = make_formal_case(world)
    notice = _notice(world, case, mum)
    _share(world, case, world.police_org)
    client.login(world.user("police"))
    case_page = client.get(f"/cases/{case.id}")
    assert case_page.status_code == 200
    assert "penalty" not in case_page.text.lower() and "notice to improve" not in case_page.text.lower()
    assert client.get(f"/penalty-notices/{notice.id}").status_code == 404
    assert client.get(f"/notices-to-improve/{notice.id}").status_code == 404


def test_the_la_lists_and_figures_and_csv(app, client, world):
    case, mum, dad, _gran = make_formal_case(world)
    _notice(world, case, mum, date(2026, 10, 1))
    _notice(world, case, dad, date(2026, 11, 19))
    with on(date(2026, 12, 3)):
        client.login(world.user("la_admin"))
        page = client.get("/penalty-notices")
        assert "PN-2026-0001" in page.text and "PN-2026-0002" in page.text  # overdue; £80 due by 10 December
        figures = client.get("/penalty-notices/figures?year=2026")
        assert "2026/27" in figures.text
        csv = client.get("/penalty-notices/figures.csv?year=2026")
        assert csv.headers["Content-Disposition"] == 'attachment; filename="penalty-notices-2026-27.csv"'
        assert "2026/27,Issued: term-time holiday,2" in csv.text
        assert client.get("/penalty-notices/figures?year=99999999999999").status_code == 200  # clamped, not 500
        ewo = app.test_client()
        ewo.login(world.user("ewo"))
        assert ewo.get("/penalty-notices/figures").status_code == 403


def test_the_school_removes_a_parent_who_had_a_notice_without_an_error(client, world):
    case, mum, _dad, _gran = make_formal_case(world)
    notice = _notice(world, case, mum)
    client.login(world.user("school_staff"))
    response = client.post_form(f"/pupils/{case.pupil_id}/contacts/{mum.id}/remove")
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.contact_id is None and notice.parent_name == "Maria Notice"


def test_the_ewo_accepts_a_request_by_issuing_the_nti_from_the_queue(app, client, world):
    from portal.cases.models import ChronologyEntry
    from portal.cases.service import support_evidence
    from portal.formal.models import NoticeToImprove, RequestStatus

    case, mum, dad, _gran = make_formal_case(world)
    school = app.test_client()
    school.login(world.user("school_staff"))
    assert "Ask the LA for a notice to improve" in school.get(f"/cases/{case.id}").text
    school.post_form(f"/cases/{case.id}/nti-requests/new", {
        "evidence": "Twelve sessions of holiday in October; mentoring offered since September."})
    item = db.session.scalar(db.select(NtiRequest))
    other, *_ = make_formal_case(world)
    with on(date(2026, 11, 6)):
        client.login(world.user("ewo"))
        assert client.get(f"/cases/{other.id}/notices-to-improve/new?request={item.id}").status_code == 404
        form = client.get(f"/cases/{case.id}/notices-to-improve/new?request={item.id}")
        assert "Twelve sessions of holiday" in form.text
        response = client.post_form(f"/cases/{case.id}/notices-to-improve/new?request={item.id}", {
            "issued_on": date_boxes(date(2026, 11, 6)), "weeks": "3", "parent_ids": [str(mum.id), str(dad.id)],
            "support_ids": [str(support_evidence(case)[0].id)], "improvement": "No unauthorised absence"})
        assert response.status_code == 303
    db.session.expire_all()
    nti = db.session.scalar(db.select(NoticeToImprove))
    assert nti.request_id == item.id and db.session.get(NtiRequest, item.id).status == RequestStatus.accepted
    assert nti.parent_names == "Maria Notice and Dan Notice"
    assert nti.period_end == date(2026, 11, 27)
    # nothing the formal steps write reaches the police view
    written = db.session.scalars(db.select(ChronologyEntry).where(ChronologyEntry.case_id == case.id,
                                                                   ChronologyEntry.kind == "decision")).all()
    assert written and all(e.police_text is None for e in written)


def test_a_payment_made_in_time_can_be_recorded_after_the_28_days(client, world):
    """The bank's record of an £80 paid on day 10 may reach the officer after day 28: the notice
    page still offers "Record a payment" (the service checks the date paid, not today)."""
    case, mum, _dad, _gran = make_formal_case(world)
    notice = _notice(world, case, mum, date(2026, 10, 1))
    with on(date(2026, 12, 3)):
        client.login(world.user("ewo"))
        page = client.get(f"/penalty-notices/{notice.id}")
        assert "Unpaid after 28 days" in page.text
        assert f"/penalty-notices/{notice.id}/payment" in page.text
        response = client.post_form(f"/penalty-notices/{notice.id}/payment", {
            "version": notice.version, "paid_on": date_boxes(date(2026, 10, 11)), "amount": "80"})
        assert response.status_code == 303
        db.session.refresh(notice)
        assert notice.status == NoticeStatus.paid and notice.paid_amount == 80
        assert f"/penalty-notices/{notice.id}/payment" not in client.get(f"/penalty-notices/{notice.id}").text


def test_every_question_of_the_formal_forms_has_its_legend(client, world):
    """Radios and checkboxes are asked by their fieldset's legend: a template that styles the
    legend must still give it the question (govuk-frontend-wtf drops the label otherwise)."""
    import re

    from portal.formal import notices

    case, mum, dad, _gran = make_formal_case(world)
    with on(date(2026, 11, 6)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3,
                                parent_ids=[mum.id, dad.id], support_ids=[], rationale="Support was refused by "
                                "the family twice in writing, in September and October.")
        db.session.commit()
    other, *_ = make_formal_case(world)
    notice_draft, = penalties.draft_notices(world.user("ewo"), other, parent_ids=[other.pupil.contacts[0].id],
                                            reason="term_time_holiday", skip_reason=HOLIDAY)
    db.session.commit()
    client.login(world.user("ewo"))
    pages = {f"/cases/{case.id}/notices-to-improve/new": ["Improvement period", "Liable parents the notice covers",
                                                          "Support offered (from the chronology)"],
             f"/notices-to-improve/{nti.id}/outcome": ["Did attendance improve enough?"],
             f"/cases/{other.id}/penalty-notices/new": ["Liable parents who receive a notice",
                                                        "Reason for the notice"],
             f"/penalty-notices/{notice_draft.id}/issue": ["How it was served"]}
    for url, questions in pages.items():
        text = client.get(url).text
        legends = [" ".join(re.sub(r"<[^>]+>", "", m).split())
                   for m in re.findall(r"<legend[^>]*>(.*?)</legend>", text, re.S)]
        assert all(legends), f"{url}: an empty legend"
        for question in questions:
            assert question in legends, f"{url}: no legend {question!r} in {legends}"
