"""Sign in (password, then the second factor), sign out, change password."""
from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from portal import access, audit, transaction
from portal.auth import bp, service, two_factor
from portal.auth.forms import ChangePasswordForm, CodeForm, LoginForm, RecoveryCodeForm
from portal.extensions import db, limiter
from portal.orgs.models import User
from portal.urls import is_safe_next

# One answer for a wrong password, an unknown address, a deactivated and a locked account.
SIGN_IN_REFUSED = "The e-mail address or password is wrong, or the account is locked"
PENDING = "pending_sign_in"
PENDING_SECONDS = 10 * 60  # the password step is good for this long


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _password_change_limit() -> str:
    return current_app.config["PASSWORD_CHANGE_RATE_LIMIT"]


def _per_user() -> str:
    return f"user:{current_user.get_id() or request.remote_addr}"


def _home(next_url: str | None) -> str:
    if next_url and is_safe_next(next_url):
        return next_url
    return url_for("dashboard.home")


def _sign_in(user: User, how: str, next_url: str | None):
    """Both steps done: a new session (nothing from before survives: no fixation)."""
    service.complete_sign_in(user, how)
    session.clear()
    login_user(user)
    session["last_seen"] = int(time.time())
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(_home(next_url))


def _pending_user() -> User | None:
    """The person who gave the right password in this browser and has not yet given the
    second factor - while that is recent, their account still active and unlocked, and
    their sessions not ended since (the token matches)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    if (user is None or not user.active or service.is_locked(user)
            or user.session_token != pending.get("token")):
        return None
    return user


def _start_over():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    session.pop(PENDING, None)
    flash("Sign in again to continue.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(_home(next_url))
    form = LoginForm()
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            result = service.authenticate(form.email.data, form.password.data)
            if result.ok:
                user = result.user
                if not user.two_factor_enrolled and not current_app.config["REQUIRE_2FA"]:
                    return _sign_in(user, "password (two-factor not required)", next_url)
                session.clear()
                session[PENDING] = {"user": user.id, "token": user.session_token, "at": int(time.time()),
                                    "next": next_url if is_safe_next(next_url) else None}
                if user.two_factor_enrolled:
                    return redirect(url_for("auth.enter_code"))
                return redirect(url_for("auth.set_up_two_factor"))
            form.form_errors.append(SIGN_IN_REFUSED)
            status = 401
    return render_template("auth/login.html", form=form,
                           next=next_url if is_safe_next(next_url) else None), status


def _wrong_second_factor(user: User, form, what: str):
    """A wrong code counts towards the lockout; the fifth ends the sign-in."""
    locked = service.record_failure(user, "login_code_failed", f"wrong {what}")
    if locked:
        session.pop(PENDING, None)
        flash(f"You entered a wrong {what} 5 times, so the account is locked for 15 minutes. "
              "Ask your LA administrator if you need help.", "info")
        return redirect(url_for("auth.login"))
    form.code.errors.append(f"The {what} is wrong or has already been used")
    return None


def _security_code_refused(user: User, form: CodeForm) -> int | ResponseReturnValue | None:
    """None when the posted security code is the user's code now (and is taken, once);
    otherwise the status to show the form again with its error (422 for a malformed code,
    401 for a wrong or used one), or the response that ends the sign-in (the fifth wrong
    code locks the account)."""
    if not form.validate():
        return 422
    if not two_factor.looks_like_code(two_factor.normalise_code(form.code.data)):
        form.code.errors.append("Enter the security code as 6 digits, like 123456")
        return 422
    if two_factor.accept_code(user, form.code.data):
        return None
    refused = _wrong_second_factor(user, form, "security code")
    return 401 if refused is None else refused


@bp.route("/login/code", methods=["GET", "POST"])
@access.public
@limiter.limit(_login_limit, methods=["POST"])
def enter_code():
    user = _pending_user()
    if user is None or not user.two_factor_enrolled:
        return _start_over()
    form = CodeForm()
    status = 200
    if form.is_submitted():
        outcome = _security_code_refused(user, form)
        if outcome is None:
            return _sign_in(user, "password and authenticator code", session[PENDING].get("next"))
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return render_template("auth/code.html", form=form), status


@bp.route("/login/recovery-code", methods=["GET", "POST"])
@access.public
@limiter.limit(_login_limit, methods=["POST"])
def enter_recovery_code():
    user = _pending_user()
    if user is None or not user.two_factor_enrolled:
        return _start_over()
    form = RecoveryCodeForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            if two_factor.use_recovery_code(user, form.code.data):
                left = two_factor.recovery_codes_left(user)
                audit.record(user, "recovery_code_used", user, summary=f"{left} recovery codes left")
                response = _sign_in(user, "password and recovery code", session[PENDING].get("next"))
                flash(f"You used a recovery code. You have {left} left. If you have lost your authenticator app, "
                      "ask your LA administrator to reset your two-factor sign-in.", "info")
                return response
            refused = _wrong_second_factor(user, form, "recovery code")
            if refused is not None:
                return refused
            status = 401
    return render_template("auth/recovery_code.html", form=form), status


@bp.route("/login/set-up", methods=["GET", "POST"])
@access.public
@limiter.limit(_login_limit, methods=["POST"])
def set_up_two_factor():
    """Enrolment, at the first sign-in (or the first after an administrator's reset)."""
    user = _pending_user()
    if user is None or user.two_factor_enrolled:
        return _start_over()
    secret = two_factor.start_enrolment(user)
    transaction.keep()  # the QR code shown is the secret kept, whatever the answer
    form = CodeForm()
    status = 200
    if form.is_submitted():
        outcome = _security_code_refused(user, form)
        if outcome is None:
            codes = two_factor.confirm_enrolment(user)
            audit.record(user, "two_factor_enrolled", user, summary="authenticator app set up")
            next_url = session[PENDING].get("next")
            response = _sign_in(user, "password and authenticator code (first set-up)", next_url)
            # Shown once, here; only their hashes are kept.
            return render_template("auth/recovery_codes.html", codes=codes, continue_to=response.location)
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    uri = two_factor.provisioning_uri(user, secret)
    return render_template("auth/set_up.html", form=form, qr_svg=two_factor.qr_svg(uri),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                           issuer=two_factor.ISSUER, account=user.email), status


@bp.route("/logout", methods=["POST"])
@access.require("use_portal")
def logout():
    service.logout(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@access.require("use_portal")
@limiter.limit(_password_change_limit, methods=["POST"], key_func=_per_user)
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    status = 200
    if form.is_submitted():
        valid = form.validate()
        if valid and not service.verify_password(user.password_hash, form.current_password.data):
            # A guess at the password of a signed-in session: counted, audited, and the
            # fifth in a row locks the account and signs it out everywhere.
            if service.record_failure(user, "password_change_failed", "wrong current password"):
                user.rotate_session_token()
                logout_user()
                session.clear()
                flash("You entered a wrong current password 5 times, so you have been signed out and the "
                      "account is locked for 15 minutes.", "info")
                return redirect(url_for("auth.login"))
            form.current_password.errors.append("Your current password is wrong")
            valid = False
        if valid:
            problem = service.password_problem(form.new_password.data, user)
            if problem:
                form.new_password.errors.append(problem)
                valid = False
            elif form.new_password.data == form.current_password.data:
                form.new_password.errors.append("Your new password must be different from the current one")
                valid = False
        if valid:
            service.change_password(user, form.new_password.data)
            # The token changed, so sign this session in again with the new one.
            session.clear()
            login_user(user)
            session["last_seen"] = int(time.time())
            flash("Your password has been changed. Other sessions have been signed out.", "success")
            return redirect(url_for("dashboard.home"))
        status = 422
    return render_template("auth/change_password.html", form=form), status
