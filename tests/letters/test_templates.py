"""Letter templates are kept by LA admins: the six LA letters and the four school stage
letters are there from the start; each save is a new version, audited; a template with code
in it is refused inline (422), never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.letters import service
from portal.letters.models import Audience, LetterTemplate, LetterTemplateVersion
from tests.letters.helpers import template
from tests.letters.test_merge import ATTACKS


def test_the_default_templates_are_added_once(client, world):
    assert service.ensure_default_templates() == 10
    assert service.ensure_default_templates() == 0
    keys = {t.key: t.audience for t in service.templates()}
    assert {k for k, a in keys.items() if a == Audience.la} == {
        "early_concern", "attendance_meeting", "attendance_contract", "notice_to_improve", "penalty_notice",
        "prosecution_warning"}
    assert {k for k, a in keys.items() if a == Audience.school} == {f"school_stage_{n}" for n in range(1, 5)}
    assert template("penalty_notice").penalty_detail and not template("notice_to_improve").penalty_detail
    client.login(world.user("la_admin"))
    page = client.get("/letter-templates").get_data(as_text=True)
    assert "Warning of prosecution" in page and "School stage 4: senior leader meeting" in page
    assert db.session.scalar(select(func.count(LetterTemplate.id))) == 10


def test_each_save_is_a_new_version_audited(client, world):
    admin = world.user("la_admin")
    chosen = template("attendance_meeting")
    db.session.commit()
    client.login(admin)
    assert client.get(f"/letter-templates/{chosen.id}").status_code == 200
    for words in ("Please come on Tuesday.", "Please come on Wednesday."):
        db.session.expire_all()
        chosen = template("attendance_meeting")
        response = client.post_form(f"/letter-templates/{chosen.id}", {
            "version": str(chosen.version), "subject": "Meeting about {{ pupil.name }}",
            "body": f"Dear {{{{ parent.name }}}},\n\n{words}"})
        assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    versions = db.session.scalars(select(LetterTemplateVersion).where(LetterTemplateVersion.template_id == chosen.id)
                                  .order_by(LetterTemplateVersion.number)).all()
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].author_id is None and versions[2].author_id == admin.id
    assert versions[1].body.endswith("Tuesday.")  # the old versions are kept as they were
    saved = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "letter_template_saved")).all()
    assert [e.changes["version"] for e in saved] == [{"from": 1, "to": 2}, {"from": 2, "to": 3}]
    # a save from a page loaded before the last one is a conflict, not an overwrite
    stale = client.post_form(f"/letter-templates/{chosen.id}", {
        "version": str(versions[0].template.version - 1), "subject": "Old", "body": "Dear {{ parent.name }}"})
    assert stale.status_code == 409


@pytest.mark.parametrize("body", ATTACKS[:12] + ["{% for x in ().__class__.__base__.__subclasses__() %}{% endfor %}"])
def test_a_template_with_code_is_refused_inline_and_kept(client, world, body):
    chosen = template("early_concern")
    db.session.commit()
    client.login(world.user("la_admin"))
    response = client.post_form(f"/letter-templates/{chosen.id}", {"version": str(chosen.version),
                                                                   "subject": "Heading", "body": body})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "govuk-error-message" in html
    from markupsafe import escape

    assert str(escape(body)) in html  # what was typed is kept
    db.session.expire_all()
    assert template("early_concern").current.number == 1


def test_a_new_template_refuses_bad_input_and_keeps_it(client, world):
    client.login(world.user("la_admin"))
    for data in ({}, {"name": "x" * 500, "audience": "bogus", "subject": "", "body": ""},
                 {"name": "Evil", "audience": "la", "subject": "{{ config }}", "body": "{{ request.environ }}"},
                 {"name": "\x00\u0661", "audience": "\u0661", "subject": "S", "body": "{{ " * 5000},
                 {"name": "Deep", "audience": "la", "subject": "S", "body": "{% if pupil.name %}" * 400}):
        response = client.post_form("/letter-templates/new", data)
        assert response.status_code == 422, data
    response = client.post_form("/letter-templates/new", {"name": "Invitation to a panel", "audience": "la",
                                                          "subject": "Panel about {{ pupil.name }}",
                                                          "body": "Dear {{ parent.name }},\n\nPlease come."})
    assert response.status_code == 303
    created = db.session.scalar(select(LetterTemplate).where(LetterTemplate.name == "Invitation to a panel"))
    assert created.key == "invitation_to_a_panel" and created.current.number == 1
    same = client.post_form("/letter-templates/new", {"name": "invitation to a PANEL", "audience": "la",
                                                      "subject": "S", "body": "Dear {{ parent.name }}"})
    assert same.status_code == 422 and "already exists" in same.get_data(as_text=True)


def test_a_retired_template_cannot_be_chosen(client, other_client, world):
    from tests.letters.helpers import case_for

    case = case_for(world)
    chosen = template("prosecution_warning")
    db.session.commit()
    client.login(world.user("la_admin"))
    assert client.get(f"/letter-templates/{chosen.id}/retire").status_code == 200
    retired = client.post_form(f"/letter-templates/{chosen.id}/retire", {"version": str(chosen.version)})
    assert retired.status_code == 303
    db.session.expire_all()
    assert template("prosecution_warning").retired
    form = other_client.login(world.user("ewo")) and other_client.get(f"/cases/{case.id}/letters/new").get_data(
        as_text=True)
    import re

    offered = set(re.findall(r'<input[^>]*name="template_id"[^>]*value="([0-9]+)"', form))
    assert offered and str(chosen.id) not in offered and str(template("early_concern").id) in offered
    refused = other_client.post_form(f"/cases/{case.id}/letters/new", {"template_id": str(chosen.id)})
    assert refused.status_code == 422
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.verb == "letter_template_retired"))


@pytest.mark.parametrize("role", ["ewo", "school_staff", "social_care", "police", "panel_chair"])
def test_only_la_admins_keep_templates(client, world, role):
    chosen = template("early_concern")
    db.session.commit()
    client.login(world.user(role))
    assert client.get("/letter-templates").status_code == 403
    assert client.get(f"/letter-templates/{chosen.id}").status_code == 403
