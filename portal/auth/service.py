"""Signing in (the password step), lockout and passwords. The second step is in two_factor."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import func, select

from portal import audit, transaction
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import User
from portal.timeutil import as_utc, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12

_PRODUCTION_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Tests hash and verify thousands of passwords: a cheap setting there, never in production.
_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("TESTING"):
        return _TEST_HASHER
    return _PRODUCTION_HASHER


@lru_cache(maxsize=2)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A real hash to verify against when the e-mail is unknown, so timing does not reveal
    it (made on first use, not at import: argon2 takes 64 MiB while hashing)."""
    return hasher.hash("not-a-real-password-used-for-timing")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclasses.dataclass
class LoginResult:
    user: User | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > (now or utcnow())


def authenticate(email: str, password: str) -> LoginResult:
    """Check the password step of a sign-in.

    A wrong password, an unknown address, a deactivated and a locked account all come back
    the same (no user) after the same work - one password hash verified and one audit row
    written - so neither the answer nor its timing tells which it was. Failures count
    towards the lockout. Writes the audit entries, kept (`transaction.keep`): a failed
    attempt must be recorded even though the request shows an error. A good password does not
    sign in by itself: `complete_sign_in` does, after the second step.
    """
    user = find_user_by_email(email)
    if user is None:
        verify_password(_dummy_hash(_hasher()), password)
        audit.record(None, "login_failed", summary="unknown e-mail address",
                     actor_label=f"unknown <{email.strip()[:200]}>")
        transaction.keep()
        return LoginResult()

    password_ok = verify_password(user.password_hash, password)  # also when locked: same timing
    if is_locked(user):
        audit.record(user, "login_refused_locked", user, summary="attempt while locked")
    elif not user.active:
        audit.record(user, "login_failed", user, summary="account deactivated")
    elif not password_ok:
        record_failure(user, "login_failed", "wrong password")
    else:
        if _hasher().check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        db.session.flush()
        return LoginResult(user=user)
    transaction.keep()
    return LoginResult()


def record_failure(user: User, verb: str, summary: str) -> bool:
    """Count a failed attempt (a wrong password or second-factor code, or a wrong current
    password when changing it); the fifth in a row locks the account for 15 minutes and
    tells its owner. Returns True when this attempt locked it. Kept even though the request
    answers with an error (`transaction.keep`)."""
    user.failed_logins += 1
    audit.record(user, verb, user, summary=summary)
    if user.failed_logins < MAX_FAILED_LOGINS:
        transaction.keep()
        return False
    user.locked_until = utcnow() + LOCKOUT
    user.failed_logins = 0
    minutes = int(LOCKOUT.total_seconds() // 60)
    audit.record(user, "account_locked", user,
                 summary=f"locked for {minutes} minutes after {MAX_FAILED_LOGINS} failed attempts")
    # The owner hears about it (the sign-in page no longer says so, to anybody).
    notify.notify_users(
        [user],
        f"Your account was locked for {minutes} minutes after {MAX_FAILED_LOGINS} failed attempts to sign in "
        "or confirm who you are. If this was not you, tell your LA administrator.",
        "/login")
    transaction.keep()
    return True


def complete_sign_in(user: User, how: str) -> None:
    """Both steps done (or the one step, where two-factor is not required): the person is in."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit.record(user, "login", user, summary=how)
    db.session.flush()


def logout(user: User) -> None:
    """End every session of this user (the cookie's token no longer matches)."""
    user.rotate_session_token()
    audit.record(user, "logout", user)
    db.session.flush()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = files("portal.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, user: User | None = None) -> str | None:
    """Why a new password is not acceptable, or None if it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return "Password is too common – choose one that is harder to guess"
    if user is not None:
        local = user.email.split("@", 1)[0].lower()
        if len(local) >= 4 and local in lowered:
            return "Password must not contain your e-mail address"
    return None


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.failed_logins = 0
    user.rotate_session_token()
    audit.record(user, "password_changed", user)
    db.session.flush()
