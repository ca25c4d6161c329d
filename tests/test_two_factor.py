"""Two-factor sign-in: set-up at the first sign-in, a code from an authenticator app on its
own page after the password, recovery codes, replay refusal, clock drift, lockout, the
administrator's reset, the REQUIRE_2FA setting and the demo's `demo-code`."""
from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import func, select

from portal import access
from portal.audit import AuditEvent
from portal.auth import two_factor
from portal.auth.models import RecoveryCode
from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import User
from tests.factories import make_user
from tests.pages import DEFAULT_PASSWORD, TEST_TOTP_SECRET

ROLES_AND_ORGS = [
    (access.SCHOOL_STAFF, "school_a"), (access.EWO, "service"), (access.SOCIAL_CARE, "social_care_org"),
    (access.EARLY_HELP, "early_help_org"), (access.POLICE, "police_org"), (access.PANEL_CHAIR, "service"),
    (access.LA_ADMIN, "service"),
]


def _verbs(user):
    return db.session.scalars(select(AuditEvent.verb).where(
        AuditEvent.object_type == "User", AuditEvent.object_id == user.id).order_by(AuditEvent.id)).all()


def _password_step(client, user, password=DEFAULT_PASSWORD):
    client.get("/login")
    response = client.post_form("/login", {"email": user.email, "password": password})
    client.csrf_token = None
    return response


def _fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _code(user, step_offset=0) -> str:
    user = _fresh(user)
    return two_factor.code_at(user.totp_secret, two_factor.current_step() + step_offset)


def _secret_on_page(html: str) -> str:
    return re.search(r'<code class="app-secret" id="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")


@pytest.mark.parametrize("role,org", ROLES_AND_ORGS)
def test_every_role_sets_up_two_factor_at_first_sign_in(client, world, role, org):
    user = make_user(role, getattr(world, org), two_factor=False)
    db.session.commit()
    response = _password_step(client, user)
    assert response.headers["Location"] == "/login/set-up"
    assert client.get("/").status_code == 302  # the password alone does not sign in

    page = client.get("/login/set-up")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and 'class="app-qr-code"' in html  # the QR code, drawn here
    secret = _secret_on_page(html)
    assert secret == _fresh(user).totp_secret
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert _secret_on_page(client.get("/login/set-up").get_data(as_text=True)) == secret  # a reload keeps it

    done = client.post_form("/login/set-up", {"code": pyotp.TOTP(secret).now()})
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", html)
    assert len(set(codes)) == 10
    assert client.get("/").status_code == 200  # signed in
    user = _fresh(user)
    assert user.two_factor_enrolled
    assert {"two_factor_enrolled", "login"} <= set(_verbs(user))
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # kept only as hashes
    assert not any(code.replace("-", "") in h for code in codes for h in stored)


def test_a_wrong_code_at_set_up_does_not_turn_it_on(client, world):
    user = make_user(access.EWO, world.service, two_factor=False)
    db.session.commit()
    _password_step(client, user)
    client.get("/login/set-up")
    wrong = client.post_form("/login/set-up", {"code": "000000" if _code(user) != "000000" else "111111"})
    assert wrong.status_code == 401
    assert "The security code is wrong or has already been used" in wrong.get_data(as_text=True)
    malformed = client.post_form("/login/set-up", {"code": "12ab"})
    assert malformed.status_code == 422
    assert "Enter the security code as 6 digits" in malformed.get_data(as_text=True)
    assert not _fresh(user).two_factor_enrolled
    assert client.get("/").status_code == 302


def test_the_code_page_is_its_own_step_with_a_one_time_code_field(client, world):
    response = _password_step(client, world.user("ewo"))
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302
    html = client.get("/login/code").get_data(as_text=True)
    field = re.search(r"<input[^>]+id=\"code\"[^>]*>", html).group(0)
    assert 'autocomplete="one-time-code"' in field and 'inputmode="numeric"' in field
    assert 'type="text"' in field
    ok = client.post_form("/login/code", {"code": _code(world.user("ewo"))})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert _verbs(world.user("ewo"))[-1] == "login"


def test_the_second_step_cannot_be_reached_without_the_password(client, world):
    for url in ("/login/code", "/login/recovery-code", "/login/set-up"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/login"
    client.get("/login")
    posted = client.post_form("/login/code", {"code": _code(world.user("ewo"))})
    assert posted.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_a_code_is_accepted_only_once(client, other_client, world):
    user = world.user("ewo")
    code = _code(user)
    _password_step(client, user)
    assert client.post_form("/login/code", {"code": code}).status_code == 302
    _password_step(other_client, user)
    replay = other_client.post_form("/login/code", {"code": code})
    assert replay.status_code == 401
    assert "already been used" in replay.get_data(as_text=True)
    assert other_client.get("/").status_code == 302
    assert "login_code_failed" in _verbs(user)


def test_one_step_of_clock_drift_either_way_and_no_more(world):
    user = _fresh(world.user("ewo"))
    now = two_factor.current_step() * two_factor.STEP_SECONDS + 5
    step = two_factor.current_step(now)
    for offset, accepted in ((-2, False), (2, False), (-1, True), (1, True)):
        user.totp_last_step = None
        code = two_factor.code_at(TEST_TOTP_SECRET, step + offset)
        assert two_factor.accept_code(user, code, now=now) is accepted, offset
    # an older code than one already accepted is refused too
    user.totp_last_step = step
    assert not two_factor.accept_code(user, two_factor.code_at(TEST_TOTP_SECRET, step - 1), now=now)
    assert two_factor.accept_code(user, two_factor.code_at(TEST_TOTP_SECRET, step + 1), now=now)
    db.session.rollback()


def test_five_wrong_codes_lock_the_account(client, world):
    user = world.user("police")
    right = _code(user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    _password_step(client, user)
    for attempt in range(4):
        response = client.post_form("/login/code", {"code": wrong})
        assert response.status_code == 401, attempt
    fifth = client.post_form("/login/code", {"code": wrong})
    assert fifth.status_code == 302 and fifth.headers["Location"] == "/login"
    assert "locked for 15 minutes" in client.get("/login").get_data(as_text=True)
    assert client.get("/login/code").headers["Location"] == "/login"  # the sign-in was ended
    assert "account_locked" in _verbs(user)
    # The right password and code are now refused, with the one answer.
    assert client.login(user).status_code == 401
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.text.contains("locked"))) == 1


def test_a_good_password_does_not_reset_the_count_of_wrong_codes(client, world):
    """Otherwise someone with the password could guess codes for ever, 4 at a time."""
    user = world.user("police")
    wrong = f"{(int(_code(user)) + 1) % 1_000_000:06d}"
    for _ in range(2):
        _password_step(client, user)
        client.post_form("/login/code", {"code": wrong})
        client.post_form("/login/code", {"code": wrong})
    _password_step(client, user)
    assert client.post_form("/login/code", {"code": wrong}).headers["Location"] == "/login"
    assert _fresh(user).locked_until is not None


def test_a_recovery_code_signs_in_once(client, other_client, world):
    user = _fresh(world.user("social_care"))
    codes = two_factor.new_recovery_codes(user)
    db.session.commit()
    _password_step(client, user)
    page = client.get("/login/recovery-code")
    assert page.status_code == 200
    used = client.post_form("/login/recovery-code", {"code": codes[3].upper().replace("-", " ")})
    assert used.status_code == 302
    assert "You have 9 left" in client.get("/").get_data(as_text=True)
    _password_step(other_client, user)
    again = other_client.post_form("/login/recovery-code", {"code": codes[3]})
    assert again.status_code == 401
    assert "The recovery code is wrong or has already been used" in again.get_data(as_text=True)
    assert {"recovery_code_used", "login_code_failed"} <= set(_verbs(user))


def test_an_administrator_resets_a_lost_second_factor(client, other_client, world):
    target = world.user("early_help")
    client.login(target)
    other_client.login(world.user("la_admin"))
    page = other_client.get(f"/users/{target.id}")
    assert "Two-factor sign-in" in page.get_data(as_text=True)
    confirm = other_client.get(f"/users/{target.id}/two-factor/reset")
    assert "Reset two-factor sign-in" in confirm.get_data(as_text=True)
    done = other_client.post_form(f"/users/{target.id}/two-factor/reset", {"version": _fresh(target).version})
    assert done.status_code == 302
    assert client.get("/").status_code == 302  # their sessions ended
    user = _fresh(target)
    assert not user.two_factor_enrolled and user.totp_secret is None
    assert db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id)) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "two_factor_reset"))
    assert event.actor_id == world.user("la_admin").id and event.object_id == user.id
    # At the next sign-in they set it up again, after the password.
    assert _password_step(client, user).headers["Location"] == "/login/set-up"


def test_a_reset_from_a_stale_page_is_a_conflict(other_client, world):
    target = world.user("early_help")
    other_client.login(world.user("la_admin"))
    stale = _fresh(target).version
    user = _fresh(target)
    user.name = "Changed meanwhile"
    db.session.commit()
    response = other_client.post_form(f"/users/{target.id}/two-factor/reset", {"version": stale})
    assert response.status_code == 409
    assert _fresh(target).two_factor_enrolled


def test_when_two_factor_is_not_required_the_password_is_enough_until_it_is_set_up(app, client, world):
    app.config["REQUIRE_2FA"] = False
    try:
        newcomer = make_user(access.EWO, world.service, two_factor=False)
        db.session.commit()
        assert _password_step(client, newcomer).headers["Location"] == "/"
        assert client.get("/").status_code == 200
        client.post_form("/logout")
        # someone who has set it up is still asked for the code
        assert _password_step(client, world.user("ewo")).headers["Location"] == "/login/code"
    finally:
        app.config["REQUIRE_2FA"] = True


def test_changing_password_counts_wrong_guesses_and_locks(client, world):
    user = world.user("police")
    client.login(user)
    client.get("/account/password")
    bad = {"current_password": "a-wrong-guess-at-it", "new_password": "Granite-Harbour-Lantern-77",
           "confirm_password": "Granite-Harbour-Lantern-77"}
    for attempt in range(4):
        response = client.post_form("/account/password", bad)
        assert response.status_code == 422, attempt
    fifth = client.post_form("/account/password", bad)
    assert fifth.status_code == 302 and fifth.headers["Location"] == "/login"
    assert client.get("/").status_code == 302  # signed out
    verbs = _verbs(user)
    assert verbs.count("password_change_failed") == 5 and "account_locked" in verbs
    assert client.login(user).status_code == 401  # locked


def test_changing_password_is_rate_limited(app, client, world):
    app.config["PASSWORD_CHANGE_RATE_LIMIT"] = "2 per minute"
    try:
        client.login(world.user("police"))
        client.get("/account/password")
        statuses = [client.post_form("/account/password", {"current_password": "x"}).status_code
                    for _ in range(3)]
        assert statuses == [422, 422, 429]
    finally:
        app.config["PASSWORD_CHANGE_RATE_LIMIT"] = "1000 per minute"


def test_the_demo_users_sign_in_with_demo_code(app, client):
    from tests.demo import seed_demo

    secret = app.config["DEMO_TOTP_SECRET"]
    seed_demo("attend-demo-2026", totp_secret=secret)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-code", "police@demo.test"])
    assert result.exit_code == 0, result.output
    code = result.stdout.strip()
    assert re.fullmatch(r"\d{6}", code)
    police = db.session.scalar(select(User).where(User.email == "police@demo.test"))
    assert _password_step(client, police, "attend-demo-2026").headers["Location"] == "/login/code"
    assert client.post_form("/login/code", {"code": code}).headers["Location"] == "/"
    # the next code printed is a new one (the one used cannot be used again)
    assert runner.invoke(args=["demo-code", "police@demo.test"]).stdout.strip() != code


def test_demo_code_refuses_other_accounts_and_production(app, world):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-code", world.user("ewo").email]).exit_code != 0  # not the demo secret
    assert runner.invoke(args=["demo-code", "nobody@test.example"]).exit_code != 0
    app.config["PORTAL_ENV"] = "production"
    try:
        user = _fresh(world.user("ewo"))
        user.totp_secret = app.config["DEMO_TOTP_SECRET"]
        db.session.commit()
        result = runner.invoke(args=["demo-code", user.email])
        assert result.exit_code != 0 and "production" in result.output
    finally:
        app.config["PORTAL_ENV"] = "development"
