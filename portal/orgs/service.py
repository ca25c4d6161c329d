"""Organisations and users: the admin use cases, each with its audit entry in the caller's
transaction (`portal.transaction`)."""
from __future__ import annotations

from sqlalchemy import func, select

from portal import audit
from portal.access import EWO, ROLE_ORG_KINDS
from portal.auth.service import hash_password
from portal.concurrency import check_version as _check_version
from portal.concurrency import flush_or_conflict as _flush
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, User

ORG_FIELDS = ("name", "kind", "urn", "phase", "named_ewo_id", "active")
USER_FIELDS = ("name", "email", "organisation_id", "role", "active", "team_manager", "cme_officer")


# ----- organisations -----------------------------------------------------------------

def _validate_org(data: dict, org: Organisation | None = None) -> None:
    errors: dict[str, str] = {}
    name_taken = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == data["name"].lower())
    )
    if name_taken and (org is None or name_taken != org.id):
        errors["name"] = "An organisation with this name already exists"
    if data["kind"] == OrgKind.school:
        if not data.get("urn"):
            errors["urn"] = "Enter the school's URN"
        else:
            urn_taken = db.session.scalar(select(Organisation.id).where(Organisation.urn == data["urn"]))
            if urn_taken and (org is None or urn_taken != org.id):
                errors["urn"] = "Another school has this URN"
        if not data.get("phase"):
            errors["phase"] = "Select the school's phase"
        ewo_id = data.get("named_ewo_id")
        if ewo_id:
            ewo = db.session.get(User, ewo_id)
            if ewo is None or ewo.role != EWO or not ewo.active:
                errors["named_ewo_id"] = "Select an active education welfare officer"
    else:
        data["urn"] = None
        data["phase"] = None
        data["named_ewo_id"] = None
    if errors:
        raise Refused(problems=errors)


def create_organisation(actor: User, data: dict) -> Organisation:
    _validate_org(data)
    org = Organisation(**{k: data.get(k) for k in ORG_FIELDS if k != "active"})
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation_created", org,
                 changes=audit.diff({}, audit.snapshot(org, ORG_FIELDS)), summary=org.name)
    db.session.flush()
    return org


def update_organisation(actor: User, org: Organisation, data: dict, expected_version: int) -> Organisation:
    _check_version(org, expected_version)
    _validate_org(data, org)
    before = audit.snapshot(org, ORG_FIELDS)
    for field in ("name", "kind", "urn", "phase", "named_ewo_id"):
        setattr(org, field, data.get(field))
    changes = audit.diff(before, audit.snapshot(org, ORG_FIELDS))
    if changes:
        audit.record(actor, "organisation_updated", org, changes=changes, summary=org.name)
    _flush(org)
    return org


def set_organisation_active(actor: User, org: Organisation, active: bool, expected_version: int) -> None:
    _check_version(org, expected_version)
    if org.active == active:
        return
    if not active:
        in_use = db.session.scalar(
            select(func.count(User.id)).where(User.organisation_id == org.id, User.active.is_(True))
        )
        if in_use:
            raise Refused(problems={"active": f"Deactivate its {in_use} active user(s) first"})
    org.active = active
    audit.record(actor, "organisation_reactivated" if active else "organisation_deactivated", org,
                 changes={"active": {"from": not active, "to": active}}, summary=org.name)
    _flush(org)


# ----- users ----------------------------------------------------------------------------

def _validate_user(data: dict, user: User | None = None) -> None:
    errors: dict[str, str] = {}
    taken = db.session.scalar(select(User.id).where(func.lower(User.email) == data["email"].lower()))
    if taken and (user is None or taken != user.id):
        errors["email"] = "A user with this e-mail address already exists"
    org = db.session.get(Organisation, data["organisation_id"]) if data.get("organisation_id") else None
    if org is None or not org.active:
        errors["organisation_id"] = "Select an active organisation"
    elif data["role"] in ROLE_ORG_KINDS and org.kind not in ROLE_ORG_KINDS[data["role"]]:
        allowed = " or ".join(k.label.lower() for k in ROLE_ORG_KINDS[data["role"]])
        errors["role"] = f"This role must belong to a {allowed} organisation"
    if user is not None and user.role == EWO and data["role"] != EWO and user.schools_served:
        errors["role"] = "This officer is the named EWO for schools: choose another EWO for them first"
    if errors:
        raise Refused(problems=errors)


def create_user(actor: User, data: dict, initial_password: str) -> User:
    data["email"] = data["email"].strip()
    _validate_user(data)
    user = User(
        name=data["name"], email=data["email"], organisation_id=data["organisation_id"],
        role=data["role"], password_hash=hash_password(initial_password), must_change_password=True,
        team_manager=bool(data.get("team_manager")) and data["role"] == EWO,
        cme_officer=bool(data.get("cme_officer")) and data["role"] == EWO,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", user,
                 changes=audit.diff({}, audit.snapshot(user, USER_FIELDS)), summary=user.email)
    db.session.flush()
    return user


def update_user(actor: User, user: User, data: dict, expected_version: int) -> User:
    _check_version(user, expected_version)
    data["email"] = data["email"].strip()
    _validate_user(data, user)
    before = audit.snapshot(user, USER_FIELDS)
    for field in ("name", "email", "organisation_id", "role"):
        setattr(user, field, data[field])
    user.team_manager = bool(data.get("team_manager")) and user.role == EWO  # an EWO's flag only
    user.cme_officer = bool(data.get("cme_officer")) and user.role == EWO  # likewise
    changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if {"role", "organisation_id"} & changes.keys():
        user.rotate_session_token()  # a change of role takes effect on every session now
    if changes:
        audit.record(actor, "user_updated", user, changes=changes, summary=user.email)
    _flush(user)
    return user


def set_user_active(actor: User, user: User, active: bool, expected_version: int) -> None:
    _check_version(user, expected_version)
    if user.active == active:
        return
    if not active and user.id == actor.id:
        raise Refused(problems={"active": "You cannot deactivate your own account"})
    if not active and user.schools_served:
        raise Refused(problems={
            "active": "This officer is the named EWO for schools: choose another EWO for them first"})
    user.active = active
    if not active:
        user.rotate_session_token()
    audit.record(actor, "user_reactivated" if active else "user_deactivated", user,
                 changes={"active": {"from": not active, "to": active}}, summary=user.email)
    _flush(user)


def reset_two_factor(actor: User, user: User, expected_version: int | None) -> None:
    """The person lost their phone (and recovery codes): their second factor and recovery
    codes go, every session of theirs ends, and they set it up again at their next sign-in
    - after their password, so a reset alone lets nobody in."""
    from portal.auth import two_factor
    from portal.notifications import notify

    _check_version(user, expected_version)
    was_enrolled = user.two_factor_enrolled
    two_factor.reset(user)
    user.rotate_session_token()
    audit.record(actor, "two_factor_reset", user,
                 summary=f"{user.email}: {'was set up' if was_enrolled else 'was not set up'}")
    notify.notify_users([user], "Your two-factor sign-in was reset by an LA administrator. You will set it up "
                                "again the next time you sign in. If you did not ask for this, tell them.", "/login")
    _flush(user)


def unlock_user(actor: User, user: User) -> None:
    user.locked_until = None
    user.failed_logins = 0
    audit.record(actor, "user_unlocked", user, summary=user.email)
    db.session.flush()
