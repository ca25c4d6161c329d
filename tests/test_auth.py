"""Signing in and out: lockout, session rotation, POST-only logout, safe next=, deactivation,
idle timeout, passwords, rate limit."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.service import password_problem, verify_password
from portal.extensions import db, limiter
from portal.notifications.models import Notification, OutboxEmail
from portal.orgs.models import User
from portal.timeutil import utcnow
from tests.pages import DEFAULT_PASSWORD


def _verbs(user=None):
    stmt = select(AuditEvent.verb).order_by(AuditEvent.id)
    if user is not None:
        stmt = stmt.where(AuditEvent.object_id == user.id, AuditEvent.object_type == "User")
    return db.session.scalars(stmt).all()


def test_sign_in_with_right_password_lands_on_home(client, world):
    response = client.login(world.user("ewo"), follow=True)
    assert response.status_code == 200
    assert "Welcome" in response.get_data(as_text=True)
    assert "login" in _verbs(world.user("ewo"))


def _counting_verifies(monkeypatch) -> list[str]:
    """Every argon2 verification the app makes (the costly step whose timing would tell)."""
    from argon2 import PasswordHasher

    calls: list[str] = []
    real = PasswordHasher.verify

    def verify(self, hash_, password):
        calls.append(hash_)
        return real(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    return calls


def _without_tokens(html: str) -> str:
    return re.sub(r'(value="|X-CSRFToken&#34;: &#34;|nonce=")[^"&]+', r"\1", html)


def test_wrong_password_unknown_address_and_locked_account_answer_alike(client, world, monkeypatch):
    """Status, message and page are the same, and each verifies exactly one password hash
    (the timing): nothing tells an account that exists, or one that is locked."""
    locked = db.session.get(User, world.user("early_help").id)
    locked.locked_until = utcnow() + timedelta(minutes=10)
    deactivated = db.session.get(User, world.user("social_care").id)
    deactivated.active = False
    db.session.commit()
    verifies = _counting_verifies(monkeypatch)
    attempts = {
        "wrong password": (world.user("ewo").email, "not-the-password"),
        "unknown address": ("nobody@test.example", "not-the-password"),
        "locked, wrong password": (locked.email, "not-the-password"),
        "locked, right password": (locked.email, DEFAULT_PASSWORD),
        "deactivated": (deactivated.email, DEFAULT_PASSWORD),
    }
    pages = {}
    for what, (email, password) in attempts.items():
        before = len(verifies)
        response = client.login(email, password=password)
        assert response.status_code == 401, what
        assert len(verifies) - before == 1, what
        pages[what] = _without_tokens(response.get_data(as_text=True)).replace(email, "EMAIL")
        assert "The e-mail address or password is wrong, or the account is locked" in pages[what]
    assert len(set(pages.values())) == 1, "the pages differ"
    assert _verbs().count("login_failed") == 3
    assert "login_refused_locked" in _verbs(locked)


def test_empty_form_shows_error_summary(client):
    client.get("/login")
    response = client.post_form("/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert "Enter your e-mail address" in response.get_data(as_text=True)


def test_email_is_case_insensitive(client, world):
    assert client.login(world.user("ewo").email.upper()).status_code == 302


def test_lockout_after_five_failures_even_with_the_right_password(client, world):
    user = world.user("school_staff")
    for attempt in range(5):
        response = client.login(user, password=f"wrong-{attempt}")
        assert response.status_code == 401
        assert "locked for 15" not in response.get_data(as_text=True)
    right = client.login(user)
    assert right.status_code == 401  # the same answer: the page does not tell it is locked
    assert client.get("/").status_code == 302  # not signed in
    assert "account_locked" in _verbs(user)
    assert "login_refused_locked" in _verbs(user)
    # The owner is told instead, in the portal and by e-mail.
    notes = db.session.scalars(select(Notification.text).where(Notification.user_id == user.id)).all()
    assert any("Your account was locked for 15 minutes" in text for text in notes)
    mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email)).all()
    assert any("locked" in m.subject for m in mail)


def test_lock_expires_after_fifteen_minutes(client, world):
    user = world.user("school_staff")
    for attempt in range(5):
        client.login(user, password=f"wrong-{attempt}")
    user = db.session.get(User, user.id)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.login(user).status_code == 302


def test_admin_can_unlock(client, other_client, world):
    user = world.user("school_staff")
    for attempt in range(5):
        client.login(user, password=f"wrong-{attempt}")
    other_client.login(world.user("la_admin"))
    page = other_client.get(f"/users/{user.id}")
    assert "This account is locked" in page.get_data(as_text=True)
    assert other_client.post_form(f"/users/{user.id}/unlock").status_code == 302
    assert client.login(user).status_code == 302
    assert "user_unlocked" in _verbs(user)


def test_session_is_rotated_on_sign_in(client, world):
    client.get("/login")
    before_token = client.csrf_token
    with client.session_transaction() as s:
        s["planted"] = "by an attacker before sign-in"
        before = dict(s)
    client.login(world.user("ewo"))
    with client.session_transaction() as s:
        after = dict(s)
    assert "planted" not in after
    assert after.get("csrf_token") != before.get("csrf_token")
    assert "_user_id" in after and "_user_id" not in before
    client.get("/")
    assert client.csrf_token != before_token


def test_logout_by_get_does_nothing(client, world):
    client.login(world.user("ewo"))
    response = client.get("/logout")
    assert response.status_code == 405
    assert client.get("/").status_code == 200  # still signed in


def test_logout_ends_every_session_of_the_user(client, other_client, world):
    client.login(world.user("ewo"))
    other_client.login(world.user("ewo"))
    assert client.post_form("/logout").status_code == 302
    assert client.get("/").status_code == 302
    assert other_client.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused(client, world):
    client.login(world.user("ewo"))
    response = client.post("/logout", data={})
    assert response.status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "http:/evil.example", "javascript:alert(1)", " /users", "/%0d%0aevil",
])
def test_open_redirect_via_next_is_refused(client, world, target):
    response = client.login(world.user("ewo"), next_url=target)  # through both steps
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_this_site_is_followed(client, world):
    response = client.login(world.user("la_admin"), next_url="/users?role=ewo")
    assert response.headers["Location"] == "/users?role=ewo"


def test_anonymous_is_sent_to_sign_in_with_next(client):
    response = client.get("/users?page=2")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_deactivated_user_is_cut_off_at_the_next_request(client, other_client, world):
    target = world.user("early_help")
    client.login(target)
    assert client.get("/").status_code == 200
    other_client.login(world.user("la_admin"))
    other_client.get(f"/users/{target.id}/deactivate")
    assert other_client.post_form(f"/users/{target.id}/deactivate",
                                  {"version": db.session.get(User, target.id).version}).status_code == 302
    assert client.get("/").status_code == 302
    assert client.login(target).status_code == 401  # and cannot sign in again


def test_idle_timeout_signs_out(app, client, world):
    client.login(world.user("ewo"))
    with client.session_transaction() as s:
        s["last_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302


def test_idle_timeout_tells_htmx_to_redirect(app, client, world):
    client.login(world.user("ewo"))
    with client.session_transaction() as s:
        s["last_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_activity_keeps_the_session_and_renews_its_cookie_at_most_twice_a_minute(app, client, world):
    import time

    client.login(world.user("ewo"))
    with client.session_transaction() as s:
        s["last_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 - 5  # 5 s from being signed out
    renewed = client.get("/")
    assert renewed.status_code == 200 and "Set-Cookie" in renewed.headers
    with client.session_transaction() as s:
        assert abs(s["last_seen"] - time.time()) < 5
    again = client.get("/")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers  # seen a moment ago


def test_session_cookie_flags(client, world):
    response = client.login(world.user("ewo"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("password,problem", [
    ("short-one", "12 characters or more"),
    ("password1234", "too common"),
    ("aaaaaaaaaaaaaaa", "too common"),
    ("Granite-Harbour-Lantern-77", None),
])
def test_password_rules(password, problem):
    result = password_problem(password)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_change_password(client, other_client, world):
    user = world.user("police")
    client.login(user)
    other_client.login(user)
    client.get("/account/password")
    bad = client.post_form("/account/password", {"current_password": "wrong-password-here",
                                                  "new_password": "Granite-Harbour-Lantern-77",
                                                  "confirm_password": "Granite-Harbour-Lantern-77"})
    assert bad.status_code == 422
    assert "Your current password is wrong" in bad.get_data(as_text=True)
    common = client.post_form("/account/password", {"current_password": DEFAULT_PASSWORD,
                                                     "new_password": "password1234",
                                                     "confirm_password": "password1234"})
    assert common.status_code == 422
    ok = client.post_form("/account/password", {"current_password": DEFAULT_PASSWORD,
                                                 "new_password": "Granite-Harbour-Lantern-77",
                                                 "confirm_password": "Granite-Harbour-Lantern-77"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other_client.get("/").status_code == 302  # every other session ended
    assert verify_password(db.session.get(User, user.id).password_hash, "Granite-Harbour-Lantern-77")
    assert "password_changed" in _verbs(user)


def test_temporary_password_must_be_changed_first(client, world):
    user = world.user("police")
    user = db.session.get(User, user.id)
    user.must_change_password = True
    db.session.commit()
    response = client.login(user)
    assert response.headers["Location"] == "/account/password"
    assert client.get("/").headers["Location"] == "/account/password"


def test_password_hashes_are_argon2id(world):
    assert world.user("ewo").password_hash.startswith("$argon2id$")


def test_login_is_rate_limited_per_address(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        limiter.reset()
        statuses = [client.login("nobody@test.example", password="x" * 12).status_code for _ in range(4)]
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3] == 429
        refused = client.post_form("/login", {"email": "a@b.c", "password": "x"})
        assert "Too many attempts" in refused.get_data(as_text=True)
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
