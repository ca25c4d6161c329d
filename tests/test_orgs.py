"""LA admin screens: organisations and users."""
from __future__ import annotations

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.orgs.models import Organisation, User
from tests.pages import current_code


def _admin(client, world):
    client.login(world.user("la_admin"))
    return world.user("la_admin")


def test_admin_adds_a_school_with_a_named_ewo(client, world):
    _admin(client, world)
    client.get("/organisations/new")
    response = client.post_form("/organisations/new", {
        "name": "Kingfisher Primary", "kind": "school", "urn": "123456", "phase": "primary",
        "named_ewo_id": str(world.user("ewo").id)})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Kingfisher Primary"))
    assert org.named_ewo_id == world.user("ewo").id and org.urn == "123456"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kingfisher Primary" in page


def test_school_needs_urn_and_phase(client, world):
    _admin(client, world)
    client.get("/organisations/new")
    response = client.post_form("/organisations/new", {"name": "No URN School", "kind": "school"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter the school&#39;s URN" in body and "Select the school&#39;s phase" in body
    assert db.session.scalar(select(Organisation).where(Organisation.name == "No URN School")) is None


def test_named_ewo_must_be_an_ewo(client, world):
    _admin(client, world)
    client.get("/organisations/new")
    response = client.post_form("/organisations/new", {
        "name": "Wrong EWO School", "kind": "school", "urn": "654321", "phase": "primary",
        "named_ewo_id": str(world.user("police").id)})
    assert response.status_code == 422
    assert "Select an active education welfare officer" in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Wrong EWO School")) is None


def test_user_role_must_fit_the_organisation(client, world):
    _admin(client, world)
    client.get("/users/new")
    response = client.post_form("/users/new", {
        "name": "Wrong Place", "email": "wrong.place@test.example", "organisation_id": str(world.police_org.id),
        "role": "school_staff", "initial_password": "Granite-Harbour-Lantern-77"})
    assert response.status_code == 422
    assert "This role must belong to a school organisation" in response.get_data(as_text=True)


def test_email_is_unique_whatever_its_case(client, world):
    _admin(client, world)
    client.get("/users/new")
    response = client.post_form("/users/new", {
        "name": "Copy", "email": world.user("ewo").email.upper(), "organisation_id": str(world.service.id),
        "role": "ewo", "initial_password": "Granite-Harbour-Lantern-77"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_invalid_email_and_weak_password_are_refused(client, world):
    _admin(client, world)
    client.get("/users/new")
    response = client.post_form("/users/new", {
        "name": "Someone", "email": "not-an-email", "organisation_id": str(world.service.id),
        "role": "ewo", "initial_password": "short"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "correct format" in body and "12 characters or more" in body


def test_admin_creates_a_user_who_must_change_the_password(client, other_client, world):
    _admin(client, world)
    client.get("/users/new")
    response = client.post_form("/users/new", {
        "name": "New Officer", "email": "new.officer@test.example", "organisation_id": str(world.service.id),
        "role": "ewo", "initial_password": "Temporary-Kestrel-9041"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.officer@test.example"))
    assert user.must_change_password
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "user_created"))
    assert created.object_id == user.id and created.changes["role"]["to"] == "ewo"
    assert "password" not in str(created.changes).lower()
    # A new account sets up two-factor sign-in after the password, then changes the password.
    login = other_client.login("new.officer@test.example", password="Temporary-Kestrel-9041")
    assert login.headers["Location"] == "/login/set-up"
    other_client.get("/login/set-up")
    done = other_client.post_form("/login/set-up", {"code": current_code("new.officer@test.example")})
    assert 'href="/account/password"' in done.get_data(as_text=True)  # the codes page's "continue"
    assert other_client.get("/").headers["Location"] == "/account/password"


def test_mass_assignment_is_ignored(client, world):
    """Fields the form does not offer change nothing."""
    _admin(client, world)
    target = world.user("school_staff")
    client.get(f"/users/{target.id}/edit")
    client.post_form(f"/users/{target.id}/edit", {
        "name": "Renamed", "email": target.email, "organisation_id": str(target.organisation_id),
        "role": "school_staff", "version": str(target.version),
        "active": "false", "password_hash": "x", "must_change_password": "y", "failed_logins": "99"})
    user = db.session.get(User, target.id)
    assert user.name == "Renamed"
    assert user.active and not user.must_change_password and user.failed_logins == 0
    assert user.password_hash.startswith("$argon2id$")


def test_role_change_is_audited_with_before_and_after(client, world):
    _admin(client, world)
    target = world.user("panel_chair")
    client.get(f"/users/{target.id}/edit")
    response = client.post_form(f"/users/{target.id}/edit", {
        "name": target.name, "email": target.email, "organisation_id": str(target.organisation_id),
        "role": "la_admin", "version": str(target.version)})
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "user_updated"))
    assert entry.changes == {"role": {"from": "panel_chair", "to": "la_admin"}}


def test_stale_edit_is_refused_and_nothing_is_overwritten(client, other_client, world):
    target = world.user("early_help")
    version = target.version
    _admin(client, world)
    other_client.login(world.user("la_admin"))
    base = {"email": target.email, "organisation_id": str(target.organisation_id),
            "role": "early_help", "version": str(version)}
    client.get(f"/users/{target.id}/edit")
    other_client.get(f"/users/{target.id}/edit")
    first = client.post_form(f"/users/{target.id}/edit", {**base, "name": "First Writer"})
    second = other_client.post_form(f"/users/{target.id}/edit", {**base, "name": "Second Writer"})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "First Writer" in second.get_data(as_text=True)
    assert db.session.get(User, target.id).name == "First Writer"


def test_a_stale_user_edit_shows_both_versions(client, other_client, world):
    target = world.user("early_help")
    email = target.email
    _admin(client, world)
    other_client.login(world.user("la_admin"))
    base = {"email": email, "organisation_id": str(target.organisation_id),
            "role": "early_help", "version": str(target.version)}
    assert client.post_form(f"/users/{target.id}/edit", {**base, "name": "First Writer"}).status_code == 302
    second = other_client.post_form(f"/users/{target.id}/edit", {**base, "name": "Second Writer",
                                                                 "email": "second.writer@demo.test"})
    assert second.status_code == 409
    saved, _, yours = second.get_data(as_text=True).partition("What you entered")
    assert "Someone else changed this user" in saved and "First Writer" in saved and "Second Writer" not in saved
    assert "Second Writer" in yours and "second.writer@demo.test" in yours
    assert target.organisation.name in yours  # a choice shows its label, not its id
    assert f'href="/users/{target.id}/edit"' in yours and "csrf" not in yours.lower()
    db.session.expire_all()
    stored = db.session.get(User, target.id)
    assert stored.name == "First Writer" and stored.email == email


def test_deactivate_needs_confirmation_and_is_audited(client, world):
    _admin(client, world)
    target = world.user("police")
    confirm = client.get(f"/users/{target.id}/deactivate")
    assert confirm.status_code == 200
    assert "Yes, deactivate" in confirm.get_data(as_text=True)
    assert db.session.get(User, target.id).active  # a GET changes nothing
    client.post_form(f"/users/{target.id}/deactivate", {"version": str(target.version)})
    assert not db.session.get(User, target.id).active
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "user_deactivated")).object_id == target.id
    client.get(f"/users/{target.id}/reactivate")
    client.post_form(f"/users/{target.id}/reactivate", {"version": str(db.session.get(User, target.id).version)})
    assert db.session.get(User, target.id).active


def test_admin_cannot_deactivate_themself(client, world):
    admin = _admin(client, world)
    client.get(f"/users/{admin.id}/deactivate")
    response = client.post_form(f"/users/{admin.id}/deactivate", {"version": str(admin.version)})
    assert response.status_code == 422
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).active


def test_named_ewo_cannot_be_deactivated_while_serving_schools(client, world):
    _admin(client, world)
    ewo = world.user("ewo")
    client.get(f"/users/{ewo.id}/deactivate")
    response = client.post_form(f"/users/{ewo.id}/deactivate", {"version": str(ewo.version)})
    assert response.status_code == 422
    assert "choose another EWO" in response.get_data(as_text=True)


def test_organisation_with_active_users_cannot_be_deactivated(client, world):
    _admin(client, world)
    client.get(f"/organisations/{world.school_a.id}/deactivate")
    response = client.post_form(f"/organisations/{world.school_a.id}/deactivate",
                                {"version": str(world.school_a.version)})
    assert response.status_code == 422


def test_lists_filter_and_paginate(client, world):
    from tests.factories import make_user

    for i in range(30):
        make_user("early_help", world.early_help_org, email=f"bulk{i:02d}@test.example", name=f"Bulk {i:02d}")
    db.session.commit()
    _admin(client, world)
    page1 = client.get("/users?role=early_help").get_data(as_text=True)
    assert "31 users" in page1 and "Bulk 00" in page1 and "Bulk 29" not in page1
    assert "govuk-pagination" in page1
    page2 = client.get("/users?role=early_help&page=2").get_data(as_text=True)
    assert "Bulk 29" in page2
    search = client.get("/users?q=bulk07").get_data(as_text=True)
    assert "1 user" in search and "Bulk 07" in search
    schools = client.get("/organisations?kind=school").get_data(as_text=True)
    table = schools.split("<table")[1]
    assert "2 organisations" in table and "School B" in table and "Early Help" not in table


def test_unknown_objects_are_404(client, world):
    _admin(client, world)
    assert client.get("/users/999999").status_code == 404
    assert client.get("/organisations/999999/edit").status_code == 404


def test_demo_style_addresses_can_be_saved_unchanged(client, world):
    _admin(client, world)
    target = world.user("police")
    client.get(f"/users/{target.id}/edit")
    response = client.post_form(f"/users/{target.id}/edit", {
        "name": target.name, "email": "police.officer@demo.test", "organisation_id": str(target.organisation_id),
        "role": "police", "version": str(target.version)})
    assert response.status_code == 302


def test_empty_user_form_asks_for_the_organisation(client, world):
    _admin(client, world)
    client.get("/users/new")
    response = client.post_form("/users/new", {"organisation_id": ""})
    assert response.status_code == 422
    assert "Select an organisation" in response.get_data(as_text=True)


def test_the_la_admin_marks_an_ewo_as_a_children_missing_education_officer(client, world):
    """The flag (issue 18) is an EWO's only, set on the user form and audited with the change."""
    ewo, staff = world.user("ewo_b"), world.user("school_staff")
    client.login(world.user("la_admin"))
    assert "Children missing education officer" in client.get(f"/users/{ewo.id}/edit").get_data(as_text=True)
    response = client.post_form(f"/users/{ewo.id}/edit", {
        "name": ewo.name, "email": ewo.email, "organisation_id": str(ewo.organisation_id), "role": "ewo",
        "cme_officer": "y", "version": str(ewo.version)})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert ewo.cme_officer
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "user_updated",
                                                        AuditEvent.object_id == ewo.id)).all()[-1]
    assert entry.changes["cme_officer"] == {"from": False, "to": True}
    assert "children missing education officer" in client.get(f"/users/{ewo.id}").get_data(as_text=True)
    client.post_form(f"/users/{staff.id}/edit", {
        "name": staff.name, "email": staff.email, "organisation_id": str(staff.organisation_id),
        "role": "school_staff", "cme_officer": "y", "version": str(staff.version)})
    db.session.expire_all()
    assert not staff.cme_officer  # an EWO's flag only
