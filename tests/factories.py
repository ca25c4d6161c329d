"""Build the world the tests talk about: a borough, its schools, agencies and people."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

from portal import access
from portal.auth.service import hash_password
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, SchoolPhase, User
from portal.timeutil import utcnow
from tests.pages import DEFAULT_PASSWORD, TEST_TOTP_SECRET

_seq = itertools.count(1)


@lru_cache(maxsize=None)
def _hash(password: str) -> str:
    return hash_password(password)


def make_org(kind: OrgKind = OrgKind.school, name: str | None = None, flush: bool = True, **kw) -> Organisation:
    n = next(_seq)
    if kind == OrgKind.school:
        kw.setdefault("urn", f"{200000 + n}")
        kw.setdefault("phase", SchoolPhase.secondary)
    org = Organisation(name=name or f"{kind.value.replace('_', ' ').title()} {n}", kind=kind, **kw)
    db.session.add(org)
    if flush:
        db.session.flush()
    return org


def make_user(role: str, org: Organisation, email: str | None = None, password: str = DEFAULT_PASSWORD,
              two_factor: bool = True, flush: bool = True, **kw) -> User:
    """A user; with `two_factor` (the default) their authenticator app is already set up
    with TEST_TOTP_SECRET, as anyone who has signed in before."""
    n = next(_seq)
    if two_factor:
        kw.setdefault("totp_secret", TEST_TOTP_SECRET)
        kw.setdefault("totp_enrolled_at", utcnow())
    user = User(name=kw.pop("name", f"{role.replace('_', ' ').title()} {n}"),
                email=email or f"{role}{n}@test.example", role=role, organisation=org,
                password_hash=_hash(password), **kw)
    db.session.add(user)
    if flush:
        db.session.flush()
    return user


@dataclass
class World:
    school_a: Organisation
    school_b: Organisation
    service: Organisation
    social_care_org: Organisation
    early_help_org: Organisation
    police_org: Organisation
    health_org: Organisation
    users: dict[str, User] = field(default_factory=dict)

    def user(self, key: str) -> User:
        return self.users[key]


def build_world() -> World:
    """The borough: added together and written in one flush (a batched INSERT per table, in
    the order made here, so the ids are as if each had been flushed in turn)."""
    w = World(
        school_a=make_org(OrgKind.school, "School A", flush=False),
        school_b=make_org(OrgKind.school, "School B", flush=False),
        service=make_org(OrgKind.attendance_service, "Attendance Service", flush=False),
        social_care_org=make_org(OrgKind.social_care, "Social Care", flush=False),
        early_help_org=make_org(OrgKind.early_help, "Early Help", flush=False),
        police_org=make_org(OrgKind.police, "Police", flush=False),
        health_org=make_org(OrgKind.health, "School Nursing", flush=False),
    )
    u = w.users
    for key, role, org, email in (
        (access.SCHOOL_STAFF, access.SCHOOL_STAFF, w.school_a, "school.a@test.example"),
        ("school_staff_b", access.SCHOOL_STAFF, w.school_b, "school.b@test.example"),
        (access.EWO, access.EWO, w.service, "ewo.a@test.example"),
        ("ewo_b", access.EWO, w.service, "ewo.b@test.example"),
        (access.SOCIAL_CARE, access.SOCIAL_CARE, w.social_care_org, "sc@test.example"),
        (access.EARLY_HELP, access.EARLY_HELP, w.early_help_org, "eh@test.example"),
        (access.HEALTH, access.HEALTH, w.health_org, "health@test.example"),
        (access.POLICE, access.POLICE, w.police_org, "police@test.example"),
        (access.PANEL_CHAIR, access.PANEL_CHAIR, w.service, "chair@test.example"),
        (access.LA_ADMIN, access.LA_ADMIN, w.service, "admin@test.example"),
    ):
        u[key] = make_user(role, org, email, flush=False)
    db.session.flush()
    w.school_a.named_ewo = u[access.EWO]
    w.school_b.named_ewo = u["ewo_b"]
    db.session.commit()
    return w


def make_pupil(school: Organisation, forename: str = "Sam", surname: str | None = None, **kw):
    from datetime import date

    from portal.pupils.models import Enrolment, Pupil
    from portal.pupils.upn import make_upn

    n = next(_seq)
    values = dict(upn=make_upn(f"{7000 + n // 1000:04d}", 20, n % 1000),
                  legal_forename=forename, legal_surname=surname or f"Pupil{n}",
                  date_of_birth=date(2015, 5, 1), nc_year=6, school_id=school.id, on_roll_from=date(2025, 9, 1))
    values.update(kw)
    pupil = Pupil(**values)
    pupil.refresh_search_text()
    pupil.enrolments.append(Enrolment(school_id=pupil.school_id, start_date=pupil.on_roll_from))
    db.session.add(pupil)
    db.session.flush()
    return pupil


def make_import_job(user: User, school: Organisation | None, kind: str = "marks", status: str = "done"):
    from portal.attendance.models import ImportJob

    job = ImportJob(kind=kind, school_id=school.id if school else None, uploaded_by_id=user.id,
                    filename="test.csv", path="/nonexistent/test.csv", status=status)
    db.session.add(job)
    db.session.flush()
    return job
