"""What bench/load.py and bench/soak.py share: a scratch database (SQLite file or a fresh
PostgreSQL database), migrations and the demo seed through `flask`, the app under gunicorn,
and a small HTTP client (standard library only: urllib + a cookie jar) that signs in with the
password and the demo's two-factor code, carries the CSRF token and fills in forms.

Nothing here touches the application code; the server runs in a subprocess exactly as it is
deployed (`gunicorn "portal:create_app()"`)."""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO_PASSWORD = "attend-demo-2026"
SECRET_KEY = "bench-secret-key-not-for-production"
# Settings the bench server must not inherit from the caller's shell.
_SCRUBBED_ENV = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "PORT", "SESSION_IDLE_MINUTES", "DEMO_PASSWORD",
                 "DEMO_TOTP_SECRET", "REQUIRE_2FA", "PORTAL_ENV", "LOGIN_RATE_LIMIT", "PROXY_COUNT", "FLASK_APP",
                 "PAGE_CACHE_SECONDS", "PAGE_CACHE_MB",
                 "FLASK_DEBUG")

# The demo's people, one per role (README, "Demo logins").
ROLES = {
    "school_staff": "school@demo.test",
    "ewo": "ewo@demo.test",
    "la_admin": "admin@demo.test",
    "panel_chair": "panelchair@demo.test",
    "social_care": "socialcare@demo.test",
    "early_help": "earlyhelp@demo.test",
    "health": "health@demo.test",
    "police": "police@demo.test",
}


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ----- the database ------------------------------------------------------------------------

def fresh_database(db: str | None, out: Path) -> str:
    """A SQLAlchemy URL for an empty database: a new SQLite file under `out` (default), a path
    to one, or a PostgreSQL URL whose database is dropped and created afresh."""
    if not db:
        db = str(out / "portal.db")
    if "://" not in db:
        path = Path(db).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if db.startswith("sqlite"):
        path = Path(db.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return db
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(db)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(f"--db must be a SQLite path or a postgresql+psycopg URL, not {url.drivername}")
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "PORTAL_ENV": "development",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        # wrk replays the cookie of one sign-in for the whole run: the idle sign-out must not fire
        "SESSION_IDLE_MINUTES": "600",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def flask(env: dict, *args: str, timeout: int = 600) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise SystemExit(f"`flask {' '.join(args)}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def migrate_and_seed(env: dict) -> None:
    t0 = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    log(f"migrated and seeded the demo in {time.perf_counter() - t0:.1f} s")


# ----- gunicorn ----------------------------------------------------------------------------

class Server:
    """gunicorn with `workers` workers (sync, or gthread when threads > 1) on a free port."""

    def __init__(self, app: str, env: dict, log_path: Path, workers: int = 2, threads: int = 1,
                 cwd: Path = ROOT):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
               "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
               "--no-control-socket"]  # gunicorn 27's default socket path is shared by every gunicorn of the user
        if threads > 1:
            cmd += ["--threads", str(threads)]
        cmd.append(app)
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, path: str = "/healthz", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not answer {path} within {timeout} s:\n{self.log_path.read_text()}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# ----- HTTP --------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401 - urllib's hook
        return None


class Response:
    def __init__(self, status: int, headers, body: bytes, url: str):
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


class Client:
    """One signed-in person: a cookie jar, no automatic redirects (`follow` does them)."""

    def __init__(self, base: str, timeout: float = 60):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.timeout = timeout
        self.csrf: str | None = None

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None) -> Response:
        url = path if path.startswith("http") else self.base + path
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=self.timeout) as r:
                resp = Response(r.status, r.headers, r.read(), url)
        except urllib.error.HTTPError as exc:
            resp = Response(exc.code, exc.headers, exc.read(), url)
        token = csrf_token(resp.text) if "html" in (resp.headers.get("Content-Type") or "") else None
        if token:
            self.csrf = token
        return resp

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]], files: dict | None = None) -> Response:
        if files:
            body, ctype = multipart(fields, files)
        else:
            body, ctype = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {"Content-Type": ctype})

    def follow(self, resp: Response, limit: int = 5) -> Response:
        while resp.status in (301, 302, 303, 307) and limit:
            resp = self.get(resp.location)
            limit -= 1
        return resp

    def cookie(self, name: str = "portal_session") -> str | None:
        for c in self.jar:
            if c.name == name:
                return c.value
        return None


_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"'
                      r'|X-CSRFToken&#34;: &#34;([^&]+)&#34;')


def csrf_token(html: str) -> str | None:
    m = _CSRF_RE.search(html)
    return next(g for g in m.groups() if g) if m else None


def multipart(fields: list[tuple[str, str]], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----bench" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, ctype) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f'Content-Type: {ctype}\r\n\r\n'.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _FormParser(HTMLParser):
    """The fields of every <form> on a page, as a browser would send them untouched."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "fields": [], "options": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self._form["options"].setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form["options"].setdefault(self._select, []).append(value)
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self._form["fields"].append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].append((name, ""))

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form["fields"].append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def find_form(html: str, action_re: str, page: str = "") -> dict | None:
    """The first form whose action matches `action_re` (a regular expression); a form without
    an action posts to its own page, `page`."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = form["action"] or page
        if re.search(action_re, form["action"]):
            return form
    return None


def fill(form: dict, **values) -> list[tuple[str, str]]:
    """The form's fields with some replaced (a list value sends the name several times). A
    key also names a field with a form prefix (`text` is `entry-text` on the case page)."""
    names = {k for k, _ in form["fields"]} | set(form["options"])
    values = {next((n for n in sorted(names) if n.endswith("-" + k)), k) if k not in names else k: v
              for k, v in values.items()}
    fields = [(k, v) for k, v in form["fields"] if k not in values]
    for k, v in values.items():
        if isinstance(v, (list, tuple)):
            fields += [(k, str(x)) for x in v]
        elif v is not None:
            fields.append((k, str(v)))
    return fields


# ----- signing in --------------------------------------------------------------------------

_LAST_STEP: dict[str, int] = {}


def security_code(email: str) -> str:
    """The demo user's current code (the demo secret), never one already used: the portal
    accepts a code once, and one step ahead at most."""
    import pyotp

    from portal.config import DEMO_TOTP_SECRET

    step = int(time.time() // 30)
    last = _LAST_STEP.get(email)
    if last is not None and step <= last:
        step = last + 1
        wait = (step - 1) * 30 - time.time()
        if wait > 0:
            time.sleep(wait + 0.2)
    _LAST_STEP[email] = step
    return pyotp.TOTP(os.environ.get("DEMO_TOTP_SECRET") or DEMO_TOTP_SECRET).at(step * 30)


def sign_in(base: str, email: str, password: str = DEMO_PASSWORD) -> Client:
    """Sign in through the forms, as a browser does: password, then the security code."""
    client = Client(base)
    page = client.get("/login")
    form = find_form(page.text, r"/login$") or {"fields": [("csrf_token", client.csrf or "")]}
    resp = client.post("/login", fill(form, email=email, password=password))
    if resp.status not in (302, 303) or not (resp.location or "").endswith("/login/code"):
        raise SystemExit(f"sign-in of {email}: expected the security-code step, got {resp.status} {resp.location}")
    page = client.get("/login/code")
    form = find_form(page.text, r"/login/code$", "/login/code")
    resp = client.post("/login/code", fill(form, code=security_code(email)))
    if resp.status not in (302, 303):
        raise SystemExit(f"sign-in of {email}: the security code was refused ({resp.status})")
    home = client.follow(resp)
    if home.status != 200:
        raise SystemExit(f"sign-in of {email}: home page answered {home.status}")
    return client


def log_problems(text: str) -> dict:
    """What a server log shows went wrong: requests that ended in an exception (a 500), with
    their paths, how many of them were SQLite's 'database is locked', and tracebacks (one
    failure may print a chained pair)."""
    failed = re.findall(r"Exception on (\S+) \[(\w+)\]", text)
    return {
        "exceptions": len(failed),
        "exception_paths": sorted({f"{method} {path}" for path, method in failed}),
        "database_is_locked": len(re.findall(r"OperationalError\) database is locked", text)),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
    }
