"""The Attendance Partnership Portal."""
from __future__ import annotations

import gc
import importlib
import os
import secrets
import time
from typing import Any

from flask import Flask, flash, g, has_request_context, redirect, request, session, url_for
from flask_login import current_user, logout_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as config_module
from portal import dataversion, errors, transaction
from portal.config import ROOT
from portal.extensions import csrf, db, htmx, limiter, login_manager, migrate
from portal.params import IdConverter
from portal.statements import built_once

SERVICE_NAME = "Attendance Partnership Portal"


class Portal(Flask):
    """Flask, with one transaction per request around every view (`portal.transaction`)."""

    def dispatch_request(self):
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            transaction.fail_request()
            raise
        return transaction.finish_request(response)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Portal(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.url_map.converters["int"] = IdConverter  # bounded ids: out of range is a 404, never a 500
    app.config.update(config_module.load())
    if overrides:
        app.config.update(overrides)
        if "SQLALCHEMY_DATABASE_URI" in overrides and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
            # the engine's options follow the database actually used (tests name theirs)
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(
                app.config["SQLALCHEMY_DATABASE_URI"], dict(os.environ))
    os.makedirs(app.instance_path, exist_ok=True)
    _sweep_old_uploads(app)

    from portal import sqlite  # noqa: F401  (registers the SQLite connection settings)

    if app.config["PORTAL_ENV"] != "production":
        # The demo partnership uses @demo.test addresses; .test is a special-use domain that
        # email-validator refuses unless told otherwise.
        import email_validator

        email_validator.SPECIAL_USE_DOMAIN_NAMES = [
            d for d in email_validator.SPECIAL_USE_DOMAIN_NAMES if d != "test"]

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    from portal.templating import PortalTemplate, install_widget_renderer

    app.jinja_env.template_class = PortalTemplate  # before any template is loaded (templating.py)
    install_widget_renderer()
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    db.init_app(app)
    from portal import dbping

    with app.app_context():
        dbping.ping_when_idle(db.engine)  # instead of pool_pre_ping: only connections idle a while
    from sqlalchemy.orm import Session

    from portal.attendance import aggregates
    aggregates.listen(Session)  # pupils' changes rebuild their schools' dashboard cells at commit
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True,
                     render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the session is rotated at sign-in instead

    if app.config.get("PROXY_COUNT"):
        n = int(app.config["PROXY_COUNT"])
        # wrapping wsgi_app is the middleware pattern Flask documents
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _register_models()
    _register_blueprints(app)
    from portal import requestlog
    requestlog.register(app)  # first: its after_request runs last and logs the final status
    _register_request_hooks(app)
    errors.register(app)
    _register_template_helpers(app)

    from portal import cli
    cli.register(app)
    if os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        # a gunicorn worker starting (again): fail the jobs its predecessor left running
        from portal.attendance import recovery
        recovery.recover_at_start(app)
    return app


def _register_models() -> None:
    from portal import audit  # noqa: F401
    from portal.attendance import models as attendance_models  # noqa: F401
    from portal.auth import models as auth_models  # noqa: F401
    from portal.cases import models as case_models  # noqa: F401
    from portal.cme import models as cme_models  # noqa: F401
    from portal.ehe import models as ehe_models  # noqa: F401
    from portal.formal import models as formal_models  # noqa: F401
    from portal.formal_steps import models as formal_step_models  # noqa: F401
    from portal.letters import models as letter_models  # noqa: F401
    from portal.notifications import models as notification_models  # noqa: F401
    from portal.orgs import models  # noqa: F401
    from portal.panels import models as panel_models  # noqa: F401
    from portal.pupils import models as pupil_models  # noqa: F401
    from portal.quality import models as quality_models  # noqa: F401
    from portal.retention import models as retention_models  # noqa: F401
    from portal.schoolstages import models as school_stage_models  # noqa: F401
    from portal.selfassessment import models as self_assessment_models  # noqa: F401
    from portal.sweeps import models as sweep_models  # noqa: F401
    from portal.tsm import models as tsm_models  # noqa: F401


DOMAINS = ("auth", "dashboard", "orgs", "auditlog", "pupils", "attendance", "cases", "panels", "sweeps",
           "notifications", "tsm", "formal", "formal_steps", "letters", "subject_access", "retention",
           "selfassessment", "quality", "schoolstages", "ehe", "cme")


def _register_blueprints(app: Flask) -> None:
    """Each domain package defines `bp` and VIEWS, the modules whose routes join it."""
    from portal.health import bp as health_bp

    for name in DOMAINS:
        package = importlib.import_module(f"portal.{name}")
        for module in package.VIEWS:
            importlib.import_module(f"portal.{name}.{module}")
        app.register_blueprint(package.bp)
    app.register_blueprint(health_bp)


def _sweep_old_uploads(app: Flask) -> None:
    """Uploads live only as long as their job; what a crash left behind goes at start-up."""
    from portal.attendance import uploads

    try:
        uploads.sweep(os.path.join(app.instance_path, "imports"), app.config["IMPORT_ERRORS_DAYS"])
    except OSError:
        app.logger.warning("could not sweep old uploads from %s", app.instance_path, exc_info=True)


@built_once
def _user_by_id():
    from sqlalchemy.orm import joinedload

    from portal.orgs.models import User

    # with the organisation: the header, the home page and many access checks ask for it
    # and the data stamps, read here rather than by a statement of their own (portal.dataversion)
    return dataversion.with_stamps(select(User)).options(joinedload(User.organisation)).where(
        User.id == bindparam("user_id"))


@login_manager.user_loader
def _load_user(raw: str):
    user_id, _, token = (raw or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = db.session.execute(_user_by_id(), {"user_id": int(user_id)}).first()
    user = row[0] if row is not None else None
    if row is not None:
        dataversion.remember_stamps(row)
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorised():
    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if htmx:
        return "", 401, {"HX-Redirect": target}
    flash("Sign in to continue.", "info")
    return redirect(target)


ALWAYS_ALLOWED = {"auth.login", "auth.logout", "auth.change_password", "static", "health.healthz"}


def _freeze() -> None:
    gc.collect()
    gc.freeze()


CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
       "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _register_request_hooks(app: Flask) -> None:
    security_headers = tuple((name, name.lower(), value) for name, value in SECURITY_HEADERS)

    @app.before_request
    def _per_request():
        g.csp_nonce = secrets.token_urlsafe(16)
        transaction.start_request()  # before the first statement (loading the signed-in person)
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = int(time.time())
        idle_limit = app.config["SESSION_IDLE_MINUTES"] * 60
        last_seen = session.get("last_seen", 0)
        if now - last_seen > idle_limit:
            logout_user()
            session.clear()
            flash("You were signed out because you were inactive for "
                  f"{app.config['SESSION_IDLE_MINUTES']} minutes.", "info")
            target = url_for("auth.login")
            if htmx:
                return "", 401, {"HX-Redirect": target}
            return redirect(target)
        if now - last_seen >= 30:  # to the half-minute: the session cookie is not re-signed on every page
            session["last_seen"] = now
        if current_user.must_change_password and request.endpoint not in ALWAYS_ALLOWED:
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def _freeze_warm_objects(response):
        # Python's full (oldest-generation) collections walk every long-lived object: the app,
        # compiled templates, SQLAlchemy's caches. Measured on the demo: two full collections per
        # ~360 pages, each 230-380 ms, all the while the worker answers no one (the tail of the
        # load bench's p99). Once the worker has warmed up, what is alive is moved out of the
        # collector's sight (gc.freeze), after the response has gone; the full collections that
        # follow walk only what came later (about 20 ms).
        after = app.config["GC_FREEZE_AFTER"]
        state = app.extensions.setdefault("portal_gc", {"requests": 0, "frozen": False})  # one app a worker
        if after and not state["frozen"]:
            state["requests"] += 1
            if state["requests"] >= after:
                state["frozen"] = True
                response.call_on_close(_freeze)
        return response

    @app.after_request
    def _headers(response):
        nonce = getattr(g, "csp_nonce", "")
        h = response.headers
        # each unless the view set its own (as `setdefault` would, with one look at the headers)
        present = {key.lower() for key in h.keys()}
        if "content-security-policy" not in present:
            h.add("Content-Security-Policy", CSP.format(nonce=nonce))
        for name, lower, value in security_headers:
            if lower not in present:
                h.add(name, value)
        if app.config["PORTAL_ENV"] == "production" and "strict-transport-security" not in present:
            h.add(*HSTS)
        if app.config.get("MAIL_SERVER") and request.method == "POST" and response.status_code < 400:
            from portal.notifications.notify import send_outbox

            try:
                with transaction.unit():
                    send_outbox()  # e-mails queued by this request's transaction, now committed
            except Exception:  # noqa: BLE001 - mail trouble never breaks the page; the outbox keeps it
                app.logger.exception("sending e-mail failed")
        if request.endpoint != "static":
            # Nothing a signed-in person sees may be kept by the browser or a proxy.
            h["Cache-Control"] = "no-store"
            h.add("Vary", "HX-Request")
            h.add("Vary", "Cookie")
        return response


def _states() -> tuple[type, ...]:
    from portal.attendance.models import ImportStatus
    from portal.cases.models import ActionStatus, CaseStatus, ReferralStatus
    from portal.panels.models import MeetingStatus
    from portal.sweeps.models import FollowUpStatus, MatchStatus
    from portal.tsm.models import NextStep, TsmActionStatus, TsmStatus
    from portal.tsm.service import Coverage

    return (ReferralStatus, CaseStatus, ActionStatus, MeetingStatus, MatchStatus, FollowUpStatus, ImportStatus,
            TsmStatus, TsmActionStatus, NextStep, Coverage)


def _register_template_helpers(app: Flask) -> None:
    from portal import access, requestlog, templating
    from portal.attendance import calc
    from portal.forms import page_shows_errors
    from portal.timeutil import london, london_day

    app.jinja_env.filters["london"] = london
    app.jinja_env.filters["london_day"] = london_day
    app.jinja_env.filters["day"] = lambda value: value.strftime("%-d %b %Y") if value else ""
    app.jinja_env.globals["page_shows_errors"] = page_shows_errors
    app.jinja_env.globals["component"] = templating.component  # the header's furniture, rendered once
    app.jinja_env.globals["fixed_url"] = templating.fixed_url  # base.html's own links
    app.jinja_env.globals["service_navigation"] = templating.service_navigation
    app.jinja_env.globals["body_attributes"] = templating.body_attributes
    # The one shown attendance figure and the band labels with the LA's ambition (calc.py).
    app.jinja_env.globals["attendance_percent"] = calc.percent_label
    app.jinja_env.globals["band_labels"] = calc.band_labels
    # Templates compare a state to its enum's members (`case.status == CaseStatus.closed`).
    app.jinja_env.globals.update({state.__name__: state for state in _states()})

    @app.context_processor
    def _globals():
        # Every render_template (each form widget of govuk-frontend-wtf renders one) runs this:
        # work it out once per request. Kept on the request, not on `g`: an app context may
        # outlive its requests (tests; commands), and what the page shows must not.
        if has_request_context():
            cached = getattr(request, "portal_page_globals", None)
            if cached is None:
                cached = request.portal_page_globals = _work_out_globals()
            return cached
        return _work_out_globals()

    def _work_out_globals():
        # the user itself, not the `current_user` proxy: the navigation asks it ~60 questions
        user = current_user._get_current_object()
        user = user if user.is_authenticated else None
        nav_items, side_nav = ([], None) if user is None else access.page_navigation(
            user, request.endpoint, request.script_root)
        return {
            "service_name": SERVICE_NAME,
            "la_name": app.config["LA_NAME"],
            "csp_nonce": getattr(g, "csp_nonce", ""),
            "request_id": requestlog.request_id(),
            "nav_items": nav_items,
            "side_nav": side_nav,
            "can": lambda perm, obj=None: access.can(user, perm, obj),
            "unread_notifications": _unread(user),
        }

    def _unread(user) -> int:
        return access.page_flags(user)["unread"] if user is not None else 0
