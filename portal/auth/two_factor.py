"""Two-factor sign-in: a TOTP code (RFC 6238) from an authenticator app after the password,
or one of ten one-use recovery codes.

A code is accepted for the current 30-second step and one step either side (clock drift),
and never twice: each user keeps the last step accepted, so a code seen over someone's
shoulder, or replayed from a captured request, is refused. Recovery codes are 80-bit
random strings stored only as SHA-256 hashes (their length, not a slow hash, protects
them) and are shown to their owner once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, select

from portal.auth.models import RecoveryCode
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import LONDON, utcnow

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
ISSUER = "Attendance Partnership Portal"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed safely


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn here: no external service)."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code",
        title="QR code for your authenticator app", omitsize=False)


def normalise_code(raw: str | None) -> str:
    return "".join((raw or "").split())


def looks_like_code(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def next_unused_code(user: User, now: float | None = None) -> tuple[str, datetime]:
    """The code the portal will accept next (the current step's, or a later one within the
    drift when the current one was used), and when it stops being accepted (London time).
    For the demo's `demo-code` and the tests' sign-in: what a person reads from their app."""
    if user.totp_secret is None:
        raise ValueError("no authenticator set up")
    now = time.time() if now is None else now
    step = current_step(now)
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    if step > current_step(now) + DRIFT_STEPS:
        raise ValueError("no unused code until the next 30 seconds")
    valid_until = datetime.fromtimestamp((step + DRIFT_STEPS + 1) * STEP_SECONDS, LONDON)
    return code_at(user.totp_secret, step), valid_until


def start_enrolment(user: User) -> str:
    """The secret to show on the set-up page: kept while set-up is unfinished, so reloading
    the page shows the same QR code."""
    if user.totp_secret is None or user.totp_enrolled_at is not None:
        user.totp_secret = new_secret()
        user.totp_last_step = None
    return user.totp_secret


def accept_code(user: User, raw: str, now: float | None = None) -> bool:
    """True when `raw` is the user's code for now (±1 step) and newer than any code already
    accepted; records the step so the same code cannot be used again."""
    code = normalise_code(raw)
    if user.totp_secret is None or not looks_like_code(code):
        return False
    now_step = current_step(now)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(user.totp_secret, step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # replayed (or an older code than one already used)
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(user: User) -> list[str]:
    """Set-up finished with a good code: the factor is on; returns the new recovery codes."""
    user.totp_enrolled_at = utcnow()
    return new_recovery_codes(user)


def reset(user: User) -> None:
    """Turn the second factor off (an administrator's reset): the user sets it up again."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_recovery(raw: str | None) -> str:
    return "".join(ch for ch in (raw or "").lower() if ch not in " -\t\r\n")


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; the plain codes exist only in
    the returned list (to show once)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))  # 16 × log2(31) ≈ 79 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def use_recovery_code(user: User, raw: str) -> bool:
    code = _normalise_recovery(raw)
    if len(code) != 16 or not code.isascii():
        return False
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())
