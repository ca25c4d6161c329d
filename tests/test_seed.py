"""The demo partnership."""
from __future__ import annotations

from sqlalchemy import func, select

from portal import access
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, SchoolPhase, User
from portal.seed import seed_demo


def test_seed_creates_demo_borough_once(client):
    assert seed_demo("attend-demo-2026") is True
    assert seed_demo("attend-demo-2026") is False
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)).all()
    assert len(schools) == 8
    phases = {s.phase for s in schools}
    assert {SchoolPhase.primary, SchoolPhase.secondary, SchoolPhase.special,
            SchoolPhase.alternative_provision} <= phases
    ewo = db.session.scalar(select(User).where(User.email == "ewo@demo.test"))
    ewo2 = db.session.scalar(select(User).where(User.email == "ewo2@demo.test"))
    assert [s.urn for s in ewo.schools_served] and len(ewo.schools_served) == 4 and len(ewo2.schools_served) == 4
    assert db.session.scalar(select(func.count(User.id))) == 9
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(access.ROLES)
    for email in ("admin@demo.test", "school@demo.test", "police@demo.test", "panelchair@demo.test"):
        c = client.application.test_client()
        assert c.login(email, password="attend-demo-2026").status_code == 302
