"""Signing in, lockout and passwords."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from portal import audit
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import as_utc, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A real hash to verify against when the e-mail is unknown, so timing does not reveal
    it (made on first use, not at import: argon2 takes 64 MiB while hashing)."""
    return _hasher.hash("not-a-real-password-used-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclasses.dataclass
class LoginResult:
    user: User | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> LoginResult:
    """Check a sign-in attempt, counting failures and locking the account after five.

    Writes the audit entries and commits: a failed attempt must be recorded even though
    the request shows an error.
    """
    user = find_user_by_email(email)
    now = utcnow()
    if user is None:
        verify_password(_dummy_hash(), password)
        audit.record(None, "login_failed", summary="unknown e-mail address",
                     actor_label=f"unknown <{email.strip()[:200]}>")
        db.session.commit()
        return LoginResult()

    if user.locked_until is not None and as_utc(user.locked_until) > now:
        audit.record(user, "login_refused_locked", user, summary="attempt while locked")
        db.session.commit()
        return LoginResult(locked_until=as_utc(user.locked_until))

    if not verify_password(user.password_hash, password) or not user.active:
        if user.active:
            user.failed_logins += 1
        audit.record(user, "login_failed", user,
                     summary="account deactivated" if not user.active else "wrong password")
        result = LoginResult()
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            audit.record(user, "account_locked", user,
                         summary=f"locked for {int(LOCKOUT.total_seconds() // 60)} minutes "
                                 f"after {MAX_FAILED_LOGINS} failed attempts")
            result.locked_until = user.locked_until
        db.session.commit()
        return result

    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(user, "login", user)
    db.session.commit()
    return LoginResult(user=user)


def logout(user: User) -> None:
    """End every session of this user (the cookie's token no longer matches)."""
    user.rotate_session_token()
    audit.record(user, "logout", user)
    db.session.commit()


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
    user.rotate_session_token()
    audit.record(user, "password_changed", user)
    db.session.commit()
