"""The EHE pages: who may open them (LA admins and CME officers; an EWO without the flag, the
schools, partners and the police get 403), the forms (422 with the values kept, 409 when
stale), the "home educated, known to the LA" line on the pupil page and a sweep's encounter and
matching (the police see only that line), every view audited, and a fixed number of queries."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from portal import access
from portal.audit import AuditEvent
from portal.ehe import service
from portal.ehe.models import EheRecord, EheStatus
from portal.extensions import db
from portal.sweeps import service as sweeps
from tests.crawl import queries
from tests.ehe.conftest import TODAY, cme_officer, start
from tests.factories import make_pupil
from tests.pages import date_boxes


def _login(app, user):
    client = app.test_client()
    assert client.login(user).status_code == 302
    return client


def _urls(record_id: int) -> list[str]:
    return ["/ehe", "/ehe/new", f"/ehe/{record_id}", f"/ehe/{record_id}/enquiries", f"/ehe/{record_id}/reviews",
            f"/ehe/{record_id}/end", "/ehe/reports", "/ehe/reports/ehe-figures.csv"]


@pytest.mark.parametrize("role", sorted(access.ROLES))
def test_only_la_admins_and_cme_officers_open_the_ehe_pages(app, world, role):
    record = start(world)
    client = _login(app, world.user(role))
    for url in _urls(record.id):
        response = client.get(url)
        if role == access.LA_ADMIN:
            assert response.status_code == 200, url
        else:  # an EWO without the flag included
            assert response.status_code == 403, (url, response.status_code)


def test_a_cme_officer_works_a_record_and_each_view_is_audited(app, world):
    record = start(world)
    officer = cme_officer(world)
    client = _login(app, officer)
    for url in _urls(record.id):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/ehe/{record.id}").get_data(as_text=True)
    assert "Ellis Marsh" in page and "St Anne&#39;s, Northshire" in page
    response = client.post_form(f"/ehe/{record.id}/enquiries", {
        "version": record.version, "asked_on": date_boxes(date(2026, 11, 20)),
        "question": "Please describe the education", "response": "No reply", "outcome": "not_suitable"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(EheRecord, record.id).suitability == "not_suitable"
    page = client.get(f"/ehe/{record.id}").get_data(as_text=True)
    assert "Please describe the education" in page and "school attendance order" in page
    verbs = set(db.session.scalars(select(AuditEvent.verb).where(AuditEvent.actor_id == officer.id)))
    assert {"ehe_list_viewed", "ehe_record_viewed", "ehe_reports_viewed", "ehe_reports_exported",
            "ehe_enquiry_recorded"} <= verbs


def test_a_bad_form_is_422_with_the_values_kept_and_a_stale_one_409(app, world):
    record = start(world)
    client = _login(app, world.user("la_admin"))
    response = client.post_form(f"/ehe/{record.id}/reviews", {
        "version": record.version, "reviewed_on": date_boxes(""), "note": "Kept notes",
        "next_review_on": date_boxes("")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "Kept notes" in html
    stale = record.version
    service.record_review(world.user("la_admin"), record, {"reviewed_on": date(2026, 11, 1), "note": "Held"},
                          stale)
    db.session.commit()
    response = client.post_form(f"/ehe/{record.id}/end", {"version": stale, "end_reason": "moved_away",
                                                         "ended_on": date_boxes(TODAY)})
    assert response.status_code == 409


def test_starting_from_a_upn_links_the_pupil_and_an_unknown_upn_is_refused(app, world):
    pupil = make_pupil(world.school_b, "Noor", "Haddad")
    db.session.commit()
    client = _login(app, world.user("la_admin"))
    form = {"started_on": date_boxes(date(2026, 11, 2)), "learnt_from": "school_deletion", "previous_school_id": "",
            "date_of_birth": date_boxes(""), "next_review_on": date_boxes("")}
    response = client.post_form("/ehe/new", {**form, "upn": "A999999999999"})
    assert response.status_code == 422 and "No pupil has this UPN" in response.get_data(as_text=True)
    response = client.post_form("/ehe/new", {**form, "upn": pupil.upn})
    assert response.status_code == 303
    record = db.session.scalar(select(EheRecord).where(EheRecord.pupil_id == pupil.id))
    assert record is not None and record.previous_school_id == world.school_b.id
    response = client.post_form("/ehe/new", {**form, "upn": ""})  # neither a UPN nor the child's details
    assert response.status_code == 422


def test_an_ended_record_takes_no_more_changes(app, world):
    record = start(world)
    service.end_ehe(world.user("la_admin"), record, {"ended_on": TODAY, "end_reason": "moved_away"}, record.version)
    db.session.commit()
    client = _login(app, world.user("la_admin"))
    assert client.get(f"/ehe/{record.id}").status_code == 200
    assert client.get(f"/ehe/{record.id}/enquiries").status_code == 403
    assert client.get(f"/ehe/{record.id}/end").status_code == 403
    assert record.status == EheStatus.ended


def test_the_pupil_page_says_home_educated_known_to_the_la_and_nothing_more(app, world):
    pupil = make_pupil(world.school_a, "Noor", "Haddad")
    db.session.commit()
    service.start_ehe(world.user("la_admin"), {"pupil_id": pupil.id, "started_on": date(2026, 11, 2),
                                               "learnt_from": "school_deletion", "note": "A private note"})
    db.session.commit()
    for role in ("school_staff", "ewo", "la_admin"):
        html = _login(app, world.user(role)).get(f"/pupils/{pupil.id}").get_data(as_text=True)
        assert "Home educated, known to the LA since 2 Nov 2026" in html, role
        assert "A private note" not in html
    other = make_pupil(world.school_a, "Oli", "Other")
    db.session.commit()
    html = _login(app, world.user("school_staff")).get(f"/pupils/{other.id}").get_data(as_text=True)
    assert "known to the LA" not in html


def test_a_sweep_encounter_and_its_matching_show_the_line_the_police_see_only_it(app, world):
    start(world, note="Family known to the LA: private")  # Ellis Marsh, born 14 Mar 2015, never on a roll here
    pupil = make_pupil(world.school_a, "Noor", "Haddad", date_of_birth=date(2014, 4, 4))
    db.session.commit()
    service.start_ehe(world.user("la_admin"), {"pupil_id": pupil.id, "started_on": date(2026, 11, 2),
                                               "learnt_from": "school_deletion"})
    police, ewo = world.user("police"), world.user("ewo")
    sweep = sweeps.create_sweep(police, held_on=date(2026, 11, 20), starts_at=time(9), ends_at=time(12),
                                area="Town centre", lead=police, officers=[ewo], agencies=[])
    base = {"seen_time": time(10, 30), "location": "High Street", "age": None, "school_status": "unknown",
            "school_id": None, "school_given": "", "exclusion": "unknown", "accompanied": "alone", "reason": "",
            "reason_accepted": False, "outcome": "returned_to_school", "outcome_note": "", "concern": False,
            "concern_note": "", "officer_id": police.id}
    met = sweeps.record_encounter(police, sweep, {**base, "forename": "Ellis", "surname": "Marsh",
                                                  "date_of_birth": date(2015, 3, 14)})
    noor = sweeps.record_encounter(police, sweep, {**base, "forename": "Noor", "surname": "Haddad",
                                                   "date_of_birth": date(2014, 4, 4)})
    stranger = sweeps.record_encounter(police, sweep, {**base, "forename": "Jo", "surname": "Bloggs",
                                                       "date_of_birth": date(2013, 1, 1)})
    db.session.commit()
    line = "Home educated, known to the LA since"
    for role in ("police", "ewo"):
        client = _login(app, world.user(role))
        html = client.get(f"/encounters/{met.id}").get_data(as_text=True)
        assert f"{line} 1 Oct 2026" in html, role
        assert "private" not in html and "St Anne" not in html
        assert line not in client.get(f"/encounters/{stranger.id}").get_data(as_text=True)
    ewo_client = _login(app, ewo)
    assert f"{line} 1 Oct 2026" in ewo_client.get(f"/encounters/{met.id}/match").get_data(as_text=True)
    # the pupil suggested for Noor is known to the LA as home educated: said beside the suggestion
    assert f"{line} 2 Nov 2026" in ewo_client.get(f"/encounters/{noor.id}/match").get_data(as_text=True)
    # the police follow no link to the EHE record
    police_html = _login(app, police).get(f"/encounters/{met.id}").get_data(as_text=True)
    assert "/ehe" not in police_html


def test_the_pages_ask_the_same_number_of_queries_whatever_the_number_of_children(app, world):
    admin = world.user("la_admin")
    first = start(world, next_review_on=date(2026, 11, 1), previous_school_name="",
                  previous_school_id=world.school_a.id)
    client = _login(app, admin)
    urls = ["/ehe", "/ehe?status=all", f"/ehe/{first.id}", "/ehe/reports"]
    service.record_enquiry(admin, first, {"asked_on": TODAY, "question": "Q", "outcome": "suitable"}, first.version)
    service.record_review(admin, first, {"reviewed_on": TODAY, "note": "First review"}, first.version)
    back = start(world, forename="Back", previous_school_name="", previous_school_id=world.school_b.id)
    service.end_ehe(admin, back, {"ended_on": TODAY, "end_reason": "returned_school",
                                  "end_school_id": world.school_b.id}, back.version)
    db.session.commit()
    small = {url: len(queries(client, url)) for url in urls}
    for n in range(30):
        record = start(world, forename=f"Child{n}", date_of_birth=date(2012 + n % 5, 1, 1),
                       previous_school_name="", previous_school_id=(world.school_a if n % 2 else world.school_b).id)
        service.record_enquiry(admin, record, {"asked_on": TODAY, "question": "Q", "outcome": "suitable"},
                               record.version)
        service.record_review(admin, first, {"reviewed_on": TODAY, "note": f"Review {n}"}, first.version)
        if n % 3 == 0:
            service.end_ehe(admin, record, {"ended_on": TODAY, "end_reason": "returned_school",
                                            "end_school_id": world.school_a.id}, record.version)
        db.session.commit()
    big = {url: len(queries(client, url)) for url in urls}
    assert big == small
    assert max(big.values()) <= 25
