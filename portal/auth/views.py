"""Sign in, sign out, change password."""
from __future__ import annotations

import time

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_user, logout_user

from portal import access
from portal.auth import service
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.extensions import limiter
from portal.timeutil import LONDON
from portal.urls import is_safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            result = service.authenticate(form.email.data, form.password.data)
            if result.ok:
                # A new session: nothing from before sign-in survives (session fixation).
                session.clear()
                login_user(result.user)
                session["last_seen"] = int(time.time())
                if result.user.must_change_password:
                    return redirect(url_for("auth.change_password"))
                return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.home"))
            if result.locked_until is not None:
                until = result.locked_until.astimezone(LONDON).strftime("%H:%M")
                form.form_errors.append(
                    f"This account is locked for 15 minutes because of 5 failed sign-in attempts. "
                    f"Try again after {until}, or ask your LA administrator for help."
                )
                status = 423
            else:
                form.form_errors.append("The e-mail address or password is wrong")
                status = 401
    return render_template("auth/login.html", form=form,
                           next=next_url if is_safe_next(next_url) else None), status


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
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    status = 200
    if form.is_submitted():
        valid = form.validate()
        if valid and not service.verify_password(user.password_hash, form.current_password.data):
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
