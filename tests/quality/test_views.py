"""Dip-sampling through the pages: who may draw and audit (LA admins, team managers; not a plain
EWO, a school or a partner), the lead professional reads and acknowledges the audit of their own
case only, the themes page, CSV and printable view carry no pupil names, and the LA admin sets
the team-manager flag on the user form."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import access
from portal.cases.models import Case
from portal.extensions import db
from portal.quality import service
from portal.quality.models import AuditStatus, CaseAudit, DipSample
from tests.factories import build_world, make_pupil, make_user
from tests.quality import audited_sample, forget_form_versions


@pytest.fixture(autouse=True)
def _form_back_to_version_1():
    forget_form_versions()  # another module's draft (the access matrix's) may be left
    yield
    forget_form_versions()


def _open_cases(world, n, lead=None, school=None):
    cases = []
    for i in range(n):
        pupil = make_pupil(school or world.school_a, "Zanzibar", f"Quincey{i}")
        case = Case(pupil_id=pupil.id, status="open", lead_id=(lead or world.user("ewo")).id)
        db.session.add(case)
        cases.append(case)
    db.session.commit()
    return cases


def test_an_la_admin_draws_a_sample_and_sees_its_seed_and_allocation(client):
    world = build_world()
    _open_cases(world, 4)
    client.login(world.user("la_admin"))
    response = client.post_form("/dip-samples/new", {"size": "3", "population": "open", "seed": "99"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "99 (given)" in page and "3 of 4" in page and "Zanzibar" not in page


@pytest.mark.parametrize(("data", "message"), [
    ({"size": "0", "population": "open"}, "Enter a number from 1 to"),
    ({"size": "9", "population": "open"}, "There are only 2 cases to draw from"),
    ({"size": "1", "population": "closed"}, "Enter the first day of the period"),
    ({"size": "1", "population": "open", "seed": "lots"}, "Enter the seed as a whole number"),
])
def test_a_bad_draw_is_refused_with_the_values_kept(client, data, message):
    world = build_world()
    _open_cases(world, 2)
    client.login(world.user("la_admin"))
    response = client.post_form("/dip-samples/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "govuk-error-summary" in page
    assert f'value="{data["size"]}"' in page
    assert db.session.scalar(select(DipSample.id)) is None


def test_a_team_manager_draws_and_audits_but_a_plain_ewo_may_not(client, other_client):
    world = build_world()
    _open_cases(world, 2)
    plain = world.user("ewo")
    manager = make_user(access.EWO, world.service, team_manager=True)
    world.school_a.named_ewo = manager  # serves school A: its cases are the manager's to see
    db.session.commit()
    client.login(plain)
    assert client.get("/dip-samples").status_code == 403
    assert client.get("/dip-samples/new").status_code == 403
    assert 'href="/dip-samples"' not in client.get("/cases").get_data(as_text=True)
    other_client.login(manager)
    assert 'href="/dip-samples"' in other_client.get("/cases").get_data(as_text=True)
    response = other_client.post_form("/dip-samples/new", {"size": "2", "population": "open"})
    assert response.status_code == 303
    sample = db.session.scalar(select(DipSample))
    assert sample.drawn_by_id == manager.id and not sample.seed_given
    case_audit = sample.audits[0]
    url = f"/dip-samples/{sample.id}/audits/{case_audit.id}"
    page = other_client.get(url).get_data(as_text=True)
    assert f"/cases/{case_audit.case_id}" in page  # the case record opens through the usual rules
    # the LA admin's samples are not the manager's
    admin_sample, _ = audited_sample(world.user("la_admin"), _open_cases(world, 1)[0])
    assert other_client.get(f"/dip-samples/{admin_sample.id}").status_code == 404


def test_auditing_on_the_page_saves_a_draft_then_completes(client):
    world = build_world()
    _open_cases(world, 1)
    admin = world.user("la_admin")
    sample = service.draw(admin, 1, 3, "open")
    db.session.commit()
    case_audit = sample.audits[0]
    client.login(admin)
    url = f"/dip-samples/{sample.id}/audits/{case_audit.id}"
    criteria = service.current_form().criteria
    data = {f"grade_{c.id}": "good" for c in criteria}
    data.update({"version": str(case_audit.version), "save": "Save as draft", "learning_points": "So far so good"})
    assert client.post_form(url, data).status_code == 303
    db.session.expire_all()
    assert case_audit.status == AuditStatus.draft
    data.update({"version": str(case_audit.version), "complete": "Complete the audit"})
    data.pop("save")
    response = client.post_form(url, data)
    assert response.status_code == 422  # comments and the overall grade are missing
    page = response.get_data(as_text=True)
    assert "Select the overall grade" in page and "So far so good" in page
    data.update({f"comment_{c.id}": "Seen in the record" for c in criteria})
    data["overall_grade"] = "good"
    assert client.post_form(url, data).status_code == 303
    db.session.expire_all()
    assert case_audit.complete
    stale = client.post_form(url, {**data, "version": "1"})
    assert stale.status_code == 303  # complete: no longer changed


def test_a_stale_audit_form_is_a_409_with_the_saved_values(client):
    world = build_world()
    _open_cases(world, 1)
    admin = world.user("la_admin")
    sample = service.draw(admin, 1, 3, "open")
    db.session.commit()
    case_audit = sample.audits[0]
    seen = case_audit.version
    service.save_audit(admin, case_audit, {}, None, "Someone else's points", seen)
    db.session.commit()
    client.login(admin)
    response = client.post_form(f"/dip-samples/{sample.id}/audits/{case_audit.id}",
                                {"version": str(seen), "learning_points": "Mine", "save": "Save as draft"})
    assert response.status_code == 409
    assert "Someone else&#39;s points" in response.get_data(as_text=True)


def test_the_lead_professional_reads_and_acknowledges_the_audit_of_their_own_case_only(client):
    world = build_world()
    mine, = _open_cases(world, 1)
    theirs, = _open_cases(world, 1, lead=world.user("ewo_b"), school=world.school_b)
    admin = world.user("la_admin")
    _, my_audit = audited_sample(admin, mine)
    _, their_audit = audited_sample(admin, theirs)
    client.login(world.user("ewo"))
    listed = client.get("/dip-samples/my-audits").get_data(as_text=True)
    assert f"/dip-samples/audits/{my_audit.id}" in listed and f"/dip-samples/audits/{their_audit.id}" not in listed
    case_page = client.get(f"/cases/{mine.id}").get_data(as_text=True)
    assert f"/dip-samples/audits/{my_audit.id}" in case_page
    assert client.get(f"/dip-samples/audits/{their_audit.id}").status_code == 404
    assert client.post_form(f"/dip-samples/audits/{their_audit.id}/acknowledge", {}).status_code == 404
    page = client.get(f"/dip-samples/audits/{my_audit.id}").get_data(as_text=True)
    assert "Acknowledge the audit" in page and "Zanzibar" not in page
    response = client.post_form(f"/dip-samples/audits/{my_audit.id}/acknowledge",
                                {"version": str(my_audit.version), "response": "Noted, thank you"})
    assert response.status_code == 303
    db.session.expire_all()
    assert my_audit.acknowledged_at is not None and my_audit.response == "Noted, thank you"
    assert client.post_form(f"/dip-samples/audits/{my_audit.id}/acknowledge", {}).status_code == 403


def test_an_early_help_lead_sees_their_cases_audit_and_a_draft_is_not_shown(client):
    world = build_world()
    keyworker = world.user("early_help")
    case, draft_case = _open_cases(world, 2, lead=keyworker)
    _, done = audited_sample(world.user("la_admin"), case)
    sample = service.draw(world.user("la_admin"), 1, 1, "open")
    draft = next(a for a in sample.audits)
    db.session.commit()
    client.login(keyworker)
    assert client.get(f"/dip-samples/audits/{done.id}").status_code == 200
    if not draft.complete:
        assert client.get(f"/dip-samples/audits/{draft.id}").status_code == 404
    assert client.get("/dip-samples").status_code == 403


@pytest.mark.parametrize("role", [access.SCHOOL_STAFF, access.POLICE, access.PANEL_CHAIR, access.SOCIAL_CARE])
def test_schools_and_partners_see_none_of_it(client, role):
    world = build_world()
    case, = _open_cases(world, 1)
    sample, case_audit = audited_sample(world.user("la_admin"), case)
    client.login(world.user(role))
    for url in (f"/dip-samples/{sample.id}", f"/dip-samples/{sample.id}/themes",
                f"/dip-samples/{sample.id}/themes.csv", "/dip-samples/new"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/dip-samples/audits/{case_audit.id}").status_code in (403, 404)


def test_the_themes_page_csv_and_printable_view_use_case_references_not_names(client):
    world = build_world()
    case, = _open_cases(world, 1)
    sample, _ = audited_sample(world.user("la_admin"), case, overall="requires_improvement")
    manager = make_user(access.EWO, world.service, team_manager=True)
    db.session.commit()
    client.login(world.user("la_admin"))
    page = client.get(f"/dip-samples/{sample.id}/themes").get_data(as_text=True)
    assert f"Case {case.id}" in page and "Zanzibar" not in page
    printable = client.get(f"/dip-samples/{sample.id}/themes/print").get_data(as_text=True)
    assert "print.css" in printable and f"Case {case.id}" in printable and "Zanzibar" not in printable
    response = client.get(f"/dip-samples/{sample.id}/themes.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == "Theme,Name,Good,Requires improvement,Inadequate,Total"
    assert "Overall,All completed audits,0,1,0,1" in lines
    assert f"Lead professional,{world.user('ewo').name},0,1,0,1" in lines
    assert "Zanzibar" not in text
    assert manager.team_manager


def test_the_la_admin_sets_the_team_manager_flag_on_the_user_form(client):
    world = build_world()
    ewo = world.user("ewo_b")
    client.login(world.user("la_admin"))
    page = client.get(f"/users/{ewo.id}/edit").get_data(as_text=True)
    assert "Team manager" in page
    response = client.post_form(f"/users/{ewo.id}/edit", {
        "name": ewo.name, "email": ewo.email, "organisation_id": str(ewo.organisation_id), "role": "ewo",
        "team_manager": "y", "version": str(ewo.version)})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert ewo.team_manager
    assert access.can(ewo, "dip_sample")
    staff = world.user("school_staff")
    client.post_form(f"/users/{staff.id}/edit", {
        "name": staff.name, "email": staff.email, "organisation_id": str(staff.organisation_id),
        "role": "school_staff", "team_manager": "y", "version": str(staff.version)})
    db.session.expire_all()
    assert not staff.team_manager  # an EWO's flag only
    assert not access.can(staff, "dip_sample")


def test_the_audit_form_is_edited_in_a_draft_and_published(client):
    world = build_world()
    client.login(world.user("la_admin"))
    assert "The child&#39;s voice is recorded" in client.get("/dip-samples/form").get_data(as_text=True)
    assert client.post_form("/dip-samples/form/drafts", {}).status_code == 303
    draft = service.draft_form()
    response = client.post_form("/dip-samples/form/criteria/new", {"title": "", "position": "8"})
    assert response.status_code == 422 and "Enter the criterion" in response.get_data(as_text=True)
    assert client.post_form("/dip-samples/form/criteria/new",
                            {"title": "Family's views recorded", "position": "8"}).status_code == 303
    assert client.post_form("/dip-samples/form/publish", {"version": str(draft.version)}).status_code == 303
    db.session.expire_all()
    current = service.current_form()
    assert current.number == 2 and current.criteria[-1].title == "Family's views recorded"
    first = current.criteria[0]
    assert client.get(f"/dip-samples/form/criteria/{first.id}").status_code == 404  # published: not changed
    assert db.session.scalar(select(CaseAudit.id)) is None
