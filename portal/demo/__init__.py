"""The demo partnership, "Demo Borough". Idempotent: running it again changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from portal import access, audit
from portal.auth.service import hash_password
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, SchoolPhase, User

SCHOOLS = [
    ("Riverside Primary School", "100001", SchoolPhase.primary),
    ("Oakfield Academy", "100002", SchoolPhase.secondary),
    ("St Mary's Church of England Primary School", "100003", SchoolPhase.primary),
    ("Hillview High School", "100004", SchoolPhase.secondary),
    ("Meadow Lane Primary School", "100005", SchoolPhase.primary),
    ("Northgate Community College", "100006", SchoolPhase.secondary),
    ("Brookside Special School", "100007", SchoolPhase.special),
    ("The Bridge Alternative Provision Academy", "100008", SchoolPhase.alternative_provision),
]
AGENCIES = [
    ("Demo Borough Attendance Service", OrgKind.attendance_service),
    ("Demo Borough Children's Social Care", OrgKind.social_care),
    ("Demo Borough Early Help", OrgKind.early_help),
    ("Demo Constabulary, Demo Borough Neighbourhood Policing", OrgKind.police),
    ("Demo Borough School Nursing Service", OrgKind.health),
]
# (e-mail, name, role, organisation name)
USERS = [
    ("admin@demo.test", "Alex Admin", access.LA_ADMIN, "Demo Borough Attendance Service"),
    ("ewo@demo.test", "Erin Walsh", access.EWO, "Demo Borough Attendance Service"),
    ("ewo2@demo.test", "Omar Khan", access.EWO, "Demo Borough Attendance Service"),
    ("school@demo.test", "Sam Patel", access.SCHOOL_STAFF, SCHOOLS[0][0]),
    ("school2@demo.test", "Jo Mensah", access.SCHOOL_STAFF, SCHOOLS[1][0]),
    ("socialcare@demo.test", "Priya Shah", access.SOCIAL_CARE, "Demo Borough Children's Social Care"),
    ("earlyhelp@demo.test", "Ellie Hughes", access.EARLY_HELP, "Demo Borough Early Help"),
    ("health@demo.test", "Hannah Okoro", access.HEALTH, "Demo Borough School Nursing Service"),
    ("police@demo.test", "PC Dan Reid", access.POLICE, "Demo Constabulary, Demo Borough Neighbourhood Policing"),
    ("panelchair@demo.test", "Chris Morgan", access.PANEL_CHAIR, "Demo Borough Attendance Service"),
]


def demo_logins() -> list[tuple[str, str]]:
    return [(email, role) for email, _, role, _ in USERS]


def _enrol_demo_users(totp_secret: str | None) -> int:
    """Give every demo user the demo authenticator secret (development only), so a newcomer
    signs in with `flask demo-code EMAIL` instead of setting up an app for each role."""
    if not totp_secret:
        return 0
    from portal.timeutil import utcnow

    emails = [email for email, *_ in USERS]
    enrolled = 0
    for user in db.session.scalars(select(User).where(User.email.in_(emails))):
        if not user.two_factor_enrolled:
            user.totp_secret = totp_secret
            user.totp_enrolled_at = utcnow()
            enrolled += 1
    db.session.commit()
    return enrolled


def seed_demo(password: str, today=None, totp_secret: str | None = None, last_year: str = "term") -> bool:
    """Create Demo Borough if it is not there. Returns True when anything was created.
    The demo users' second factor is set up with `totp_secret` (default: DEMO_TOTP_SECRET).
    Last academic year's marks go up to the end of the same term ("term", the default: every
    comparison with the same period last year has data, and the seed stays quick), through
    the whole year ("year": `flask seed-demo`'s default) or are left out ("none")."""
    from flask import current_app

    totp_secret = totp_secret or current_app.config["DEMO_TOTP_SECRET"]
    from portal.demo.pupils import seed_pupils
    from portal.timeutil import today as london_today

    today = today or london_today()
    from portal.demo.cases import seed_cases
    from portal.demo.cme import seed_cme
    from portal.demo.ehe import seed_ehe
    from portal.demo.formal import seed_formal
    from portal.demo.letters import seed_letters
    from portal.demo.panels import seed_panels
    from portal.demo.quality import seed_quality
    from portal.demo.schoolstages import seed_school_stages
    from portal.demo.selfassessment import seed_self_assessments
    from portal.demo.steps import seed_steps
    from portal.demo.sweeps import seed_sweeps
    from portal.demo.tsm import seed_tsm

    if db.session.scalar(select(User.id).where(User.email == "admin@demo.test")) is not None:
        # a partnership seeded before pupils or cases existed gets them now
        added = _enrol_demo_users(totp_secret) > 0
        added = seed_pupils(today, last_year) > 0 or added
        added = seed_cases(today) > 0 or added
        added = seed_panels(today) > 0 or added
        added = seed_tsm(today) > 0 or added
        added = seed_formal(today) > 0 or added
        added = seed_steps(today) > 0 or added
        added = seed_letters(today) > 0 or added
        added = seed_self_assessments(today) > 0 or added
        added = seed_quality() > 0 or added
        added = seed_school_stages(today) > 0 or added
        added = seed_ehe(today) > 0 or added
        added = seed_sweeps(today) > 0 or added
        return seed_cme(today) > 0 or added
    orgs: dict[str, Organisation] = {}
    for name, urn, phase in SCHOOLS:
        orgs[name] = Organisation(name=name, kind=OrgKind.school, urn=urn, phase=phase)
    for name, kind in AGENCIES:
        orgs[name] = Organisation(name=name, kind=kind)
    db.session.add_all(orgs.values())
    db.session.flush()
    hashed = hash_password(password)  # one hash for all demo users keeps the seed fast
    users: dict[str, User] = {}
    for email, name, role, org_name in USERS:
        users[email] = User(email=email, name=name, role=role, organisation=orgs[org_name],
                            password_hash=hashed)
    db.session.add_all(users.values())
    db.session.flush()
    for i, (name, _, _) in enumerate(SCHOOLS):
        orgs[name].named_ewo = users["ewo@demo.test"] if i < 4 else users["ewo2@demo.test"]
    audit.record(None, "demo_seeded", summary="Demo Borough created", actor_label="seed-demo")
    db.session.commit()
    _enrol_demo_users(totp_secret)
    seed_pupils(today, last_year)
    seed_cases(today)
    seed_panels(today)
    seed_tsm(today)
    seed_formal(today)
    seed_steps(today)
    seed_letters(today)
    seed_self_assessments(today)
    seed_school_stages(today)
    seed_sweeps(today)
    seed_quality()
    seed_ehe(today)
    seed_cme(today)
    return True
