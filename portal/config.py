"""Settings from environment variables, with safe defaults for the embedded mode."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not allow the app to start safely."""


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _flag(env: dict, name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off (1/0, true/false), not {raw!r}")


# The demo's shared authenticator secret (base32). Development only: `seed-demo` enrols the
# demo users with it and `flask demo-code EMAIL` prints their current code.
DEMO_TOTP_SECRET = "ATTENDANCEPARTNERSHIPDEMOTOTPKEY"


def engine_options(database_url: str, env: dict) -> dict:
    """PostgreSQL: each connection plans with PG_RANDOM_PAGE_COST (default 1.1, for data on SSD or
    in memory, not PostgreSQL's 4.0 for spinning disks): a school's figures then read its pupils'
    weeks by the primary key instead of scanning every pupil's weeks of the LA (16 ms -> 7 ms on
    the demo). Set it to 4 to keep PostgreSQL's own default."""
    # No pool_pre_ping: connections idle for a while are pinged instead (portal.dbping)
    options: dict = {}
    if database_url.startswith("postgresql"):
        cost = env.get("PG_RANDOM_PAGE_COST") or "1.1"
        try:
            float(cost)
        except ValueError:
            raise ConfigError(f"PG_RANDOM_PAGE_COST must be a number, not {cost!r}") from None
        # connect_args replace the URL's own `options` (a search_path, say): keep those first
        from sqlalchemy.engine import make_url

        given = dict(make_url(database_url).query).get("options") or ""
        given = " ".join(given) if isinstance(given, tuple) else given
        options["connect_args"] = {"options": f"{given} -c random_page_cost={cost}".strip()}
    return options


def load(env: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment."""
    env = dict(os.environ if env is None else env)
    production = env.get("PORTAL_ENV", "development") == "production"
    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when PORTAL_ENV=production")
        secret = _dev_secret()
    instance = ROOT / "instance"
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    redis_url = env.get("REDIS_URL") or None
    return {
        "PORTAL_ENV": "production" if production else "development",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, env),
        "REDIS_URL": redis_url,
        "PORT": _int(env, "PORT", 5000),
        "PROXY_COUNT": _int(env, "PROXY_COUNT", 0),
        "PANEL_ACCESS_DAYS": _int(env, "PANEL_ACCESS_DAYS", 7),
        "IMPORT_ERRORS_DAYS": _int(env, "IMPORT_ERRORS_DAYS", 7),
        # an import job with no heartbeat for this long is taken to have stopped (recovery.py)
        "IMPORT_STALE_MINUTES": _int(env, "IMPORT_STALE_MINUTES", 10),
        # at most this often the import pages look for stopped jobs (0: only at start-up and the command)
        "IMPORT_RECOVERY_SECONDS": _int(env, "IMPORT_RECOVERY_SECONDS", 60),
        "IMPORT_JOB_TIMEOUT": _int(env, "IMPORT_JOB_TIMEOUT", 3600),
        # a marks import merges this many pupils per write transaction (SQLite: the write lock
        # is held for one chunk at a time), pausing this long between chunks for other writers
        "IMPORT_CHUNK_PUPILS": _int(env, "IMPORT_CHUNK_PUPILS", 2000),
        "IMPORT_CHUNK_PAUSE_MS": _int(env, "IMPORT_CHUNK_PAUSE_MS", 120),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_FROM": env.get("MAIL_FROM") or "no-reply@attendance.invalid",
        "SESSION_IDLE_MINUTES": _int(env, "SESSION_IDLE_MINUTES", 30),
        # after this many requests a process freezes what is alive for the garbage collector (0: never)
        "GC_FREEZE_AFTER": _int(env, "GC_FREEZE_AFTER", 200),
        # a page rendered for a person is answered again to the same person, unchanged, for at most
        # this many seconds while nothing is written (portal.pagecache; 0: never); at most
        # PAGE_CACHE_MB of pages per process
        "PAGE_CACHE_SECONDS": _int(env, "PAGE_CACHE_SECONDS", 30),
        "PAGE_CACHE_MB": _int(env, "PAGE_CACHE_MB", 8),
        "DEMO_PASSWORD": env.get("DEMO_PASSWORD") or "attend-demo-2026",
        "DEMO_TOTP_SECRET": env.get("DEMO_TOTP_SECRET") or DEMO_TOTP_SECRET,
        "REQUIRE_2FA": _flag(env, "REQUIRE_2FA", True),
        "PASSWORD_CHANGE_RATE_LIMIT": env.get("PASSWORD_CHANGE_RATE_LIMIT") or "10 per minute",
        "LA_NAME": env.get("LA_NAME") or "Demo Borough Council",
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT") or "30 per minute",
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # documents attached to cases: outside the web root, under random names (portal.cases.documents)
        "DOCUMENTS_DIR": env.get("DOCUMENTS_DIR") or str(instance / "documents"),
        "MAX_DOCUMENT_BYTES": _int(env, "MAX_DOCUMENT_BYTES", 10 * 1024 * 1024),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "portal_session",
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }


def _dev_secret() -> str:
    """A per-checkout random key for development, kept under instance/ so restarts keep sessions."""
    path = ROOT / "instance" / ".dev-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        return key
