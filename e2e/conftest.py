"""End-to-end journeys: the real app under gunicorn, a fresh seeded database, Chromium.

The server runs in a subprocess exactly as in production (migrations, then gunicorn), on a
free 127.0.0.1 port. Its database is a new SQLite file, or, when TEST_DATABASE_URL names a
PostgreSQL database, a separate database `<name>_e2e` on the same server, created afresh
for the run and dropped afterwards.

Chromium is Debian's (`/usr/bin/chromium`, or CHROMIUM_PATH); when neither exists,
Playwright's own browser is used. Never run `playwright install` on the build machines.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, Response, expect

ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = Path(__file__).resolve().parent

DEMO_PASSWORD = "attend-demo-2026"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_TIMEOUT = 30  # seconds for /healthz to answer 200
ACTION_TIMEOUT_MS = 10_000  # fail fast instead of Playwright's 30 s default

# Settings the server must not inherit from the caller's shell: the journeys assume the
# defaults (demo password, in-memory rate limits, no proxy, development mode).
_SCRUBBED_ENV = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "PORT", "SESSION_IDLE_MINUTES",
                 "DEMO_PASSWORD", "DEMO_TOTP_SECRET", "REQUIRE_2FA", "PORTAL_ENV", "LOGIN_RATE_LIMIT", "PROXY_COUNT",
                 "FLASK_APP", "FLASK_DEBUG")


# ----- marking --------------------------------------------------------------------------

@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m "not e2e"` skips these
def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# ----- the browser -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = dict(browser_type_launch_args)
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if os.path.isfile(path):
        args["executable_path"] = path
    args["args"] = [*args.get("args", []), *CHROMIUM_FLAGS]
    return args


@pytest.fixture(autouse=True)
def _fail_fast(request):
    """Shorter action timeouts on the page, when the test uses one."""
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(ACTION_TIMEOUT_MS)


# ----- the server ------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_dsn(url) -> str:
    """A libpq URL for the server's `postgres` database (to create and drop databases)."""
    return url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def _recreate_postgres_database(test_url: str) -> tuple[str, Callable[[], None]]:
    """Create `<db>_e2e` beside TEST_DATABASE_URL's database; return its URL and a dropper."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(test_url)
    if not url.drivername.startswith("postgresql"):
        raise pytest.UsageError(f"TEST_DATABASE_URL must be a postgresql+psycopg URL, not {url.drivername}")
    name = f"{url.database}_e2e"
    admin = _admin_dsn(url)

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    drop()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    app_url = url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    return app_url, drop


_SERVER_ENV: dict[str, str] = {}  # the e2e server's environment, for `flask` commands beside it


def _run_flask(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"`flask {' '.join(args)}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}",
                    pytrace=False)
    return result.stdout


def server_database_url() -> str:
    """The e2e server's database (a journey may move a meeting's start to now, as the HTTP
    tests do, instead of waiting for the clock)."""
    return _SERVER_ENV["DATABASE_URL"]


def demo_code(email: str) -> str:
    """`flask --app portal demo-code EMAIL`, as the README tells a newcomer, against the e2e
    server's database."""
    code = _run_flask(_SERVER_ENV, "demo-code", email).strip()
    _LAST_STEP[email.lower()] = int(time.time() // 30) + 1  # at most one step ahead was printed
    return code


def _wait_until_healthy(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"status {response.status}"
        except urllib.error.HTTPError as exc:
            last_error = f"status {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.2)
    output = log_path.read_text(errors="replace") if log_path.exists() else ""
    status = f"exited with {proc.returncode}" if proc.poll() is not None else f"still running ({last_error})"
    pytest.fail(f"The e2e server did not become healthy at {url} within {STARTUP_TIMEOUT} s: {status}.\n"
                f"--- server output ---\n{output}--- end of server output ---", pytrace=False)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()  # gunicorn: graceful shutdown of the workers
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app, migrated and seeded, under gunicorn on a free port. Yields its base URL."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    drop_database = None
    test_url = os.environ.get("TEST_DATABASE_URL")
    if test_url:
        database_url, drop_database = _recreate_postgres_database(test_url)
    else:
        database_url = f"sqlite:///{workdir / 'portal-e2e.db'}"

    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "PORTAL_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    })
    _SERVER_ENV.clear()
    _SERVER_ENV.update(env)
    _run_flask(env, "db", "upgrade")
    _run_flask(env, "seed-demo")

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
             "portal:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(f"{base}/healthz", proc, log_path)
        yield base
    finally:
        _stop(proc)
        if drop_database is not None:
            try:
                drop_database()
            except Exception as exc:  # noqa: BLE001 - a leftover database is not a test failure
                print(f"could not drop the e2e database: {exc}", file=sys.stderr)


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright's base_url, pointing at our server (so page.goto("/users") works)."""
    return live_server


# ----- helpers ---------------------------------------------------------------------------

# e-mail -> authenticator secret, for people a journey sets up (the demo users share the
# demo secret, DEMO_TOTP_SECRET's documented default); and the last step each one used: the
# portal accepts a code once (and one step ahead), so a person signing in a third time within
# 30 seconds would wait for the next code. The journeys do not wait: the server's record of
# the last step used is wound back, as waiting would leave it (as the HTTP tests'
# `current_code` does; the refusal of a used code is tested there with real reuse).
_SECRETS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def _wind_back_last_step(email: str, step: int) -> None:
    """The e2e server's record of the last code `email` used: `step`."""
    from sqlalchemy import create_engine, func, update

    from portal.orgs.models import User

    users = User.__table__
    engine = create_engine(server_database_url())
    try:
        with engine.begin() as conn:
            conn.execute(update(users).where(func.lower(users.c.email) == email).values(totp_last_step=step))
    finally:
        engine.dispose()


def remember_secret(email: str, secret: str) -> None:
    _SECRETS[email.lower()] = secret.replace(" ", "")


def security_code(email: str) -> str:
    """What the person's authenticator app shows now (a code not used yet)."""
    import pyotp

    from portal.config import DEMO_TOTP_SECRET

    key = email.lower()
    step = int(time.time() // 30)
    last = _LAST_STEP.get(key)
    if last is not None and step <= last:
        if last == step:
            step += 1  # the portal accepts one step ahead
        else:  # the next code is two steps ahead: as if the person had waited
            _wind_back_last_step(key, step - 1)
    _LAST_STEP[key] = step
    return pyotp.TOTP(_SECRETS.get(key, DEMO_TOTP_SECRET)).at(step * 30)


def login(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> Response | None:
    """Sign in through the form: the password, then the security code when asked for it.
    Returns the response of the page the browser landed on."""
    if "/login" not in page.url:
        page.goto(f"{base_url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    if not page.url.endswith("/login/code"):
        return navigation.value  # refused, or a first sign-in's set-up page
    expect(page.locator("h1")).to_have_text("Enter your security code")
    page.get_by_label("Security code").fill(security_code(email))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Continue").click()
    return navigation.value


def sign_out(page: Page) -> Response | None:
    """Press the Sign out button in the header."""
    account = page.locator(".app-header__account")
    with page.expect_navigation() as navigation:
        account.get_by_role("button", name="Sign out").click()
    return navigation.value


def open_from_navigation(page: Page, name: str) -> None:
    """Go to a page by the navigation, as a person would: its link in the header when the page is a
    section of its own, else its section in the header and then the page in the section navigation."""
    from portal.access.navigation import SECTIONS

    nav = page.locator(".govuk-service-navigation__list")
    direct = nav.get_by_role("link", name=name, exact=True)
    if not direct.count():
        section = next(label for label, pages in SECTIONS if any(p.label == name for p in pages))
        with page.expect_navigation():
            nav.get_by_role("link", name=section, exact=True).click()
        direct = page.locator(".app-sub-nav").get_by_role("link", name=name, exact=True)
    # Back once the page has loaded: htmx wires its elements up when the document is parsed, so
    # text typed into an active-search box before then would fetch nothing.
    with page.expect_navigation():
        direct.click()


def fill_date(scope, legend: str, day) -> None:
    """Type a date into a GOV.UK date input (the fieldset named by its legend): day, month, year."""
    group = scope.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))
